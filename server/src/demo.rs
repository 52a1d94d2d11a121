//! The demo workspace, seeded into an empty database by `serve --demo`.

use app::server::{segments, users, workspace};
use sea_orm::{DatabaseConnection, TransactionTrait};

use crate::BoxError;

pub const DEMO_PASSWORD: &str = "cadence-demo";

/// (email, name, role, segment)
const PEOPLE: [(&str, &str, &str, Option<&str>); 8] = [
    ("admin@demo.test", "Alex Admin", "admin", None),
    ("manager@demo.test", "Morgan Manager", "manager", None),
    (
        "rep1@demo.test",
        "Riley Park",
        "member",
        Some("Prospecting"),
    ),
    ("rep2@demo.test", "Sam Ortiz", "member", Some("Prospecting")),
    (
        "rep3@demo.test",
        "Jordan Lee",
        "member",
        Some("Prospecting"),
    ),
    ("rep4@demo.test", "Casey Novak", "member", Some("Closing")),
    ("rep5@demo.test", "Taylor Brooks", "member", Some("Closing")),
    ("rep6@demo.test", "Jamie Chen", "member", Some("Closing")),
];

/// Seeds the demo workspace when the database has no users; returns the logins to print.
/// A database that has users is never touched.
pub async fn seed_if_empty(db: &DatabaseConnection) -> Result<Option<String>, BoxError> {
    if users::count(db).await.map_err(|e| e.to_string())? > 0 {
        return Ok(None);
    }
    let txn = db.begin().await?;
    if !workspace::claim_setup(&txn)
        .await
        .map_err(|e| e.to_string())?
    {
        return Ok(None);
    }
    workspace::update(&txn, "Demo Co", "Europe/Paris", "EUR", "monday")
        .await
        .map_err(|e| e.to_string())?;
    let prospecting = segments::create(&txn, "Prospecting")
        .await
        .map_err(|e| e.to_string())?;
    let closing = segments::create(&txn, "Closing")
        .await
        .map_err(|e| e.to_string())?;
    for (email, name, role, segment) in PEOPLE {
        let segment_id = match segment {
            Some("Prospecting") => Some(prospecting.id),
            Some(_) => Some(closing.id),
            None => None,
        };
        users::create(
            &txn,
            users::NewUser {
                name: name.into(),
                email: email.into(),
                role: role.into(),
                segment_id,
                password: DEMO_PASSWORD.into(),
            },
        )
        .await
        .map_err(|e| format!("{e:?}"))?;
    }
    txn.commit().await?;
    let mut logins = String::from("Demo workspace created. Log in with any of these (password: ");
    logins.push_str(DEMO_PASSWORD);
    logins.push_str("):\n");
    for (email, _, role, _) in PEOPLE {
        logins.push_str(&format!("  {email:<20} {role}\n"));
    }
    Ok(Some(logins))
}
