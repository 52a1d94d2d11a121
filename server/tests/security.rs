//! Security checks over HTTP: the headers of pages and other answers (a Content-Security-Policy
//! whose only inline scripts are the page's own, by nonce), markup typed by users shown as
//! text, and a change sent to a server function from another site refused.

#[macro_use]
mod common;

use common::{Api, TestApp, PASSWORD};
use reqwest::StatusCode;
use serde_json::json;

fn header(response: &reqwest::Response, name: &str) -> String {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string()
}

async fn pages_and_answers_carry_the_security_headers(app: &TestApp) {
    let client = common::http();
    let page = client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let policy = header(&page, "content-security-policy");
    assert_eq!(header(&page, "x-content-type-options"), "nosniff");
    assert_eq!(header(&page, "referrer-policy"), "same-origin");
    assert_eq!(header(&page, "x-frame-options"), "DENY");
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    let scripts = policy
        .split(';')
        .map(str::trim)
        .find(|d| d.starts_with("script-src"))
        .unwrap_or_else(|| panic!("a script-src: {policy}"));
    assert!(!scripts.contains("unsafe-inline"), "{scripts}");
    let nonce = scripts
        .split_whitespace()
        .find_map(|s| s.strip_prefix("'nonce-"))
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or_else(|| panic!("a nonce: {scripts}"))
        .to_string();
    assert!(nonce.len() >= 16, "{nonce}");
    let html = page.text().await.unwrap();
    // Every script the browser would run carries the nonce; the user data block is not run.
    let mut run = 0;
    for tag in html.split("<script").skip(1) {
        let open = tag.split('>').next().unwrap_or_default();
        if open.contains("application/json") {
            continue;
        }
        run += 1;
        assert!(
            open.contains(&format!("nonce=\"{nonce}\"")),
            "<script{open}>"
        );
    }
    assert!(run > 0, "the page has its hydration script");
    let again = client
        .get(format!("{}/login", app.url))
        .send()
        .await
        .unwrap();
    assert_ne!(
        header(&again, "content-security-policy"),
        policy,
        "a new nonce for each page"
    );

    let api = client.get(app.api("/openapi.json")).send().await.unwrap();
    assert_eq!(header(&api, "x-content-type-options"), "nosniff");
    assert_eq!(
        header(&api, "content-security-policy"),
        "default-src 'none'; frame-ancestors 'none'"
    );
}
on_both_backends!(headers, pages_and_answers_carry_the_security_headers);

async fn markup_typed_by_users_is_shown_as_text(app: &TestApp) {
    let admin = Api::new(app, "admin").await;
    let markup = "</title><script>alert('x')</script><img src=x onerror=alert(1)>";
    let (_, steps) = common::pipeline(&admin, "Markup", &["New"]).await;
    let lead = admin
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": markup, "company": markup, "step_id": steps[0]})),
        )
        .await;
    let id = lead["id"].as_i64().unwrap();
    admin
        .ok(
            "POST",
            "/activities",
            Some(
                json!({"type_id": common::type_id(&admin, "Call", None).await.0,
                "lead_id": id, "note": markup}),
            ),
        )
        .await;
    let list = admin
        .ok(
            "POST",
            "/prospecting-lists",
            Some(json!({"name": "Markup", "columns": [{"name": "Company", "kind": "company"}]})),
        )
        .await;
    let list_id = list["id"].as_i64().unwrap();
    let column = list["columns"][0]["id"].as_i64().unwrap().to_string();
    let prospect = admin
        .ok(
            "POST",
            &format!("/prospecting-lists/{list_id}/prospects"),
            Some(json!({ "cells": { column: markup } })),
        )
        .await;
    let prospect_id = prospect["id"].as_i64().unwrap();
    // A call script whose question, options and answers are markup.
    let script = admin
        .ok(
            "POST",
            "/scripts",
            Some(json!({"name": markup, "questions": [
                {"kind": "single", "prompt": markup, "options": [markup, "Plain"], "required": false},
                {"kind": "text", "prompt": "Notes", "options": [], "required": false}
            ]})),
        )
        .await;
    let questions: Vec<i64> = script["questions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|q| q["id"].as_i64().unwrap())
        .collect();
    admin
        .ok(
            "PUT",
            &format!("/prospects/{prospect_id}/answers"),
            Some(json!([
                {"question_id": questions[0], "value": [markup]},
                {"question_id": questions[1], "value": [markup]}
            ])),
        )
        .await;
    let (client, _) = app.logged_in("admin").await;
    // Each page, and whether it must show the markup (as text) in the server's HTML.
    for (path, shows_it) in [
        (format!("/leads/{id}"), true),
        ("/board".to_string(), false),
        ("/feed".to_string(), false),
        (format!("/lists/{list_id}"), false),
        (format!("/prospects/{prospect_id}"), false),
        ("/admin/scripts".to_string(), true),
    ] {
        let html = client
            .get(format!("{}{path}", app.url))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for raw in ["<script>alert", "<img src=x", "</title><script>alert"] {
            if let Some(at) = html.find(raw) {
                let start = html[..at]
                    .char_indices()
                    .rev()
                    .nth(100)
                    .map_or(0, |(i, _)| i);
                panic!(
                    "{path}: markup went out as markup: …{}…",
                    &html[start..(at + 400).min(html.len())]
                );
            }
        }
        if shows_it {
            assert!(
                html.contains("&lt;script&gt;alert("),
                "{path} shows the markup as text: {}",
                &html[html.find("<main").unwrap_or(0)..]
            );
        }
    }
}
on_both_backends!(markup, markup_typed_by_users_is_shown_as_text);

async fn a_server_function_call_from_another_site_is_refused(app: &TestApp) {
    app.user("csrf@example.test", "admin").await;
    let form = [("email", "csrf@example.test"), ("password", PASSWORD)];
    let login = |origin: Option<String>| {
        let mut request = app
            .client()
            .post(format!("{}/api/login", app.url))
            .form(&form);
        if let Some(origin) = origin {
            request = request.header(reqwest::header::ORIGIN, origin);
        }
        request.send()
    };
    let forged = login(Some("https://evil.example".into())).await.unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    if let Some(cookie) = common::session_cookie(&forged) {
        let who = common::http()
            .post(format!("{}/api/current_user", app.url))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert_eq!(who, "null", "the forged login logged nobody in");
    }
    let ours = login(Some(app.url.clone())).await.unwrap();
    assert_eq!(ours.status(), StatusCode::OK, "the app's own origin");
    let no_origin = login(None).await.unwrap();
    assert_eq!(
        no_origin.status(),
        StatusCode::OK,
        "programs send no Origin"
    );
}
on_both_backends!(csrf, a_server_function_call_from_another_site_is_refused);

/// Behind a proxy that rewrites `Host` (and says nothing of it), the `--public-url` addresses
/// are this site's: changes from them pass, from anywhere else (the request's own address
/// included) they are refused.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_public_urls_only_their_pages_may_change_anything() {
    let mut args = server::config::ServeArgs::for_tests("target/no-site".into());
    args.public_url = vec![
        "https://CRM.example.test/".into(),
        "http://127.0.0.1:8080".into(),
    ];
    let app = TestApp::spawn_with(args).await;
    app.user("proxied@example.test", "admin").await;
    let form = [("email", "proxied@example.test"), ("password", PASSWORD)];
    let login = |origin: String| {
        app.client()
            .post(format!("{}/api/login", app.url))
            .header(reqwest::header::ORIGIN, origin)
            .form(&form)
            .send()
    };
    for (origin, status) in [
        ("https://crm.example.test", StatusCode::OK),
        ("http://127.0.0.1:8080", StatusCode::OK),
        (app.url.as_str(), StatusCode::FORBIDDEN),
        ("http://crm.example.test", StatusCode::FORBIDDEN),
        ("https://evil.example", StatusCode::FORBIDDEN),
    ] {
        let answer = login(origin.to_string()).await.unwrap();
        assert_eq!(answer.status(), status, "a login from {origin}");
    }
    app.finish().await;
}

/// Passwords, API tokens and the SMTP password never reach the server's log, even at debug
/// level: the binary is set up, logged into (wrongly, then rightly), has its password changed,
/// a token made and used, the relay's password saved on the admin page and given in the
/// environment; then its log is searched for each secret.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn secrets_stay_out_of_the_log() {
    let dir = std::env::temp_dir().join(format!("cadence_secrets_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let log_file = dir.join("server.log");
    let (first, second, wrong) = (
        "First-Passw0rd-61",
        "Second-Passw0rd-62",
        "Wrong-Passw0rd-63",
    );
    let (smtp_env, smtp_saved) = ("Smtp-Secret-From-Env-64", "Smtp-Secret-Saved-65");
    let envs = [
        ("CADENCE_SMTP_HOST", "127.0.0.1"),
        ("CADENCE_SMTP_USER", "relay-user"),
        ("CADENCE_SMTP_PASSWORD", smtp_env),
        ("RUST_LOG", "debug"),
    ];
    let db_url = format!("sqlite://{}/secrets.db", dir.display());
    let log = std::fs::File::create(&log_file).unwrap();
    let (mut child, url) = common::serve_binary(&db_url, &[], &envs, log.into());
    let browser = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let call = |endpoint: &str, form: Vec<(&str, &str)>| {
        browser
            .post(format!("{url}/api/{endpoint}"))
            .form(&form)
            .send()
    };
    let setup = vec![
        ("workspace_name", "Secret Co"),
        ("name", "Sam Secret"),
        ("email", "sam@secret.test"),
        ("password", first),
    ];
    assert_eq!(
        call("setup_first_admin", setup).await.unwrap().status(),
        200
    );
    let refused = call(
        "login",
        vec![("email", "sam@secret.test"), ("password", wrong)],
    )
    .await;
    assert_eq!(refused.unwrap().status(), 401);
    let login = call(
        "login",
        vec![("email", "sam@secret.test"), ("password", first)],
    )
    .await;
    assert_eq!(login.unwrap().status(), 200);
    let change = vec![
        ("current_password", first),
        ("new_password", second),
        ("confirm_password", second),
    ];
    assert_eq!(call("change_password", change).await.unwrap().status(), 200);
    let made: serde_json::Value = call("create_token", vec![("name", "log check")])
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let token = made["token"].as_str().unwrap().to_string();
    let settings = vec![
        ("digest_time", "07:30"),
        ("public_url", ""),
        ("smtp_host", "smtp.secret.test"),
        ("smtp_port", "587"),
        ("smtp_security", "starttls"),
        ("smtp_user", "saved-user"),
        ("smtp_password", smtp_saved),
        ("smtp_from", "Cadence <digest@secret.test>"),
    ];
    assert_eq!(
        call("save_digest_settings", settings)
            .await
            .unwrap()
            .status(),
        200
    );
    let api = common::Bearer::new(&url, &token);
    api.ok("GET", "/me", None).await;
    api.ok(
        "POST",
        "/pipelines",
        Some(json!({"name": "Sales", "steps": ["New"]})),
    )
    .await;
    api.ok("POST", "/leads", Some(json!({"title": "Logged lead"})))
        .await;
    let forged = common::Bearer::new(&url, "cad_0000forged0000token");
    assert_eq!(
        forged.send("GET", "/me", None).await.unwrap().0,
        StatusCode::UNAUTHORIZED
    );
    child.kill();

    let log = std::fs::read_to_string(&log_file).unwrap();
    assert!(
        log.lines().count() > 20 && log.contains("/api/login"),
        "the log is there and tells of the requests: {log}"
    );
    let token_secret = token.trim_start_matches("cad_");
    for (what, secret) in [
        ("the first password", first),
        ("the second password", second),
        ("a wrong password", wrong),
        ("the SMTP password from the environment", smtp_env),
        ("the SMTP password saved on the admin page", smtp_saved),
        ("the API token", token_secret),
        ("a forged token", "0000forged0000token"),
    ] {
        assert!(!log.contains(secret), "{what} is in the log");
    }
    println!(
        "secrets in the log: none of 7 (passwords, tokens, SMTP passwords) in {} lines at debug level",
        log.lines().count()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
