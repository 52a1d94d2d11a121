//! `cadence backup` and `cadence restore` through the binary, on SQLite: a backup taken while
//! the server runs and writes, restored over the changed database, gives back every table as it
//! was at the backup, row for row; a bad file and an unforced overwrite are refused.

mod common;

use std::path::Path;
use std::process::Command;

use futures::StreamExt;
use sea_orm::{ConnectionTrait, DatabaseConnection, Statement};
use server::config::ServeArgs;

fn cadence(db_url: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args(args)
        .env("CADENCE_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("run cadence");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

/// Every row of every table, as text, table by table in rowid order.
async fn dump(db: &DatabaseConnection) -> Vec<String> {
    let backend = db.get_database_backend();
    let text = |sql: String| Statement::from_string(backend, sql);
    let tables: Vec<String> = db
        .query_all_raw(text(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' \
             ORDER BY name"
                .into(),
        ))
        .await
        .unwrap()
        .iter()
        .map(|r| r.try_get_by_index(0).unwrap())
        .collect();
    assert!(tables.len() > 20, "{tables:?}");
    let mut out = Vec::new();
    for table in tables {
        let columns: Vec<String> = db
            .query_all_raw(text(format!(
                "SELECT name FROM pragma_table_info('{table}') ORDER BY cid"
            )))
            .await
            .unwrap()
            .iter()
            .map(|r| r.try_get_by_index::<String>(0).unwrap())
            .map(|c| format!("quote(\"{c}\")"))
            .collect();
        let rows = db
            .query_all_raw(text(format!(
                "SELECT {} FROM \"{table}\" ORDER BY rowid",
                columns.join(" || '|' || ")
            )))
            .await
            .unwrap();
        out.push(format!("{table}: {} rows", rows.len()));
        for row in rows {
            out.push(row.try_get_by_index::<String>(0).unwrap());
        }
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_serving_restores_every_table_as_it_was() {
    let dir = std::env::temp_dir().join(format!("cadence_backup_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/live.db", dir.display());
    let db = server::connect(&url).await.unwrap();
    server::demo::seed_if_empty(&db).await.unwrap().unwrap();
    let running = server::spawn(db.clone(), &ServeArgs::for_tests("target/no-site".into()))
        .await
        .unwrap();
    let before = dump(&db).await;
    assert!(
        before.len() > 500,
        "a demo workspace: {} lines",
        before.len()
    );

    let file = dir.join("backups/monday.db");
    let file_text = file.to_string_lossy().to_string();
    let (ok, said) = cadence(&url, &["backup", "--to", &file_text]);
    assert!(ok, "{said}");
    assert!(said.contains("integrity check ok"), "{said}");
    let (ok, said) = cadence(&url, &["backup", "--to", &file_text]);
    assert!(!ok && said.contains("exists already"), "{said}");

    // Work goes on after the backup.
    let client = common::http();
    let token = {
        let admin = app::server::users::find_by_email(&db, "admin@demo.test")
            .await
            .unwrap()
            .unwrap();
        app::server::tokens::create(&db, admin.id, "after backup")
            .await
            .unwrap()
            .token
    };
    let created = client
        .post(format!("{}/api/v1/leads", running.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "After the backup"}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    assert_ne!(dump(&db).await, before, "the database changed");
    // The last event a browser open now has seen: above every event of the backup.
    let seen = app::server::events::last_id(&db).await.unwrap();
    running.stop().await;
    db.close().await.unwrap();

    // A server serving the database (the binary, which holds its lock) refuses a restore.
    let (mut serving, _) = common::serve_binary(&url, &[], &[], std::process::Stdio::null());
    let (ok, said) = cadence(&url, &["restore", "--from", &file_text, "--force"]);
    assert!(!ok && said.contains("stop the server"), "{said}");
    serving.kill();

    let (ok, said) = cadence(&url, &["restore", "--from", &file_text]);
    assert!(!ok && said.contains("--force"), "{said}");
    let not_a_backup = dir.join("notes.txt");
    std::fs::write(&not_a_backup, "hello").unwrap();
    let (ok, said) = cadence(
        &url,
        &[
            "restore",
            "--from",
            &not_a_backup.to_string_lossy(),
            "--force",
        ],
    );
    assert!(!ok && said.contains("not a usable backup"), "{said}");

    let (ok, said) = cadence(&url, &["restore", "--from", &file_text, "--force"]);
    assert!(ok, "{said}");
    assert!(said.contains("integrity check ok"), "{said}");
    let db = server::connect(&url).await.unwrap();
    // Every table as at the backup, and one event more: the restore's, for the open pages.
    let with_restore = dump(&db).await;
    let marks: Vec<&String> = with_restore
        .iter()
        .filter(|line| line.contains("'workspace.restored'"))
        .collect();
    assert_eq!(marks.len(), 1, "one restore event");
    assert!(
        marks[0].starts_with(&format!("{}|", seen + 1)),
        "its id follows the last one the open pages saw ({seen}): {}",
        marks[0]
    );
    let after: Vec<String> = with_restore
        .iter()
        .filter(|line| !line.contains("'workspace.restored'"))
        .map(|line| match line.strip_prefix("events: ") {
            Some(count) => {
                let rows: usize = count.trim_end_matches(" rows").parse().unwrap();
                format!("events: {} rows", rows - 1)
            }
            None => line.clone(),
        })
        .collect();
    assert_eq!(after.len(), before.len());
    let first_difference = after.iter().zip(&before).position(|(a, b)| a != b);
    assert_eq!(first_difference, None, "every table as at the backup");
    // A page open since before the restore comes back with its Last-Event-ID: it gets the
    // restore (its cue to reload), then what happens next.
    let running = server::spawn(db.clone(), &ServeArgs::for_tests("target/no-site".into()))
        .await
        .unwrap();
    let token = {
        let admin = app::server::users::find_by_email(&db, "admin@demo.test")
            .await
            .unwrap()
            .unwrap();
        app::server::tokens::create(&db, admin.id, "after restore")
            .await
            .unwrap()
            .token
    };
    let mut stream = client
        .get(format!("{}/api/v1/events", running.url()))
        .bearer_auth(&token)
        .header("Last-Event-ID", seen.to_string())
        .send()
        .await
        .unwrap()
        .bytes_stream();
    let created = client
        .post(format!("{}/api/v1/leads", running.url()))
        .bearer_auth(&token)
        .json(&serde_json::json!({"title": "After the restore"}))
        .send()
        .await
        .unwrap();
    assert!(created.status().is_success());
    let mut text = String::new();
    while !text.contains("After the restore") {
        assert!(
            text.is_empty() || text.contains("workspace.restored"),
            "the restore comes first: {text}"
        );
        let chunk = tokio::time::timeout(std::time::Duration::from_secs(10), stream.next())
            .await
            .unwrap_or_else(|_| panic!("no new event after the restore: {text}"))
            .expect("the stream goes on")
            .unwrap();
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(text.find("workspace.restored") < text.find("After the restore"));
    drop(stream);
    running.stop().await;
    db.close().await.unwrap();
    let kept = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            let name = e.file_name().to_string_lossy().to_string();
            name.starts_with("live.db.before-restore-") && !name.ends_with("-wal")
        });
    assert!(kept, "the replaced database is kept beside");
    assert!(Path::new(&format!("{}/live.db", dir.display())).exists());
    let _ = std::fs::remove_dir_all(&dir);
}
