//! CSV imports into a prospecting list. The file is read as a stream from disk, in a thread,
//! and written in batches of staged rows (invisible, `import_id` set) under short write turns;
//! at the end the rows become visible in one statement. A cancel, a failure or a crash leaves
//! nothing behind: staged rows and the columns the import created are removed.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

use chrono::{Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde::{Deserialize, Serialize};

use super::entity::{import, import_error, list_column, prospect, prospecting_list};
use super::events::{self, EventBus};
use super::Actor;
use crate::domain::access::Action;
use crate::domain::prospecting::{
    check_cell, check_mapping, delimiter_label, detect_delimiter, guess_mapping, parse_delimiter,
    strip_bom, ColumnKind, ProspectStatus, Target,
};
use crate::domain::text::shorten;
use crate::error::AppError;
use crate::prospecting::api::{ImportErrorView, ImportView, Preview};

/// Rows per staged batch (one short transaction each).
const BATCH: usize = 5_000;
/// Rows per INSERT statement (SQLite allows 32,766 parameters).
const INSERT_ROWS: usize = 2_000;
/// Rejected lines kept per import (the count goes on).
const ERRORS_KEPT: i64 = 100_000;
/// Largest file accepted.
pub const MAX_BYTES: u64 = 2 * 1024 * 1024 * 1024;

/// How an import was asked for.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Detected from the file when absent.
    pub delimiter: Option<u8>,
    /// One target per CSV column; when absent, headers go to the list columns of the same
    /// name, or to new columns.
    pub mapping: Option<Vec<Target>>,
    /// Import the good rows even when some are rejected (default: all or nothing).
    pub good_rows_only: bool,
}

/// What the import row keeps of its plan.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
struct Plan {
    targets: Vec<Target>,
    /// Columns this import created (removed again if it does not end well).
    created: Vec<i32>,
}

fn view(model: import::Model, errors: Vec<ImportErrorView>) -> ImportView {
    ImportView {
        id: model.id,
        list_id: model.list_id,
        status: model.status,
        good_rows_only: model.good_rows_only,
        total_bytes: model.total_bytes,
        read_bytes: model.read_bytes,
        rows_ok: model.rows_ok,
        rows_bad: model.rows_bad,
        message: model.message,
        errors,
        created_at: model.created_at,
    }
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<ImportView, AppError> {
    let model = import::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let errors = import_error::Entity::find()
        .filter(import_error::Column::ImportId.eq(id))
        .order_by_asc(import_error::Column::Line)
        .limit(100)
        .all(db)
        .await?
        .into_iter()
        .map(|e| ImportErrorView {
            line: e.line,
            reason: e.reason,
        })
        .collect();
    Ok(view(model, errors))
}

/// The newest import of a list still running or waiting for a decision.
pub async fn open_for(
    db: &impl ConnectionTrait,
    list_id: i32,
) -> Result<Option<ImportView>, AppError> {
    let open = import::Entity::find()
        .filter(import::Column::ListId.eq(list_id))
        .filter(import::Column::Status.is_in(["uploading", "running", "cancelling", "review"]))
        .order_by_desc(import::Column::Id)
        .one(db)
        .await?;
    match open {
        Some(model) => Ok(Some(get(db, model.id).await?)),
        None => Ok(None),
    }
}

/// Every rejected line, as CSV rows `line,reason,content` (header first).
pub async fn errors_csv(db: &impl ConnectionTrait, id: i32) -> Result<Vec<u8>, AppError> {
    import::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let mut out = csv::Writer::from_writer(Vec::new());
    out.write_record(["line", "reason", "content"])
        .map_err(super::internal)?;
    let mut after = -1i64;
    loop {
        let page = import_error::Entity::find()
            .filter(import_error::Column::ImportId.eq(id))
            .filter(import_error::Column::Line.gt(after))
            .order_by_asc(import_error::Column::Line)
            .limit(5_000)
            .all(db)
            .await?;
        let Some(last) = page.last() else { break };
        after = last.line;
        for e in page {
            out.write_record([e.line.to_string(), e.reason, e.raw])
                .map_err(super::internal)?;
        }
    }
    out.into_inner().map_err(super::internal)
}

fn reader(delimiter: u8, input: impl Read) -> csv::Reader<impl Read> {
    csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(input)
}

fn lossy(record: &csv::ByteRecord) -> Vec<String> {
    record
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect()
}

/// Reads the start of a file: its delimiter (detected unless given), its header, the first
/// rows, and the suggested mapping onto the list.
pub async fn preview(
    db: &impl ConnectionTrait,
    actor: &Actor,
    list_id: i32,
    sample: &[u8],
    delimiter: &str,
) -> Result<Preview, AppError> {
    actor.require(Action::ManageLists)?;
    if prospecting_list::Entity::find_by_id(list_id)
        .one(db)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    let columns = super::prospecting::columns(db, list_id).await?;
    let sample = strip_bom(sample);
    let delimiter = if delimiter.is_empty() {
        detect_delimiter(sample)
    } else {
        parse_delimiter(delimiter).map_err(|m| AppError::field("delimiter", m))?
    };
    let mut records = reader(delimiter, sample).into_byte_records();
    let headers = match records.next() {
        Some(Ok(header)) => lossy(&header),
        _ => return Err(AppError::field("file", "This file is empty.")),
    };
    // The sample may end in the middle of a record: that one is left out.
    let rows: Vec<Vec<String>> = records
        .take(6)
        .filter_map(Result::ok)
        .map(|r| lossy(&r))
        .collect();
    let rows = rows.into_iter().take(5).collect();
    let existing: Vec<(i32, String)> = columns.iter().map(|c| (c.id, c.name.clone())).collect();
    Ok(Preview {
        delimiter: (delimiter as char).to_string(),
        mapping: guess_mapping(&headers, &existing),
        columns: existing,
        headers,
        rows,
    })
}

/// Checks the request and records the import (status `uploading`); the caller then stores the
/// file and calls `run`.
pub async fn begin(
    db: &DatabaseConnection,
    actor: &Actor,
    list_id: i32,
    options: &ImportOptions,
) -> Result<import::Model, AppError> {
    actor.require(Action::ManageLists)?;
    let list = prospecting_list::Entity::find_by_id(list_id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    if list.archived {
        return Err(AppError::Conflict(
            "This list is archived: bring it back before importing.".into(),
        ));
    }
    if let Some(busy) = open_for(db, list_id).await? {
        if busy.status != "review" {
            return Err(AppError::Conflict(
                "An import into this list is already running: wait for it or cancel it.".into(),
            ));
        }
    }
    // Whole microseconds: the upload's file name holds them, read back alike on every backend.
    let now = chrono::SubsecRound::trunc_subsecs(Utc::now(), 6);
    let plan = Plan {
        targets: options.mapping.clone().unwrap_or_default(),
        created: Vec::new(),
    };
    Ok(import::ActiveModel {
        list_id: Set(list_id),
        user_id: Set(actor.id),
        status: Set("uploading".into()),
        good_rows_only: Set(options.good_rows_only),
        delimiter: Set(options
            .delimiter
            .map(|d| (d as char).to_string())
            .unwrap_or_default()),
        mapping: Set(serde_json::to_string(&plan).unwrap_or_default()),
        total_bytes: Set(0),
        read_bytes: Set(0),
        rows_ok: Set(0),
        rows_bad: Set(0),
        message: Set(String::new()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?)
}

/// Where an upload is stored while it is imported: named by process, import and its start
/// (several workspaces in one process, as in the tests, have imports with the same ids).
pub fn upload_path(import_id: i32, created_at: chrono::DateTime<Utc>) -> PathBuf {
    // Microseconds, not milliseconds: two databases served by one process (the tests' SQLite
    // and PostgreSQL twins) started imports with the same id in the same millisecond, and one
    // deleted the other's file.
    std::env::temp_dir().join(format!(
        "cadence-import-{}-{import_id}-{}.csv",
        std::process::id(),
        created_at.timestamp_micros()
    ))
}

async fn stored_upload(db: &DatabaseConnection, id: i32) -> Option<PathBuf> {
    let model = import::Entity::find_by_id(id).one(db).await.ok()??;
    Some(upload_path(id, model.created_at))
}

async fn set_status(
    db: &impl ConnectionTrait,
    id: i32,
    status: &str,
    message: &str,
) -> Result<(), AppError> {
    import::Entity::update_many()
        .col_expr(import::Column::Status, Expr::value(status))
        .col_expr(import::Column::Message, Expr::value(message))
        .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(import::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

/// An upload that could not be stored: the import fails with `message`.
pub async fn abandon(db: &DatabaseConnection, id: i32, message: &str) {
    if let Some(path) = stored_upload(db, id).await {
        let _ = std::fs::remove_file(path);
    }
    if let Err(error) = set_status(db, id, "failed", message).await {
        tracing::warn!(?error, "could not mark an import failed");
    }
}

/// A batch read from the file.
struct Batch {
    rows: Vec<String>,
    errors: Vec<(i64, String, String)>,
    read_bytes: u64,
}

/// What the reading thread found in the header.
struct Header {
    delimiter: u8,
    width: usize,
}

fn read_header(path: &Path, delimiter: Option<u8>) -> Result<(Header, Vec<String>), String> {
    let mut file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut sample = vec![0u8; 64 * 1024];
    let mut filled = 0;
    while filled < sample.len() {
        match file.read(&mut sample[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) => return Err(e.to_string()),
        }
    }
    sample.truncate(filled);
    let body = strip_bom(&sample);
    let delimiter = delimiter.unwrap_or_else(|| detect_delimiter(body));
    let mut records = reader(delimiter, body).into_byte_records();
    match records.next() {
        Some(Ok(header)) if !header.is_empty() => Ok((
            Header {
                delimiter,
                width: header.len(),
            },
            lossy(&header),
        )),
        _ => Err("The file is empty or has no header line.".into()),
    }
}

/// One data record, checked: its cells as stored, or why it is rejected.
pub(crate) fn check_record(
    record: &csv::ByteRecord,
    width: usize,
    targets: &[(usize, i32, ColumnKind, String)],
) -> Result<String, String> {
    if record.len() != width {
        return Err(format!("Expected {width} fields, found {}.", record.len()));
    }
    let mut cells = BTreeMap::new();
    for (index, column_id, kind, name) in targets {
        let raw = record.get(*index).unwrap_or_default();
        let text = std::str::from_utf8(raw)
            .map_err(|_| format!("{name}: the text is not valid UTF-8."))?;
        let value = check_cell(*kind, text).map_err(|m| format!("{name}: {m}"))?;
        if !value.is_empty() {
            cells.insert(column_id.to_string(), value);
        }
    }
    Ok(serde_json::to_string(&cells).unwrap_or_else(|_| "{}".into()))
}

/// Reads every record after the header; sends batches until the file ends or the receiver
/// goes away (a cancel).
fn read_all(
    path: &Path,
    header: Header,
    targets: Vec<(usize, i32, ColumnKind, String)>,
    out: tokio::sync::mpsc::Sender<Result<Batch, String>>,
) {
    let file = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            let _ = out.blocking_send(Err(e.to_string()));
            return;
        }
    };
    let mut input = std::io::BufReader::with_capacity(256 * 1024, file);
    // Skip a byte order mark.
    if let Ok(start) = std::io::BufRead::fill_buf(&mut input) {
        if start.starts_with(b"\xEF\xBB\xBF") {
            std::io::BufRead::consume(&mut input, 3);
        }
    }
    let mut records = reader(header.delimiter, input);
    let mut record = csv::ByteRecord::new();
    let mut batch = Batch {
        rows: Vec::with_capacity(BATCH),
        errors: Vec::new(),
        read_bytes: 0,
    };
    let mut first = true;
    loop {
        let line = records.position().line() as i64;
        match records.read_byte_record(&mut record) {
            Ok(false) => break,
            Ok(true) => {
                if first {
                    first = false;
                    continue;
                }
                let line = record.position().map(|p| p.line() as i64).unwrap_or(line);
                match check_record(&record, header.width, &targets) {
                    Ok(cells) => batch.rows.push(cells),
                    Err(reason) => {
                        let raw: Vec<String> = lossy(&record);
                        let raw = shorten(&raw.join(&(header.delimiter as char).to_string()), 500);
                        batch.errors.push((line, reason, raw));
                    }
                }
            }
            Err(error) => {
                // A broken record (e.g. an unclosed quote at the end): rejected, and reading
                // goes on where the reader can.
                let line = error.position().map(|p| p.line() as i64).unwrap_or(line);
                batch
                    .errors
                    .push((line, format!("Unreadable: {error}"), String::new()));
                if matches!(error.kind(), csv::ErrorKind::Io(_)) {
                    let _ = out.blocking_send(Err(error.to_string()));
                    return;
                }
            }
        }
        if batch.rows.len() + batch.errors.len() >= BATCH {
            batch.read_bytes = records.position().byte();
            let full = std::mem::replace(
                &mut batch,
                Batch {
                    rows: Vec::with_capacity(BATCH),
                    errors: Vec::new(),
                    read_bytes: 0,
                },
            );
            if out.blocking_send(Ok(full)).is_err() {
                return;
            }
        }
    }
    batch.read_bytes = records.position().byte();
    let _ = out.blocking_send(Ok(batch));
}

async fn insert_batch(
    db: &impl ConnectionTrait,
    import: &import::Model,
    batch: &Batch,
    rows_bad_before: i64,
) -> Result<(), AppError> {
    let now = Utc::now();
    for chunk in batch.rows.chunks(INSERT_ROWS) {
        let models = chunk.iter().map(|cells| prospect::ActiveModel {
            list_id: Set(import.list_id),
            cells: Set(cells.clone()),
            status: Set(ProspectStatus::New.as_str().into()),
            activity_count: Set(0),
            import_id: Set(Some(import.id)),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        });
        prospect::Entity::insert_many(models).exec(db).await?;
    }
    let room = (ERRORS_KEPT - rows_bad_before).max(0) as usize;
    for chunk in batch.errors[..batch.errors.len().min(room)].chunks(INSERT_ROWS) {
        let models = chunk
            .iter()
            .map(|(line, reason, raw)| import_error::ActiveModel {
                import_id: Set(import.id),
                line: Set(*line),
                reason: Set(reason.clone()),
                raw: Set(raw.clone()),
                ..Default::default()
            });
        import_error::Entity::insert_many(models).exec(db).await?;
    }
    Ok(())
}

/// Removes what an import staged and created; it ends `status` with `message`.
async fn undo(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    status: &str,
    message: &str,
) -> Result<(), AppError> {
    let Some(model) = import::Entity::find_by_id(id).one(db).await? else {
        return Ok(());
    };
    let plan: Plan = serde_json::from_str(&model.mapping).unwrap_or_default();
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    prospect::Entity::delete_many()
        .filter(prospect::Column::ImportId.eq(id))
        .exec(&txn)
        .await?;
    if !plan.created.is_empty() {
        list_column::Entity::delete_many()
            .filter(list_column::Column::Id.is_in(plan.created))
            .exec(&txn)
            .await?;
    }
    set_status(&txn, id, status, message).await?;
    txn.commit().await?;
    Ok(())
}

/// Makes the staged rows of an import visible, and ends it.
async fn publish_rows(db: &DatabaseConnection, bus: &EventBus, id: i32) -> Result<(), AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let model = import::Entity::find_by_id(id)
        .one(&txn)
        .await?
        .ok_or(AppError::NotFound)?;
    prospect::Entity::update_many()
        .col_expr(prospect::Column::ImportId, Expr::value(Option::<i32>::None))
        .filter(prospect::Column::ImportId.eq(id))
        .exec(&txn)
        .await?;
    set_status(&txn, id, "done", "").await?;
    let event = events::record(
        &txn,
        "prospects.imported",
        serde_json::json!({ "list_id": model.list_id, "import_id": id, "rows": model.rows_ok }),
    )
    .await?;
    txn.commit().await?;
    bus.publish([event]);
    Ok(())
}

/// Imports the stored upload of import `id`, to the end; never leaves it half-done.
pub async fn run(db: DatabaseConnection, bus: EventBus, id: i32) {
    let Some(path) = stored_upload(&db, id).await else {
        return;
    };
    let outcome = work(&db, &bus, id, &path).await;
    let _ = std::fs::remove_file(&path);
    if let Err(error) = outcome {
        let message = match &error {
            AppError::Validation(fields) => fields.values().cloned().collect::<Vec<_>>().join(" "),
            AppError::Conflict(m) => m.clone(),
            _ => "The import failed; nothing was imported. Try again, or see the server log."
                .to_string(),
        };
        if let Err(e) = undo(&db, &bus, id, "failed", &message).await {
            tracing::error!(?e, import = id, "could not undo a failed import");
        }
    }
}

async fn work(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    path: &Path,
) -> Result<(), AppError> {
    let model = import::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let total = std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let given = if model.delimiter.is_empty() {
        None
    } else {
        model.delimiter.bytes().next()
    };
    let header_path = path.to_path_buf();
    let (header, names) = tokio::task::spawn_blocking(move || read_header(&header_path, given))
        .await
        .map_err(super::internal)?
        .map_err(|m| AppError::field("file", m))?;
    // The plan: the mapping given (or guessed from the header), with new columns created.
    let mut plan: Plan = serde_json::from_str(&model.mapping).unwrap_or_default();
    let columns = super::prospecting::columns(db, model.list_id).await?;
    let existing: Vec<(i32, String)> = columns.iter().map(|c| (c.id, c.name.clone())).collect();
    if plan.targets.is_empty() {
        plan.targets = guess_mapping(&names, &existing);
    }
    check_mapping(&plan.targets, header.width, &existing)
        .map_err(|m| AppError::field("mapping", m))?;
    let mut targets = Vec::new();
    {
        let _turn = bus.writer_turn().await;
        let txn = super::writing(db).await?;
        let mut position = columns.iter().map(|c| c.position).max().unwrap_or(-1) + 1;
        for (index, target) in plan.targets.iter().enumerate() {
            match target {
                Target::Skip => {}
                Target::Column(column_id) => {
                    let column = columns
                        .iter()
                        .find(|c| c.id == *column_id)
                        .ok_or(AppError::NotFound)?;
                    let kind = ColumnKind::parse(&column.kind).unwrap_or(ColumnKind::Text);
                    targets.push((index, column.id, kind, column.name.clone()));
                }
                Target::New { name, kind } => {
                    let created = super::prospecting::insert_columns(
                        &txn,
                        model.list_id,
                        position,
                        vec![(name.trim().to_string(), *kind)],
                    )
                    .await?
                    .remove(0);
                    position += 1;
                    plan.created.push(created.id);
                    targets.push((index, created.id, *kind, created.name));
                }
            }
        }
        let started = import::Entity::update_many()
            .col_expr(
                import::Column::Mapping,
                Expr::value(serde_json::to_string(&plan).unwrap_or_default()),
            )
            .col_expr(
                import::Column::Delimiter,
                Expr::value((header.delimiter as char).to_string()),
            )
            .col_expr(import::Column::TotalBytes, Expr::value(total as i64))
            .col_expr(import::Column::Status, Expr::value("running"))
            .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(import::Column::Id.eq(id))
            .filter(import::Column::Status.eq("uploading"))
            .exec(&txn)
            .await?
            .rows_affected;
        txn.commit().await?;
        if started == 0 {
            // Cancelled while the file was uploaded.
            return undo(db, bus, id, "cancelled", "Cancelled: nothing was imported.").await;
        }
    }
    tracing::info!(
        import = id,
        delimiter = delimiter_label(header.delimiter),
        bytes = total,
        "import started"
    );

    let (send, mut receive) = tokio::sync::mpsc::channel(2);
    let read_path = path.to_path_buf();
    let thread = tokio::task::spawn_blocking(move || read_all(&read_path, header, targets, send));
    let (mut rows_ok, mut rows_bad) = (0i64, 0i64);
    while let Some(batch) = receive.recv().await {
        let batch = batch.map_err(super::internal)?;
        {
            let _turn = bus.writer_turn().await;
            let txn = super::writing(db).await?;
            let status = import::Entity::find_by_id(id)
                .select_only()
                .column(import::Column::Status)
                .into_tuple::<String>()
                .one(&txn)
                .await?
                .unwrap_or_default();
            if status != "running" {
                drop(txn);
                drop(receive);
                let _ = thread.await;
                return undo(db, bus, id, "cancelled", "Cancelled: nothing was imported.").await;
            }
            insert_batch(&txn, &model, &batch, rows_bad).await?;
            rows_ok += batch.rows.len() as i64;
            rows_bad += batch.errors.len() as i64;
            import::Entity::update_many()
                .col_expr(
                    import::Column::ReadBytes,
                    Expr::value(batch.read_bytes as i64),
                )
                .col_expr(import::Column::RowsOk, Expr::value(rows_ok))
                .col_expr(import::Column::RowsBad, Expr::value(rows_bad))
                .col_expr(import::Column::UpdatedAt, Expr::value(Utc::now()))
                .filter(import::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            txn.commit().await?;
        }
        // Let other writers in between batches.
        tokio::task::yield_now().await;
    }
    thread.await.map_err(super::internal)?;
    if rows_bad > 0 && !model.good_rows_only {
        // All or nothing: the user decides (import the good rows, or discard).
        set_status(
            db,
            id,
            "review",
            &format!(
                "Rejected: {}. Nothing is imported yet.",
                crate::domain::text::counted(rows_bad, "row", "rows")
            ),
        )
        .await?;
        return Ok(());
    }
    publish_rows(db, bus, id).await?;
    tracing::info!(import = id, rows_ok, rows_bad, "import done");
    Ok(())
}

/// `cancel` a running import; for an import in review, `accept` (import the good rows) or
/// `discard`.
pub async fn decide(
    db: &DatabaseConnection,
    bus: &EventBus,
    id: i32,
    decision: &str,
) -> Result<ImportView, AppError> {
    let model = import::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    match (decision, model.status.as_str()) {
        ("cancel", "running" | "uploading") => {
            // The importer sees it before its next batch and undoes its work.
            let changed = import::Entity::update_many()
                .col_expr(import::Column::Status, Expr::value("cancelling"))
                .filter(import::Column::Id.eq(id))
                .filter(import::Column::Status.is_in(["running", "uploading"]))
                .exec(db)
                .await?;
            if changed.rows_affected == 0 {
                return Err(AppError::Conflict("This import has just ended.".into()));
            }
        }
        ("cancel" | "discard", "review") => {
            undo(db, bus, id, "cancelled", "Discarded: nothing was imported.").await?
        }
        ("accept", "review") => publish_rows(db, bus, id).await?,
        ("cancel" | "discard" | "accept", _) => {
            return Err(AppError::Conflict(format!(
                "This import is {}: there is nothing to {decision}.",
                model.status
            )))
        }
        _ => {
            return Err(AppError::field(
                "decision",
                "Choose cancel, accept or discard.",
            ))
        }
    }
    get(db, id).await
}

/// Imports whose server went away (no progress for a while) are undone and marked failed.
pub async fn recover(db: &DatabaseConnection, bus: &EventBus) -> Result<u64, AppError> {
    let now = Utc::now();
    let stale = import::Entity::find()
        .filter(
            sea_orm::Condition::any()
                .add(
                    sea_orm::Condition::all()
                        .add(import::Column::Status.is_in(["running", "cancelling"]))
                        .add(import::Column::UpdatedAt.lt(now - Duration::minutes(2))),
                )
                .add(
                    sea_orm::Condition::all()
                        .add(import::Column::Status.eq("uploading"))
                        .add(import::Column::UpdatedAt.lt(now - Duration::hours(2))),
                ),
        )
        .all(db)
        .await?;
    for model in &stale {
        undo(
            db,
            bus,
            model.id,
            "failed",
            "The server stopped during the import; nothing was imported. Import the file again.",
        )
        .await?;
    }
    Ok(stale.len() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn targets() -> Vec<(usize, i32, ColumnKind, String)> {
        vec![
            (0, 1, ColumnKind::Company, "Company".into()),
            (1, 2, ColumnKind::Email, "Email".into()),
        ]
    }

    #[test]
    fn records_are_checked() {
        let good = csv::ByteRecord::from(vec!["Acme", "a@acme.io", "x"]);
        assert_eq!(
            check_record(&good, 3, &targets()),
            Ok(r#"{"1":"Acme","2":"a@acme.io"}"#.to_string())
        );
        let short = csv::ByteRecord::from(vec!["Acme", "a@acme.io"]);
        assert_eq!(
            check_record(&short, 3, &targets()),
            Err("Expected 3 fields, found 2.".into())
        );
        let bad_email = csv::ByteRecord::from(vec!["Acme", "nope", "x"]);
        assert!(check_record(&bad_email, 3, &targets())
            .unwrap_err()
            .starts_with("Email:"));
        let mut latin1 = csv::ByteRecord::new();
        latin1.push_field(b"Caf\xe9");
        latin1.push_field(b"");
        latin1.push_field(b"");
        assert_eq!(
            check_record(&latin1, 3, &targets()),
            Err("Company: the text is not valid UTF-8.".into())
        );
    }

    fn read_bytes(bytes: &[u8]) -> Vec<Result<Batch, String>> {
        let dir = std::env::temp_dir().join(format!(
            "cadence-read-test-{}-{}",
            std::process::id(),
            rand_core::RngCore::next_u64(&mut rand_core::OsRng)
        ));
        std::fs::write(&dir, bytes).unwrap();
        let (send, mut receive) = tokio::sync::mpsc::channel(1_000_000);
        let header = read_header(&dir, None);
        let mut out = Vec::new();
        if let Ok((header, _)) = header {
            let width = header.width;
            let targets = (0..width)
                .map(|i| (i, i as i32, ColumnKind::Text, format!("c{i}")))
                .collect();
            read_all(&dir, header, targets, send);
            while let Ok(batch) = receive.try_recv() {
                out.push(batch);
            }
        }
        let _ = std::fs::remove_file(&dir);
        out
    }

    #[test]
    fn reads_quoted_newlines_bom_and_reports_lines() {
        let file = "\u{feff}name;note\nA;\"two\nlines\"\nB;x;extra\nC;ok\n";
        let batches = read_bytes(file.as_bytes());
        let batch = batches[0].as_ref().unwrap();
        assert_eq!(batch.rows.len(), 2);
        assert_eq!(batch.errors.len(), 1);
        // "B" starts on line 4: the quoted field of "A" spans lines 2 and 3.
        assert_eq!(batch.errors[0].0, 4);
        assert_eq!(batch.errors[0].1, "Expected 2 fields, found 3.");
        assert!(batch.rows[0].contains("two\\nlines"));
        // Bytes after the byte order mark.
        assert_eq!(batch.read_bytes as usize + 3, file.len());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(300))]
        /// The reader takes any bytes without panicking, and accounts for every record.
        #[test]
        fn the_reader_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..2_000)) {
            for batch in read_bytes(&bytes).into_iter().flatten() {
                prop_assert!(batch.read_bytes as usize <= bytes.len());
            }
        }

        #[test]
        fn the_reader_survives_csv_shaped_noise(text in "([a-z\";,\t\r\n ]{0,12}){0,60}") {
            let _ = read_bytes(text.as_bytes());
        }
    }
}
