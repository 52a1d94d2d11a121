//! `cadence backup` and `cadence restore` for the embedded SQLite database: an online copy
//! (`VACUUM INTO`: one consistent snapshot, taken while the server runs) checked before it is
//! called done, and a restore that checks the copy, then puts it in place of the database
//! (the server stopped). PostgreSQL has its own tools: `pg_dump` / `pg_restore` (README).

use std::path::{Path, PathBuf};

use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
};

use crate::BoxError;

/// What a backup or a restore did, for the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub file: PathBuf,
    pub bytes: u64,
    pub tables: usize,
    pub rows: u64,
}

impl std::fmt::Display for Summary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{}: {} tables, {} rows, {} bytes; integrity check ok",
            self.file.display(),
            self.tables,
            self.rows,
            self.bytes
        )
    }
}

const POSTGRES: &str = "This database is PostgreSQL: back it up with `pg_dump --format=custom \
    --file=cadence.dump <url>` and restore with `pg_restore --clean --if-exists \
    --dbname=<url> cadence.dump` (see the README).";

/// The file of a `sqlite://` URL.
pub fn sqlite_file(url: &str) -> Option<PathBuf> {
    // Read as the SQLite driver reads it: `sqlite://` or `sqlite:`, the path percent-decoded
    // (so that `%20` is a space and `%3F` a question mark), the options after `?` left out.
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let file = rest.split('?').next().unwrap_or(rest);
    let file = percent_encoding::percent_decode_str(file)
        .decode_utf8()
        .ok()?;
    (file != ":memory:" && !file.is_empty()).then(|| PathBuf::from(&*file))
}

/// Held by `cadence serve` on a SQLite database (an exclusive lock on `<database>.serving`, let
/// go when the process ends, however it ends): a restore is refused while it is held.
pub struct ServingLock {
    /// Open for as long as the lock is held.
    _file: Option<std::fs::File>,
}

impl ServingLock {
    /// Takes the lock of the SQLite database of `url` (nothing for PostgreSQL).
    pub fn take(url: &str) -> Result<ServingLock, BoxError> {
        let Some(file) = sqlite_file(url) else {
            return Ok(ServingLock { _file: None });
        };
        let lock = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(lock_path(&file))?;
        match lock.try_lock() {
            Ok(()) => Ok(ServingLock { _file: Some(lock) }),
            Err(std::fs::TryLockError::WouldBlock) => Err(format!(
                "{} is being restored or served by another process.",
                file.display()
            )
            .into()),
            Err(std::fs::TryLockError::Error(error)) => Err(error.into()),
        }
    }
}

fn lock_path(database: &Path) -> PathBuf {
    PathBuf::from(format!("{}.serving", database.display()))
}

/// Copies the open database into `to`, a file that must not exist yet.
pub async fn backup(db: &DatabaseConnection, to: &Path) -> Result<Summary, BoxError> {
    if db.get_database_backend() != DbBackend::Sqlite {
        return Err(POSTGRES.into());
    }
    if to.exists() {
        return Err(format!("{} exists already: choose a new file.", to.display()).into());
    }
    if let Some(folder) = to.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let target = to.to_string_lossy().replace('\'', "''");
    db.execute_unprepared(&format!("VACUUM INTO '{target}'"))
        .await?;
    match check(to).await {
        Ok(summary) => Ok(summary),
        Err(error) => {
            let _ = std::fs::remove_file(to);
            Err(error)
        }
    }
}

/// Puts the backup `from` in place of the SQLite database of `url`, refused while a server
/// serves it; an existing database is replaced only with `force`, and kept beside as
/// `<database>.before-restore-<time>`. The restored database is then migrated, so that a backup
/// made by an older version works with this one.
pub async fn restore(url: &str, from: &Path, force: bool) -> Result<Summary, BoxError> {
    let Some(file) = sqlite_file(url) else {
        return Err(POSTGRES.into());
    };
    if !from.is_file() {
        return Err(format!("{} is not a file.", from.display()).into());
    }
    check(from)
        .await
        .map_err(|e| format!("{} is not a usable backup: {e}", from.display()))?;
    if file.exists() && !force {
        return Err(format!(
            "{} exists: stop the server, then run restore again with --force to replace it.",
            file.display()
        )
        .into());
    }
    if let Some(folder) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder)?;
    }
    let _serving = ServingLock::take(url).map_err(|_| {
        format!(
            "{} is being served: stop the server, then restore.",
            file.display()
        )
    })?;
    // The newest event id open pages may have seen: the restored events continue above it.
    let seen = if file.exists() {
        newest_event(&file).await.unwrap_or(0)
    } else {
        0
    };
    // Copied beside the database first, then renamed over it: never half a database.
    let staging = PathBuf::from(format!("{}.restoring", file.display()));
    std::fs::copy(from, &staging)?;
    if file.exists() {
        // The replaced database is kept, with its write-ahead log, which must not be applied
        // to the restored one.
        let aside = format!(
            "{}.before-restore-{}",
            file.display(),
            chrono::Utc::now().format("%Y%m%d%H%M%S")
        );
        for suffix in ["", "-wal", "-shm"] {
            let side = PathBuf::from(format!("{}{suffix}", file.display()));
            if side.exists() {
                std::fs::rename(side, format!("{aside}{suffix}"))?;
            }
        }
    }
    std::fs::rename(&staging, &file)?;
    let db = crate::connect(url).await?;
    let backup = from.file_name().map(|n| n.to_string_lossy().to_string());
    app::server::events::record_restore(&db, seen, serde_json::json!({ "backup": backup })).await?;
    db.close().await?;
    check(&file).await
}

/// The newest event id of the database in `file` (before it is replaced).
async fn newest_event(file: &Path) -> Result<i64, BoxError> {
    let mut options = ConnectOptions::new(format!("sqlite://{}", file.display()));
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await?;
    let newest = app::server::events::last_id(&db).await;
    db.close().await?;
    Ok(newest?)
}

/// Opens a database file read-only: its integrity check must say ok, and it must be a Cadence
/// database (it has the migrations table); its tables and rows counted.
async fn check(file: &Path) -> Result<Summary, BoxError> {
    let mut options = ConnectOptions::new(format!("sqlite://{}?mode=ro", file.display()));
    options.max_connections(1).sqlx_logging(false);
    let db = Database::connect(options).await?;
    let result = async {
        let verdict: String = db
            .query_one_raw(Statement::from_string(
                DbBackend::Sqlite,
                "PRAGMA integrity_check",
            ))
            .await?
            .map(|row| row.try_get_by_index(0))
            .transpose()?
            .unwrap_or_default();
        if verdict != "ok" {
            return Err(format!("the integrity check says: {verdict}").into());
        }
        let tables: Vec<String> = db
            .query_all_raw(Statement::from_string(
                DbBackend::Sqlite,
                "SELECT name FROM sqlite_master WHERE type = 'table' \
                 AND name NOT LIKE 'sqlite_%' ORDER BY name",
            ))
            .await?
            .iter()
            .map(|row| row.try_get_by_index(0))
            .collect::<Result<_, _>>()?;
        if !tables.iter().any(|t| t == "seaql_migrations") {
            return Err::<Summary, BoxError>("it is not a Cadence database".into());
        }
        let mut rows = 0u64;
        for table in &tables {
            let count: i64 = db
                .query_one_raw(Statement::from_string(
                    DbBackend::Sqlite,
                    format!("SELECT COUNT(*) FROM \"{}\"", table.replace('"', "\"\"")),
                ))
                .await?
                .map(|row| row.try_get_by_index(0))
                .transpose()?
                .unwrap_or(0);
            rows += count as u64;
        }
        Ok(Summary {
            file: file.to_path_buf(),
            bytes: std::fs::metadata(file)?.len(),
            tables: tables.len(),
            rows,
        })
    }
    .await;
    db.close().await.ok();
    result
}

#[cfg(test)]
mod tests {
    use super::sqlite_file;
    use std::path::PathBuf;

    #[test]
    fn sqlite_urls_name_the_file_the_driver_opens() {
        let file = |url| sqlite_file(url);
        assert_eq!(
            file("sqlite://data/cadence.db?mode=rwc"),
            Some(PathBuf::from("data/cadence.db"))
        );
        assert_eq!(
            file("sqlite:/srv/My%20CRM/cadence%3F.db"),
            Some(PathBuf::from("/srv/My CRM/cadence?.db"))
        );
        assert_eq!(file("sqlite://:memory:"), None);
        assert_eq!(file("sqlite://"), None);
        assert_eq!(file("postgres://postgres@127.0.0.1/cadence"), None);
    }
}
