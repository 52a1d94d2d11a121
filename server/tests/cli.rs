//! The `cadence` binary's commands: migrate, create-user (password on stdin), token create,
//! digest send.

use std::io::Write;
use std::process::{Command, Stdio};

use reqwest::StatusCode;

fn cadence(db_url: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args(args)
        .env("CADENCE_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run cadence");
    if let Some(text) = stdin {
        child
            .stdin
            .take()
            .unwrap()
            .write_all(text.as_bytes())
            .unwrap();
    } else {
        drop(child.stdin.take());
    }
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_user_and_token_from_the_command_line_give_api_access() {
    let dir = std::env::temp_dir().join(format!("cadence_cli_{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db_url = format!("sqlite://{}/nested/cli.db", dir.display());

    let migrate = cadence(&db_url, &["migrate"], None);
    assert!(
        migrate.status.success(),
        "{}",
        String::from_utf8_lossy(&migrate.stderr)
    );

    let create = cadence(
        &db_url,
        &[
            "create-user",
            "--email",
            "Cli@Example.test",
            "--name",
            "Cli Admin",
            "--role",
            "admin",
        ],
        Some("a good password\n"),
    );
    assert!(
        create.status.success(),
        "{}",
        String::from_utf8_lossy(&create.stderr)
    );
    assert!(String::from_utf8_lossy(&create.stdout).contains("cli@example.test"));

    let short = cadence(
        &db_url,
        &[
            "create-user",
            "--email",
            "b@example.test",
            "--name",
            "B",
            "--role",
            "member",
        ],
        Some("short\n"),
    );
    assert!(!short.status.success());
    assert!(
        String::from_utf8_lossy(&short.stderr).contains("password: Password must be at least 8")
    );

    let token = cadence(
        &db_url,
        &["token", "create", "--email", "cli@example.test"],
        None,
    );
    assert!(
        token.status.success(),
        "{}",
        String::from_utf8_lossy(&token.stderr)
    );
    let token = String::from_utf8(token.stdout).unwrap().trim().to_string();
    assert!(token.starts_with("cad_"));

    // The digest on demand: printed, then kept in the outbox (no relay here), once.
    let dry = cadence(
        &db_url,
        &["digest", "send", "--date", "2026-11-26", "--dry-run"],
        None,
    );
    let printed = String::from_utf8_lossy(&dry.stdout);
    assert!(
        dry.status.success(),
        "{}",
        String::from_utf8_lossy(&dry.stderr)
    );
    assert!(
        printed.contains("To: Cli Admin <cli@example.test>"),
        "{printed}"
    );
    assert!(
        printed.contains("daily digest for Thu 26 Nov 2026"),
        "{printed}"
    );
    assert!(
        printed.contains("Your team on Thursday 26 November 2026"),
        "{printed}"
    );
    let send = || cadence(&db_url, &["digest", "send", "--date", "2026-11-26"], None);
    let first = send();
    assert!(
        first.status.success(),
        "{}",
        String::from_utf8_lossy(&first.stderr)
    );
    assert!(String::from_utf8_lossy(&first.stderr).contains("cli@example.test: outbox"));
    let again = send();
    assert!(
        String::from_utf8_lossy(&again.stderr).contains("cli@example.test: already outbox before"),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let bad = cadence(&db_url, &["digest", "send", "--date", "26/11/2026"], None);
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("give YYYY-MM-DD"));

    let db = server::connect(&db_url).await.unwrap();
    let running = server::spawn(
        db,
        &server::config::ServeArgs::for_tests("target/no-site".into()),
    )
    .await
    .unwrap();
    let me = reqwest::Client::new()
        .get(format!("{}/api/v1/me", running.url()))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(me.status(), StatusCode::OK);
    let me: serde_json::Value = me.json().await.unwrap();
    assert_eq!(me["email"], "cli@example.test");
    assert_eq!(me["role"], "admin");
    running.stop().await;
    std::fs::remove_dir_all(&dir).ok();
}

#[test]
fn a_public_url_that_is_no_web_address_stops_serve_at_once() {
    let db_url = "sqlite://target/never-created.db";
    for bad in ["crm.example.com", "ftp://crm.example.com"] {
        let out = cadence(db_url, &["serve", "--public-url", bad], None);
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{bad}: {said}");
        assert!(
            said.contains("--public-url") && said.contains("https://"),
            "{bad}: {said}"
        );
    }
}
