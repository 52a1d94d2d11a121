//! Test harness: the real app on port 0 with its own fresh database, SQLite or PostgreSQL.
#![allow(dead_code)]

pub mod smtp;

use std::sync::atomic::{AtomicU64, Ordering};

use app::server::entity::{activity, lead, lead_history, user};
use app::server::{tokens, users};
use chrono::{DateTime, Utc};
use reqwest::{Client, Response, StatusCode};
use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sea_orm::{ConnectionTrait, Database, DatabaseConnection};
use serde_json::{json, Value};
use server::config::ServeArgs;
use server::Running;

pub const PASSWORD: &str = "correct horse battery";

/// A request that gets no answer fails the test after this long instead of stalling the run.
pub const REQUEST_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(60);

/// An HTTP client for API calls, with the timeout.
pub fn http() -> Client {
    Client::builder().timeout(REQUEST_TIMEOUT).build().unwrap()
}

/// Runs one async test body against SQLite, and against PostgreSQL when
/// `CADENCE_TEST_POSTGRES_URL` is set.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite).await;
                $body(&app).await;
                app.finish().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Some(app) = $crate::common::TestApp::spawn_postgres().await else {
                    eprintln!("CADENCE_TEST_POSTGRES_URL is not set: PostgreSQL variant not run");
                    return;
                };
                $body(&app).await;
                app.finish().await;
            }
        }
    };
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

fn unique(prefix: &str) -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos();
    format!(
        "{prefix}_{}_{}_{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::SeqCst)
    )
}

/// A new, empty PostgreSQL database with a random name on the server of
/// `CADENCE_TEST_POSTGRES_URL`; `drop` removes it.
pub struct EmptyPostgres {
    pub url: String,
    admin_url: String,
    name: String,
}

impl EmptyPostgres {
    /// `None` when `CADENCE_TEST_POSTGRES_URL` is not set.
    pub async fn create(prefix: &str) -> Option<EmptyPostgres> {
        let admin_url = std::env::var("CADENCE_TEST_POSTGRES_URL").ok()?;
        let name = unique(prefix);
        let admin = Database::connect(admin_url.as_str())
            .await
            .expect("connect to PostgreSQL");
        admin
            .execute_unprepared(&format!("CREATE DATABASE {name}"))
            .await
            .expect("create test database");
        admin.close().await.ok();
        let base = admin_url
            .rsplit_once('/')
            .map(|(base, _)| base.to_string())
            .expect("a URL with a database name");
        Some(EmptyPostgres {
            url: format!("{base}/{name}"),
            admin_url,
            name,
        })
    }

    pub async fn drop(self) {
        let admin = Database::connect(self.admin_url.as_str())
            .await
            .expect("connect");
        admin
            .execute_unprepared(&format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                self.name
            ))
            .await
            .expect("drop test database");
        admin.close().await.ok();
    }
}

/// A small deterministic generator (xorshift), for tests that want the same random choices
/// on every run.
pub struct Dice(pub u64);

impl Dice {
    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % n
    }
}

pub struct TestApp {
    pub backend: Backend,
    pub db: DatabaseConnection,
    pub db_url: String,
    running: Option<Running>,
    pub url: String,
    sqlite_file: Option<std::path::PathBuf>,
    postgres: Option<(String, String)>,
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> TestApp {
        match backend {
            Backend::Sqlite => {
                let file = std::env::temp_dir().join(format!("{}.db", unique("cadence_test")));
                let url = format!("sqlite://{}", file.display());
                Self::start(backend, url, Some(file), None).await
            }
            Backend::Postgres => Self::spawn_postgres()
                .await
                .expect("CADENCE_TEST_POSTGRES_URL must be set"),
        }
    }

    /// A fresh PostgreSQL database with a random name, dropped by `finish`.
    pub async fn spawn_postgres() -> Option<TestApp> {
        Self::spawn_postgres_with(ServeArgs::for_tests("target/no-site".into())).await
    }

    /// The same, served with `args`.
    pub async fn spawn_postgres_with(args: ServeArgs) -> Option<TestApp> {
        let empty = EmptyPostgres::create("cadence_test").await?;
        let (url, admin_url, name) = (empty.url, empty.admin_url, empty.name);
        Some(Self::start_with(Backend::Postgres, url, None, Some((admin_url, name)), args).await)
    }

    /// A SQLite app served with `args` (its address and site folder are the tests').
    pub async fn spawn_with(args: ServeArgs) -> TestApp {
        let file = std::env::temp_dir().join(format!("{}.db", unique("cadence_test")));
        let url = format!("sqlite://{}", file.display());
        Self::start_with(Backend::Sqlite, url, Some(file), None, args).await
    }

    async fn start(
        backend: Backend,
        db_url: String,
        sqlite_file: Option<std::path::PathBuf>,
        postgres: Option<(String, String)>,
    ) -> TestApp {
        let args = ServeArgs::for_tests("target/no-site".into());
        Self::start_with(backend, db_url, sqlite_file, postgres, args).await
    }

    async fn start_with(
        backend: Backend,
        db_url: String,
        sqlite_file: Option<std::path::PathBuf>,
        postgres: Option<(String, String)>,
        args: ServeArgs,
    ) -> TestApp {
        let db = server::connect(&db_url).await.expect("connect and migrate");
        let running = server::spawn(db.clone(), &args).await.expect("spawn app");
        TestApp {
            backend,
            db,
            db_url,
            url: running.url(),
            running: Some(running),
            sqlite_file,
            postgres,
        }
    }

    /// Stops the server and starts a new one on the same database (a restart).
    pub async fn restart(&mut self) {
        self.restart_with(ServeArgs::for_tests("target/no-site".into()))
            .await;
    }

    /// A restart with other settings.
    pub async fn restart_with(&mut self, args: ServeArgs) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.db.clone().close().await.ok();
        self.db = server::connect(&self.db_url).await.expect("reconnect");
        let running = server::spawn(self.db.clone(), &args)
            .await
            .expect("respawn app");
        self.url = running.url();
        self.running = Some(running);
    }

    pub async fn finish(mut self) {
        if let Some(running) = self.running.take() {
            running.stop().await;
        }
        self.db.clone().close().await.ok();
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
        if let Some((admin_url, name)) = self.postgres.take() {
            let url = String::new();
            EmptyPostgres {
                url,
                admin_url,
                name,
            }
            .drop()
            .await;
        }
    }

    /// A browser-like client with its own cookie jar.
    pub fn client(&self) -> Client {
        Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap()
    }

    /// Creates a user directly in the database.
    pub async fn user(&self, email: &str, role: &str) -> i32 {
        users::create(
            &self.db,
            users::NewUser {
                name: format!("Test {role}"),
                email: email.into(),
                role: role.into(),
                segment_id: None,
                password: PASSWORD.into(),
            },
        )
        .await
        .expect("create user")
        .id
    }

    /// A client logged in as a new user of `role`.
    pub async fn logged_in(&self, role: &str) -> (Client, i32) {
        let email = format!("{}@example.test", unique(role));
        let id = self.user(&email, role).await;
        let client = self.client();
        let response = self
            .call(
                &client,
                "login",
                &[("email", &email), ("password", PASSWORD)],
            )
            .await;
        assert_eq!(response.status(), StatusCode::OK, "login as {role}");
        (client, id)
    }

    /// An API token for a new user of `role`.
    pub async fn token(&self, role: &str) -> String {
        let email = format!("{}@example.test", unique(role));
        let id = self.user(&email, role).await;
        tokens::create(&self.db, id, "test")
            .await
            .expect("token")
            .token
    }

    /// Calls a server function by its endpoint with form-encoded arguments.
    pub async fn call(&self, client: &Client, endpoint: &str, form: &[(&str, &str)]) -> Response {
        client
            .post(format!("{}/api/{endpoint}", self.url))
            .form(form)
            .send()
            .await
            .expect("request")
    }

    pub fn api(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.url)
    }

    pub async fn user_count(&self) -> u64 {
        users::count(&self.db).await.unwrap()
    }
}

/// The value of the session cookie a response sets, if any.
pub fn session_cookie(response: &Response) -> Option<String> {
    response
        .headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find(|v| v.starts_with("cadence_session="))
        .map(|v| v.split(';').next().unwrap().to_string())
}

/// A REST API client with a token of a new user.
pub struct Api<'a> {
    pub app: &'a TestApp,
    pub client: Client,
    pub token: String,
}

impl<'a> Api<'a> {
    pub async fn new(app: &'a TestApp, role: &str) -> Api<'a> {
        Api {
            app,
            client: http(),
            token: app.token(role).await,
        }
    }

    /// A client with a new token of an existing user.
    pub async fn for_user(app: &'a TestApp, user_id: i32) -> Api<'a> {
        Api {
            app,
            client: http(),
            token: tokens::create(&app.db, user_id, "test")
                .await
                .expect("token")
                .token,
        }
    }

    pub async fn send(&self, method: &str, path: &str, body: Option<Value>) -> (StatusCode, Value) {
        bearer_send(&self.client, method, self.app.api(path), &self.token, body)
            .await
            .unwrap()
    }

    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self.send(method, path, body).await;
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }
}

/// The `cadence` binary serving `db_url` as a child process: a free loopback port, no site, no
/// digest or webhook job, `RUST_LOG=error` unless `envs` says otherwise, then `args` and `envs`;
/// its standard error to `stderr`. Its address, from the line it prints first.
pub fn serve_binary(
    db_url: &str,
    args: &[&str],
    envs: &[(&str, &str)],
    stderr: std::process::Stdio,
) -> (ServerProcess, String) {
    use std::io::BufRead;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_cadence"))
        .args([
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--site-root",
            "target/no-site",
        ])
        .args(["--no-digest", "--no-webhooks"])
        .args(args)
        .env("CADENCE_DATABASE_URL", db_url)
        .env("RUST_LOG", "error")
        .envs(envs.iter().copied())
        .stdout(std::process::Stdio::piped())
        .stderr(stderr)
        .spawn()
        .expect("start cadence");
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let url = line
        .trim()
        .strip_prefix("Cadence is running at ")
        .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
        .to_string();
    (ServerProcess(child), url)
}

/// A `cadence` child process, killed when dropped: a failing test leaves no server behind.
pub struct ServerProcess(std::process::Child);

impl ServerProcess {
    /// SIGKILL, and wait for the end.
    pub fn kill(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        self.kill();
    }
}

/// One API call with a bearer token: the status and the JSON answer (`Null` when there is
/// none); `Err` when no answer came (a server killed mid-request, say).
pub async fn bearer_send(
    client: &Client,
    method: &str,
    url: String,
    token: &str,
    body: Option<Value>,
) -> reqwest::Result<(StatusCode, Value)> {
    let mut request = client
        .request(method.parse().unwrap(), url)
        .bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await?;
    let status = response.status();
    let text = response.text().await?;
    Ok((status, serde_json::from_str(&text).unwrap_or(Value::Null)))
}

/// A REST API client for a server at any address (a child process, another node).
#[derive(Clone)]
pub struct Bearer {
    pub client: Client,
    /// The server's address, without `/api/v1`.
    pub base: String,
    pub token: String,
}

impl Bearer {
    pub fn new(base: &str, token: &str) -> Bearer {
        Bearer {
            client: http(),
            base: base.to_string(),
            token: token.to_string(),
        }
    }

    /// `Err` when the server did not answer.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        body: Option<Value>,
    ) -> reqwest::Result<(StatusCode, Value)> {
        let url = format!("{}/api/v1{path}", self.base);
        bearer_send(&self.client, method, url, &self.token, body).await
    }

    /// The answer of a call that must succeed.
    pub async fn ok(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let (status, value) = self
            .send(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        assert!(status.is_success(), "{method} {path}: {status} {value}");
        value
    }
}

/// Creates a pipeline; its id and its step ids.
pub async fn pipeline(admin: &Api<'_>, name: &str, steps: &[&str]) -> (i64, Vec<i64>) {
    let p = admin
        .ok(
            "POST",
            "/pipelines",
            Some(json!({ "name": name, "steps": steps })),
        )
        .await;
    let steps = p["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_i64().unwrap())
        .collect();
    (p["id"].as_i64().unwrap(), steps)
}

pub async fn type_id(api: &Api<'_>, name: &str, outcome: Option<&str>) -> (i64, Option<i64>) {
    let types = api.ok("GET", "/activity-types", None).await["items"].clone();
    let t = types
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .unwrap()
        .clone();
    let outcome_id = outcome.map(|o| {
        t["outcomes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["name"] == o)
            .unwrap()["id"]
            .as_i64()
            .unwrap()
    });
    (t["id"].as_i64().unwrap(), outcome_id)
}

pub async fn set_segment(app: &TestApp, user_id: i32, segment: i64) {
    let model = user::Entity::find_by_id(user_id)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut model: user::ActiveModel = model.into();
    model.segment_id = Set(Some(segment as i32));
    model.update(&app.db).await.unwrap();
}

/// A lead owned by `owner`, created at `created`, whose status then changes to each of
/// `changes` at the given times (the history rows are dated as if it happened then).
pub async fn lead_with_history(
    app: &TestApp,
    manager: &Api<'_>,
    step: i64,
    owner: i32,
    amount: &str,
    created: DateTime<Utc>,
    changes: &[(&str, DateTime<Utc>)],
) -> i64 {
    let created_lead = manager
        .ok(
            "POST",
            "/leads",
            Some(json!({"title": format!("Deal {amount}"), "step_id": step, "owner_id": owner, "amount": amount})),
        )
        .await;
    let id = created_lead["id"].as_i64().unwrap();
    let mut version = created_lead["version"].as_i64().unwrap();
    for (status, _) in changes {
        let updated = manager
            .ok(
                "PATCH",
                &format!("/leads/{id}"),
                Some(json!({"version": version, "status": status})),
            )
            .await;
        version = updated["version"].as_i64().unwrap();
    }
    let rows = lead_history::Entity::find()
        .filter(lead_history::Column::LeadId.eq(id as i32))
        .order_by_asc(lead_history::Column::Id)
        .all(&app.db)
        .await
        .unwrap();
    assert_eq!(rows.len(), changes.len() + 1);
    let times = std::iter::once(created).chain(changes.iter().map(|c| c.1));
    for (row, when) in rows.into_iter().zip(times) {
        let mut row: lead_history::ActiveModel = row.into();
        row.at = Set(when);
        row.update(&app.db).await.unwrap();
    }
    let model = lead::Entity::find_by_id(id as i32)
        .one(&app.db)
        .await
        .unwrap()
        .unwrap();
    let mut model: lead::ActiveModel = model.into();
    model.created_at = Set(created);
    model.update(&app.db).await.unwrap();
    id
}

pub async fn activity_at(
    app: &TestApp,
    user: i32,
    kind: (i64, Option<i64>),
    lead: i64,
    when: DateTime<Utc>,
) {
    activity::Entity::insert(activity::ActiveModel {
        type_id: Set(kind.0 as i32),
        outcome_id: Set(kind.1.map(|o| o as i32)),
        user_id: Set(user),
        lead_id: Set(Some(lead as i32)),
        prospect_id: Set(None),
        note: Set(String::new()),
        occurred_at: Set(when),
        created_at: Set(when),
        updated_at: Set(when),
        updated_by: Set(user),
        ..Default::default()
    })
    .exec(&app.db)
    .await
    .unwrap();
}
