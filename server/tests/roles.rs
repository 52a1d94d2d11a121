//! The role matrix: every server function and API route, called anonymously, as each role, as
//! a deactivated user and (API) with a revoked token.

#[macro_use]
mod common;

use app::server::entity::user;
use common::TestApp;
use reqwest::StatusCode;
use sea_orm::{ActiveModelTrait, EntityTrait, Set};

const ANON: usize = 0;
const MEMBER: usize = 1;
const MANAGER: usize = 2;
const ADMIN: usize = 3;
/// A manager whose account was turned off while logged in: answered as anonymous.
const DEACTIVATED: usize = 4;

/// (endpoint, form, expected status for anonymous / member / manager / admin)
type Case = (&'static str, Vec<(&'static str, &'static str)>, [u16; 4]);

fn server_fns() -> Vec<Case> {
    let everyone = [200, 200, 200, 200];
    let users = [401, 200, 200, 200];
    let admins = [401, 403, 403, 200];
    vec![
        ("current_user", vec![], everyone),
        ("needs_setup", vec![], everyone),
        ("list_users", vec![], users),
        ("list_segments", vec![], users),
        ("get_workspace", vec![], users),
        ("list_tokens", vec![], users),
        ("create_token", vec![("name", "matrix")], users),
        (
            "update_profile",
            vec![("name", "Matrix Person"), ("time_zone", "Europe/Paris")],
            users,
        ),
        ("revoke_token", vec![("id", "999999")], [401, 404, 404, 404]),
        (
            "create_segment",
            vec![("name", "Matrix")],
            [401, 403, 403, 200],
        ),
        (
            "rename_segment",
            vec![("id", "999999"), ("name", "Nope")],
            [401, 403, 403, 404],
        ),
        (
            "delete_segment",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        (
            "create_user",
            vec![
                ("name", "New Rep"),
                ("email", "new.rep@example.test"),
                ("role", "member"),
                ("segment_id", ""),
                ("password", "long enough pw"),
            ],
            admins,
        ),
        (
            "update_user",
            vec![
                ("id", "999999"),
                ("name", "X"),
                ("role", "member"),
                ("segment_id", ""),
            ],
            [401, 403, 403, 404],
        ),
        (
            "set_user_active",
            vec![("id", "999999"), ("active", "false")],
            [401, 403, 403, 404],
        ),
        (
            "update_workspace",
            vec![
                ("name", "Matrix Co"),
                ("time_zone", "UTC"),
                ("currency", "EUR"),
                ("week_start", "monday"),
            ],
            admins,
        ),
        (
            "setup_first_admin",
            vec![
                ("workspace_name", "W"),
                ("name", "N"),
                ("email", "setup@example.test"),
                ("password", "long enough pw"),
            ],
            [409, 409, 409, 409],
        ),
        ("list_pipelines", vec![], users),
        (
            "create_pipeline",
            vec![("name", "Matrix pipeline"), ("steps", "One, Two")],
            admins,
        ),
        (
            "add_step",
            vec![("pipeline_id", "999999"), ("name", "Nope")],
            [401, 403, 403, 404],
        ),
        (
            "reorder_step",
            vec![("id", "999999"), ("position", "0")],
            [401, 403, 403, 404],
        ),
        (
            "delete_step",
            vec![("id", "999999"), ("move_to", "")],
            [401, 403, 403, 404],
        ),
        (
            "delete_pipeline",
            vec![("id", "999999"), ("move_to", "")],
            [401, 403, 403, 404],
        ),
        ("get_board", vec![("filter[owner]", "all")], users),
        (
            "load_column",
            vec![
                ("filter[owner]", "all"),
                ("step_id", "999999"),
                ("offset", "0"),
            ],
            [401, 404, 404, 404],
        ),
        ("create_lead", vec![("lead[title]", "Matrix lead")], users),
        ("get_lead", vec![("id", "999999")], [401, 404, 404, 404]),
        (
            "move_lead",
            vec![("id", "999999"), ("version", "1"), ("step_id", "1")],
            [401, 404, 404, 404],
        ),
        (
            "set_lead_status",
            vec![
                ("id", "999999"),
                ("version", "1"),
                ("status", "won"),
                ("reason", ""),
            ],
            [401, 404, 404, 404],
        ),
        ("delete_lead", vec![("id", "999999")], [401, 403, 404, 404]),
        (
            "login",
            vec![
                ("email", "nobody@example.test"),
                ("password", "wrong password"),
            ],
            [401, 401, 401, 401],
        ),
        (
            "change_password",
            vec![
                ("current_password", "not the password"),
                ("new_password", "another one!"),
                ("confirm_password", "another one!"),
            ],
            [401, 422, 422, 422],
        ),
        (
            "rename_pipeline",
            vec![("id", "999999"), ("name", "Nope")],
            [401, 403, 403, 404],
        ),
        (
            "set_default_pipeline",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        (
            "rename_step",
            vec![("id", "999999"), ("name", "Nope")],
            [401, 403, 403, 404],
        ),
        (
            "update_lead",
            vec![("id", "999999"), ("version", "1"), ("lead[title]", "Nope")],
            [401, 404, 404, 404],
        ),
        ("list_activity_types", vec![], users),
        (
            "save_activity_type",
            vec![
                ("id", ""),
                ("name", "Matrix type"),
                ("colour", "#123456"),
                ("icon", "phone"),
            ],
            admins,
        ),
        (
            "arrange_activity_type",
            vec![("id", "999999"), ("position", "0")],
            [401, 403, 403, 404],
        ),
        (
            "delete_activity_type",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        (
            "save_outcome",
            vec![
                ("id", ""),
                ("type_id", "999999"),
                ("name", "Nope"),
                ("colour", "#123456"),
            ],
            [401, 403, 403, 404],
        ),
        (
            "arrange_outcome",
            vec![("id", "999999"), ("position", "0")],
            [401, 403, 403, 404],
        ),
        (
            "delete_outcome",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        (
            "log_activity",
            vec![("activity[type_id]", "1"), ("activity[lead_id]", "999999")],
            [401, 422, 422, 422],
        ),
        (
            "update_activity",
            vec![("id", "999999"), ("activity[note]", "x")],
            [401, 404, 404, 404],
        ),
        (
            "delete_activity",
            vec![("id", "999999")],
            [401, 404, 404, 404],
        ),
        ("lead_activities", vec![("lead_id", "999999")], users),
        (
            "my_activities",
            vec![("type_id", ""), ("outcome_id", ""), ("before", "")],
            users,
        ),
        (
            "get_feed",
            vec![("filter[user]", ""), ("before", "")],
            users,
        ),
        ("prospecting_lists", vec![("archived", "false")], users),
        (
            "create_prospecting_list",
            vec![("name", "Matrix list"), ("columns", "Company")],
            [401, 403, 200, 200],
        ),
        (
            "update_prospecting_list",
            vec![("json", r#"{"id":999999,"settings":{}}"#)],
            [401, 403, 404, 404],
        ),
        (
            "list_page",
            vec![("json", r#"{"id":999999,"query":{}}"#)],
            [401, 404, 404, 404],
        ),
        (
            "list_rows",
            vec![("json", r#"{"id":999999,"query":{}}"#)],
            [401, 404, 404, 404],
        ),
        (
            "set_cell",
            vec![("id", "999999"), ("column_id", "1"), ("value", "x")],
            [401, 404, 404, 404],
        ),
        (
            "add_prospect",
            vec![("json", r#"{"list_id":999999,"cells":{}}"#)],
            [401, 403, 404, 404],
        ),
        (
            "assign_prospects",
            vec![("json", r#"{"ids":[],"user_id":null}"#)],
            [401, 403, 200, 200],
        ),
        (
            "delete_prospects",
            vec![("json", r#"{"ids":[]}"#)],
            [401, 403, 200, 200],
        ),
        (
            "preview_import",
            vec![("list_id", "999999"), ("sample", "a,b"), ("delimiter", "")],
            [401, 403, 404, 404],
        ),
        (
            "import_status",
            vec![("id", "999999")],
            [401, 403, 404, 404],
        ),
        (
            "decide_import",
            vec![("id", "999999"), ("decision", "cancel")],
            [401, 403, 404, 404],
        ),
        (
            "prospect_detail",
            vec![("id", "999999")],
            [401, 404, 404, 404],
        ),
        (
            "convert_prospect",
            vec![
                ("id", "999999"),
                ("form[title]", ""),
                ("form[step_id]", ""),
                ("form[amount]", ""),
                ("form[owner_id]", ""),
            ],
            [401, 404, 404, 404],
        ),
        (
            "disqualify_prospect",
            vec![("id", "999999"), ("reason", "No budget")],
            [401, 404, 404, 404],
        ),
        (
            "save_answer",
            vec![(
                "json",
                r#"{"prospect_id":999999,"lead_id":null,"question_id":1,"value":[]}"#,
            )],
            [401, 404, 404, 404],
        ),
        (
            "lead_answers",
            vec![("lead_id", "999999")],
            [401, 404, 404, 404],
        ),
        ("list_scripts", vec![], users),
        (
            "save_column",
            vec![
                ("list_id", "999999"),
                ("id", ""),
                ("name", "City"),
                ("kind", "text"),
            ],
            [401, 403, 404, 404],
        ),
        (
            "delete_column",
            vec![("list_id", "999999"), ("id", "999999")],
            [401, 403, 404, 404],
        ),
        (
            "save_script",
            vec![("json", r#"{"id":999999,"name":"X","questions":[]}"#)],
            [401, 403, 403, 404],
        ),
        (
            "delete_script",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        ("goal_options", vec![], [401, 403, 200, 200]),
        (
            "team_goals",
            vec![("kind", "week"), ("anchor", "")],
            [401, 403, 200, 200],
        ),
        (
            "save_goal",
            vec![(
                "json",
                r#"{"id":999999,"input":{"kind":"leads_won","assignee":"team","period":"week","starts_on":"2026-11-02","target":"3"}}"#,
            )],
            [401, 403, 404, 404],
        ),
        ("delete_goal", vec![("id", "999999")], [401, 403, 404, 404]),
        ("my_day", vec![], users),
        ("list_plans", vec![], [401, 403, 200, 200]),
        (
            "save_plan",
            vec![(
                "json",
                r#"{"id":999999,"name":"X","inputs":{"target":"90000","period":"quarter","starts_on":"2026-10-01","deal_value":"30000","leads_per_deal":"4","prospects_per_lead":"20"}}"#,
            )],
            [401, 403, 404, 404],
        ),
        ("delete_plan", vec![("id", "999999")], [401, 403, 404, 404]),
        ("apply_plan", vec![("id", "999999")], [401, 403, 404, 404]),
        ("plan_history", vec![("days", "90")], [401, 403, 200, 200]),
        // Reports: members get the ones about themselves.
        (
            "report",
            vec![(
                "json",
                r#"{"kind":"team_performance","query":{"range":"this_month"}}"#,
            )],
            users,
        ),
        ("report_options", vec![], users),
        // The digest: its page is the admins'; one's own choice is everyone's.
        ("digest_admin", vec![], admins),
        (
            "save_digest_settings",
            vec![
                ("digest_time", "07:30"),
                ("public_url", ""),
                ("smtp_host", ""),
                ("smtp_port", "587"),
                ("smtp_security", "starttls"),
                ("smtp_user", ""),
                ("smtp_password", ""),
                ("smtp_from", ""),
            ],
            admins,
        ),
        ("preview_digest", vec![("date", "2026-11-26")], admins),
        ("digest_deliveries", vec![("date", "2026-11-26")], admins),
        (
            "read_delivery",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        ("my_digest_choice", vec![], users),
        ("save_digest_choice", vec![("receives", "on")], users),
        ("api_reference", vec![], users),
        // Webhooks: admins only.
        ("webhooks_page", vec![], admins),
        (
            "create_webhook",
            vec![(
                "json",
                r#"{"url":"https://127.0.0.1:9/matrix","events":["lead.created"]}"#,
            )],
            admins,
        ),
        (
            "set_webhook_active",
            vec![("id", "999999"), ("active", "true")],
            [401, 403, 403, 404],
        ),
        (
            "delete_webhook",
            vec![("id", "999999")],
            [401, 403, 403, 404],
        ),
        (
            "resend_delivery",
            vec![("webhook_id", "999999"), ("delivery_id", "1")],
            [401, 403, 403, 404],
        ),
        ("logout", vec![], everyone),
    ]
}

async fn every_server_function_checks_the_role(app: &TestApp) {
    // A first admin exists, so setup is closed for everyone.
    let (_, _) = app.logged_in("admin").await;
    app::server::workspace::claim_setup(&app.db).await.unwrap();
    let bus = app::server::events::EventBus::new();
    app::server::pipelines::create(&app.db, &bus, "Existing", &["First".to_string()])
        .await
        .unwrap();
    // Every server function of the app is in the matrix.
    let listed: Vec<&str> = server_fns().iter().map(|c| c.0).collect();
    let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .collect();
    assert_eq!(registered.len(), listed.len(), "{registered:?}");
    for path in registered {
        let endpoint = path.trim_start_matches("/api/");
        assert!(
            listed.contains(&endpoint),
            "server function {path} is missing from the role matrix"
        );
    }
    for (endpoint, form, expected) in server_fns() {
        // Fresh clients per call: some calls (logout, create_segment) change state.
        for who in [ANON, MEMBER, MANAGER, ADMIN, DEACTIVATED] {
            let client = match who {
                ANON => app.client(),
                MEMBER => app.logged_in("member").await.0,
                MANAGER => app.logged_in("manager").await.0,
                ADMIN => app.logged_in("admin").await.0,
                _ => {
                    // A manager turned off while logged in (the row only: deactivating through
                    // the app also ends the sessions). They are treated as a visitor.
                    let (client, id) = app.logged_in("manager").await;
                    let model = user::Entity::find_by_id(id)
                        .one(&app.db)
                        .await
                        .unwrap()
                        .unwrap();
                    let mut model: user::ActiveModel = model.into();
                    model.active = Set(false);
                    model.update(&app.db).await.unwrap();
                    client
                }
            };
            let want = expected[if who == DEACTIVATED { ANON } else { who }];
            // Server functions taking structured arguments read JSON.
            let response = match form.as_slice() {
                [("json", body)] => client
                    .post(format!("{}/api/{endpoint}", app.url))
                    .header("content-type", "application/json")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap(),
                _ => app.call(&client, endpoint, &form).await,
            };
            let status = response.status().as_u16();
            let body = response.text().await.unwrap();
            assert_eq!(
                status, want,
                "{endpoint} as {who} (0 anon, 1 member, 2 manager, 3 admin, 4 deactivated): {body}"
            );
            // Refusals are readable, never a stack trace.
            if status >= 400 {
                assert!(body.len() < 500 && !body.contains("panicked"), "{body}");
            }
            // Undo creations so the next role gets the same answer.
            if status == 200 && endpoint == "create_pipeline" {
                for p in app::server::pipelines::list(&app.db).await.unwrap() {
                    if p.name == "Matrix pipeline" {
                        let actor = app::server::Actor {
                            id: 0,
                            role: app::domain::Role::Admin,
                            name: String::new(),
                            time_zone: "UTC".into(),
                        };
                        app::server::pipelines::delete(&app.db, &bus, &actor, p.id, None)
                            .await
                            .unwrap();
                    }
                }
            }
            if status == 200 && endpoint == "create_segment" {
                let seg = app::server::segments::list(&app.db).await.unwrap();
                for s in seg {
                    app::server::segments::delete(&app.db, s.id).await.unwrap();
                }
            }
        }
    }
}
on_both_backends!(
    server_function_matrix,
    every_server_function_checks_the_role
);

async fn every_api_route_checks_the_token_and_role(app: &TestApp) {
    let member = app.token("member").await;
    let manager = app.token("manager").await;
    let admin = app.token("admin").await;
    // A manager who was deactivated, and an admin's token that was revoked: shut out of
    // every route.
    let gone = app.user("gone.manager@example.test", "manager").await;
    let deactivated = app::server::tokens::create(&app.db, gone, "matrix")
        .await
        .unwrap()
        .token;
    app::server::users::set_active(&app.db, gone, false)
        .await
        .unwrap();
    let holder = app.user("revoked.admin@example.test", "admin").await;
    let revoked = app::server::tokens::create(&app.db, holder, "matrix")
        .await
        .unwrap();
    app::server::tokens::revoke(&app.db, holder, revoked.info.id)
        .await
        .unwrap();
    let client = reqwest::Client::new();
    let routes: Vec<(&str, &str, Option<serde_json::Value>, [u16; 4])> = vec![
        ("GET", "/me", None, [401, 200, 200, 200]),
        ("GET", "/users", None, [401, 200, 200, 200]),
        ("GET", "/segments", None, [401, 200, 200, 200]),
        (
            "POST",
            "/users",
            Some(
                serde_json::json!({"name": "Api Rep", "email": "api.rep@example.test", "role": "member", "segment_id": null, "password": "long enough pw"}),
            ),
            [401, 403, 403, 201],
        ),
        (
            "POST",
            "/segments",
            Some(serde_json::json!({"name": "Api Segment"})),
            [401, 403, 403, 201],
        ),
        ("GET", "/activity-types", None, [401, 200, 200, 200]),
        (
            "POST",
            "/activity-types",
            Some(serde_json::json!({"name": "Api type", "colour": "#abcdef", "icon": "star"})),
            [401, 403, 403, 201],
        ),
        (
            "PATCH",
            "/activity-types/999999",
            Some(serde_json::json!({"active": false})),
            [401, 403, 403, 404],
        ),
        ("DELETE", "/outcomes/999999", None, [401, 403, 403, 404]),
        ("GET", "/activities", None, [401, 200, 200, 200]),
        (
            "POST",
            "/activities",
            Some(serde_json::json!({"type_id": 1, "lead_id": 999999})),
            [401, 422, 422, 422],
        ),
        ("GET", "/activities/999999", None, [401, 404, 404, 404]),
        ("GET", "/prospecting-lists", None, [401, 200, 200, 200]),
        (
            "POST",
            "/prospecting-lists",
            Some(serde_json::json!({"name": "Api list", "columns": [{"name": "Company"}]})),
            [401, 403, 201, 201],
        ),
        (
            "PATCH",
            "/prospecting-lists/999999",
            Some(serde_json::json!({"name": "X"})),
            [401, 403, 404, 404],
        ),
        (
            "GET",
            "/prospecting-lists/999999/prospects",
            None,
            [401, 404, 404, 404],
        ),
        (
            "POST",
            "/prospecting-lists/999999/import",
            Some(serde_json::json!({})),
            [401, 403, 404, 404],
        ),
        ("GET", "/imports/999999", None, [401, 403, 404, 404]),
        ("GET", "/prospects/999999", None, [401, 404, 404, 404]),
        (
            "POST",
            "/prospects/999999/convert",
            Some(serde_json::json!({})),
            [401, 404, 404, 404],
        ),
        (
            "GET",
            "/prospects/999999/answers",
            None,
            [401, 404, 404, 404],
        ),
        ("GET", "/scripts", None, [401, 200, 200, 200]),
        (
            "POST",
            "/scripts",
            Some(serde_json::json!({"name": "Api script", "questions": []})),
            [401, 403, 403, 201],
        ),
        ("DELETE", "/scripts/999999", None, [401, 403, 403, 404]),
        ("DELETE", "/activities/999999", None, [401, 404, 404, 404]),
        ("GET", "/goals", None, [401, 403, 200, 200]),
        ("GET", "/goals/progress", None, [401, 200, 200, 200]),
        ("GET", "/goals/999999", None, [401, 403, 404, 404]),
        (
            "PATCH",
            "/goals/999999",
            Some(serde_json::json!({"target": "5"})),
            [401, 403, 404, 404],
        ),
        ("DELETE", "/goals/999999", None, [401, 403, 404, 404]),
        (
            "POST",
            "/goals",
            Some(
                serde_json::json!({"kind": "leads_won", "assignee": "team", "period": "week", "starts_on": "2026-11-02", "target": "0"}),
            ),
            [401, 403, 422, 422],
        ),
        ("GET", "/plans", None, [401, 403, 200, 200]),
        (
            "GET",
            "/reports/team-activity?from=2026-11-01&to=2026-11-30",
            None,
            [401, 200, 200, 200],
        ),
        (
            "GET",
            "/reports/prospecting-lists/999999?from=2026-11-01&to=2026-11-30",
            None,
            [401, 404, 404, 404],
        ),
        // No pipeline exists here: refused with the reason.
        (
            "GET",
            "/reports/pipeline-performance?from=2026-11-01&to=2026-11-30",
            None,
            [401, 422, 422, 422],
        ),
        (
            "GET",
            "/reports/team-performance?from=2026-11-01&to=2026-11-30&format=csv",
            None,
            [401, 200, 200, 200],
        ),
        (
            "GET",
            "/reports/company-performance?from=2026-11-01&to=2026-11-30&group_by=week",
            None,
            [401, 200, 200, 200],
        ),
        (
            "GET",
            "/digests/preview?date=2026-11-26&format=text",
            None,
            [401, 403, 403, 200],
        ),
        (
            "GET",
            "/digests/deliveries?date=2026-11-26",
            None,
            [401, 403, 403, 200],
        ),
        ("GET", "/plans/999999", None, [401, 403, 404, 404]),
        (
            "POST",
            "/plans/compute",
            Some(
                serde_json::json!({"target": "90000", "period": "quarter", "starts_on": "2026-10-01", "deal_value": "30000", "leads_per_deal": "4", "prospects_per_lead": "20"}),
            ),
            [401, 403, 200, 200],
        ),
        ("POST", "/plans/999999/apply", None, [401, 403, 404, 404]),
        ("DELETE", "/plans/999999", None, [401, 403, 404, 404]),
    ];
    for (method, path, body, expected) in routes {
        for shut_out in [&deactivated, &revoked.token] {
            let mut request = client.request(method.parse().unwrap(), app.api(path));
            request = request.bearer_auth(shut_out);
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            assert_eq!(
                response.status(),
                StatusCode::UNAUTHORIZED,
                "{method} {path} with a deactivated user's or a revoked token"
            );
        }
        for (who, token) in [None, Some(&member), Some(&manager), Some(&admin)]
            .into_iter()
            .enumerate()
        {
            let mut request = client.request(method.parse().unwrap(), app.api(path));
            if let Some(token) = token {
                request = request.bearer_auth(token);
            }
            if let Some(body) = &body {
                request = request.json(body);
            }
            let response = request.send().await.unwrap();
            let status = response.status().as_u16();
            assert_eq!(status, expected[who], "{method} {path} as {who}");
            if status >= 400 {
                let json: serde_json::Value = response.json().await.unwrap();
                assert!(json["error"]["code"].is_string(), "{json}");
                assert!(json["error"]["message"].is_string(), "{json}");
            }
        }
    }
    let bogus = client
        .get(app.api("/me"))
        .bearer_auth("cad_0000000000000000")
        .send()
        .await
        .unwrap();
    assert_eq!(bogus.status(), StatusCode::UNAUTHORIZED);
}
on_both_backends!(api_matrix, every_api_route_checks_the_token_and_role);
