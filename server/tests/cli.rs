//! The `cadence` binary's commands: migrate, create-user (password on stdin), token create.

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
