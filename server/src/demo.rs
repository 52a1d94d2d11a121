//! The demo workspace, seeded into an empty database by `serve --demo`.

use app::server::entity::{activity, lead, lead_history};
use app::server::events::EventBus;
use app::server::{activities, pipelines, segments, users, workspace};
use chrono::{Duration, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::BoxError;

pub const DEMO_PASSWORD: &str = "cadence-demo";

/// (email, name, role, segment)
const PEOPLE: [(&str, &str, &str, Option<&str>); 8] = [
    ("admin@demo.test", "Alex Admin", "admin", None),
    ("manager@demo.test", "Morgan Manager", "manager", None),
    (
        "rep1@demo.test",
        "Riley Park",
        "member",
        Some("Prospecting"),
    ),
    ("rep2@demo.test", "Sam Ortiz", "member", Some("Prospecting")),
    (
        "rep3@demo.test",
        "Jordan Lee",
        "member",
        Some("Prospecting"),
    ),
    ("rep4@demo.test", "Casey Novak", "member", Some("Closing")),
    ("rep5@demo.test", "Taylor Brooks", "member", Some("Closing")),
    ("rep6@demo.test", "Jamie Chen", "member", Some("Closing")),
];

/// Seeds the demo workspace when the database has no users; returns the logins to print.
/// A database that has users is never touched.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<String>, BoxError> {
    if users::count(db).await.map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    let txn = app::server::writing(db).await?;
    if !workspace::claim_setup(&txn)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(None);
    }
    workspace::update(&txn, "Demo Co", "Europe/Paris", "EUR", "monday")
        .await
        .map_err(|e| e.to_string())?;
    let prospecting = segments::create(&txn, "Prospecting")
        .await
        .map_err(|e| e.to_string())?;
    let closing = segments::create(&txn, "Closing")
        .await
        .map_err(|e| e.to_string())?;
    for (email, name, role, segment) in PEOPLE {
        let segment_id = match segment {
            Some("Prospecting") => Some(prospecting.id),
            Some(_) => Some(closing.id),
            None => None,
        };
        users::create(
            &txn,
            users::NewUser {
                name: name.into(),
                email: email.into(),
                role: role.into(),
                segment_id,
                password: DEMO_PASSWORD.into(),
            },
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
    }
    txn.commit().await?;
    seed_pipelines(db).await?;
    seed_prospecting(db).await?;
    seed_goals(db).await?;
    let mut logins = String::from("Demo workspace created. Log in with any of these (password: ");
    logins.push_str(DEMO_PASSWORD);
    logins.push_str("):\n");
    for (email, _, role, _) in PEOPLE {
        logins.push_str(&format!("  {email:<20} {role}\n"));
    }
    Ok(Some(logins))
}

const COMPANIES: [&str; 24] = [
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark Industries",
    "Wayne Enterprises",
    "Hooli",
    "Vandelay",
    "Soylent",
    "Tyrell",
    "Cyberdyne",
    "Wonka",
    "Gringotts",
    "Oscorp",
    "Monarch",
    "Duff",
    "Pied Piper",
    "Dunder Mifflin",
    "Aperture",
    "Black Mesa",
    "Massive Dynamic",
    "Sirius Cybernetics",
    "Nakatomi",
    "Blue Sun",
];
pub(crate) const DEALS: [&str; 8] = [
    "Annual licence",
    "Team rollout",
    "Pilot project",
    "Support contract",
    "Upgrade",
    "Onboarding package",
    "Data migration",
    "Training days",
];

/// A small deterministic generator, so the demo looks the same on every first run.
pub(crate) struct Dice(pub(crate) u64);

impl Dice {
    pub(crate) fn roll(&mut self, below: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % below.max(1)
    }
}

/// Two pipelines and a few hundred leads with 90 days of history, over the six reps.
async fn seed_pipelines(db: &DatabaseConnection) -> Result<(), BoxError> {
    let bus = EventBus::new();
    let steps = |names: &[&str]| names.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let acquisition = pipelines::create(
        db,
        &bus,
        "Acquisition",
        &steps(&["Qualified", "Meeting", "Proposal", "Negotiation"]),
    )
    .await
    .map_err(|e| e.to_string())?;
    let renewal = pipelines::create(
        db,
        &bus,
        "Renewal",
        &steps(&["To contact", "In discussion", "Agreed"]),
    )
    .await
    .map_err(|e| e.to_string())?;
    let reps: Vec<i32> = users::list(db)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|u| u.email.starts_with("rep"))
        .map(|u| u.id)
        .collect();
    let mut dice = Dice(20261127);
    let now = Utc::now();
    let kinds = Kinds::read(db).await?;
    let mut logged: Vec<activity::ActiveModel> = Vec::new();
    let txn = app::server::writing(db).await?;
    for (pipeline, count) in [(&acquisition, 260), (&renewal, 90)] {
        for n in 0..count {
            let owner = reps[dice.roll(reps.len() as u64) as usize];
            let created = now
                - Duration::days(dice.roll(90) as i64)
                - Duration::minutes(dice.roll(600) as i64);
            // How far it went, and how it ended.
            let reached = dice.roll(pipeline.steps.len() as u64) as usize;
            let fate = dice.roll(10);
            let status = match fate {
                0..=5 => "active",
                6 => "standby",
                7 | 8 if reached + 1 == pipeline.steps.len() => "won",
                7 | 8 => "lost",
                _ => "cancelled",
            };
            let mut at = created;
            let mut history = Vec::new();
            let mut from: Option<(i32, &str)> = None;
            for step in &pipeline.steps[..=reached] {
                history.push((from, step.id, "active", at));
                from = Some((step.id, "active"));
                at += Duration::hours(6 + dice.roll(24 * 8) as i64);
            }
            let mut at = at.min(now - Duration::minutes(5));
            if at < created {
                at = created;
            }
            let step_id = pipeline.steps[reached].id;
            if status != "active" {
                history.push((from, step_id, status, at));
            }
            let closed = matches!(status, "won" | "lost" | "cancelled");
            let next_action =
                (!closed).then(|| now + Duration::hours(dice.roll(24 * 14) as i64 - 48));
            let company = COMPANIES[dice.roll(COMPANIES.len() as u64) as usize];
            let amount = ((dice.roll(95) + 5) * 50_000) as i64;
            let model = lead::ActiveModel {
                title: Set(format!(
                    "{} — {}",
                    DEALS[dice.roll(DEALS.len() as u64) as usize],
                    company
                )),
                amount_cents: Set(amount),
                currency: Set("EUR".into()),
                probability: Set(10 + 20 * reached as i32),
                owner_id: Set(owner),
                pipeline_id: Set(pipeline.id),
                step_id: Set(step_id),
                status: Set(status.into()),
                next_action_at: Set(next_action),
                company: Set(company.into()),
                person: Set(format!("Contact {n}")),
                email: Set(format!(
                    "contact{n}@{}.example",
                    company.to_lowercase().replace(' ', "")
                )),
                phone: Set(String::new()),
                notes: Set(String::new()),
                tags: Set(if n % 5 == 0 {
                    ",priority,".into()
                } else {
                    String::new()
                }),
                origin_list_id: Set(None),
                origin_prospect_id: Set(None),
                close_reason: Set(None),
                created_by: Set(owner),
                updated_by: Set(owner),
                created_at: Set(created),
                updated_at: Set(at),
                closed_at: Set(closed.then_some(at)),
                version: Set(history.len() as i32),
                ..Default::default()
            };
            let inserted = lead::Entity::insert(model).exec(&txn).await?.last_insert_id;
            let rows: Vec<lead_history::ActiveModel> = history
                .into_iter()
                .map(|(from, to_step, to_status, at)| lead_history::ActiveModel {
                    lead_id: Set(inserted),
                    user_id: Set(owner),
                    owner_id: Set(owner),
                    from_pipeline_id: Set(from.map(|_| pipeline.id)),
                    to_pipeline_id: Set(pipeline.id),
                    from_step_id: Set(from.map(|f| f.0)),
                    to_step_id: Set(to_step),
                    from_status: Set(from.map(|f| f.1.to_string())),
                    to_status: Set(to_status.to_string()),
                    at: Set(at),
                    amount_cents: Set(amount),
                    // Only the last entry changes the status into a closed one.
                    last_close: Set(closed && to_status == status),
                    ..Default::default()
                })
                .collect();
            lead_history::Entity::insert_many(rows).exec(&txn).await?;
            let end = if closed { at } else { now };
            for (type_id, outcome_id) in kinds.for_lead(&mut dice, reached, status) {
                let span = (end - created).num_minutes().max(1) as u64;
                let when = created + Duration::minutes(dice.roll(span) as i64);
                logged.push(activity::ActiveModel {
                    type_id: Set(type_id),
                    outcome_id: Set(outcome_id),
                    user_id: Set(owner),
                    lead_id: Set(Some(inserted)),
                    prospect_id: Set(None),
                    note: Set(String::new()),
                    occurred_at: Set(when),
                    created_at: Set(when),
                    updated_at: Set(when),
                    updated_by: Set(owner),
                    ..Default::default()
                });
            }
        }
    }
    for chunk in logged.chunks(500) {
        activity::Entity::insert_many(chunk.to_vec())
            .exec(&txn)
            .await?;
    }
    txn.commit().await?;
    Ok(())
}

const FIRST_NAMES: [&str; 12] = [
    "Ada", "Ben", "Chloe", "Dev", "Emma", "Farid", "Grace", "Hugo", "Ines", "Jonas", "Kim", "Lea",
];
const LAST_NAMES: [&str; 10] = [
    "Martin", "Dubois", "Smith", "Garcia", "Rossi", "Novak", "Khan", "Berg", "Silva", "Moreau",
];
/// Cities of the demo's prospects (the import benchmark uses them too).
pub const CITIES: [&str; 8] = [
    "Paris",
    "Lyon",
    "Lille",
    "Nantes",
    "Bordeaux",
    "Brussels",
    "Geneva",
    "Marseille",
];

/// Two prospecting lists worked by the prospecting reps with a qualification script: calls,
/// answers, qualifying calls, and some conversions into leads.
async fn seed_prospecting(db: &DatabaseConnection) -> Result<(), BoxError> {
    use app::prospecting::api::QuestionForm;
    use app::server::prospecting::{self, Conversion, NewColumn};
    use app::server::scripts::{self, Subject};
    let err = |e: app::error::AppError| -> BoxError { format!("{e:?}").into() };
    let bus = EventBus::new();
    let people = users::list(db).await.map_err(err)?;
    let actor_of = |email: &str| {
        people
            .iter()
            .find(|u| u.email == email)
            .map(|u| app::server::Actor {
                id: u.id,
                role: u.role,
                name: u.name.clone(),
                time_zone: u.time_zone.clone(),
            })
    };
    let manager = actor_of("manager@demo.test").ok_or("no manager")?;
    let reps: Vec<app::server::Actor> = ["rep1@demo.test", "rep2@demo.test", "rep3@demo.test"]
        .iter()
        .filter_map(|e| actor_of(e))
        .collect();
    let question = |kind: &str, prompt: &str, options: &[&str], required: bool| QuestionForm {
        id: None,
        kind: kind.into(),
        prompt: prompt.into(),
        options: options.iter().map(|o| o.to_string()).collect(),
        required,
    };
    let script = scripts::save(
        db,
        None,
        "Qualification",
        vec![
            question("text", "Who decides on the purchase?", &[], true),
            question(
                "single",
                "Budget this quarter?",
                &["Yes", "No", "Not sure"],
                true,
            ),
            question(
                "multiple",
                "What matters most?",
                &["Reports", "Mobile app", "API", "Price"],
                false,
            ),
            question("text", "Current tool", &[], false),
        ],
        None,
    )
    .await
    .map_err(err)?;
    let kinds = Kinds::read(db).await?;
    let mut dice = Dice(42);
    let now = Utc::now();
    for (name, rows) in [("Trade show 2026", 300), ("Cold outbound Q4", 240)] {
        let columns = [
            "Company:company",
            "Name:person",
            "Phone:phone",
            "Email:email",
            "City",
        ]
        .iter()
        .map(|l| NewColumn::from_line(l))
        .collect();
        let list = prospecting::create_list(db, &manager, name, columns)
            .await
            .map_err(err)?;
        prospecting::update_list(
            db,
            &manager,
            list.id,
            app::prospecting::api::ListSettings {
                script_id: Some(Some(script.id)),
                ..Default::default()
            },
        )
        .await
        .map_err(err)?;
        let ids: Vec<String> = list.columns.iter().map(|c| c.id.to_string()).collect();
        for n in 0..rows {
            let first = FIRST_NAMES[dice.roll(12) as usize];
            let last = LAST_NAMES[dice.roll(10) as usize];
            let company = format!(
                "{} {}",
                COMPANIES[dice.roll(24) as usize],
                ["Labs", "Group", "SAS", "GmbH", "Ltd", "& Co"][dice.roll(6) as usize]
            );
            let cells = [
                company.clone(),
                format!("{first} {last}"),
                format!(
                    "+33 1 {:02} {:02} {:02} {:02}",
                    dice.roll(100),
                    dice.roll(100),
                    dice.roll(100),
                    n % 100
                ),
                format!(
                    "{}.{}@{}.test",
                    first.to_lowercase(),
                    last.to_lowercase(),
                    company.split(' ').next().unwrap_or("firm").to_lowercase()
                ),
                CITIES[dice.roll(8) as usize].to_string(),
            ];
            let rep = (dice.roll(10) < 8).then(|| &reps[dice.roll(reps.len() as u64) as usize]);
            let row = prospecting::add_prospect(
                db,
                &bus,
                &manager,
                list.id,
                ids.iter().cloned().zip(cells).collect(),
                rep.map(|r| r.id),
            )
            .await
            .map_err(err)?;
            let Some(rep) = rep else { continue };
            // Six in ten assigned rows were called, some several times.
            if dice.roll(10) >= 6 {
                continue;
            }
            let calls = 1 + dice.roll(3);
            let mut answered = false;
            for _ in 0..calls {
                let picked = dice.roll(2) == 0;
                answered |= picked;
                if let Some((type_id, outcome_id)) =
                    kinds.pick("Call", Some(if picked { "Answered" } else { "Unanswered" }))
                {
                    let when = now - Duration::minutes(10 + dice.roll(60 * 24 * 30) as i64);
                    activity::Entity::insert(activity::ActiveModel {
                        type_id: Set(type_id),
                        outcome_id: Set(outcome_id),
                        user_id: Set(rep.id),
                        lead_id: Set(None),
                        prospect_id: Set(Some(row.id)),
                        note: Set(String::new()),
                        occurred_at: Set(when),
                        created_at: Set(when),
                        updated_at: Set(when),
                        updated_by: Set(rep.id),
                        ..Default::default()
                    })
                    .exec(db)
                    .await?;
                }
            }
            if answered {
                // The script, then the qualifying call.
                let budget = ["Yes", "No", "Not sure"][dice.roll(3) as usize];
                let answers = [
                    vec![["The CEO", "The IT lead", "A purchasing committee"]
                        [dice.roll(3) as usize]
                        .to_string()],
                    vec![budget.to_string()],
                    vec![
                        "Reports".to_string(),
                        ["API", "Price", "Mobile app"][dice.roll(3) as usize].to_string(),
                    ],
                ];
                for (q, value) in script.questions.iter().zip(answers) {
                    scripts::save_answer(db, rep, Subject::Prospect(row.id), q.id, value)
                        .await
                        .map_err(err)?;
                }
                let fit = match (budget, dice.roll(3)) {
                    ("Yes", 0 | 1) => "Top fit",
                    ("No", _) => "Bad fit",
                    _ => "Good fit",
                };
                if let Some((type_id, outcome_id)) = kinds.pick("Qualifying call", Some(fit)) {
                    activities::log(
                        db,
                        &bus,
                        rep,
                        activities::NewActivity {
                            type_id: Some(type_id),
                            outcome_id,
                            prospect_id: Some(row.id),
                            note: format!("Budget: {budget}."),
                            ..Default::default()
                        },
                    )
                    .await
                    .map_err(err)?;
                }
                if fit == "Top fit" {
                    let lead = prospecting::convert(db, &bus, rep, row.id, Conversion::default())
                        .await
                        .map_err(err)?;
                    // A top fit gets a meeting planned within the week.
                    let next = now + Duration::hours(2 + dice.roll(24 * 6) as i64);
                    lead::Entity::update_many()
                        .col_expr(
                            lead::Column::NextActionAt,
                            sea_orm::sea_query::Expr::value(next),
                        )
                        .filter(lead::Column::Id.eq(lead.id))
                        .exec(db)
                        .await?;
                } else if fit == "Bad fit" {
                    prospecting::disqualify(db, &bus, rep, row.id, "No budget this year")
                        .await
                        .map_err(err)?;
                }
            } else {
                prospecting::refresh_summary(db, row.id)
                    .await
                    .map_err(err)?;
            }
        }
    }
    Ok(())
}

/// A saved plan for this quarter (the worked example of the product brief, split over the
/// Prospecting and Closing segments) and the goals it created, a weekly meeting goal for the
/// closers, a monthly revenue goal on the default pipeline, and today's calls so far: some
/// reps ahead, some behind.
async fn seed_goals(db: &DatabaseConnection) -> Result<(), BoxError> {
    use app::domain::forecast::PlanInputs;
    use app::goals::api::GoalInput;
    use app::server::entity::{prospect, user};
    use app::server::{goals, prospecting, Actor};
    use sea_orm::QueryOrder;

    let err = |e: app::error::AppError| format!("{e:?}");
    let kinds = Kinds::read(db).await?;
    let (Some((call, _)), Some((meeting, _)), Some((proposal, _))) = (
        kinds.pick("Call", None),
        kinds.pick("Meeting", None),
        kinds.pick("Proposal", None),
    ) else {
        return Ok(());
    };
    let people = user::Entity::find()
        .order_by_asc(user::Column::Id)
        .all(db)
        .await?;
    let Some(manager) = people.iter().find(|u| u.role == "manager") else {
        return Ok(());
    };
    let actor = Actor {
        id: manager.id,
        role: app::domain::Role::Manager,
        name: manager.name.clone(),
        time_zone: manager.time_zone.clone(),
    };
    let segment_of = |name: &str| {
        let email = PEOPLE.iter().find(|p| p.3 == Some(name)).map(|p| p.0)?;
        people.iter().find(|u| u.email == email)?.segment_id
    };
    let cal = goals::calendar(db).await.map_err(err)?;
    let today = cal.today(Utc::now());
    let mut inputs = PlanInputs::example(today, call, meeting, proposal);
    inputs.prospecting_segment = segment_of("Prospecting");
    inputs.closing_segment = segment_of("Closing");
    let plan = goals::save_plan(db, &actor, None, "Q plan: 90,000", &inputs)
        .await
        .map_err(err)?;
    goals::apply_plan(db, &actor, plan.id).await.map_err(err)?;
    let monday = today
        - Duration::days(i64::from(
            chrono::Datelike::weekday(&today).num_days_from_monday(),
        ));
    goals::create(
        db,
        &actor,
        &GoalInput {
            kind: "activities".into(),
            activity_type_id: Some(meeting),
            assignee: "segment".into(),
            segment_id: segment_of("Closing"),
            period: "week".into(),
            starts_on: monday.to_string(),
            target: "3".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(err)?;
    let default_pipeline = pipelines::list(db)
        .await
        .map_err(err)?
        .into_iter()
        .find(|p| p.is_default)
        .map(|p| p.id);
    goals::create(
        db,
        &actor,
        &GoalInput {
            kind: "revenue_won".into(),
            pipeline_id: default_pipeline,
            assignee: "team".into(),
            period: "month".into(),
            starts_on: today.to_string(),
            target: "40000".into(),
            ..Default::default()
        },
    )
    .await
    .map_err(err)?;
    // Today's calls so far, on each prospector's own rows: 9, 4 and 1.
    let now = Utc::now();
    let start_of_day = app::domain::period::day_start(today, &cal.tz);
    let callers: Vec<&user::Model> = people
        .iter()
        .filter(|u| u.segment_id.is_some() && u.segment_id == segment_of("Prospecting"))
        .collect();
    for (caller, calls) in callers.iter().zip([9u32, 4, 1]) {
        let rows = prospect::Entity::find()
            .filter(prospect::Column::AssignedTo.eq(caller.id))
            .order_by_asc(prospect::Column::Id)
            .all(db)
            .await?;
        for (i, row) in rows.iter().take(calls as usize).enumerate() {
            let when = (now - Duration::minutes(3 + 7 * i as i64)).max(start_of_day);
            let answered = i % 3 == 0;
            let Some((type_id, outcome_id)) = kinds.pick(
                "Call",
                Some(if answered { "Answered" } else { "Unanswered" }),
            ) else {
                continue;
            };
            activity::Entity::insert(activity::ActiveModel {
                type_id: Set(type_id),
                outcome_id: Set(outcome_id),
                user_id: Set(caller.id),
                lead_id: Set(None),
                prospect_id: Set(Some(row.id)),
                note: Set(String::new()),
                occurred_at: Set(when),
                created_at: Set(when),
                updated_at: Set(when),
                updated_by: Set(caller.id),
                ..Default::default()
            })
            .exec(db)
            .await?;
            prospecting::refresh_summary(db, row.id)
                .await
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The default activity types and outcomes, by name (a type the admin removed is skipped).
struct Kinds {
    by_name: std::collections::HashMap<String, (i32, Vec<(String, i32)>)>,
}

impl Kinds {
    async fn read(db: &DatabaseConnection) -> Result<Kinds, BoxError> {
        let types = activities::types(db).await.map_err(|e| e.to_string())?;
        Ok(Kinds {
            by_name: types
                .into_iter()
                .map(|t| {
                    let outcomes = t.outcomes.into_iter().map(|o| (o.name, o.id)).collect();
                    (t.name, (t.id, outcomes))
                })
                .collect(),
        })
    }

    fn pick(&self, kind: &str, outcome: Option<&str>) -> Option<(i32, Option<i32>)> {
        let (id, outcomes) = self.by_name.get(kind)?;
        let outcome_id =
            outcome.and_then(|name| outcomes.iter().find(|(n, _)| n == name).map(|(_, id)| *id));
        Some((*id, outcome_id))
    }

    /// A realistic mix for a lead that reached step `reached`: many calls (half unanswered),
    /// emails both ways, a qualifying call, meetings from the second step, proposals from the
    /// third.
    fn for_lead(&self, dice: &mut Dice, reached: usize, status: &str) -> Vec<(i32, Option<i32>)> {
        let mut out = Vec::new();
        let mut add = |kind: &str, outcome: Option<&str>| {
            if let Some(pick) = self.pick(kind, outcome) {
                out.push(pick);
            }
        };
        for _ in 0..(3 + dice.roll(4) + 2 * reached as u64) {
            let answered = dice.roll(2) == 0;
            add(
                "Call",
                Some(if answered { "Answered" } else { "Unanswered" }),
            );
        }
        for _ in 0..(1 + dice.roll(3)) {
            add("Email", None);
        }
        for _ in 0..dice.roll(3) {
            add("Email received", None);
        }
        let fit = ["Top fit", "Good fit", "Good fit", "Bad fit"][dice.roll(4) as usize];
        add("Qualifying call", Some(fit));
        if reached >= 1 {
            for _ in 0..(1 + dice.roll(2)) {
                let held = dice.roll(7) != 0;
                add("Meeting", Some(if held { "Held" } else { "No-show" }));
            }
        }
        if reached >= 2 {
            add("Proposal", Some("Sent"));
            match status {
                "won" => add("Proposal", Some("Accepted")),
                "lost" => add("Proposal", Some("Declined")),
                _ => {}
            }
        }
        out
    }
}
