//! Activity types, outcomes and activities through the REST API and the server functions:
//! admin rules, logging, the time and permission rules of edits, bad input, events, the feed.

#[macro_use]
mod common;

use app::server::entity::activity;
use chrono::{Duration, Utc};
use common::{pipeline, type_id, Api, TestApp};
use reqwest::StatusCode;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

async fn activity_count(app: &TestApp) -> u64 {
    activity::Entity::find().count(&app.db).await.unwrap()
}

async fn lead_of(api: &Api<'_>, step: i64, title: &str) -> i64 {
    api.ok(
        "POST",
        "/leads",
        Some(json!({"title": title, "step_id": step})),
    )
    .await["id"]
        .as_i64()
        .unwrap()
}

async fn admins_shape_types_and_outcomes(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let member = Api::new(app, "member").await;
    // A new workspace starts with the defaults, in order.
    let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
    let names: Vec<&str> = types
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Call",
            "Email",
            "Email received",
            "Meeting",
            "Qualifying call",
            "Proposal"
        ]
    );
    let outcomes = |t: &Value| -> Vec<String> {
        t["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(outcomes(&types[0]), ["Answered", "Unanswered"]);
    assert_eq!(outcomes(&types[4]), ["Top fit", "Good fit", "Bad fit"]);
    assert_eq!(types[0]["icon"], "phone");

    // Bad input, field by field; members may not.
    let (status, body) = admin
        .send(
            "POST",
            "/activity-types",
            Some(json!({"name": "call", "colour": "blue", "icon": "rocket"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let fields = &body["error"]["fields"];
    assert!(
        fields["name"].as_str().unwrap().contains("already exists"),
        "{body}"
    );
    assert!(
        fields["colour"].is_string() && fields["icon"].is_string(),
        "{body}"
    );
    let (status, _) = member
        .send("POST", "/activity-types", Some(json!({"name": "Visit"})))
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Create, move first, add outcomes, reorder them.
    let visit = admin
        .ok(
            "POST",
            "/activity-types",
            Some(json!({"name": "Visit", "colour": "#0F766E", "icon": "flag"})),
        )
        .await;
    assert_eq!(visit["colour"], "#0f766e");
    let id = visit["id"].as_i64().unwrap();
    admin
        .ok(
            "PATCH",
            &format!("/activity-types/{id}"),
            Some(json!({"position": 0})),
        )
        .await;
    let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
    assert_eq!(types[0]["name"], "Visit");
    assert_eq!(types[1]["name"], "Call");
    let good = admin
        .ok(
            "POST",
            &format!("/activity-types/{id}/outcomes"),
            Some(json!({"name": "Good", "colour": "#16a34a"})),
        )
        .await;
    let bad = admin
        .ok(
            "POST",
            &format!("/activity-types/{id}/outcomes"),
            Some(json!({"name": "Bad", "colour": "#dc2626"})),
        )
        .await;
    let (status, _) = admin
        .send(
            "POST",
            &format!("/activity-types/{id}/outcomes"),
            Some(json!({"name": "good"})),
        )
        .await;
    assert_eq!(
        status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "duplicate outcome"
    );
    admin
        .ok(
            "PATCH",
            &format!("/outcomes/{}", bad["id"]),
            Some(json!({"position": 0, "name": "Poor"})),
        )
        .await;
    let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
    assert_eq!(outcomes(&types[0]), ["Poor", "Good"]);

    // Used: deleting is refused (409), deactivating keeps the history.
    let (_, steps) = pipeline(&admin, "Field", &["Visited"]).await;
    let lead = lead_of(&admin, steps[0], "Visited lead").await;
    let logged = admin
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": id, "outcome_id": good["id"], "lead_id": lead})),
        )
        .await;
    let (status, _) = admin
        .send("DELETE", &format!("/activity-types/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = admin
        .send("DELETE", &format!("/outcomes/{}", good["id"]), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // An unused outcome goes.
    admin
        .ok("DELETE", &format!("/outcomes/{}", bad["id"]), None)
        .await;
    let off = admin
        .ok(
            "PATCH",
            &format!("/activity-types/{id}"),
            Some(json!({"active": false})),
        )
        .await;
    assert_eq!(off["active"], false);
    let before = activity_count(app).await;
    let (status, body) = admin
        .send(
            "POST",
            "/activities",
            Some(json!({"type_id": id, "lead_id": lead})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["type_id"].is_string(), "{body}");
    assert_eq!(activity_count(app).await, before);
    // The old activity keeps its type.
    let kept = admin
        .ok("GET", &format!("/activities/{}", logged["id"]), None)
        .await;
    assert_eq!(kept["type_name"], "Visit");
    assert_eq!(kept["outcome_name"], "Good");

    // A type never used is deleted with its outcomes.
    let spare = admin
        .ok("POST", "/activity-types", Some(json!({"name": "Spare"})))
        .await;
    admin
        .ok(
            "POST",
            &format!("/activity-types/{}/outcomes", spare["id"]),
            Some(json!({"name": "Whatever"})),
        )
        .await;
    let (status, _) = admin
        .send("DELETE", &format!("/activity-types/{}", spare["id"]), None)
        .await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let types = admin.ok("GET", "/activity-types", None).await["items"].clone();
    assert!(types
        .as_array()
        .unwrap()
        .iter()
        .all(|t| t["name"] != "Spare"));
}
on_both_backends!(types_and_outcomes, admins_shape_types_and_outcomes);

async fn logging_follows_the_rules_and_refuses_bad_input(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let rep = Api::new(app, "member").await;
    let other = Api::new(app, "member").await;
    let manager = Api::new(app, "manager").await;
    let (_, steps) = pipeline(&admin, "Sales", &["New", "Won"]).await;
    let own = lead_of(&rep, steps[0], "Rep's lead").await;
    let theirs = lead_of(&other, steps[0], "Other's lead").await;
    let (call, unanswered) = type_id(&rep, "Call", Some("Unanswered")).await;
    let (meeting, held) = type_id(&rep, "Meeting", Some("Held")).await;

    let next = (Utc::now() + Duration::days(2)).to_rfc3339();
    let logged = rep
        .ok(
            "POST",
            "/activities",
            Some(
                json!({"type_id": call, "outcome_id": unanswered, "lead_id": own,
                        "note": "Voicemail", "next_action_at": next}),
            ),
        )
        .await;
    assert_eq!(logged["type_name"], "Call");
    assert_eq!(logged["outcome_name"], "Unanswered");
    assert_eq!(logged["lead_title"], "Rep's lead");
    assert_eq!(logged["can_edit"], true);
    let lead = rep.ok("GET", &format!("/leads/{own}"), None).await;
    assert!(
        lead["next_action_at"].is_string(),
        "next action set with the activity"
    );
    assert_eq!(lead["version"], 2);

    // Bad input: a clear field error each, nothing written.
    let before = activity_count(app).await;
    let future = (Utc::now() + Duration::hours(1)).to_rfc3339();
    let cases = [
        (
            json!({"type_id": call, "outcome_id": held, "lead_id": own}),
            "outcome_id",
        ),
        (json!({"type_id": call, "lead_id": theirs}), "lead_id"),
        (json!({"type_id": call, "lead_id": 999999}), "lead_id"),
        (
            json!({"type_id": call, "lead_id": own, "occurred_at": future}),
            "occurred_at",
        ),
        (
            json!({"type_id": call, "lead_id": own, "occurred_at": "yesterday"}),
            "occurred_at",
        ),
        (
            json!({"type_id": call, "lead_id": own, "note": "x".repeat(10_001)}),
            "note",
        ),
        (json!({"lead_id": own}), "type_id"),
        (json!({"type_id": 999999, "lead_id": own}), "type_id"),
        (
            json!({"type_id": call, "lead_id": own, "user_id": 1}),
            "user_id",
        ),
    ];
    for (body, field) in cases {
        let (status, answer) = rep.send("POST", "/activities", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {answer}");
        assert!(
            answer["error"]["fields"][field].is_string(),
            "{field} expected in {answer}"
        );
    }
    assert_eq!(activity_count(app).await, before, "nothing written");

    // Back-dating is fine; a few minutes of clock skew too.
    let yesterday = (Utc::now() - Duration::days(1)).to_rfc3339();
    let skewed = (Utc::now() + Duration::minutes(2)).to_rfc3339();
    for at in [yesterday, skewed] {
        rep.ok(
            "POST",
            "/activities",
            Some(
                json!({"type_id": meeting, "outcome_id": held, "lead_id": own, "occurred_at": at}),
            ),
        )
        .await;
    }

    // Edits: the author within 24 hours, nobody else but managers.
    let id = logged["id"].as_i64().unwrap();
    let edited = rep
        .ok(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"outcome_id": null, "note": "Left a message"})),
        )
        .await;
    assert!(edited["outcome_id"].is_null());
    assert_eq!(edited["note"], "Left a message");
    let (status, _) = other
        .send(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"note": "mine now"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = other
        .send("DELETE", &format!("/activities/{id}"), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A day later the author can no longer change it; a manager still can.
    activity::Entity::update_many()
        .col_expr(
            activity::Column::CreatedAt,
            sea_orm::sea_query::Expr::value(Utc::now() - Duration::hours(25)),
        )
        .filter(activity::Column::Id.eq(id as i32))
        .exec(&app.db)
        .await
        .unwrap();
    let (status, _) = rep
        .send(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"note": "late"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = rep.send("DELETE", &format!("/activities/{id}"), None).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let fixed = manager
        .ok(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"type_id": meeting, "outcome_id": held})),
        )
        .await;
    assert_eq!(fixed["type_name"], "Meeting");
    assert_eq!(fixed["user_id"], logged["user_id"], "the author stays");
    // An outcome of another type is refused on edits too.
    let (status, _) = manager
        .send(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"outcome_id": unanswered})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

    // Managers log for someone else (a phone system posting every rep's calls).
    let for_rep = manager
        .ok(
            "POST",
            "/activities",
            Some(
                json!({"type_id": call, "lead_id": theirs, "user_id": other_id(app, &other).await}),
            ),
        )
        .await;
    assert_eq!(
        for_rep["user_id"].as_i64(),
        Some(other_id(app, &other).await)
    );

    // Filters.
    let mine = rep
        .ok(
            "GET",
            &format!("/activities?lead_id={own}&type_id={meeting}"),
            None,
        )
        .await;
    assert_eq!(mine["items"].as_array().unwrap().len(), 3);
    let page = rep
        .ok("GET", &format!("/activities?lead_id={own}&limit=2"), None)
        .await;
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
    assert_eq!(page["next_offset"], 2);
    let (status, body) = rep.send("GET", "/activities?from=soon", None).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");

    manager
        .ok("DELETE", &format!("/activities/{id}"), None)
        .await;
    let (status, _) = rep.send("GET", &format!("/activities/{id}"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both_backends!(logging, logging_follows_the_rules_and_refuses_bad_input);

async fn other_id(_app: &TestApp, api: &Api<'_>) -> i64 {
    api.ok("GET", "/me", None).await["id"].as_i64().unwrap()
}

/// Reads SSE frames until `until` appears, then the events as JSON.
async fn events_until<S, B>(body: &mut S, until: &str) -> Vec<Value>
where
    S: futures::Stream<Item = reqwest::Result<B>> + Unpin,
    B: AsRef<[u8]>,
{
    use futures::StreamExt;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !text.contains(until) {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .unwrap_or_else(|_| panic!("{until} within 5 s, got {text}"));
        text.push_str(&String::from_utf8_lossy(chunk.unwrap().unwrap().as_ref()));
    }
    text.lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str(d.trim()).unwrap())
        .collect()
}

async fn every_change_is_an_event_and_the_feed_pages_without_gaps(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Feed", &["New"]).await;
    let response = admin
        .client
        .get(app.api("/events"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let lead = lead_of(&admin, steps[0], "Fed lead").await;
    let (call, answered) = type_id(&admin, "Call", Some("Answered")).await;
    let logged = admin
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": call, "outcome_id": answered, "lead_id": lead, "note": "Good talk"})),
        )
        .await;
    let id = logged["id"].as_i64().unwrap();
    admin
        .ok(
            "PATCH",
            &format!("/activities/{id}"),
            Some(json!({"note": "Great talk"})),
        )
        .await;
    admin.ok("DELETE", &format!("/activities/{id}"), None).await;
    let events = events_until(&mut body, "activity.deleted").await;
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        kinds,
        [
            "lead.created",
            "activity.created",
            "activity.updated",
            "activity.deleted"
        ]
    );
    let created = &events[1]["data"];
    assert_eq!(created["activity_id"], id);
    assert_eq!(created["lead_id"], lead);
    assert_eq!(created["feed"]["key"], format!("a{id}"));
    assert_eq!(created["feed"]["activity"]["outcome_name"], "Answered");
    assert_eq!(created["feed"]["lead_title"], "Fed lead");
    assert_eq!(events[2]["data"]["feed"]["activity"]["note"], "Great talk");
    assert_eq!(events[0]["data"]["feed"]["kind"], "lead_created");

    // The feed, through the page's server function: 60 activities page as 50 + the rest, with
    // the lead's creation, newest first, no item twice.
    let (client, _) = app.logged_in("admin").await;
    let lead_body = json!({"type_id": call, "lead_id": lead});
    for _ in 0..60 {
        admin
            .ok("POST", "/activities", Some(lead_body.clone()))
            .await;
    }
    let mut keys: Vec<String> = Vec::new();
    let mut before = String::new();
    loop {
        let page: Value = app
            .call(
                &client,
                "get_feed",
                &[("filter[user]", ""), ("before", &before)],
            )
            .await
            .json()
            .await
            .unwrap();
        for item in page["items"].as_array().unwrap() {
            keys.push(item["key"].as_str().unwrap().to_string());
        }
        match page["next"].as_str() {
            Some(next) => before = next.to_string(),
            None => break,
        }
    }
    let lead_created = keys.iter().filter(|k| k.starts_with('h')).count();
    assert_eq!(keys.len(), 60 + lead_created, "{keys:?}");
    assert_eq!(lead_created, 1);
    assert!(
        keys.last().unwrap().starts_with('h'),
        "the lead came first: {keys:?}"
    );
    let mut unique = keys.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), keys.len(), "no item twice");
    // Filtering by type leaves the lead items out.
    let page: Value = app
        .call(
            &client,
            "get_feed",
            &[("filter[type]", &call.to_string()), ("before", "")],
        )
        .await
        .json()
        .await
        .unwrap();
    assert!(page["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["kind"] == "activity"));
}
on_both_backends!(
    events_and_feed,
    every_change_is_an_event_and_the_feed_pages_without_gaps
);

async fn my_activities_are_mine_only(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Mine", &["New"]).await;
    let (client, me) = app.logged_in("member").await;
    let lead: Value = app
        .call(
            &client,
            "create_lead",
            &[
                ("lead[title]", "My lead"),
                ("lead[step_id]", &steps[0].to_string()),
            ],
        )
        .await
        .json()
        .await
        .unwrap();
    let lead_id = lead["id"].as_i64().unwrap().to_string();
    let (email, _) = type_id(&admin, "Email", None).await;
    let response = app
        .call(
            &client,
            "log_activity",
            &[
                ("activity[type_id]", &email.to_string()),
                ("activity[lead_id]", &lead_id),
                ("activity[note]", "Sent the brochure"),
                ("activity[occurred]", "2026-01-15T09:30"),
            ],
        )
        .await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "{}",
        response.text().await.unwrap()
    );
    // Someone else's activity on another lead.
    let other_lead = lead_of(&admin, steps[0], "Admin lead").await;
    admin
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": email, "lead_id": other_lead})),
        )
        .await;
    let page: Value = app
        .call(
            &client,
            "my_activities",
            &[("type_id", ""), ("outcome_id", ""), ("before", "")],
        )
        .await
        .json()
        .await
        .unwrap();
    let items = page["items"].as_array().unwrap();
    assert_eq!(items.len(), 1, "{page}");
    assert_eq!(items[0]["user_id"], me);
    assert_eq!(items[0]["note"], "Sent the brochure");
    assert!(
        items[0]["day"]
            .as_str()
            .unwrap()
            .contains("January 15, 2026"),
        "{page}"
    );
    // The lead's timeline reads the same activity.
    let timeline: Value = app
        .call(&client, "lead_activities", &[("lead_id", &lead_id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(timeline.as_array().unwrap().len(), 1);
}
on_both_backends!(mine, my_activities_are_mine_only);

async fn concurrent_loggers_all_succeed_each_once(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Busy", &["New"]).await;
    let lead = lead_of(&admin, steps[0], "Busy lead").await;
    let (call, answered) = type_id(&admin, "Call", Some("Answered")).await;
    let before = activity_count(app).await;
    // 40 at once: they share write transactions; each gets its own activity back.
    let calls = (0..40).map(|i| {
        let admin = &admin;
        async move {
            admin
                .ok(
                    "POST",
                    "/activities",
                    Some(json!({"type_id": call, "outcome_id": answered, "lead_id": lead, "note": format!("call {i}")})),
                )
                .await
        }
    });
    let logged = futures::future::join_all(calls).await;
    let mut ids: Vec<i64> = logged.iter().map(|a| a["id"].as_i64().unwrap()).collect();
    for (i, a) in logged.iter().enumerate() {
        assert_eq!(
            a["note"],
            format!("call {i}"),
            "each caller gets its own activity"
        );
    }
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 40);
    assert_eq!(activity_count(app).await, before + 40);
}
on_both_backends!(concurrent_logging, concurrent_loggers_all_succeed_each_once);

async fn a_client_back_after_a_long_absence_gets_everything_once(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Absent", &["New"]).await;
    let lead = lead_of(&admin, steps[0], "Absent lead").await;
    let (email, _) = type_id(&admin, "Email", None).await;
    let since = app::server::events::last_id(&app.db).await.unwrap();
    // More than one catch-up step (1,000 events) happens while the client is away.
    let calls = (0..1_100).map(|_| {
        let admin = &admin;
        async move {
            admin
                .ok(
                    "POST",
                    "/activities",
                    Some(json!({"type_id": email, "lead_id": lead})),
                )
                .await
        }
    });
    futures::future::join_all(calls).await;
    let response = admin
        .client
        .get(app.api(&format!("/events?after={since}")))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let mut body = response.bytes_stream();
    let mut ids = Vec::new();
    let mut buffer = String::new();
    while ids.len() < 1_100 {
        use futures::StreamExt;
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), body.next())
            .await
            .expect("the missed events within 10 s")
            .unwrap()
            .unwrap();
        buffer.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = buffer.find("\n\n") {
            let frame: String = buffer.drain(..end + 2).collect();
            if let Some(id) = frame.lines().find_map(|l| l.strip_prefix("id: ")) {
                ids.push(id.trim().parse::<i64>().unwrap());
            }
        }
    }
    let mut sorted = ids.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, ids, "in order, each once");
    assert_eq!(ids.len(), 1_100);
    assert!(ids[0] > since);
}
on_both_backends!(
    long_absence,
    a_client_back_after_a_long_absence_gets_everything_once
);
