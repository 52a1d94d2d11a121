//! Pipelines, steps and leads through the REST API: history, concurrency, permissions, bad
//! input, and the live event stream.

#[macro_use]
mod common;

use common::{pipeline, Api, TestApp};
use reqwest::{Client, StatusCode};
use serde_json::{json, Value};

async fn every_move_and_status_change_is_in_the_history(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Acquisition", &["Qualified", "Meeting", "Proposal"]).await;
    let lead = admin
        .ok("POST", "/leads", Some(json!({"title": "Big deal", "amount": "12000.50", "step_id": steps[0], "company": "Acme"})))
        .await;
    assert_eq!(lead["amount"], "12000.50");
    assert_eq!(lead["status"], "active");
    let id = lead["id"].as_i64().unwrap();
    let moved = admin
        .ok(
            "PATCH",
            &format!("/leads/{id}"),
            Some(json!({"version": lead["version"], "step_id": steps[2]})),
        )
        .await;
    assert_eq!(moved["step_id"], steps[2]);
    let won = admin
        .ok(
            "PATCH",
            &format!("/leads/{id}"),
            Some(json!({"version": moved["version"], "status": "won", "close_reason": "Signed"})),
        )
        .await;
    assert!(won["closed_at"].is_string());
    assert_eq!(won["close_reason"], "Signed");
    let reopened = admin
        .ok(
            "PATCH",
            &format!("/leads/{id}"),
            Some(json!({"version": won["version"], "status": "active"})),
        )
        .await;
    assert!(reopened["closed_at"].is_null());
    // An edit that moves nothing adds no history.
    admin
        .ok(
            "PATCH",
            &format!("/leads/{id}"),
            Some(json!({"version": reopened["version"], "notes": "Call back"})),
        )
        .await;
    let history = admin.ok("GET", &format!("/leads/{id}/history"), None).await["items"].clone();
    let history = history.as_array().unwrap();
    assert_eq!(history.len(), 4, "{history:?}");
    // Newest first: reopen, win, move, creation.
    assert_eq!(history[0]["from_status"], "won");
    assert_eq!(history[0]["to_status"], "active");
    assert_eq!(history[1]["to_status"], "won");
    assert_eq!(history[1]["from_step_id"], steps[2]);
    assert_eq!(history[2]["from_step_id"], steps[0]);
    assert_eq!(history[2]["to_step_id"], steps[2]);
    assert!(history[3]["from_step_id"].is_null());
    assert_eq!(history[3]["to_step_id"], steps[0]);
}
on_both_backends!(history, every_move_and_status_change_is_in_the_history);

async fn of_two_concurrent_moves_exactly_one_wins(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let other = Api::new(app, "manager").await;
    let (_, steps) = pipeline(&admin, "Race", &["A", "B", "C"]).await;
    let lead = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Contested", "step_id": steps[0]})),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    let path = format!("/leads/{id}");
    let first = admin.send(
        "PATCH",
        &path,
        Some(json!({"version": 1, "step_id": steps[1]})),
    );
    let second = other.send(
        "PATCH",
        &path,
        Some(json!({"version": 1, "step_id": steps[2]})),
    );
    let ((s1, _), (s2, b2)) = tokio::join!(first, second);
    let mut statuses = [s1.as_u16(), s2.as_u16()];
    statuses.sort();
    assert_eq!(statuses, [200, 409], "{b2}");
    let history = admin.ok("GET", &format!("/leads/{id}/history"), None).await["items"].clone();
    assert_eq!(
        history.as_array().unwrap().len(),
        2,
        "creation and exactly one move"
    );
    // Paged by the database: the second entry alone, with the count of all.
    let second = admin
        .ok(
            "GET",
            &format!("/leads/{id}/history?limit=1&offset=1"),
            None,
        )
        .await;
    assert_eq!(second["items"], json!([history[1].clone()]));
    assert_eq!(
        (second["total"].as_u64(), second["next"].as_str()),
        (Some(2), None)
    );
    let first = admin
        .ok("GET", &format!("/leads/{id}/history?limit=1"), None)
        .await;
    assert_eq!(first["items"], json!([history[0].clone()]));
    assert_eq!(first["next_offset"], 1);
    let current = admin.ok("GET", &path, None).await;
    assert_eq!(current["version"], 2);
    // The refusal says who changed it.
    let (status, body) = admin
        .send(
            "PATCH",
            &path,
            Some(json!({"version": 1, "title": "Stale"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("changed by"),
        "{body}"
    );
    assert_ne!(admin.ok("GET", &path, None).await["title"], "Stale");
}
on_both_backends!(concurrency, of_two_concurrent_moves_exactly_one_wins);

async fn members_edit_their_own_leads_and_read_the_others(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let member = Api::new(app, "member").await;
    let manager = Api::new(app, "manager").await;
    let (_, steps) = pipeline(&admin, "Sales", &["One", "Two"]).await;
    let theirs = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Admin's", "step_id": steps[0]})),
        )
        .await;
    let mine = member
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Mine", "step_id": steps[0]})),
        )
        .await;
    let their_path = format!("/leads/{}", theirs["id"]);
    let my_path = format!("/leads/{}", mine["id"]);
    assert_eq!(
        member.send("GET", &their_path, None).await.0,
        StatusCode::OK
    );
    assert_eq!(
        member
            .send(
                "PATCH",
                &their_path,
                Some(json!({"version": 1, "step_id": steps[1]}))
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .send(
                "PATCH",
                &my_path,
                Some(json!({"version": 1, "step_id": steps[1]}))
            )
            .await
            .0,
        StatusCode::OK
    );
    let manager_id = manager.ok("GET", "/me", None).await["id"].clone();
    let (status, body) = member
        .send(
            "PATCH",
            &my_path,
            Some(json!({"version": 2, "owner_id": manager_id})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(
        member.send("DELETE", &my_path, None).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        manager
            .send(
                "PATCH",
                &my_path,
                Some(json!({"version": 2, "owner_id": manager_id}))
            )
            .await
            .0,
        StatusCode::OK
    );
    assert_eq!(
        manager.send("DELETE", &their_path, None).await.0,
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        manager.send("GET", &their_path, None).await.0,
        StatusCode::NOT_FOUND
    );
    // Only admins shape pipelines.
    assert_eq!(
        manager
            .send("POST", "/pipelines", Some(json!({"name": "Nope"})))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        member
            .send(
                "POST",
                &format!("/pipelines/{}/steps", 1),
                Some(json!({"name": "Nope"}))
            )
            .await
            .0,
        StatusCode::FORBIDDEN
    );
}
on_both_backends!(
    lead_permissions,
    members_edit_their_own_leads_and_read_the_others
);

async fn bad_lead_input_is_refused_field_by_field_and_writes_nothing(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Main", &["One", "Two"]).await;
    let cases = vec![
        (
            json!({"title": "T", "step_id": steps[0], "amount": "-5"}),
            "amount",
        ),
        (
            json!({"title": "T", "step_id": steps[0], "amount": "twelve"}),
            "amount",
        ),
        (
            json!({"title": "T", "step_id": steps[0], "probability": 101}),
            "probability",
        ),
        (json!({"title": "T", "step_id": 999_999}), "step_id"),
        (
            json!({"title": "T", "step_id": steps[0], "status": "standby"}),
            "next_action",
        ),
        (
            json!({"title": "T", "step_id": steps[0], "owner_id": 999_999}),
            "owner_id",
        ),
        (
            json!({"title": "x".repeat(201), "step_id": steps[0]}),
            "title",
        ),
        (json!({"title": "", "step_id": steps[0]}), "title"),
        (
            json!({"title": "T", "step_id": steps[0], "email": "nope"}),
            "email",
        ),
        (
            json!({"title": "T", "step_id": steps[0], "status": "maybe"}),
            "status",
        ),
        (json!({"title": 5, "step_id": steps[0]}), "body"),
    ];
    for (body, field) in cases {
        let (status, error) = admin.send("POST", "/leads", Some(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {error}");
        assert!(
            error["error"]["fields"][field].is_string(),
            "{field}: {error}"
        );
    }
    let listed = admin.ok("GET", "/leads", None).await;
    assert_eq!(listed["total"], 0);
    // A lead in a deleted step: the step is refused.
    let lead = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Ok", "step_id": steps[0], "amount": "1 200,50"})),
        )
        .await;
    assert_eq!(lead["amount"], "1200.50");
    admin
        .ok(
            "DELETE",
            &format!("/steps/{}?move_to_step_id={}", steps[1], steps[0]),
            None,
        )
        .await;
    let (status, _) = admin
        .send(
            "PATCH",
            &format!("/leads/{}", lead["id"]),
            Some(json!({"version": 1, "step_id": steps[1]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}
on_both_backends!(
    bad_lead_input,
    bad_lead_input_is_refused_field_by_field_and_writes_nothing
);

async fn deleting_steps_and_pipelines_moves_their_leads_with_history(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (first, steps) = pipeline(&admin, "First", &["A", "B", "C"]).await;
    let (second, second_steps) = pipeline(&admin, "Second", &["X", "Y"]).await;
    let lead = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Mover", "step_id": steps[1]})),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    // A step with leads needs a destination.
    let (status, body) = admin
        .send("DELETE", &format!("/steps/{}", steps[1]), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    admin
        .ok(
            "DELETE",
            &format!("/steps/{}?move_to_step_id={}", steps[1], steps[2]),
            None,
        )
        .await;
    assert_eq!(
        admin.ok("GET", &format!("/leads/{id}"), None).await["step_id"],
        steps[2]
    );
    // Reorder: C first.
    admin
        .ok(
            "PATCH",
            &format!("/steps/{}", steps[2]),
            Some(json!({"position": 0, "name": "C first"})),
        )
        .await;
    let p = admin.ok("GET", &format!("/pipelines/{first}"), None).await;
    let names: Vec<&str> = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["C first", "A"]);
    // The last step cannot go.
    admin
        .ok("DELETE", &format!("/steps/{}", steps[0]), None)
        .await;
    let (status, _) = admin
        .send(
            "DELETE",
            &format!("/steps/{}?move_to_step_id={}", steps[2], steps[0]),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // A pipeline with leads needs a destination pipeline.
    let (status, _) = admin
        .send("DELETE", &format!("/pipelines/{first}"), None)
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    admin
        .ok(
            "DELETE",
            &format!("/pipelines/{first}?move_to_pipeline_id={second}"),
            None,
        )
        .await;
    let moved = admin.ok("GET", &format!("/leads/{id}"), None).await;
    assert_eq!(moved["pipeline_id"], second);
    assert_eq!(moved["step_id"], second_steps[0]);
    let history = admin.ok("GET", &format!("/leads/{id}/history"), None).await["items"].clone();
    assert_eq!(
        history.as_array().unwrap().len(),
        3,
        "created, step deleted, pipeline deleted"
    );
    assert_eq!(
        admin
            .send("GET", &format!("/pipelines/{first}"), None)
            .await
            .0,
        StatusCode::NOT_FOUND
    );
    let pipelines = admin.ok("GET", "/pipelines", None).await["items"].clone();
    assert_eq!(pipelines.as_array().unwrap().len(), 1);
    assert_eq!(
        pipelines[0]["is_default"], true,
        "the default moves to the remaining pipeline"
    );
}
on_both_backends!(
    step_and_pipeline_deletion,
    deleting_steps_and_pipelines_moves_their_leads_with_history
);

async fn changes_arrive_on_the_event_stream_and_can_be_replayed(app: &TestApp) {
    use futures::StreamExt;
    let admin = Api::new(app, "admin").await;
    let (pipeline_id, steps) = pipeline(&admin, "Live", &["One", "Two"]).await;
    let response = admin
        .client
        .get(app.api("/events"))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut body = response.bytes_stream();
    let lead = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": "Streamed", "step_id": steps[0]})),
        )
        .await;
    admin
        .ok(
            "PATCH",
            &format!("/leads/{}", lead["id"]),
            Some(json!({"version": 1, "step_id": steps[1]})),
        )
        .await;
    let mut text = String::new();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(5);
    while !text.contains("lead.moved") {
        let chunk = tokio::time::timeout_at(deadline, body.next())
            .await
            .expect("events within 5 s");
        text.push_str(&String::from_utf8_lossy(&chunk.unwrap().unwrap()));
    }
    let events: Vec<Value> = text
        .lines()
        .filter_map(|l| l.strip_prefix("data:"))
        .map(|d| serde_json::from_str(d.trim()).unwrap())
        .collect();
    let kinds: Vec<&str> = events.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["lead.created", "lead.moved"], "{text}");
    assert_eq!(events[1]["data"]["pipeline_id"], pipeline_id);
    assert_eq!(events[1]["data"]["from_step_id"], steps[0]);
    drop(body);
    // A client that reconnects after the first event gets the rest, once.
    let first_id = events[0]["id"].as_i64().unwrap();
    let replay = admin
        .client
        .get(app.api(&format!("/events?after={}", first_id)))
        .bearer_auth(&admin.token)
        .send()
        .await
        .unwrap();
    let mut replay = replay.bytes_stream();
    let chunk = tokio::time::timeout(std::time::Duration::from_secs(5), replay.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&chunk).to_string();
    assert!(
        text.contains("lead.moved") && !text.contains("lead.created"),
        "{text}"
    );
    let anonymous = Client::new().get(app.api("/events")).send().await.unwrap();
    assert_eq!(anonymous.status(), StatusCode::UNAUTHORIZED);
}
on_both_backends!(
    event_stream,
    changes_arrive_on_the_event_stream_and_can_be_replayed
);

async fn many_concurrent_writers_on_different_leads_all_succeed(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (_, steps) = pipeline(&admin, "Busy", &["A", "B"]).await;
    let mut ids = Vec::new();
    for i in 0..16 {
        let lead = admin
            .ok(
                "POST",
                "/leads",
                Some(json!({"title": format!("Lead {i}"), "step_id": steps[0]})),
            )
            .await;
        ids.push(lead["id"].as_i64().unwrap());
    }
    let moves = ids.iter().map(|id| {
        let path = format!("/leads/{id}");
        let body = json!({"version": 1, "step_id": steps[1]});
        let admin = &admin;
        async move { admin.send("PATCH", &path, Some(body)).await.0 }
    });
    let statuses = futures::future::join_all(moves).await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::OK),
        "{statuses:?}"
    );
    let moved = admin
        .ok("GET", &format!("/leads?step_id={}", steps[1]), None)
        .await;
    assert_eq!(moved["total"], 16);
}
on_both_backends!(
    concurrent_writers,
    many_concurrent_writers_on_different_leads_all_succeed
);
