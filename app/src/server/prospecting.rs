//! Prospecting lists and their rows: the spreadsheet queries, cell edits, assignment, the
//! activity summary of a row, conversion into a lead and disqualification.

use std::collections::{BTreeMap, HashMap};

use chrono::Utc;
use sea_orm::sea_query::{Expr, ExprTrait, Func, Order};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, DbBackend,
    EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};

use super::entity::{activity, activity_type, list_column, prospect, prospecting_list, user};
use super::events::EventBus;
use super::leads::{names, short_local, tz_of};
use super::Actor;
use crate::domain::access::{allows, Action};
use crate::domain::prospecting::{
    check_cell, may_work_prospect, parse_column_name, parse_title, prospect_label, ColumnKind,
    Contact, ProspectStatus, COLUMNS_MAX,
};
use crate::domain::Role;
use crate::error::{AppError, Check};
use crate::leads::api::{LeadPatch, LeadView};
use crate::prospecting::api::{
    ColumnView, ConvertForm, ListSettings, ListView, ProspectPage, ProspectRecord, ProspectView,
    RowQuery, ROWS,
};

/// A column to create: `Name` or `Name:kind` on the list form.
#[derive(Debug, Clone)]
pub struct NewColumn {
    pub name: String,
    pub kind: String,
}

impl NewColumn {
    pub fn from_line(line: &str) -> NewColumn {
        match line.rsplit_once(':') {
            Some((name, kind)) if ColumnKind::parse(kind).is_ok() => NewColumn {
                name: name.trim().into(),
                kind: kind.trim().into(),
            },
            _ => NewColumn {
                name: line.trim().into(),
                kind: ColumnKind::guess(line).as_str().into(),
            },
        }
    }
}

pub(crate) fn cells_of(text: &str) -> BTreeMap<String, String> {
    serde_json::from_str(text).unwrap_or_default()
}

pub(crate) fn cells_text(cells: &BTreeMap<String, String>) -> String {
    serde_json::to_string(cells).unwrap_or_else(|_| "{}".into())
}

fn column_view(c: &list_column::Model) -> ColumnView {
    ColumnView {
        id: c.id,
        name: c.name.clone(),
        kind: ColumnKind::parse(&c.kind).unwrap_or(ColumnKind::Text),
        position: c.position,
    }
}

pub(crate) async fn columns(
    db: &impl ConnectionTrait,
    list_id: i32,
) -> Result<Vec<list_column::Model>, AppError> {
    Ok(list_column::Entity::find()
        .filter(list_column::Column::ListId.eq(list_id))
        .order_by_asc(list_column::Column::Position)
        .order_by_asc(list_column::Column::Id)
        .all(db)
        .await?)
}

/// The label of a row: its first two non-empty cells in column order.
pub(crate) fn label_of(
    columns: &[list_column::Model],
    cells: &BTreeMap<String, String>,
    id: i32,
) -> String {
    prospect_label(
        columns
            .iter()
            .filter_map(|c| cells.get(&c.id.to_string()).map(String::as_str)),
        id,
    )
}

/// The rows a viewer sees: visible (not staged by an import) and, for members, theirs or
/// unassigned ones when the list shows them.
fn visible(actor: &Actor, list: &prospecting_list::Model) -> Condition {
    let mut condition = Condition::all()
        .add(prospect::Column::ListId.eq(list.id))
        .add(prospect::Column::ImportId.is_null());
    if actor.role == Role::Member {
        let mut mine = Condition::any().add(prospect::Column::AssignedTo.eq(actor.id));
        if list.show_unassigned {
            mine = mine.add(prospect::Column::AssignedTo.is_null());
        }
        condition = condition.add(mine);
    }
    condition
}

async fn find_list(
    db: &impl ConnectionTrait,
    id: i32,
) -> Result<prospecting_list::Model, AppError> {
    prospecting_list::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)
}

async fn list_view(
    db: &impl ConnectionTrait,
    actor: &Actor,
    list: prospecting_list::Model,
    people: &HashMap<i32, String>,
) -> Result<ListView, AppError> {
    let rows = prospect::Entity::find()
        .filter(visible(actor, &list))
        .count(db)
        .await?;
    let columns = columns(db, list.id).await?;
    Ok(view_of_list(list, &columns, people, rows))
}

fn view_of_list(
    list: prospecting_list::Model,
    columns: &[list_column::Model],
    people: &HashMap<i32, String>,
    rows: u64,
) -> ListView {
    ListView {
        id: list.id,
        owner_name: people.get(&list.owner_id).cloned().unwrap_or_default(),
        owner_id: list.owner_id,
        name: list.name,
        pipeline_id: list.pipeline_id,
        step_id: list.step_id,
        script_id: list.script_id,
        show_unassigned: list.show_unassigned,
        archived: list.archived,
        columns: columns.iter().map(column_view).collect(),
        rows,
        created_at: list.created_at,
    }
}

/// The lists, newest first: the live ones, or the archived ones.
pub async fn lists(
    db: &impl ConnectionTrait,
    actor: &Actor,
    archived: bool,
) -> Result<Vec<ListView>, AppError> {
    let people = names(db).await?;
    let mut out = Vec::new();
    for list in prospecting_list::Entity::find()
        .filter(prospecting_list::Column::Archived.eq(archived))
        .order_by_desc(prospecting_list::Column::Id)
        .all(db)
        .await?
    {
        out.push(list_view(db, actor, list, &people).await?);
    }
    Ok(out)
}

pub async fn get_list(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<ListView, AppError> {
    let list = find_list(db, id).await?;
    list_view(db, actor, list, &names(db).await?).await
}

fn check_columns(
    check: &mut Check,
    existing: &[String],
    columns: &[NewColumn],
) -> Vec<(String, ColumnKind)> {
    let mut out: Vec<(String, ColumnKind)> = Vec::new();
    let mut taken: Vec<String> = existing.iter().map(|n| n.to_lowercase()).collect();
    for column in columns {
        let Some(name) = check.take("columns", parse_column_name(&column.name)) else {
            continue;
        };
        let Some(kind) = check.take("columns", ColumnKind::parse(&column.kind)) else {
            continue;
        };
        if taken.contains(&name.to_lowercase()) {
            check.fail(
                "columns",
                format!("There are two columns named \"{name}\"."),
            );
            continue;
        }
        taken.push(name.to_lowercase());
        out.push((name, kind));
    }
    if taken.len() > COLUMNS_MAX {
        check.fail(
            "columns",
            format!("A list has at most {COLUMNS_MAX} columns."),
        );
    }
    out
}

pub(crate) async fn insert_columns(
    db: &impl ConnectionTrait,
    list_id: i32,
    first_position: i32,
    columns: Vec<(String, ColumnKind)>,
) -> Result<Vec<list_column::Model>, AppError> {
    let mut out = Vec::with_capacity(columns.len());
    for (i, (name, kind)) in columns.into_iter().enumerate() {
        out.push(
            list_column::ActiveModel {
                list_id: Set(list_id),
                name: Set(name),
                kind: Set(kind.as_str().into()),
                position: Set(first_position + i as i32),
                ..Default::default()
            }
            .insert(db)
            .await?,
        );
    }
    Ok(out)
}

pub async fn create_list(
    db: &DatabaseConnection,
    actor: &Actor,
    name: &str,
    columns: Vec<NewColumn>,
) -> Result<ListView, AppError> {
    actor.require(Action::ManageLists)?;
    let mut check = Check::new();
    let name = check.take("name", parse_title(name, "list"));
    let columns = check_columns(&mut check, &[], &columns);
    check.finish()?;
    let now = Utc::now();
    let txn = super::writing(db).await?;
    let list = prospecting_list::ActiveModel {
        name: Set(name.unwrap_or_default()),
        owner_id: Set(actor.id),
        pipeline_id: Set(None),
        step_id: Set(None),
        script_id: Set(None),
        show_unassigned: Set(true),
        archived: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    insert_columns(&txn, list.id, 0, columns).await?;
    txn.commit().await?;
    get_list(db, actor, list.id).await
}

pub async fn update_list(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
    settings: ListSettings,
) -> Result<ListView, AppError> {
    actor.require(Action::ManageLists)?;
    let txn = super::writing(db).await?;
    let mut row = find_list(&txn, id).await?;
    let mut check = Check::new();
    if let Some(name) = settings.name {
        if let Some(name) = check.take("name", parse_title(&name, "list")) {
            row.name = name;
        }
    }
    if let Some(owner) = settings.owner_id {
        match user::Entity::find_by_id(owner).one(&txn).await? {
            Some(u) if u.active => row.owner_id = owner,
            _ => check.fail("owner_id", "Choose an active user."),
        }
    }
    if let Some(step) = settings.step_id {
        row.step_id = None;
        if let Some(step) = step {
            match super::entity::step::Entity::find_by_id(step)
                .one(&txn)
                .await?
            {
                Some(s) => {
                    row.step_id = Some(s.id);
                    row.pipeline_id = Some(s.pipeline_id);
                }
                None => check.fail("step_id", "This step does not exist."),
            }
        }
    }
    if let Some(pipeline) = settings.pipeline_id {
        if pipeline != row.pipeline_id {
            row.pipeline_id = pipeline;
            if settings.step_id.is_none() {
                row.step_id = None;
            }
        }
    }
    if let Some(script) = settings.script_id {
        if let Some(script) = script {
            if super::entity::script::Entity::find_by_id(script)
                .one(&txn)
                .await?
                .is_none()
            {
                check.fail("script_id", "This script does not exist.");
            }
        }
        row.script_id = script;
    }
    if let Some(show) = settings.show_unassigned {
        row.show_unassigned = show;
    }
    if let Some(archived) = settings.archived {
        row.archived = archived;
    }
    check.finish()?;
    row.updated_at = Utc::now();
    let mut model = prospecting_list::ActiveModel::from(row).reset_all();
    model.id = sea_orm::ActiveValue::Unchanged(id);
    model.update(&txn).await?;
    txn.commit().await?;
    get_list(db, actor, id).await
}

/// Matching rows counted for a filtered list beyond its first page (a full count of a filter
/// over a million rows takes seconds).
const COUNT_CAP: u64 = 10_000;

/// The SQL of one cell of `prospects.cells` (the column id is a number, never user text).
fn cell_expr(backend: DbBackend, column_id: i32) -> Expr {
    match backend {
        DbBackend::Postgres => Expr::cust(format!("(cells::jsonb ->> '{column_id}')")),
        _ => Expr::cust(format!("json_extract(cells, '$.\"{column_id}\"')")),
    }
}

fn like_pattern(text: &str) -> String {
    format!(
        "%{}%",
        text.trim().to_lowercase().replace(['%', '_', '\\'], "")
    )
}

pub(crate) async fn views(
    db: &impl ConnectionTrait,
    actor: &Actor,
    rows: Vec<prospect::Model>,
    columns: &[list_column::Model],
) -> Result<Vec<ProspectView>, AppError> {
    let people = names(db).await?;
    let types: HashMap<i32, String> = activity_type::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|t| (t.id, t.name))
        .collect();
    let tz = tz_of(&actor.time_zone);
    Ok(rows
        .into_iter()
        .map(|row| {
            let cells = cells_of(&row.cells);
            ProspectView {
                id: row.id,
                list_id: row.list_id,
                label: label_of(columns, &cells, row.id),
                cells,
                assigned_to: row.assigned_to,
                assigned_name: row.assigned_to.and_then(|u| people.get(&u).cloned()),
                status: ProspectStatus::parse(&row.status).unwrap_or(ProspectStatus::New),
                disqualify_reason: row.disqualify_reason,
                lead_id: row.lead_id,
                activity_count: row.activity_count,
                last_activity_at: row.last_activity_at,
                last_activity: row
                    .last_activity_type_id
                    .and_then(|t| types.get(&t).cloned()),
                last_local: row
                    .last_activity_at
                    .map(|at| short_local(at, tz))
                    .unwrap_or_default(),
                created_at: row.created_at,
                updated_at: row.updated_at,
            }
        })
        .collect())
}

/// A page of a list's rows under filters and a sort.
pub async fn rows(
    db: &impl ConnectionTrait,
    actor: &Actor,
    list_id: i32,
    query: &RowQuery,
) -> Result<ProspectPage, AppError> {
    let list = find_list(db, list_id).await?;
    let columns = columns(db, list_id).await?;
    Ok(page_of(db, actor, &list, &columns, query).await?.0)
}

/// The list page: the list and a page of its rows, the list and its columns read once; the
/// count of an unfiltered page is the list's.
pub async fn sheet(
    db: &impl ConnectionTrait,
    actor: &Actor,
    list_id: i32,
    query: &RowQuery,
) -> Result<(ListView, ProspectPage), AppError> {
    let list = find_list(db, list_id).await?;
    let columns = columns(db, list_id).await?;
    let (page, filtered) = page_of(db, actor, &list, &columns, query).await?;
    let rows = if filtered {
        prospect::Entity::find()
            .filter(visible(actor, &list))
            .count(db)
            .await?
    } else {
        page.total
    };
    let view = view_of_list(list, &columns, &names(db).await?, rows);
    Ok((view, page))
}

/// A page of rows under `query`, and whether the query filtered them.
async fn page_of(
    db: &impl ConnectionTrait,
    actor: &Actor,
    list: &prospecting_list::Model,
    columns: &[list_column::Model],
    query: &RowQuery,
) -> Result<(ProspectPage, bool), AppError> {
    let backend = db.get_database_backend();
    let known = |key: &str| -> Option<i32> {
        key.parse::<i32>()
            .ok()
            .filter(|id| columns.iter().any(|c| c.id == *id))
    };
    let mut condition = visible(actor, list);
    let mut filtered = false;
    for (key, text) in &query.filters {
        let text = text.trim();
        if text.is_empty() {
            continue;
        }
        match key.as_str() {
            "status" => {
                if let Ok(status) = ProspectStatus::parse(text) {
                    condition = condition.add(prospect::Column::Status.eq(status.as_str()));
                    filtered = true;
                }
            }
            "assigned" => {
                if text == "none" {
                    condition = condition.add(prospect::Column::AssignedTo.is_null());
                } else if let Ok(id) = text.parse::<i32>() {
                    condition = condition.add(prospect::Column::AssignedTo.eq(id));
                }
                filtered = true;
            }
            key => {
                if let Some(id) = known(key) {
                    // SQLite's LIKE ignores ASCII case by itself.
                    let cell = match backend {
                        DbBackend::Postgres => Expr::expr(Func::lower(cell_expr(backend, id))),
                        _ => cell_expr(backend, id),
                    };
                    let pattern = like_pattern(text);
                    // A plain substring scan of the row's JSON first, which is far cheaper
                    // than extracting the cell; the cell test then runs on the candidates only.
                    // (Text that JSON escapes would not be found that way: then cells only.)
                    if !text.contains(['"', '\\']) && !text.contains(char::is_control) {
                        let raw = match backend {
                            DbBackend::Postgres => {
                                Expr::expr(Func::lower(Expr::col(prospect::Column::Cells)))
                            }
                            _ => Expr::col(prospect::Column::Cells),
                        };
                        condition = condition.add(raw.like(pattern.clone()));
                    }
                    condition = condition.add(cell.like(pattern));
                    filtered = true;
                }
            }
        }
    }
    // Unfiltered, the count reads the index only. Filtered, a short first page is its own
    // count; otherwise matches are counted up to a cap.
    let exact = if filtered {
        None
    } else {
        Some(
            prospect::Entity::find()
                .filter(condition.clone())
                .count(db)
                .await?,
        )
    };
    let order = if query.desc { Order::Desc } else { Order::Asc };
    let mut select = prospect::Entity::find().filter(condition.clone());
    select = match query.sort.as_str() {
        "status" => select.order_by(prospect::Column::Status, order.clone()),
        "assigned" => select.order_by(prospect::Column::AssignedTo, order.clone()),
        "activities" => select.order_by(prospect::Column::ActivityCount, order.clone()),
        "last" => select.order_by(prospect::Column::LastActivityAt, order.clone()),
        key => match known(key) {
            Some(id) => select.order_by(
                Expr::expr(Func::lower(cell_expr(backend, id))),
                order.clone(),
            ),
            None => select,
        },
    };
    let offset = match exact {
        Some(total) => std::cmp::Ord::min(query.offset, total.saturating_sub(1) / ROWS * ROWS),
        None => query.offset,
    };
    let items = select
        .order_by(prospect::Column::Id, order)
        .offset(offset)
        .limit(ROWS)
        .all(db)
        .await?;
    let (total, more) = match exact {
        Some(total) => (total, false),
        None if (items.len() as u64) < ROWS => (offset + items.len() as u64, false),
        None => {
            let counted = prospect::Entity::find()
                .select_only()
                .column(prospect::Column::Id)
                .filter(condition)
                .limit(COUNT_CAP + 1)
                .into_tuple::<i32>()
                .all(db)
                .await?
                .len() as u64;
            (
                Ord::max(Ord::min(counted, COUNT_CAP), offset + ROWS),
                counted > COUNT_CAP,
            )
        }
    };
    let page = ProspectPage {
        items: views(db, actor, items, columns).await?,
        offset,
        total,
        more,
    };
    Ok((page, filtered))
}

/// The row `id` with its list, if the viewer may work it (else not found / forbidden).
pub(crate) async fn workable(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<(prospect::Model, prospecting_list::Model), AppError> {
    let row = prospect::Entity::find_by_id(id)
        .filter(prospect::Column::ImportId.is_null())
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    let list = find_list(db, row.list_id).await?;
    if !may_work_prospect(actor.role, actor.id, row.assigned_to, list.show_unassigned) {
        return Err(AppError::Forbidden);
    }
    Ok((row, list))
}

pub async fn get_prospect(
    db: &impl ConnectionTrait,
    actor: &Actor,
    id: i32,
) -> Result<ProspectView, AppError> {
    let (row, list) = workable(db, actor, id).await?;
    let columns = columns(db, list.id).await?;
    Ok(views(db, actor, vec![row], &columns).await?.remove(0))
}

/// Checked cells: known column ids only, each checked by its kind.
fn checked_cells(
    check: &mut Check,
    columns: &[list_column::Model],
    cells: BTreeMap<String, String>,
) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    for (key, value) in cells {
        let Some(column) = key
            .parse::<i32>()
            .ok()
            .and_then(|id| columns.iter().find(|c| c.id == id))
        else {
            check.fail("cells", format!("Column {key} is not in this list."));
            continue;
        };
        let kind = ColumnKind::parse(&column.kind).unwrap_or(ColumnKind::Text);
        if let Some(value) = check.take(&format!("cell_{}", column.id), check_cell(kind, &value)) {
            out.insert(key, value);
        }
    }
    out
}

async fn check_assignee(
    db: &impl ConnectionTrait,
    check: &mut Check,
    user_id: Option<i32>,
) -> Result<(), AppError> {
    if let Some(id) = user_id {
        match user::Entity::find_by_id(id).one(db).await? {
            Some(u) if u.active => {}
            _ => check.fail("assigned_to", "Choose an active user."),
        }
    }
    Ok(())
}

pub async fn add_prospect(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    list_id: i32,
    cells: BTreeMap<String, String>,
    assigned_to: Option<i32>,
) -> Result<ProspectView, AppError> {
    actor.require(Action::ManageLists)?;
    let list = find_list(db, list_id).await?;
    let columns = columns(db, list.id).await?;
    let mut check = Check::new();
    let cells = checked_cells(&mut check, &columns, cells);
    check_assignee(db, &mut check, assigned_to).await?;
    check.finish()?;
    let now = Utc::now();
    let _turn = bus.writer_turn().await;
    let row = prospect::ActiveModel {
        list_id: Set(list_id),
        cells: Set(cells_text(&cells)),
        assigned_to: Set(assigned_to),
        status: Set(ProspectStatus::New.as_str().into()),
        activity_count: Set(0),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(views(db, actor, vec![row], &columns).await?.remove(0))
}

/// Changes cells (merged into the row's; an empty text empties the cell) and the assignee
/// (managers and admins only).
pub async fn update_prospect(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    cells: Option<BTreeMap<String, String>>,
    assigned_to: Option<Option<i32>>,
) -> Result<ProspectView, AppError> {
    let (mut row, list) = workable(db, actor, id).await?;
    let columns = columns(db, list.id).await?;
    let mut check = Check::new();
    if let Some(cells) = cells {
        let mut merged = cells_of(&row.cells);
        for (key, value) in checked_cells(&mut check, &columns, cells) {
            if value.is_empty() {
                merged.remove(&key);
            } else {
                merged.insert(key, value);
            }
        }
        row.cells = cells_text(&merged);
    }
    if let Some(assigned) = assigned_to {
        if !allows(actor.role, Action::ManageLists) {
            return Err(AppError::Forbidden);
        }
        check_assignee(db, &mut check, assigned).await?;
        row.assigned_to = assigned;
    }
    check.finish()?;
    row.updated_at = Utc::now();
    let _turn = bus.writer_turn().await;
    prospect::Entity::update_many()
        .col_expr(prospect::Column::Cells, Expr::value(row.cells.clone()))
        .col_expr(prospect::Column::AssignedTo, Expr::value(row.assigned_to))
        .col_expr(prospect::Column::UpdatedAt, Expr::value(row.updated_at))
        .filter(prospect::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(views(db, actor, vec![row], &columns).await?.remove(0))
}

/// Assigns visible rows to an active user (or to no one); answers how many changed.
pub async fn assign(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    ids: &[i32],
    user_id: Option<i32>,
) -> Result<u64, AppError> {
    actor.require(Action::ManageLists)?;
    let mut check = Check::new();
    check_assignee(db, &mut check, user_id).await?;
    check.finish()?;
    if ids.is_empty() {
        return Ok(0);
    }
    let _turn = bus.writer_turn().await;
    let mut changed = 0;
    for chunk in ids.chunks(500) {
        changed += prospect::Entity::update_many()
            .col_expr(prospect::Column::AssignedTo, Expr::value(user_id))
            .col_expr(prospect::Column::UpdatedAt, Expr::value(Utc::now()))
            .filter(prospect::Column::Id.is_in(chunk.iter().copied()))
            .filter(prospect::Column::ImportId.is_null())
            .exec(db)
            .await?
            .rows_affected;
    }
    Ok(changed)
}

/// Deletes rows that were not converted, with their activities.
pub async fn delete_prospects(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    ids: &[i32],
) -> Result<u64, AppError> {
    actor.require(Action::ManageLists)?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let mut deleted = 0;
    for chunk in ids.chunks(500) {
        let doomed: Vec<i32> = prospect::Entity::find()
            .select_only()
            .column(prospect::Column::Id)
            .filter(prospect::Column::Id.is_in(chunk.iter().copied()))
            .filter(prospect::Column::LeadId.is_null())
            .filter(prospect::Column::ImportId.is_null())
            .into_tuple::<i32>()
            .all(&txn)
            .await?;
        if doomed.is_empty() {
            continue;
        }
        activity::Entity::delete_many()
            .filter(activity::Column::ProspectId.is_in(doomed.clone()))
            .exec(&txn)
            .await?;
        deleted += prospect::Entity::delete_many()
            .filter(prospect::Column::Id.is_in(doomed))
            .exec(&txn)
            .await?
            .rows_affected;
    }
    txn.commit().await?;
    Ok(deleted)
}

/// Recounts a row's activities and its last one; a row not contacted becomes in progress.
pub async fn refresh_summary(db: &impl ConnectionTrait, prospect_id: i32) -> Result<(), AppError> {
    let last = activity::Entity::find()
        .filter(activity::Column::ProspectId.eq(prospect_id))
        .order_by_desc(activity::Column::OccurredAt)
        .order_by_desc(activity::Column::Id)
        .one(db)
        .await?;
    let count = activity::Entity::find()
        .filter(activity::Column::ProspectId.eq(prospect_id))
        .count(db)
        .await?;
    let mut update = prospect::Entity::update_many()
        .col_expr(prospect::Column::ActivityCount, Expr::value(count as i32))
        .col_expr(
            prospect::Column::LastActivityAt,
            Expr::value(last.as_ref().map(|a| a.occurred_at)),
        )
        .col_expr(
            prospect::Column::LastActivityTypeId,
            Expr::value(last.as_ref().map(|a| a.type_id)),
        );
    if count > 0 {
        update = update.col_expr(
            prospect::Column::Status,
            Expr::cust(format!(
                "CASE WHEN status = '{}' THEN '{}' ELSE status END",
                ProspectStatus::New.as_str(),
                ProspectStatus::InProgress.as_str()
            )),
        );
    }
    update
        .filter(prospect::Column::Id.eq(prospect_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Before a lead is deleted: the prospect it came from is open again, and keeps its own
/// activities and answers.
pub(crate) async fn detach_lead(db: &impl ConnectionTrait, lead_id: i32) -> Result<(), AppError> {
    activity::Entity::update_many()
        .col_expr(activity::Column::LeadId, Expr::value(Option::<i32>::None))
        .filter(activity::Column::LeadId.eq(lead_id))
        .filter(activity::Column::ProspectId.is_not_null())
        .exec(db)
        .await?;
    super::scripts::detach_lead(db, lead_id).await?;
    prospect::Entity::update_many()
        .col_expr(prospect::Column::LeadId, Expr::value(Option::<i32>::None))
        .col_expr(
            prospect::Column::Status,
            Expr::value(ProspectStatus::InProgress.as_str()),
        )
        .filter(prospect::Column::LeadId.eq(lead_id))
        .exec(db)
        .await?;
    Ok(())
}

/// What a conversion sets on the new lead; absent: the list's defaults, the prospect's
/// contact, the assignee (or the viewer) as owner.
#[derive(Debug, Clone, Default)]
pub struct Conversion {
    pub title: Option<String>,
    pub step_id: Option<i32>,
    pub amount: Option<String>,
    pub owner_id: Option<i32>,
}

impl Conversion {
    pub fn from_form(form: ConvertForm) -> Result<Conversion, AppError> {
        let mut check = Check::new();
        let mut id = |field: &str, text: &str| -> Option<i32> {
            let text = text.trim();
            if text.is_empty() {
                return None;
            }
            check.take(
                field,
                text.parse()
                    .map_err(|_| "Choose from the list.".to_string()),
            )
        };
        let conversion = Conversion {
            step_id: id("step_id", &form.step_id),
            owner_id: id("owner_id", &form.owner_id),
            title: Some(form.title).filter(|t| !t.trim().is_empty()),
            amount: Some(form.amount).filter(|t| !t.trim().is_empty()),
        };
        check.finish()?;
        Ok(conversion)
    }
}

/// Turns a prospect into a lead, once: the lead gets its contact and origin, and its
/// activities and script answers show on the lead.
pub async fn convert(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    conversion: Conversion,
) -> Result<LeadView, AppError> {
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let (row, list) = workable(&txn, actor, id).await?;
    if row.lead_id.is_some() || row.status == ProspectStatus::Converted.as_str() {
        return Err(AppError::Conflict(
            "This prospect was already converted into a lead.".into(),
        ));
    }
    if row.status == ProspectStatus::Disqualified.as_str() {
        return Err(AppError::Conflict(
            "This prospect was disqualified: it cannot become a lead.".into(),
        ));
    }
    let columns = columns(&txn, list.id).await?;
    let cells = cells_of(&row.cells);
    let contact = Contact::of(columns.iter().map(|c| {
        (
            ColumnKind::parse(&c.kind).unwrap_or(ColumnKind::Text),
            cells
                .get(&c.id.to_string())
                .map(String::as_str)
                .unwrap_or(""),
        )
    }));
    let step_id = match conversion.step_id.or(list.step_id) {
        Some(step) => Some(step),
        None => match list.pipeline_id {
            Some(pipeline) => super::entity::step::Entity::find()
                .filter(super::entity::step::Column::PipelineId.eq(pipeline))
                .order_by_asc(super::entity::step::Column::Position)
                .one(&txn)
                .await?
                .map(|s| s.id),
            None => None,
        },
    };
    let owner = conversion.owner_id.or(row.assigned_to).unwrap_or(actor.id);
    // Converting is part of working the row: a member may hand the lead to no one else.
    let owner = if actor.role == Role::Member {
        actor.id
    } else {
        owner
    };
    let patch = LeadPatch {
        title: Some(
            conversion
                .title
                .unwrap_or_else(|| contact.title(&label_of(&columns, &cells, row.id))),
        ),
        amount: conversion.amount,
        owner_id: Some(owner),
        step_id,
        email: Some(
            if crate::domain::validate::Email::parse(&contact.email).is_ok() {
                contact.email.clone()
            } else {
                String::new()
            },
        ),
        company: Some(contact.company.chars().take(200).collect()),
        person: Some(contact.person.chars().take(200).collect()),
        phone: Some(contact.phone.chars().take(50).collect()),
        ..Default::default()
    };
    let (created, data) = super::leads::insert(&txn, actor, patch, Some((list.id, row.id))).await?;
    let claimed = prospect::Entity::update_many()
        .col_expr(prospect::Column::LeadId, Expr::value(created.id))
        .col_expr(
            prospect::Column::Status,
            Expr::value(ProspectStatus::Converted.as_str()),
        )
        .col_expr(prospect::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(prospect::Column::Id.eq(row.id))
        .filter(prospect::Column::LeadId.is_null())
        .exec(&txn)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(AppError::Conflict(
            "This prospect was already converted into a lead.".into(),
        ));
    }
    activity::Entity::update_many()
        .col_expr(activity::Column::LeadId, Expr::value(created.id))
        .filter(activity::Column::ProspectId.eq(row.id))
        .exec(&txn)
        .await?;
    super::scripts::attach_lead(&txn, row.id, created.id).await?;
    let event = super::events::record(&txn, "lead.created", data).await?;
    txn.commit().await?;
    bus.publish([event]);
    super::leads::get(db, actor, created.id).await
}

pub async fn disqualify(
    db: &DatabaseConnection,
    bus: &EventBus,
    actor: &Actor,
    id: i32,
    reason: &str,
) -> Result<ProspectView, AppError> {
    let reason = reason.trim();
    let mut check = Check::new();
    if reason.is_empty() {
        check.fail("reason", "Say why (e.g. no budget, wrong contact).");
    } else if reason.chars().count() > 500 {
        check.fail("reason", "At most 500 characters.");
    }
    check.finish()?;
    let _turn = bus.writer_turn().await;
    let txn = super::writing(db).await?;
    let (row, _) = workable(&txn, actor, id).await?;
    if row.lead_id.is_some() {
        return Err(AppError::Conflict(
            "This prospect is already a lead: close the lead instead.".into(),
        ));
    }
    prospect::Entity::update_many()
        .col_expr(
            prospect::Column::Status,
            Expr::value(ProspectStatus::Disqualified.as_str()),
        )
        .col_expr(prospect::Column::DisqualifyReason, Expr::value(reason))
        .col_expr(prospect::Column::UpdatedAt, Expr::value(Utc::now()))
        .filter(prospect::Column::Id.eq(id))
        .exec(&txn)
        .await?;
    txn.commit().await?;
    get_prospect(db, actor, id).await
}

/// Everything the prospect page shows.
pub async fn detail(
    db: &DatabaseConnection,
    actor: &Actor,
    id: i32,
) -> Result<ProspectRecord, AppError> {
    let prospect = get_prospect(db, actor, id).await?;
    let list = get_list(db, actor, prospect.list_id).await?;
    let filter = super::activities::ActivityFilter {
        prospect_id: Some(id),
        ..Default::default()
    };
    let (activities, _) = super::activities::list(db, actor, &filter, 500, 0).await?;
    let script = match list.script_id {
        Some(script) => Some(super::scripts::get(db, script).await?),
        None => None,
    };
    let answers = super::scripts::answers(db, actor, super::scripts::Subject::Prospect(id)).await?;
    Ok(ProspectRecord {
        prospect,
        list,
        activities,
        types: super::activities::types(db).await?,
        script,
        answers,
        pipelines: super::pipelines::list(db).await?,
        people: super::users::list(db)
            .await?
            .into_iter()
            .filter(|u| u.active)
            .collect(),
        can_manage: allows(actor.role, Action::ManageLists),
    })
}

/// The label of a prospect (for activity views and the feed).
pub(crate) async fn label(
    db: &impl ConnectionTrait,
    row: &prospect::Model,
) -> Result<String, AppError> {
    let columns = columns(db, row.list_id).await?;
    Ok(label_of(&columns, &cells_of(&row.cells), row.id))
}

/// The labels of prospects, by id.
pub(crate) async fn labels(
    db: &impl ConnectionTrait,
    ids: impl IntoIterator<Item = i32>,
) -> Result<HashMap<i32, String>, AppError> {
    let ids: std::collections::HashSet<i32> = ids.into_iter().collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let rows = prospect::Entity::find()
        .filter(prospect::Column::Id.is_in(ids))
        .all(db)
        .await?;
    let mut by_list: HashMap<i32, Vec<list_column::Model>> = HashMap::new();
    let mut out = HashMap::new();
    for row in rows {
        if let std::collections::hash_map::Entry::Vacant(slot) = by_list.entry(row.list_id) {
            slot.insert(columns(db, row.list_id).await?);
        }
        let columns = &by_list[&row.list_id];
        out.insert(row.id, label_of(columns, &cells_of(&row.cells), row.id));
    }
    Ok(out)
}

/// Adds a column at the end of a list (`id` None) or renames / retypes one. Retyping to email
/// does not rewrite existing cells; new edits are checked.
pub async fn save_column(
    db: &DatabaseConnection,
    actor: &Actor,
    list_id: i32,
    id: Option<i32>,
    name: &str,
    kind: &str,
) -> Result<ColumnView, AppError> {
    actor.require(Action::ManageLists)?;
    find_list(db, list_id).await?;
    let txn = super::writing(db).await?;
    let existing = columns(&txn, list_id).await?;
    let others: Vec<String> = existing
        .iter()
        .filter(|c| Some(c.id) != id)
        .map(|c| c.name.clone())
        .collect();
    let mut check = Check::new();
    let wanted = [NewColumn {
        name: name.into(),
        kind: kind.into(),
    }];
    let mut checked = check_columns(&mut check, &others, &wanted);
    if let Some(id) = id {
        if !existing.iter().any(|c| c.id == id) {
            return Err(AppError::NotFound);
        }
    }
    check.finish()?;
    let (name, kind) = checked.remove(0);
    let saved = match id {
        None => {
            let position = existing.iter().map(|c| c.position).max().unwrap_or(-1) + 1;
            insert_columns(&txn, list_id, position, vec![(name, kind)])
                .await?
                .remove(0)
        }
        Some(id) => {
            list_column::Entity::update_many()
                .col_expr(list_column::Column::Name, Expr::value(name))
                .col_expr(list_column::Column::Kind, Expr::value(kind.as_str()))
                .filter(list_column::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            list_column::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?
        }
    };
    txn.commit().await?;
    Ok(column_view(&saved))
}

/// Removes a column from a list; its cells stay in the rows, unseen (so that a mistaken
/// delete costs no rewrite of a million rows).
pub async fn delete_column(
    db: &DatabaseConnection,
    actor: &Actor,
    list_id: i32,
    id: i32,
) -> Result<(), AppError> {
    actor.require(Action::ManageLists)?;
    let deleted = list_column::Entity::delete_many()
        .filter(list_column::Column::Id.eq(id))
        .filter(list_column::Column::ListId.eq(list_id))
        .exec(db)
        .await?;
    if deleted.rows_affected == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}
