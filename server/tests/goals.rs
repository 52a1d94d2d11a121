//! Goals and plans on both backends: progress counted from a fixture with hand-computed
//! values (activities by when they happened, wins on their last win only, segment totals),
//! bad input refused with nothing written, and plans whose apply creates exactly the goals
//! previewed and whose re-apply replaces them.

#[macro_use]
mod common;

use app::domain::period::PeriodKind;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::{activity_at, lead_with_history, pipeline, set_segment, type_id, Api, TestApp};
use reqwest::StatusCode;
use serde_json::{json, Value};

fn at(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, day, hour, minute, 0)
        .unwrap()
}

fn goal_of(progress: &Value, id: i64) -> &Value {
    progress
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["goal"]["id"] == id)
        .unwrap_or_else(|| panic!("goal {id} in {progress}"))
}

/// (name or user id, current, target) of each row.
fn rows(goal: &Value) -> Vec<(Value, i64, i64)> {
    goal["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                if r["total"] == true {
                    r["name"].clone()
                } else {
                    r["user_id"].clone()
                },
                r["pace"]["current"].as_i64().unwrap(),
                r["pace"]["target"].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn progress_counts_the_recorded_data(app: &TestApp) {
    app::server::workspace::update(&app.db, "Goals Co", "UTC", "EUR", "monday")
        .await
        .unwrap();
    let admin = Api::new(app, "admin").await;
    let manager = Api::new(app, "manager").await;
    let ann = app.user("ann@goals.test", "member").await;
    let bob = app.user("bob@goals.test", "member").await;
    let segment = admin
        .ok("POST", "/segments", Some(json!({"name": "Callers"})))
        .await["id"]
        .as_i64()
        .unwrap();
    set_segment(app, ann, segment).await;
    set_segment(app, bob, segment).await;
    let (_, steps) = pipeline(&admin, "Sales", &["New", "Won"]).await;
    let step = steps[0];
    // Wins in the week of Monday 2 November 2026 (UTC): L1 (Ann, 1,000) and L4 (Bob, 300).
    // L2 was won in the week, reopened and won again the next week: it counts then only.
    // L3 was won and reopened: it counts nowhere.
    let l1 = lead_with_history(
        app,
        &manager,
        step,
        ann,
        "1000",
        at(3, 9, 0),
        &[("won", at(3, 10, 0))],
    )
    .await;
    lead_with_history(
        app,
        &manager,
        step,
        bob,
        "2000",
        at(4, 9, 0),
        &[
            ("won", at(4, 10, 0)),
            ("active", at(5, 10, 0)),
            ("won", at(10, 10, 0)),
        ],
    )
    .await;
    lead_with_history(
        app,
        &manager,
        step,
        ann,
        "500",
        Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap(),
        &[("won", at(5, 11, 0)), ("active", at(6, 11, 0))],
    )
    .await;
    lead_with_history(
        app,
        &manager,
        step,
        bob,
        "300",
        at(7, 9, 0),
        &[("won", at(7, 12, 0))],
    )
    .await;
    let call_answered = type_id(&admin, "Call", Some("Answered")).await;
    let call_unanswered = type_id(&admin, "Call", Some("Unanswered")).await;
    let meeting = type_id(&admin, "Meeting", None).await;
    for (who, kind, when) in [
        (ann, call_answered, at(2, 9, 0)),
        (ann, call_answered, at(4, 15, 0)),
        (ann, call_unanswered, at(6, 11, 0)),
        (ann, meeting, at(5, 14, 0)),
        // Outside the week, by a minute either side.
        (ann, call_answered, at(9, 0, 0)),
        (
            ann,
            call_answered,
            Utc.with_ymd_and_hms(2026, 11, 1, 23, 59, 0).unwrap(),
        ),
        (bob, call_answered, at(3, 8, 0)),
        (bob, call_unanswered, at(8, 23, 59)),
    ] {
        activity_at(app, who, kind, l1, when).await;
    }
    let goal = |body: Value| async move { manager_post(app, body).await };
    let calls_ann = goal(json!({"kind": "activities", "activity_type_id": call_answered.0, "assignee": "user", "user_id": ann, "period": "week", "starts_on": "2026-10-05", "target": "5"})).await;
    let answered_segment = goal(json!({"kind": "activities", "activity_type_id": call_answered.0, "outcome_id": call_answered.1, "assignee": "segment", "segment_id": segment, "period": "week", "starts_on": "2026-10-05", "target": "2"})).await;
    let won = goal(json!({"kind": "leads_won", "assignee": "team", "period": "week", "starts_on": "2026-10-05", "target": "2"})).await;
    let revenue = goal(json!({"kind": "revenue_won", "assignee": "team", "period": "week", "starts_on": "2026-10-05", "target": "1000"})).await;
    let created = goal(json!({"kind": "leads_created", "assignee": "team", "period": "week", "starts_on": "2026-10-05", "target": "5"})).await;
    let daily = goal(json!({"kind": "activities", "activity_type_id": call_answered.0, "assignee": "user", "user_id": ann, "period": "day", "starts_on": "2026-11-01", "target": "1"})).await;

    let progress = manager
        .ok("GET", "/goals/progress?period_start=2026-11-04", None)
        .await;
    // Ann: three calls in the week (two answered, one not); the meeting is another type.
    assert_eq!(
        rows(goal_of(&progress, calls_ann)),
        vec![(json!(ann), 3, 5)]
    );
    let seg = goal_of(&progress, answered_segment);
    assert_eq!(
        rows(seg),
        vec![
            (json!(ann), 2, 2),
            (json!(bob), 1, 2),
            (json!("Callers total"), 3, 4)
        ]
    );
    assert_eq!(
        rows(goal_of(&progress, won)),
        vec![(json!("Whole team"), 2, 2)]
    );
    assert_eq!(
        rows(goal_of(&progress, revenue)),
        vec![(json!("Whole team"), 130_000, 100_000)]
    );
    assert_eq!(
        rows(goal_of(&progress, created)),
        vec![(json!("Whole team"), 3, 5)]
    );
    // The daily goal on Wednesday 4 November: the call at 15:00.
    assert_eq!(rows(goal_of(&progress, daily)), vec![(json!(ann), 1, 1)]);
    // A past period is over: met or missed, expected is the whole target.
    let pace = &goal_of(&progress, calls_ann)["rows"][0]["pace"];
    assert_eq!(
        (pace["status"].as_str(), pace["expected"].as_i64()),
        (Some("missed"), Some(5))
    );
    assert_eq!(goal_of(&progress, won)["rows"][0]["pace"]["status"], "met");
    // The next week holds L2's last win (2,000), and Ann's call at midnight.
    let next = manager
        .ok("GET", "/goals/progress?period_start=2026-11-10", None)
        .await;
    assert_eq!(rows(goal_of(&next, won)), vec![(json!("Whole team"), 1, 2)]);
    assert_eq!(
        rows(goal_of(&next, revenue)),
        vec![(json!("Whole team"), 200_000, 100_000)]
    );
    assert_eq!(rows(goal_of(&next, calls_ann)), vec![(json!(ann), 1, 5)]);
    // Sunday is not a working day: the daily activity goal does not apply.
    let sunday = manager
        .ok("GET", "/goals/progress?period_start=2026-11-08", None)
        .await;
    assert!(sunday
        .as_array()
        .unwrap()
        .iter()
        .all(|g| g["goal"]["id"] != daily));
    // A member reads their own rows only.
    let member_view = {
        let token = app::server::tokens::create(&app.db, bob, "t")
            .await
            .unwrap()
            .token;
        let response = reqwest::Client::new()
            .get(app.api("/goals/progress?period_start=2026-11-04"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap();
        response.json::<Value>().await.unwrap()
    };
    let bobs: Vec<i64> = member_view
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["goal"]["id"].as_i64().unwrap())
        .collect();
    assert_eq!(bobs, vec![answered_segment]);
    assert_eq!(rows(&member_view[0]), vec![(json!(bob), 1, 2)]);
    // The team page's history: the week before 9 November was met for wins, missed for Ann.
    let team = app::server::goals::team(
        &app.db,
        PeriodKind::Week,
        NaiveDate::from_ymd_opt(2026, 11, 11),
        Utc::now(),
    )
    .await
    .unwrap();
    let history = |id: i64| {
        team.goals
            .iter()
            .find(|g| i64::from(g.goal.id) == id)
            .unwrap()
            .history
            .first()
            .cloned()
            .unwrap()
    };
    assert_eq!(
        history(won).period.start,
        NaiveDate::from_ymd_opt(2026, 11, 2).unwrap()
    );
    assert!(history(won).met && history(won).value == 2);
    assert!(!history(calls_ann).met && history(calls_ann).value == 3);
}
on_both_backends!(progress, progress_counts_the_recorded_data);

async fn manager_post(app: &TestApp, body: Value) -> i64 {
    let manager = Api::new(app, "manager").await;
    manager.ok("POST", "/goals", Some(body)).await["id"]
        .as_i64()
        .unwrap()
}

async fn bad_goals_and_plans_are_refused_and_nothing_is_written(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let manager = Api::new(app, "manager").await;
    let rep = app.user("rep@goals.test", "member").await;
    let (call, answered) = type_id(&admin, "Call", Some("Answered")).await;
    let (meeting, _) = type_id(&admin, "Meeting", None).await;
    let (_, outcome_of_meeting) = {
        let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
        let m = types
            .as_array()
            .unwrap()
            .iter()
            .find(|t| t["id"] == meeting)
            .unwrap()
            .clone();
        (meeting, m["outcomes"][0]["id"].as_i64())
    };
    let (pipeline_id, _) = pipeline(&admin, "Sales", &["New"]).await;
    // An inactive type.
    let inactive = admin
        .ok(
            "POST",
            "/activity-types",
            Some(json!({"name": "Fax", "colour": "#777777", "icon": "flag"})),
        )
        .await["id"]
        .as_i64()
        .unwrap();
    admin
        .ok(
            "PATCH",
            &format!("/activity-types/{inactive}"),
            Some(json!({"active": false})),
        )
        .await;
    let base = json!({"kind": "activities", "activity_type_id": call, "assignee": "user", "user_id": rep, "period": "day", "starts_on": "2026-11-02", "target": "10"});
    let with = |patch: Value| {
        let mut body = base.clone();
        for (k, v) in patch.as_object().unwrap() {
            body[k] = v.clone();
        }
        body
    };
    for (patch, field) in [
        (json!({"target": "0"}), "target"),
        (json!({"target": "-4"}), "target"),
        (json!({"target": "ten"}), "target"),
        (json!({"activity_type_id": inactive}), "activity_type_id"),
        (json!({"outcome_id": outcome_of_meeting}), "outcome_id"),
        (json!({"pipeline_id": pipeline_id}), "pipeline_id"),
        (json!({"starts_on": "2026-02-30"}), "starts_on"),
        (json!({"period": "range", "ends_on": ""}), "ends_on"),
        (
            json!({"period": "range", "ends_on": "2026-11-01"}),
            "ends_on",
        ),
        (
            json!({"kind": "revenue_won", "activity_type_id": null, "target": "0"}),
            "target",
        ),
    ] {
        let (status, body) = manager
            .send("POST", "/goals", Some(with(patch.clone())))
            .await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{patch}: {body}");
        assert!(
            body["error"]["fields"][field].is_string(),
            "{patch}: {body}"
        );
    }
    // A start whose midnight does not exist in the workspace's zone (São Paulo, 2018).
    app::server::workspace::update(&app.db, "Goals Co", "America/Sao_Paulo", "BRL", "monday")
        .await
        .unwrap();
    let (status, body) = manager
        .send(
            "POST",
            "/goals",
            Some(with(json!({"starts_on": "2018-11-04"}))),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body["error"]["fields"]["starts_on"]
        .as_str()
        .unwrap()
        .contains("midnight"));
    // Members do not set goals.
    let member = Api::new(app, "member").await;
    let (status, _) = member.send("POST", "/goals", Some(base.clone())).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(
        manager.ok("GET", "/goals", None).await["items"].clone(),
        json!([])
    );
    // A good one is accepted, with an outcome of its own type.
    manager
        .ok(
            "POST",
            "/goals",
            Some(with(json!({"outcome_id": answered}))),
        )
        .await;
    // Plans: zero deal value, negative ratios: field messages, no NaN, nothing saved.
    let plan = json!({"target": "90000", "period": "quarter", "starts_on": "2026-10-01", "deal_value": "0", "leads_per_deal": "-4", "prospects_per_lead": "20", "per_prospect": [{"type_id": call, "rate": "0"}]});
    let (status, body) = manager
        .send("POST", "/plans/compute", Some(plan.clone()))
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let fields = &body["error"]["fields"];
    assert!(fields["deal_value"].is_string() && fields["leads_per_deal"].is_string());
    assert!(fields["per_prospect.0"].is_string(), "{body}");
    assert!(!body.to_string().contains("NaN") && !body.to_string().contains("inf"));
    let (status, _) = manager
        .send(
            "POST",
            "/plans",
            Some(json!({"name": "Bad", "inputs": plan})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        manager.ok("GET", "/plans", None).await["items"].clone(),
        json!([])
    );
}
on_both_backends!(
    bad_input,
    bad_goals_and_plans_are_refused_and_nothing_is_written
);

/// (kind, activity type, user, target, period, starts, ends) of each goal, sorted.
fn goal_keys(goals: &Value) -> Vec<String> {
    let mut keys: Vec<String> = goals
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            format!(
                "{} {} {} {} {} {} {}",
                g["kind"],
                g["activity_type_id"],
                g["user_id"],
                g["target"],
                g["schedule"]["period"],
                g["schedule"]["starts_on"],
                g["schedule"]["ends_on"]
            )
        })
        .collect();
    keys.sort();
    keys
}

async fn plan_apply_creates_the_previewed_goals_and_reapply_replaces_them(app: &TestApp) {
    app::server::workspace::update(&app.db, "Plan Co", "UTC", "EUR", "monday")
        .await
        .unwrap();
    let admin = Api::new(app, "admin").await;
    let manager = Api::new(app, "manager").await;
    let (call, _) = type_id(&admin, "Call", None).await;
    let (meeting, _) = type_id(&admin, "Meeting", None).await;
    let (email, _) = type_id(&admin, "Email", None).await;
    let callers = admin
        .ok("POST", "/segments", Some(json!({"name": "Prospecting"})))
        .await["id"]
        .as_i64()
        .unwrap();
    let closers = admin
        .ok("POST", "/segments", Some(json!({"name": "Closing"})))
        .await["id"]
        .as_i64()
        .unwrap();
    for (i, segment) in [callers, callers, closers].into_iter().enumerate() {
        let id = app.user(&format!("p{i}@plan.test"), "member").await;
        set_segment(app, id, segment).await;
    }
    // The worked example, with email standing in for proposals.
    let inputs = json!({
        "target": "90000", "period": "quarter", "starts_on": "2026-10-01", "deal_value": "30000",
        "leads_per_deal": "4", "prospects_per_lead": "20",
        "per_prospect": [{"type_id": call, "rate": "3"}],
        "per_lead": [{"type_id": call, "rate": "8"}, {"type_id": meeting, "rate": "1"}, {"type_id": email, "rate": "2"}],
        "prospecting_segment": callers, "closing_segment": closers, "goal_period": "day"
    });
    let preview = manager
        .ok("POST", "/plans/compute", Some(inputs.clone()))
        .await;
    let funnel = &preview["funnel"];
    assert_eq!(
        (
            funnel["deals"].as_i64(),
            funnel["leads"].as_i64(),
            funnel["prospects"].as_i64()
        ),
        (Some(3), Some(12), Some(240))
    );
    assert_eq!(funnel["prospect_activities"][0]["total"], 720);
    let lead_totals: Vec<i64> = funnel["lead_activities"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["total"].as_i64().unwrap())
        .collect();
    assert_eq!(lead_totals, vec![96, 12, 24]);
    // Three team goals; a call goal for each caller; call, meeting, email for the closer.
    assert_eq!(preview["goals"].as_array().unwrap().len(), 3 + 2 + 3);
    assert_eq!(preview["people"].as_array().unwrap().len(), 3);
    let plan = manager
        .ok(
            "POST",
            "/plans",
            Some(json!({"name": "Q4", "inputs": inputs})),
        )
        .await;
    let id = plan["id"].as_i64().unwrap();
    let applied = manager
        .ok("POST", &format!("/plans/{id}/apply"), None)
        .await;
    assert_eq!(goal_keys(&applied), goal_keys(&preview["goals"]));
    let listed = manager
        .ok("GET", &format!("/goals?plan_id={id}"), None)
        .await["items"]
        .clone();
    assert_eq!(goal_keys(&listed), goal_keys(&preview["goals"]));
    let first_ids: Vec<i64> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["id"].as_i64().unwrap())
        .collect();
    // Double the target and apply again: the earlier goals are replaced, not added to.
    let mut doubled = inputs.clone();
    doubled["target"] = json!("180000");
    manager
        .ok(
            "PATCH",
            &format!("/plans/{id}"),
            Some(json!({"inputs": doubled})),
        )
        .await;
    let preview2 = manager.ok("POST", "/plans/compute", Some(doubled)).await;
    assert_eq!(preview2["funnel"]["deals"], 6);
    let reapplied = manager
        .ok("POST", &format!("/plans/{id}/apply"), None)
        .await;
    assert_eq!(goal_keys(&reapplied), goal_keys(&preview2["goals"]));
    let all = manager.ok("GET", "/goals", None).await["items"].clone();
    assert_eq!(goal_keys(&all), goal_keys(&preview2["goals"]));
    for old in first_ids {
        let (status, _) = manager.send("GET", &format!("/goals/{old}"), None).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    }
    let saved = manager.ok("GET", &format!("/plans/{id}"), None).await;
    assert_eq!(
        saved["goal_ids"].as_array().unwrap().len(),
        preview2["goals"].as_array().unwrap().len()
    );
    assert!(saved["applied_at"].is_string());
    // Deleting the plan keeps its goals.
    manager.ok("DELETE", &format!("/plans/{id}"), None).await;
    assert_eq!(
        goal_keys(&manager.ok("GET", "/goals", None).await["items"].clone()),
        goal_keys(&preview2["goals"])
    );
}
on_both_backends!(
    plans,
    plan_apply_creates_the_previewed_goals_and_reapply_replaces_them
);
