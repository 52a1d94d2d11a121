//! The REST API, the health check, the OpenAPI document, the 404 page and bad input.

#[macro_use]
mod common;

use common::TestApp;
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn me_answers_with_the_tokens_user_and_a_revoked_token_is_refused(app: &TestApp) {
    let id = app.user("tok@example.test", "manager").await;
    let token = app::server::tokens::create(&app.db, id, "ci")
        .await
        .unwrap();
    let client = common::http();
    let me: Value = client
        .get(app.api("/me"))
        .bearer_auth(&token.token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], "tok@example.test");
    assert_eq!(me["role"], "manager");
    app::server::tokens::revoke(&app.db, id, token.info.id)
        .await
        .unwrap();
    let after = client
        .get(app.api("/me"))
        .bearer_auth(&token.token)
        .send()
        .await
        .unwrap();
    assert_eq!(after.status(), StatusCode::UNAUTHORIZED);
    let body: Value = after.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");
}
on_both_backends!(
    me_and_revocation,
    me_answers_with_the_tokens_user_and_a_revoked_token_is_refused
);

async fn bad_input_is_refused_with_field_errors_and_changes_nothing(app: &TestApp) {
    let admin = app.token("admin").await;
    let client = common::http();
    let before = app.user_count().await;
    let long_name = "x".repeat(101);
    let cases = vec![
        (
            json!({"name": "", "email": "a@example.test", "role": "member", "password": "long enough pw"}),
            "name",
        ),
        (
            json!({"name": long_name, "email": "a@example.test", "role": "member", "password": "long enough pw"}),
            "name",
        ),
        (
            json!({"name": "Ann", "email": "not-an-email", "role": "member", "password": "long enough pw"}),
            "email",
        ),
        (
            json!({"name": "Ann", "email": "a@example.test", "role": "owner", "password": "long enough pw"}),
            "role",
        ),
        (
            json!({"name": "Ann", "email": "a@example.test", "role": "member", "password": "short"}),
            "password",
        ),
        (
            json!({"name": "Ann", "email": "a@example.test", "role": "member", "segment_id": 4242, "password": "long enough pw"}),
            "segment_id",
        ),
        (
            json!({"name": 5, "email": "a@example.test", "role": "member", "password": "long enough pw"}),
            "body",
        ),
        (json!({"email": "a@example.test"}), "body"),
    ];
    for (body, field) in cases {
        let response = client
            .post(app.api("/users"))
            .bearer_auth(&admin)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            response.status(),
            StatusCode::UNPROCESSABLE_ENTITY,
            "{body}"
        );
        let error: Value = response.json().await.unwrap();
        assert_eq!(error["error"]["code"], "validation", "{error}");
        assert!(
            error["error"]["fields"][field].is_string(),
            "{field} in {error}"
        );
    }
    let malformed = client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .header("content-type", "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(app.user_count().await, before);

    // A duplicate email, whatever its case, is refused on the email field.
    let ok = client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Ann", "email": "ann@example.test", "role": "member", "password": "long enough pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::CREATED);
    let dup = client
        .post(app.api("/users"))
        .bearer_auth(&admin)
        .json(&json!({"name": "Ann Two", "email": "ANN@example.test", "role": "member", "password": "long enough pw"}))
        .send()
        .await
        .unwrap();
    assert_eq!(dup.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let error: Value = dup.json().await.unwrap();
    assert!(error["error"]["fields"]["email"]
        .as_str()
        .unwrap()
        .contains("already"));
    assert_eq!(app.user_count().await, before + 1);

    // Segments: empty and duplicate names.
    for (name, expected) in [("", 422), ("Closing", 201), ("closing", 422)] {
        let r = client
            .post(app.api("/segments"))
            .bearer_auth(&admin)
            .json(&json!({ "name": name }))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), expected, "segment {name:?}");
    }
}
on_both_backends!(
    bad_input,
    bad_input_is_refused_with_field_errors_and_changes_nothing
);

async fn bad_form_input_to_server_functions_is_refused_next_to_the_field(app: &TestApp) {
    let (admin, _) = app.logged_in("admin").await;
    let before = app.user_count().await;
    let r = app
        .call(
            &admin,
            "create_user",
            &[
                ("name", "Ann"),
                ("email", "ann@"),
                ("role", "member"),
                ("segment_id", ""),
                ("password", "long enough pw"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.text().await.unwrap().contains("\"email\""));
    let missing = app.call(&admin, "create_user", &[("name", "Ann")]).await;
    assert!(missing.status().is_client_error(), "{}", missing.status());
    let ws = app
        .call(
            &admin,
            "update_workspace",
            &[
                ("name", "Co"),
                ("time_zone", "Mars/Olympus"),
                ("currency", "EURO"),
                ("week_start", "friday"),
            ],
        )
        .await;
    assert_eq!(ws.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let body = ws.text().await.unwrap();
    for field in ["time_zone", "currency", "week_start"] {
        assert!(body.contains(field), "{field} in {body}");
    }
    let settings = app::server::workspace::get(&app.db).await.unwrap();
    assert_eq!(settings.time_zone, "UTC");
    assert_eq!(app.user_count().await, before);
}
on_both_backends!(
    bad_form_input,
    bad_form_input_to_server_functions_is_refused_next_to_the_field
);

async fn health_openapi_and_not_found(app: &TestApp) {
    let client = common::http();
    let health = client
        .get(format!("{}/healthz", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
    let doc: Value = client
        .get(app.api("/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in ["/api/v1/me", "/api/v1/users", "/api/v1/segments"] {
        assert!(doc["paths"][path].is_object(), "{path} documented");
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let missing_api = client.get(app.api("/nothing-here")).send().await.unwrap();
    assert_eq!(missing_api.status(), StatusCode::NOT_FOUND);
    let page = client
        .get(format!("{}/no/such/page", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::NOT_FOUND);
    assert!(page.text().await.unwrap().contains("Page not found"));
    let login = client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(login.status(), StatusCode::OK);
}
on_both_backends!(health_and_docs, health_openapi_and_not_found);

/// Every list pages the same way: `limit` and `offset`, the `total`, and a `next` address that
/// keeps the filters and leads to the rest, until the last page has none.
async fn lists_are_paged_with_next_links(app: &TestApp) {
    let admin = common::Api::new(app, "admin").await;
    for (i, name) in ["Paged one", "Paged two", "Paged three"].iter().enumerate() {
        admin
            .ok("POST", "/segments", Some(json!({"name": name})))
            .await;
        app.user(&format!("paged{i}@example.test"), "member").await;
    }
    for path in ["/users", "/segments", "/activity-types"] {
        let first = admin.ok("GET", &format!("{path}?limit=2"), None).await;
        let total = first["total"].as_u64().unwrap();
        assert!(total >= 3, "{path}: {first}");
        assert_eq!(first["items"].as_array().unwrap().len(), 2, "{path}");
        assert_eq!(
            (first["limit"].as_u64(), first["offset"].as_u64()),
            (Some(2), Some(0))
        );
        let mut seen = 2;
        let mut next = first["next"].as_str().map(str::to_string);
        while let Some(address) = next {
            assert!(address.starts_with(&format!("/api/v1{path}?")), "{address}");
            assert!(
                address.contains("limit=2"),
                "the page size is kept: {address}"
            );
            let page = admin
                .ok("GET", address.trim_start_matches("/api/v1"), None)
                .await;
            seen += page["items"].as_array().unwrap().len() as u64;
            next = page["next"].as_str().map(str::to_string);
            assert_eq!(page["next_offset"].is_null(), next.is_none());
        }
        assert_eq!(seen, total, "{path}: every item once");
    }
    let whole = admin.ok("GET", "/segments", None).await;
    assert!(whole["next"].is_null(), "one page: no next");
    let (status, body) = admin.send("GET", "/users?limit=many", None).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(
        body["error"]["message"].is_string(),
        "the error shape: {body}"
    );
}
on_both_backends!(paged, lists_are_paged_with_next_links);

/// 100 requests per 10 s per token: the 101st in the window gets 429 with `Retry-After`, in
/// the API's error shape; another token is not affected; bodies over 1 MiB are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_request_over_the_rate_limit_waits_and_other_tokens_do_not() {
    let mut args = server::config::ServeArgs::for_tests("target/no-site".into());
    args.api_rate_limit = 100;
    args.api_rate_window = 10;
    let app = TestApp::spawn_with(args).await;
    let first = app.token("member").await;
    let second = app.token("member").await;
    let client = common::http();
    let me = |token: &str| client.get(app.api("/me")).bearer_auth(token).send();
    for n in 1..=100 {
        let response = me(&first).await.unwrap();
        assert_eq!(response.status(), 200, "request {n}");
    }
    let refused = me(&first).await.unwrap();
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=10).contains(&wait), "Retry-After: {wait}");
    let body: serde_json::Value = refused.json().await.unwrap();
    assert_eq!(body["error"]["code"], "too_many_requests");
    assert_eq!(me(&second).await.unwrap().status(), 200);

    // A body over 1 MiB is refused before it is read whole.
    let big = format!(
        "{{\"name\": \"{}\"}}",
        "x".repeat(server::API_BODY_LIMIT + 1)
    );
    let response = client
        .post(app.api("/segments"))
        .bearer_auth(&second)
        .header("content-type", "application/json")
        .body(big)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    app.finish().await;
}

/// Every `$ref` of a JSON value, anywhere in it.
fn refs(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => {
            if let Some(Value::String(target)) = map.get("$ref") {
                out.push(target.clone());
            }
            map.values().for_each(|v| refs(v, out));
        }
        Value::Array(list) => list.iter().for_each(|v| refs(v, out)),
        _ => {}
    }
}

/// The document a client generator or a fuzzer reads is whole: every schema it refers to is
/// defined, every `{parameter}` of a path is declared as a required path parameter, every
/// operation has a tag, an answer for success and a unique operation id.
#[test]
fn the_openapi_document_is_whole() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(server::api::ApiDoc::openapi()).unwrap();
    let schemas = doc["components"]["schemas"].as_object().unwrap();
    let mut all = Vec::new();
    refs(&doc, &mut all);
    assert!(!all.is_empty());
    let mut problems: Vec<String> = Vec::new();
    for target in &all {
        match target.strip_prefix("#/components/schemas/") {
            Some(name) if schemas.contains_key(name) => {}
            _ => problems.push(format!("{target} is not defined")),
        }
    }
    let mut ids = std::collections::BTreeSet::new();
    let mut operations = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let wanted: Vec<&str> = path
            .split('{')
            .skip(1)
            .filter_map(|rest| rest.split('}').next())
            .collect();
        for (method, op) in item.as_object().unwrap() {
            operations += 1;
            let at = format!("{} {path}", method.to_uppercase());
            let declared: Vec<&str> = op["parameters"]
                .as_array()
                .map(|list| {
                    list.iter()
                        .filter(|p| p["in"] == "path" && p["required"] == true)
                        .filter_map(|p| p["name"].as_str())
                        .collect()
                })
                .unwrap_or_default();
            for name in &wanted {
                if !declared.contains(name) {
                    problems.push(format!("{at}: path parameter {name} not declared"));
                }
            }
            if op["tags"].as_array().is_none_or(|t| t.is_empty()) {
                problems.push(format!("{at}: no tag"));
            }
            let answers = op["responses"].as_object();
            if !answers.is_some_and(|r| r.keys().any(|code| code.starts_with('2'))) {
                problems.push(format!("{at}: no success answer"));
            }
            // Lists are paged: a GET answers a page object, not a bare array (except the
            // goals' progress, a view of the current periods, and a prospect's answers, one
            // per question of its script).
            let ok = &op["responses"]["200"]["content"]["application/json"]["schema"];
            let unpaged = ["/api/v1/goals/progress", "/api/v1/prospects/{id}/answers"];
            if method == "get" && ok["type"] == "array" && !unpaged.contains(&path.as_str()) {
                problems.push(format!("{at}: a bare array, not a page"));
            }
            let id = op["operationId"].as_str().unwrap_or_default().to_string();
            if id.is_empty() || !ids.insert(id.clone()) {
                problems.push(format!("{at}: operation id {id:?} missing or repeated"));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "{} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    assert!(operations > 70, "{operations} operations");
}
