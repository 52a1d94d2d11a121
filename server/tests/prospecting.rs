//! Prospecting lists, CSV imports, conversion and scripts, through the REST API on both
//! backends: good and bad rows, all-or-nothing, cancel and crash recovery, conversion keeping
//! history and origin, answers surviving script edits, and who may do what.

#[macro_use]
mod common;

use app::server::entity::{import, prospect};
use chrono::{Duration, Utc};
use common::{pipeline, Api, TestApp};
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, Set};
use serde_json::{json, Value};

/// A list with typed columns; its id and column ids by name.
async fn list(api: &Api<'_>, name: &str) -> (i64, Value) {
    let list = api
        .ok(
            "POST",
            "/prospecting-lists",
            Some(json!({"name": name, "columns": [
                {"name": "Company", "kind": "company"},
                {"name": "Name", "kind": "person"},
                {"name": "Email", "kind": "email"},
            ]})),
        )
        .await;
    let mut ids = serde_json::Map::new();
    for c in list["columns"].as_array().unwrap() {
        ids.insert(c["name"].as_str().unwrap().into(), c["id"].clone());
    }
    (list["id"].as_i64().unwrap(), Value::Object(ids))
}

fn column_names(list: &Value) -> Vec<&str> {
    list["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect()
}

async fn upload(api: &Api<'_>, list: i64, csv: &str, query: &str) -> (StatusCode, Value) {
    let response = api
        .client
        .post(
            api.app
                .api(&format!("/prospecting-lists/{list}/import?{query}")),
        )
        .bearer_auth(&api.token)
        .header("content-type", "text/csv")
        .body(csv.to_string())
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

/// Polls an import until it stops running.
async fn settled(api: &Api<'_>, id: i64) -> Value {
    for _ in 0..600 {
        let import = api.ok("GET", &format!("/imports/{id}"), None).await;
        if !matches!(
            import["status"].as_str(),
            Some("uploading" | "running" | "cancelling")
        ) {
            return import;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("import {id} did not settle");
}

async fn rows(api: &Api<'_>, list: i64, query: &str) -> Value {
    api.ok(
        "GET",
        &format!("/prospecting-lists/{list}/prospects?{query}"),
        None,
    )
    .await
}

const MIXED: &str = "\u{feff}Company;Name;Email;City\n\
Acme;Jane Roe;jane@acme.test;Paris\n\
\"Quoted; Inc\";\"Two\nLines\";two@q.test;Lyon\n\
Bad Mail;Bob;not-an-email;Nice\n\
Short;Row\n\
Zeta;Zed;zed@zeta.test;Lille\n";

async fn all_or_nothing_then_good_rows(app: &TestApp) {
    let manager = Api::new(app, "manager").await;
    let (list_id, columns) = list(&manager, "Cold leads").await;
    let (status, started) = upload(&manager, list_id, MIXED, "").await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let import = settled(&manager, started["id"].as_i64().unwrap()).await;
    // Two rows rejected: all or nothing waits for a decision, nothing visible yet.
    assert_eq!(import["status"], "review", "{import}");
    assert_eq!(import["rows_ok"], 3);
    assert_eq!(import["rows_bad"], 2);
    let errors = import["errors"].as_array().unwrap();
    assert_eq!(errors[0]["line"], 5, "{import}");
    assert!(errors[0]["reason"].as_str().unwrap().starts_with("Email:"));
    assert_eq!(errors[1]["line"], 6);
    assert_eq!(errors[1]["reason"], "Expected 4 fields, found 2.");
    assert_eq!(rows(&manager, list_id, "").await["total"], 0);
    // The rejected lines download as CSV.
    let csv = manager
        .client
        .get(app.api(&format!("/imports/{}/errors.csv", import["id"])))
        .bearer_auth(&manager.token)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(csv.starts_with("line,reason,content\n5,"), "{csv}");
    assert!(
        csv.contains("6,\"Expected 4 fields, found 2.\",Short;Row"),
        "{csv}"
    );
    // Importing the good rows makes them visible; "City" became a new column.
    let done = manager
        .ok("POST", &format!("/imports/{}/accept", import["id"]), None)
        .await;
    assert_eq!(done["status"], "done");
    let page = rows(&manager, list_id, "sort=0").await;
    assert_eq!(page["total"], 3);
    let list = manager
        .ok("GET", &format!("/prospecting-lists/{list_id}"), None)
        .await;
    let names = column_names(&list);
    assert_eq!(names, ["Company", "Name", "Email", "City"]);
    let company = columns["Company"].as_i64().unwrap().to_string();
    let name = columns["Name"].as_i64().unwrap().to_string();
    // Filter and sort by a column.
    let found = rows(&manager, list_id, &format!("filter.{company}=quoted")).await;
    assert_eq!(found["total"], 1);
    assert_eq!(found["items"][0]["cells"][&company], "Quoted; Inc");
    assert_eq!(found["items"][0]["cells"][&name], "Two\nLines");
    let sorted = rows(&manager, list_id, &format!("sort={company}&desc=true")).await;
    assert_eq!(sorted["items"][0]["cells"][&company], "Zeta");
    assert_eq!(sorted["items"][2]["cells"][&company], "Acme");

    // With "import the good rows", the same file goes in at once.
    let (_, started) = upload(&manager, list_id, MIXED, "good_rows_only=true").await;
    let import = settled(&manager, started["id"].as_i64().unwrap()).await;
    assert_eq!(import["status"], "done", "{import}");
    assert_eq!(rows(&manager, list_id, "").await["total"], 6);
    // An explicit mapping: only the first column, into Company.
    let mapping = json!([{"column": columns["Company"]}, "skip", "skip", "skip"]).to_string();
    let query = format!(
        "delimiter=semicolon&good_rows_only=true&mapping={}",
        urlencode(&mapping)
    );
    let (status, started) = upload(&manager, list_id, MIXED, &query).await;
    assert_eq!(status, StatusCode::ACCEPTED, "{started}");
    let import = settled(&manager, started["id"].as_i64().unwrap()).await;
    // Only the short row has the wrong width now; emails are not imported.
    assert_eq!(import["rows_ok"], 4, "{import}");
    assert_eq!(import["rows_bad"], 1);
    // A bad mapping is refused before anything is read.
    let (status, body) = upload(&manager, list_id, MIXED, "mapping=nonsense").await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
}
on_both_backends!(imports_all_or_nothing, all_or_nothing_then_good_rows);

fn urlencode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

async fn discard_cancel_and_crash_leave_nothing(app: &TestApp) {
    let manager = Api::new(app, "manager").await;
    let (list_id, _) = list(&manager, "Discarded").await;
    let (_, started) = upload(&manager, list_id, MIXED, "").await;
    let import = settled(&manager, started["id"].as_i64().unwrap()).await;
    assert_eq!(import["status"], "review");
    let discarded = manager
        .ok("POST", &format!("/imports/{}/discard", import["id"]), None)
        .await;
    assert_eq!(discarded["status"], "cancelled");
    assert_eq!(prospect::Entity::find().count(&app.db).await.unwrap(), 0);
    // The column the import created is gone too.
    let list = manager
        .ok("GET", &format!("/prospecting-lists/{list_id}"), None)
        .await;
    assert_eq!(list["columns"].as_array().unwrap().len(), 3);
    // Accepting it now is a conflict.
    let (status, _) = manager
        .send("POST", &format!("/imports/{}/accept", import["id"]), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);

    // Cancelled while uploading: the importer stops before writing anything.
    let actor = app::server::Actor {
        id: app.user("canceller@example.test", "manager").await,
        role: app::domain::Role::Manager,
        name: "Canceller".into(),
        time_zone: "UTC".into(),
    };
    let bus = app::server::events::EventBus::new();
    let options = app::server::imports::ImportOptions::default();
    let begun = app::server::imports::begin(&app.db, &actor, list_id as i32, &options)
        .await
        .unwrap();
    let big: String = std::iter::once("Company;Name;Email\n".to_string())
        .chain((0..20_000).map(|i| format!("Firm {i};Person {i};p{i}@firm.test\n")))
        .collect();
    std::fs::write(
        app::server::imports::upload_path(begun.id, begun.created_at),
        &big,
    )
    .unwrap();
    app::server::imports::decide(&app.db, &bus, begun.id, "cancel")
        .await
        .unwrap();
    app::server::imports::run(app.db.clone(), bus.clone(), begun.id).await;
    let after = app::server::imports::get(&app.db, begun.id).await.unwrap();
    assert_eq!(after.status, "cancelled");
    assert_eq!(prospect::Entity::find().count(&app.db).await.unwrap(), 0);
    assert!(!app::server::imports::upload_path(begun.id, begun.created_at).exists());

    // A server that died mid-import: its staged rows are removed by the recovery.
    let stale = import::ActiveModel {
        list_id: Set(list_id as i32),
        user_id: Set(actor.id),
        status: Set("running".into()),
        good_rows_only: Set(false),
        delimiter: Set(",".into()),
        mapping: Set("{}".into()),
        total_bytes: Set(100),
        read_bytes: Set(50),
        rows_ok: Set(1),
        rows_bad: Set(0),
        message: Set(String::new()),
        created_at: Set(Utc::now() - Duration::minutes(10)),
        updated_at: Set(Utc::now() - Duration::minutes(10)),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    prospect::ActiveModel {
        list_id: Set(list_id as i32),
        cells: Set("{}".into()),
        status: Set("new".into()),
        activity_count: Set(0),
        import_id: Set(Some(stale.id)),
        created_at: Set(Utc::now()),
        updated_at: Set(Utc::now()),
        ..Default::default()
    }
    .insert(&app.db)
    .await
    .unwrap();
    // Staged rows are invisible.
    assert_eq!(rows(&manager, list_id, "").await["total"], 0);
    assert_eq!(
        app::server::imports::recover(&app.db, &bus).await.unwrap(),
        1
    );
    assert_eq!(prospect::Entity::find().count(&app.db).await.unwrap(), 0);
    let failed = app::server::imports::get(&app.db, stale.id).await.unwrap();
    assert_eq!(failed.status, "failed");
}
on_both_backends!(imports_undo, discard_cancel_and_crash_leave_nothing);

async fn qualifying(api: &Api<'_>) -> (i64, i64) {
    let types = api.ok("GET", "/activity-types", None).await["items"].clone();
    let t = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "Qualifying call")
        .unwrap();
    let top = t["outcomes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "Top fit")
        .unwrap();
    (t["id"].as_i64().unwrap(), top["id"].as_i64().unwrap())
}

async fn conversion_keeps_history_origin_and_answers(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let member = Api::new(app, "member").await;
    let member_id = member.ok("GET", "/me", None).await["id"].as_i64().unwrap();
    let (_, steps) = pipeline(&admin, "Acquisition", &["New", "Qualified"]).await;
    let (list_id, columns) = list(&admin, "Calls").await;
    admin
        .ok(
            "PATCH",
            &format!("/prospecting-lists/{list_id}"),
            Some(json!({"step_id": steps[1], "show_unassigned": false})),
        )
        .await;
    let row = admin
        .ok(
            "POST",
            &format!("/prospecting-lists/{list_id}/prospects"),
            Some(json!({"cells": {
                columns["Company"].to_string(): "Globex",
                columns["Name"].to_string(): "Hank Scorpio",
                columns["Email"].to_string(): "hank@globex.test",
            }, "assigned_to": member_id})),
        )
        .await;
    let id = row["id"].as_i64().unwrap();
    assert_eq!(row["status"], "new");
    // A script with two questions, attached to the list.
    let script = admin
        .ok(
            "POST",
            "/scripts",
            Some(json!({"name": "Qualification", "questions": [
                {"kind": "text", "prompt": "Who decides?", "required": true},
                {"kind": "single", "prompt": "Budget?", "options": ["Yes", "No"]},
            ]})),
        )
        .await;
    admin
        .ok(
            "PATCH",
            &format!("/prospecting-lists/{list_id}"),
            Some(json!({"script_id": script["id"]})),
        )
        .await;
    let questions = script["questions"].as_array().unwrap();
    // The member calls with the script: answers, then the qualifying call.
    let answers = member
        .ok(
            "PUT",
            &format!("/prospects/{id}/answers"),
            Some(json!([
                {"question_id": questions[0]["id"], "value": ["The CEO"]},
                {"question_id": questions[1]["id"], "value": ["Yes"]},
            ])),
        )
        .await;
    assert_eq!(answers.as_array().unwrap().len(), 2);
    let (status, bad) = member
        .send(
            "PUT",
            &format!("/prospects/{id}/answers"),
            Some(json!([{"question_id": questions[1]["id"], "value": ["Maybe"]}])),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}");
    let (type_id, top) = qualifying(&member).await;
    let call = member
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": type_id, "outcome_id": top, "prospect_id": id, "note": "Good talk"})),
        )
        .await;
    assert_eq!(call["prospect_id"], id);
    assert_eq!(call["lead_title"], "Globex · Hank Scorpio");
    let seen = member.ok("GET", &format!("/prospects/{id}"), None).await;
    assert_eq!(seen["status"], "in_progress");
    assert_eq!(seen["activity_count"], 1);
    assert_eq!(seen["last_activity"], "Qualifying call");

    // Convert: the lead has the contact, the origin, the call and the answers.
    let lead = member
        .ok(
            "POST",
            &format!("/prospects/{id}/convert"),
            Some(json!({"amount": "1200"})),
        )
        .await;
    let lead_id = lead["id"].as_i64().unwrap();
    assert_eq!(lead["title"], "Globex");
    assert_eq!(lead["company"], "Globex");
    assert_eq!(lead["person"], "Hank Scorpio");
    assert_eq!(lead["email"], "hank@globex.test");
    assert_eq!(lead["origin_list_id"], list_id);
    assert_eq!(lead["origin_prospect_id"], id);
    assert_eq!(lead["step_id"], steps[1]);
    assert_eq!(lead["owner_id"], member_id);
    let on_lead = member
        .ok("GET", &format!("/activities?lead_id={lead_id}"), None)
        .await;
    assert_eq!(on_lead["items"][0]["id"], call["id"]);
    let converted = member.ok("GET", &format!("/prospects/{id}"), None).await;
    assert_eq!(converted["status"], "converted");
    assert_eq!(converted["lead_id"], lead_id);
    // Twice is impossible.
    let (status, _) = member
        .send("POST", &format!("/prospects/{id}/convert"), Some(json!({})))
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (status, _) = member
        .send(
            "POST",
            &format!("/prospects/{id}/disqualify"),
            Some(json!({"reason": "Too late"})),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // The lead's answers are the prospect's.
    let on_lead: Vec<Value> = app::server::scripts::answers(
        &app.db,
        &app::server::Actor {
            id: member_id as i32,
            role: app::domain::Role::Member,
            name: "m".into(),
            time_zone: "UTC".into(),
        },
        app::server::scripts::Subject::Lead(lead_id as i32),
    )
    .await
    .unwrap()
    .into_iter()
    .map(|a| serde_json::to_value(a).unwrap())
    .collect();
    assert_eq!(on_lead.len(), 2);
    assert_eq!(on_lead[0]["value"], json!(["The CEO"]));
    // Calls on the lead use the list's script, unless its pipeline has one.
    let script_of = |lead: i64| {
        let db = app.db.clone();
        async move {
            app::server::scripts::for_lead(&db, lead as i32)
                .await
                .unwrap()
                .map(|s| s.name)
        }
    };
    assert_eq!(script_of(lead_id).await.as_deref(), Some("Qualification"));
    let pipeline_id = lead["pipeline_id"].as_i64().unwrap();
    let closing = admin
        .ok(
            "POST",
            "/scripts",
            Some(json!({"name": "Closing call", "questions": [
                {"kind": "text", "prompt": "Next step?"}
            ], "pipeline_ids": [pipeline_id]})),
        )
        .await;
    assert_eq!(closing["pipeline_ids"], json!([pipeline_id]));
    assert_eq!(script_of(lead_id).await.as_deref(), Some("Closing call"));
    let detached = admin
        .ok(
            "PUT",
            &format!("/scripts/{}", closing["id"]),
            Some(json!({"name": "Closing call", "questions": closing["questions"], "pipeline_ids": []})),
        )
        .await;
    assert_eq!(detached["pipeline_ids"], json!([]));
    assert_eq!(script_of(lead_id).await.as_deref(), Some("Qualification"));
    // An activity logged on the converted prospect goes to its lead.
    let later = member
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": type_id, "prospect_id": id})),
        )
        .await;
    assert_eq!(later["lead_id"], lead_id);

    // Deleting the lead gives the prospect back its history.
    admin.ok("DELETE", &format!("/leads/{lead_id}"), None).await;
    let back = admin.ok("GET", &format!("/prospects/{id}"), None).await;
    assert_eq!(back["status"], "in_progress");
    assert_eq!(back["lead_id"], Value::Null);
    let kept = admin
        .ok("GET", &format!("/activities?prospect_id={id}"), None)
        .await;
    assert_eq!(kept["items"].as_array().unwrap().len(), 1);
    assert_eq!(
        admin
            .ok("GET", &format!("/prospects/{id}/answers"), None)
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
}
on_both_backends!(conversion, conversion_keeps_history_origin_and_answers);

async fn answers_survive_script_edits(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let (list_id, _) = list(&admin, "Scripted").await;
    let row = admin
        .ok(
            "POST",
            &format!("/prospecting-lists/{list_id}/prospects"),
            Some(json!({})),
        )
        .await;
    let id = row["id"].as_i64().unwrap();
    let script = admin
        .ok(
            "POST",
            "/scripts",
            Some(json!({"name": "Discovery", "questions": [
                {"kind": "text", "prompt": "Current tool?"},
                {"kind": "multiple", "prompt": "Needs?", "options": ["Reports", "Mobile", "API"]},
                {"kind": "text", "prompt": "Never answered"},
            ]})),
        )
        .await;
    let q = script["questions"].as_array().unwrap().clone();
    admin
        .ok(
            "PUT",
            &format!("/prospects/{id}/answers"),
            Some(json!([
                {"question_id": q[0]["id"], "value": ["Spreadsheets"]},
                {"question_id": q[1]["id"], "value": ["API", "Reports"]},
            ])),
        )
        .await;
    // Reword the first question, drop the second, keep the third unchanged.
    let edited = admin
        .ok(
            "PUT",
            &format!("/scripts/{}", script["id"]),
            Some(json!({"name": "Discovery v2", "questions": [
                {"id": q[2]["id"], "kind": "text", "prompt": "Never answered"},
                {"id": q[0]["id"], "kind": "text", "prompt": "Which CRM today?"},
            ]})),
        )
        .await;
    let now = edited["questions"].as_array().unwrap();
    assert_eq!(now.len(), 2);
    assert_eq!(
        now[0]["id"], q[2]["id"],
        "an unanswered question keeps its id"
    );
    assert_ne!(
        now[1]["id"], q[0]["id"],
        "an answered, changed question is a new version"
    );
    assert_eq!(now[1]["prompt"], "Which CRM today?");
    let answers = admin
        .ok("GET", &format!("/prospects/{id}/answers"), None)
        .await;
    let answers = answers.as_array().unwrap();
    assert_eq!(answers.len(), 2);
    assert!(answers.iter().all(|a| a["retired"] == true));
    assert_eq!(answers[0]["prompt"], "Current tool?");
    assert_eq!(answers[0]["value"], json!(["Spreadsheets"]));
    assert_eq!(answers[1]["value"], json!(["Reports", "API"]));
    // A script with answers cannot be deleted; one in use neither.
    let (status, _) = admin
        .send("DELETE", &format!("/scripts/{}", script["id"]), None)
        .await;
    assert_eq!(status, StatusCode::CONFLICT);
    // Bad scripts are refused by field.
    let (status, body) = admin
        .send(
            "POST",
            "/scripts",
            Some(json!({"name": "", "questions": [{"kind": "single", "prompt": "Pick", "options": ["Only"]}]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["name"].is_string(), "{body}");
    assert!(body["error"]["fields"]["questions.0"].is_string(), "{body}");
}
on_both_backends!(scripts, answers_survive_script_edits);

async fn members_work_their_rows_only(app: &TestApp) {
    let manager = Api::new(app, "manager").await;
    let member = Api::new(app, "member").await;
    let other = Api::new(app, "member").await;
    let member_id = member.ok("GET", "/me", None).await["id"].as_i64().unwrap();
    let (list_id, columns) = list(&manager, "Team list").await;
    let company = columns["Company"].to_string();
    let mut ids = Vec::new();
    for name in ["Mine", "Unassigned", "Theirs"] {
        let row = manager
            .ok(
                "POST",
                &format!("/prospecting-lists/{list_id}/prospects"),
                Some(json!({"cells": {company.clone(): name}})),
            )
            .await;
        ids.push(row["id"].as_i64().unwrap());
    }
    let other_id = other.ok("GET", "/me", None).await["id"].as_i64().unwrap();
    manager
        .ok(
            "PATCH",
            &format!("/prospects/{}", ids[0]),
            Some(json!({"assigned_to": member_id})),
        )
        .await;
    manager
        .ok(
            "PATCH",
            &format!("/prospects/{}", ids[2]),
            Some(json!({"assigned_to": other_id})),
        )
        .await;
    // The member sees their row and the unassigned one (the list shows them).
    assert_eq!(rows(&member, list_id, "").await["total"], 2);
    assert_eq!(rows(&manager, list_id, "").await["total"], 3);
    let (status, _) = member
        .send("GET", &format!("/prospects/{}", ids[2]), None)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Hiding unassigned rows narrows it to their own.
    manager
        .ok(
            "PATCH",
            &format!("/prospecting-lists/{list_id}"),
            Some(json!({"show_unassigned": false})),
        )
        .await;
    assert_eq!(rows(&member, list_id, "").await["total"], 1);
    // Members edit their rows' cells, but do not assign, create, import or write scripts.
    let edited = member
        .ok(
            "PATCH",
            &format!("/prospects/{}", ids[0]),
            Some(json!({"cells": {company.clone(): "Mine, renamed"}})),
        )
        .await;
    assert_eq!(edited["cells"][&company], "Mine, renamed");
    let (status, body) = member
        .send(
            "PATCH",
            &format!("/prospects/{}", ids[0]),
            Some(json!({"cells": {columns["Email"].to_string(): "nope"}})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let (status, _) = member
        .send(
            "PATCH",
            &format!("/prospects/{}", ids[0]),
            Some(json!({"assigned_to": other_id})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = upload(&member, list_id, "Company\nX\n", "").await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let (status, _) = member
        .send(
            "POST",
            "/scripts",
            Some(json!({"name": "Mine", "questions": []})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // Logging on someone else's prospect is refused by field; on their own it works.
    let (type_id, top) = qualifying(&member).await;
    let (status, body) = member
        .send(
            "POST",
            "/activities",
            Some(json!({"type_id": type_id, "prospect_id": ids[2]})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body["error"]["fields"]["prospect_id"].is_string(), "{body}");
    member
        .ok(
            "POST",
            "/activities",
            Some(json!({"type_id": type_id, "outcome_id": top, "prospect_id": ids[0]})),
        )
        .await;
    // Filters by status and assignee.
    let in_progress = rows(&manager, list_id, "status=in_progress").await;
    assert_eq!(in_progress["total"], 1);
    assert_eq!(in_progress["items"][0]["id"], ids[0]);
    assert_eq!(rows(&manager, list_id, "assigned=none").await["total"], 1);
    // Disqualify needs a reason.
    let (status, _) = member
        .send(
            "POST",
            &format!("/prospects/{}/disqualify", ids[0]),
            Some(json!({"reason": " "})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let out = member
        .ok(
            "POST",
            &format!("/prospects/{}/disqualify", ids[0]),
            Some(json!({"reason": "No budget"})),
        )
        .await;
    assert_eq!(out["status"], "disqualified");
    // Archiving hides the list from the lists, keeps it readable.
    manager
        .ok("DELETE", &format!("/prospecting-lists/{list_id}"), None)
        .await;
    let live = manager.ok("GET", "/prospecting-lists", None).await["items"].clone();
    assert!(live.as_array().unwrap().iter().all(|l| l["id"] != list_id));
    let archived = manager
        .ok("GET", "/prospecting-lists?archived=true", None)
        .await["items"]
        .clone();
    assert!(archived
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["id"] == list_id));
    let staged = prospect::Entity::find()
        .filter(prospect::Column::ListId.eq(list_id as i32))
        .count(&app.db)
        .await
        .unwrap();
    assert_eq!(staged, 3);
}
on_both_backends!(permissions, members_work_their_rows_only);

async fn columns_are_added_renamed_and_removed(app: &TestApp) {
    let manager = Api::new(app, "manager").await;
    let member = Api::new(app, "member").await;
    let (list_id, columns) = list(&manager, "Columns").await;
    let city = manager
        .ok(
            "POST",
            &format!("/prospecting-lists/{list_id}/columns"),
            Some(json!({"name": "Town"})),
        )
        .await;
    assert_eq!(city["kind"], "text");
    let (status, body) = manager
        .send(
            "POST",
            &format!("/prospecting-lists/{list_id}/columns"),
            Some(json!({"name": "company"})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    let renamed = manager
        .ok(
            "PATCH",
            &format!("/prospecting-lists/{list_id}/columns/{}", city["id"]),
            Some(json!({"name": "City", "kind": "text"})),
        )
        .await;
    assert_eq!(renamed["name"], "City");
    let (status, _) = member
        .send(
            "POST",
            &format!("/prospecting-lists/{list_id}/columns"),
            Some(json!({"name": "Mine"})),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    // A new column takes cells at once; a removed one leaves the rows readable.
    let row = manager
        .ok(
            "POST",
            &format!("/prospecting-lists/{list_id}/prospects"),
            Some(json!({"cells": {
                columns["Company"].to_string(): "Initech",
                city["id"].to_string(): "Austin",
            }})),
        )
        .await;
    assert_eq!(row["cells"][city["id"].to_string()], "Austin");
    manager
        .ok(
            "DELETE",
            &format!(
                "/prospecting-lists/{list_id}/columns/{}",
                columns["Company"]
            ),
            None,
        )
        .await;
    let list = manager
        .ok("GET", &format!("/prospecting-lists/{list_id}"), None)
        .await;
    let names = column_names(&list);
    assert_eq!(names, ["Name", "Email", "City"]);
    let seen = manager
        .ok("GET", &format!("/prospects/{}", row["id"]), None)
        .await;
    assert_eq!(seen["label"], "Austin");
    let (status, _) = manager
        .send(
            "DELETE",
            &format!("/prospecting-lists/{list_id}/columns/999999"),
            None,
        )
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
on_both_backends!(columns, columns_are_added_renamed_and_removed);
