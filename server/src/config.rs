//! The command line; every flag can also come from the environment.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

#[derive(Debug, Parser)]
#[command(
    name = "cadence",
    version,
    about = "Cadence: an activity-based sales CRM"
)]
pub struct Cli {
    /// Database URL: sqlite://path/to/file.db or postgres://user@host/db.
    #[arg(
        long,
        global = true,
        env = "CADENCE_DATABASE_URL",
        default_value = "sqlite://data/cadence.db"
    )]
    pub database_url: String,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the web app and the API (runs pending migrations first).
    Serve(ServeArgs),
    /// Run pending database migrations and exit.
    Migrate,
    /// Create a user; the password is read from standard input.
    CreateUser {
        #[arg(long, env = "CADENCE_USER_EMAIL")]
        email: String,
        #[arg(long, env = "CADENCE_USER_NAME")]
        name: String,
        #[arg(long, env = "CADENCE_USER_ROLE", value_parser = ["admin", "manager", "member"])]
        role: String,
    },
    /// API tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// The morning digest.
    Digest {
        #[command(subcommand)]
        command: DigestCommand,
    },
    /// Copy the SQLite database, while the server runs, into a new file (checked when done).
    /// For PostgreSQL use pg_dump (see the README).
    Backup {
        /// The backup file to write; it must not exist yet.
        #[arg(long)]
        to: PathBuf,
    },
    /// Replace the SQLite database with a backup (stop the server first).
    Restore {
        /// The backup file to restore.
        #[arg(long)]
        from: PathBuf,
        /// Replace an existing database.
        #[arg(long)]
        force: bool,
    },
    /// Fill an empty database with a demo workspace: the small one of `serve --demo`, or a
    /// large reference-size one (200 users, 1,000,000 leads, 10,000,000 activities).
    SeedDemo {
        #[arg(long, value_enum, default_value_t = SeedScale::Small)]
        scale: SeedScale,
        /// The large workspace is the same for the same seed (on the same day).
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

/// How big a demo workspace `seed-demo` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum SeedScale {
    /// The demo of `serve --demo`: 8 people, a few hundred leads.
    Small,
    /// The reference workspace: takes minutes and a few GB.
    Large,
}

#[derive(Debug, Subcommand)]
pub enum DigestCommand {
    /// Render or send the digests about one day now (once per recipient and day: a digest
    /// already sent is not sent again).
    Send {
        /// The day the digests are about.
        #[arg(long, value_parser = parse_day)]
        date: chrono::NaiveDate,
        /// Only this user's digest (sent even when they have it off).
        #[arg(long)]
        to: Option<String>,
        /// Print the text part instead of sending.
        #[arg(long)]
        dry_run: bool,
        #[command(flatten)]
        smtp: SmtpArgs,
    },
}

fn parse_day(text: &str) -> Result<chrono::NaiveDate, String> {
    chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .map_err(|_| format!("{text:?} is not a date: give YYYY-MM-DD"))
}

/// The SMTP relay for digests; when `--smtp-host` is given it wins over the admin page's.
#[derive(Clone, Default, Args)]
pub struct SmtpArgs {
    /// SMTP relay host (without it, the admin page's settings apply, or the outbox).
    #[arg(long, env = "CADENCE_SMTP_HOST")]
    pub smtp_host: Option<String>,
    /// Port (default 587 for STARTTLS, 465 for TLS, 25 for none).
    #[arg(long, env = "CADENCE_SMTP_PORT")]
    pub smtp_port: Option<u16>,
    /// starttls, tls or none (none: only for a relay on this machine or a private network).
    #[arg(long, env = "CADENCE_SMTP_SECURITY", value_parser = ["starttls", "tls", "none"])]
    pub smtp_security: Option<String>,
    #[arg(long, env = "CADENCE_SMTP_USER")]
    pub smtp_user: Option<String>,
    /// Better in the environment than on a command line that others can list.
    #[arg(long, env = "CADENCE_SMTP_PASSWORD", hide_env_values = true)]
    pub smtp_password: Option<String>,
    /// The sender: "Cadence <digest@example.com>".
    #[arg(long, env = "CADENCE_SMTP_FROM")]
    pub smtp_from: Option<String>,
}

/// The password stays out of debug output.
impl std::fmt::Debug for SmtpArgs {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SmtpArgs")
            .field("smtp_host", &self.smtp_host)
            .field("smtp_port", &self.smtp_port)
            .field("smtp_security", &self.smtp_security)
            .field("smtp_user", &self.smtp_user)
            .field("smtp_password", &self.smtp_password.as_ref().map(|_| "***"))
            .field("smtp_from", &self.smtp_from)
            .finish()
    }
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create a new API token for a user and print it.
    Create {
        #[arg(long, env = "CADENCE_TOKEN_EMAIL")]
        email: String,
        #[arg(long, env = "CADENCE_TOKEN_NAME", default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Clone, Args)]
pub struct ServeArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "CADENCE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,

    /// Folder with the compiled site (pkg/ with the WASM, JS and CSS, and public files).
    #[arg(long, env = "LEPTOS_SITE_ROOT", default_value = "target/site")]
    pub site_root: PathBuf,

    /// Seed the demo workspace when the database is empty.
    #[arg(long, env = "CADENCE_DEMO")]
    pub demo: bool,

    /// The addresses people open Cadence at, comma-separated ("https://crm.example.com"). When
    /// given, the app's changes are accepted only from pages of these origins; without it, the
    /// request's own address (Host, or X-Forwarded-Host from a proxy) is taken for this site's.
    #[arg(long, env = "CADENCE_PUBLIC_URL", value_delimiter = ',', value_parser = crate::guards::origin_of)]
    pub public_url: Vec<String>,

    /// Mark the session cookie Secure (serve behind HTTPS).
    #[arg(long, env = "CADENCE_SECURE_COOKIES")]
    pub secure_cookies: bool,

    /// Days of inactivity after which a session ends.
    #[arg(long, env = "CADENCE_SESSION_IDLE_DAYS", default_value_t = 7)]
    pub session_idle_days: i64,

    /// Do not send morning digests from this server (another node does).
    #[arg(long, env = "CADENCE_NO_DIGEST")]
    pub no_digest: bool,

    /// API requests allowed per token in each window (0: no limit).
    #[arg(long, env = "CADENCE_API_RATE_LIMIT", default_value_t = 100)]
    pub api_rate_limit: u32,

    /// The rate limit's window, in seconds.
    #[arg(long, env = "CADENCE_API_RATE_WINDOW", default_value_t = 10)]
    pub api_rate_window: u32,

    /// Do not send webhook deliveries from this server (another node does).
    #[arg(long, env = "CADENCE_NO_WEBHOOKS")]
    pub no_webhooks: bool,

    /// Let webhooks POST over plain http:// to this machine or a private network (for
    /// development; https:// is always allowed).
    #[arg(long, env = "CADENCE_WEBHOOKS_ALLOW_HTTP")]
    pub webhooks_allow_http: bool,

    #[command(flatten)]
    pub smtp: SmtpArgs,
}

impl ServeArgs {
    /// Settings for a test server: a free port, the given site folder.
    pub fn for_tests(site_root: PathBuf) -> Self {
        ServeArgs {
            addr: "127.0.0.1:0".parse().expect("valid address"),
            site_root,
            demo: false,
            public_url: Vec::new(),
            secure_cookies: false,
            session_idle_days: 7,
            // Tests run the digest job themselves, with the time they choose.
            no_digest: true,
            // Tests make many calls with one token; the rate limit's own test turns it on.
            api_rate_limit: 0,
            api_rate_window: 10,
            // Tests run the webhook job themselves, or turn it on; receivers are on loopback.
            no_webhooks: true,
            webhooks_allow_http: true,
            smtp: SmtpArgs::default(),
        }
    }
}
