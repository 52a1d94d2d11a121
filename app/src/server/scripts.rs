//! Sales scripts: ordered questions, edited without losing answers (a question with answers
//! is retired and replaced, never changed in place), and the answers given during calls.

use std::collections::HashMap;

use chrono::Utc;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, Set,
};

use super::entity::{pipeline, prospecting_list, script, script_answer, script_question, user};
use super::Actor;
use crate::domain::prospecting::{check_answer, check_options, parse_title, QuestionKind};
use crate::error::{AppError, Check};
use crate::prospecting::api::{AnswerView, QuestionForm, QuestionView, ScriptView};

/// What answers are about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    Prospect(i32),
    Lead(i32),
}

impl Subject {
    pub fn of(prospect_id: Option<i32>, lead_id: Option<i32>) -> Result<Subject, AppError> {
        match (prospect_id, lead_id) {
            (Some(p), None) => Ok(Subject::Prospect(p)),
            (None, Some(l)) => Ok(Subject::Lead(l)),
            _ => Err(AppError::field(
                "prospect_id",
                "Answer on a prospect or on a lead (one of them).",
            )),
        }
    }
}

fn options_of(text: &str) -> Vec<String> {
    serde_json::from_str(text).unwrap_or_default()
}

fn question_view(q: &script_question::Model) -> QuestionView {
    QuestionView {
        id: q.id,
        position: q.position,
        kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
        prompt: q.prompt.clone(),
        options: options_of(&q.options),
        required: q.required,
    }
}

async fn view(db: &impl ConnectionTrait, model: script::Model) -> Result<ScriptView, AppError> {
    let questions = script_question::Entity::find()
        .filter(script_question::Column::ScriptId.eq(model.id))
        .filter(script_question::Column::Retired.eq(false))
        .order_by_asc(script_question::Column::Position)
        .order_by_asc(script_question::Column::Id)
        .all(db)
        .await?;
    let mut used_by: Vec<String> = prospecting_list::Entity::find()
        .filter(prospecting_list::Column::ScriptId.eq(model.id))
        .all(db)
        .await?
        .into_iter()
        .map(|l| format!("List: {}", l.name))
        .collect();
    used_by.extend(
        pipeline::Entity::find()
            .filter(pipeline::Column::ScriptId.eq(model.id))
            .all(db)
            .await?
            .into_iter()
            .map(|p| format!("Pipeline: {}", p.name)),
    );

    let pipeline_ids = pipeline::Entity::find()
        .filter(pipeline::Column::ScriptId.eq(model.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    Ok(ScriptView {
        id: model.id,
        name: model.name,
        questions: questions.iter().map(question_view).collect(),
        used_by,
        pipeline_ids,
    })
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<ScriptView>, AppError> {
    let mut out = Vec::new();
    for model in script::Entity::find()
        .order_by_asc(script::Column::Name)
        .all(db)
        .await?
    {
        out.push(view(db, model).await?);
    }
    Ok(out)
}

pub async fn get(db: &impl ConnectionTrait, id: i32) -> Result<ScriptView, AppError> {
    let model = script::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or(AppError::NotFound)?;
    view(db, model).await
}

async fn has_answers(db: &impl ConnectionTrait, question_id: i32) -> Result<bool, AppError> {
    Ok(script_answer::Entity::find()
        .filter(script_answer::Column::QuestionId.eq(question_id))
        .count(db)
        .await?
        > 0)
}

/// The script offered when calling a lead: its pipeline's, else its prospecting list's.
pub async fn for_lead(
    db: &impl ConnectionTrait,
    lead_id: i32,
) -> Result<Option<ScriptView>, AppError> {
    let Some(lead) = super::entity::lead::Entity::find_by_id(lead_id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let from_pipeline = pipeline::Entity::find_by_id(lead.pipeline_id)
        .one(db)
        .await?
        .and_then(|p| p.script_id);
    let from_list = match lead.origin_list_id {
        Some(list) => prospecting_list::Entity::find_by_id(list)
            .one(db)
            .await?
            .and_then(|l| l.script_id),
        None => None,
    };
    match from_pipeline.or(from_list) {
        Some(id) => Ok(Some(get(db, id).await?)),
        None => Ok(None),
    }
}

/// Creates or replaces a script: its name and its questions in order. Questions left out are
/// retired (or deleted when never answered); a changed question that has answers is retired
/// and a new version takes its place. `pipelines`, when given, are the pipelines whose leads
/// are called with it (others using it let it go).
pub async fn save(
    db: &DatabaseConnection,
    id: Option<i32>,
    name: &str,
    questions: Vec<QuestionForm>,
    pipelines: Option<Vec<i32>>,
) -> Result<ScriptView, AppError> {
    let mut check = Check::new();
    let name = check.take("name", parse_title(name, "script"));
    let mut checked = Vec::with_capacity(questions.len());
    for (i, q) in questions.into_iter().enumerate() {
        let field = format!("questions.{i}");
        let kind = check.take(&field, QuestionKind::parse(&q.kind));
        let prompt = q.prompt.trim().to_string();
        if prompt.is_empty() {
            check.fail(&field, "Write the question.");
        } else if prompt.chars().count() > 500 {
            check.fail(&field, "A question has at most 500 characters.");
        }
        let options = kind.and_then(|k| check.take(&field, check_options(k, &q.options)));
        if let (Some(kind), Some(options)) = (kind, options) {
            checked.push((q.id, kind, prompt, options, q.required));
        }
    }
    if checked.len() > 100 {
        check.fail("questions", "A script has at most 100 questions.");
    }
    check.finish()?;
    let name = name.unwrap_or_default();
    let now = Utc::now();
    let txn = super::writing(db).await?;
    if script::Entity::find()
        .filter(script::Column::Name.eq(name.clone()))
        .filter(script::Column::Id.ne(id.unwrap_or(0)))
        .one(&txn)
        .await?
        .is_some()
    {
        return Err(AppError::field("name", "Another script has this name."));
    }
    let script_id = match id {
        None => {
            script::ActiveModel {
                name: Set(name),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?
            .id
        }
        Some(id) => {
            script::Entity::find_by_id(id)
                .one(&txn)
                .await?
                .ok_or(AppError::NotFound)?;
            script::Entity::update_many()
                .col_expr(script::Column::Name, Expr::value(name))
                .col_expr(script::Column::UpdatedAt, Expr::value(now))
                .filter(script::Column::Id.eq(id))
                .exec(&txn)
                .await?;
            id
        }
    };
    let current: HashMap<i32, script_question::Model> = script_question::Entity::find()
        .filter(script_question::Column::ScriptId.eq(script_id))
        .filter(script_question::Column::Retired.eq(false))
        .all(&txn)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let kept: Vec<i32> = checked.iter().filter_map(|q| q.0).collect();
    for (qid, old) in &current {
        if !kept.contains(qid) {
            retire_or_delete(&txn, old).await?;
        }
    }
    for (position, (qid, kind, prompt, options, required)) in checked.into_iter().enumerate() {
        let options_text = serde_json::to_string(&options).unwrap_or_else(|_| "[]".into());
        let existing = qid.and_then(|q| current.get(&q));
        if let Some(old) = existing {
            let same =
                old.kind == kind.as_str() && old.prompt == prompt && old.options == options_text;
            if same || !has_answers(&txn, old.id).await? {
                script_question::Entity::update_many()
                    .col_expr(
                        script_question::Column::Position,
                        Expr::value(position as i32),
                    )
                    .col_expr(script_question::Column::Kind, Expr::value(kind.as_str()))
                    .col_expr(script_question::Column::Prompt, Expr::value(prompt))
                    .col_expr(script_question::Column::Options, Expr::value(options_text))
                    .col_expr(script_question::Column::Required, Expr::value(required))
                    .filter(script_question::Column::Id.eq(old.id))
                    .exec(&txn)
                    .await?;
                continue;
            }
            // Answered, and changed: the answers keep the version they answered.
            retire_or_delete(&txn, old).await?;
        }
        script_question::ActiveModel {
            script_id: Set(script_id),
            position: Set(position as i32),
            kind: Set(kind.as_str().into()),
            prompt: Set(prompt),
            options: Set(options_text),
            required: Set(required),
            retired: Set(false),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
    }
    if let Some(pipelines) = pipelines {
        pipeline::Entity::update_many()
            .col_expr(pipeline::Column::ScriptId, Expr::value(Option::<i32>::None))
            .filter(pipeline::Column::ScriptId.eq(script_id))
            .filter(pipeline::Column::Id.is_not_in(pipelines.clone()))
            .exec(&txn)
            .await?;
        if !pipelines.is_empty() {
            pipeline::Entity::update_many()
                .col_expr(pipeline::Column::ScriptId, Expr::value(script_id))
                .filter(pipeline::Column::Id.is_in(pipelines))
                .exec(&txn)
                .await?;
        }
    }
    txn.commit().await?;
    get(db, script_id).await
}

async fn retire_or_delete(
    db: &impl ConnectionTrait,
    question: &script_question::Model,
) -> Result<(), AppError> {
    if has_answers(db, question.id).await? {
        script_question::Entity::update_many()
            .col_expr(script_question::Column::Retired, Expr::value(true))
            .filter(script_question::Column::Id.eq(question.id))
            .exec(db)
            .await?;
    } else {
        script_question::Entity::delete_by_id(question.id)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Deletes a script no list or pipeline uses and nobody answered.
pub async fn delete(db: &DatabaseConnection, id: i32) -> Result<(), AppError> {
    let script = get(db, id).await?;
    if !script.used_by.is_empty() {
        return Err(AppError::Conflict(format!(
            "This script is in use ({}): detach it first.",
            script.used_by.join(", ")
        )));
    }
    let txn = super::writing(db).await?;
    let questions: Vec<i32> = script_question::Entity::find()
        .filter(script_question::Column::ScriptId.eq(id))
        .all(&txn)
        .await?
        .into_iter()
        .map(|q| q.id)
        .collect();
    if script_answer::Entity::find()
        .filter(script_answer::Column::QuestionId.is_in(questions))
        .count(&txn)
        .await?
        > 0
    {
        return Err(AppError::Conflict(
            "Calls were answered with this script: it is kept for their record.".into(),
        ));
    }
    script::Entity::delete_by_id(id).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

fn subject_filter(subject: Subject) -> sea_orm::Condition {
    match subject {
        Subject::Prospect(id) => {
            sea_orm::Condition::all().add(script_answer::Column::ProspectId.eq(id))
        }
        Subject::Lead(id) => sea_orm::Condition::all().add(script_answer::Column::LeadId.eq(id)),
    }
}

/// Whether the viewer may see and answer for this prospect or lead.
async fn check_subject(
    db: &impl ConnectionTrait,
    actor: &Actor,
    subject: Subject,
    write: bool,
) -> Result<(), AppError> {
    match subject {
        Subject::Prospect(id) => {
            super::prospecting::workable(db, actor, id).await?;
        }
        Subject::Lead(id) => {
            let lead = super::entity::lead::Entity::find_by_id(id)
                .one(db)
                .await?
                .ok_or(AppError::NotFound)?;
            if write && !crate::domain::lead::may_edit_lead(actor.role, actor.id, lead.owner_id) {
                return Err(AppError::Forbidden);
            }
        }
    }
    Ok(())
}

/// The answers given about a prospect or a lead, in script order; answers to retired versions
/// of questions after the current ones.
pub async fn answers(
    db: &impl ConnectionTrait,
    actor: &Actor,
    subject: Subject,
) -> Result<Vec<AnswerView>, AppError> {
    check_subject(db, actor, subject, false).await?;
    let rows = script_answer::Entity::find()
        .filter(subject_filter(subject))
        .all(db)
        .await?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let questions: HashMap<i32, script_question::Model> = script_question::Entity::find()
        .filter(script_question::Column::Id.is_in(rows.iter().map(|r| r.question_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|q| (q.id, q))
        .collect();
    let people: HashMap<i32, String> = user::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let mut out: Vec<(bool, i32, i32, AnswerView)> = rows
        .into_iter()
        .filter_map(|row| {
            let q = questions.get(&row.question_id)?;
            Some((
                q.retired,
                q.position,
                q.id,
                AnswerView {
                    question_id: q.id,
                    prompt: q.prompt.clone(),
                    kind: QuestionKind::parse(&q.kind).unwrap_or(QuestionKind::Text),
                    value: serde_json::from_str(&row.value).unwrap_or_default(),
                    retired: q.retired,
                    updated_by: people.get(&row.updated_by).cloned().unwrap_or_default(),
                    updated_at: row.updated_at,
                },
            ))
        })
        .collect();
    out.sort_by_key(|(retired, position, id, _)| (*retired, *position, *id));
    Ok(out.into_iter().map(|(_, _, _, a)| a).collect())
}

/// Saves (or replaces) one answer; an empty answer is kept as empty, so that clearing a field
/// during the call sticks.
pub async fn save_answer(
    db: &DatabaseConnection,
    actor: &Actor,
    subject: Subject,
    question_id: i32,
    value: Vec<String>,
) -> Result<AnswerView, AppError> {
    check_subject(db, actor, subject, true).await?;
    let question = script_question::Entity::find_by_id(question_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::field("question_id", "This question does not exist."))?;
    let kind = QuestionKind::parse(&question.kind).unwrap_or(QuestionKind::Text);
    let mut check = Check::new();
    let value = check
        .take(
            "value",
            check_answer(kind, &options_of(&question.options), &value),
        )
        .unwrap_or_default();
    check.finish()?;
    let now = Utc::now();
    let text = serde_json::to_string(&value).unwrap_or_else(|_| "[]".into());
    let txn = super::writing(db).await?;
    let existing = script_answer::Entity::find()
        .filter(subject_filter(subject))
        .filter(script_answer::Column::QuestionId.eq(question_id))
        .one(&txn)
        .await?;
    match existing {
        Some(row) => {
            script_answer::Entity::update_many()
                .col_expr(script_answer::Column::Value, Expr::value(text))
                .col_expr(script_answer::Column::UpdatedBy, Expr::value(actor.id))
                .col_expr(script_answer::Column::UpdatedAt, Expr::value(now))
                .filter(script_answer::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
        }
        None => {
            let (prospect_id, lead_id) = match subject {
                Subject::Prospect(id) => {
                    // A converted prospect's answers show on its lead too.
                    let lead = super::entity::prospect::Entity::find_by_id(id)
                        .one(&txn)
                        .await?
                        .and_then(|p| p.lead_id);
                    (Some(id), lead)
                }
                Subject::Lead(id) => (None, Some(id)),
            };
            script_answer::ActiveModel {
                question_id: Set(question_id),
                prospect_id: Set(prospect_id),
                lead_id: Set(lead_id),
                value: Set(text),
                updated_by: Set(actor.id),
                updated_at: Set(now),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
    }
    txn.commit().await?;
    Ok(AnswerView {
        question_id,
        prompt: question.prompt,
        kind,
        value,
        retired: question.retired,
        updated_by: actor.name.clone(),
        updated_at: now,
    })
}

/// A converted prospect's answers become its lead's too.
pub(crate) async fn attach_lead(
    db: &impl ConnectionTrait,
    prospect_id: i32,
    lead_id: i32,
) -> Result<(), AppError> {
    script_answer::Entity::update_many()
        .col_expr(script_answer::Column::LeadId, Expr::value(lead_id))
        .filter(script_answer::Column::ProspectId.eq(prospect_id))
        .exec(db)
        .await?;
    Ok(())
}

/// Before a lead is deleted: answers given on its prospect stay with the prospect.
pub(crate) async fn detach_lead(db: &impl ConnectionTrait, lead_id: i32) -> Result<(), AppError> {
    script_answer::Entity::update_many()
        .col_expr(
            script_answer::Column::LeadId,
            Expr::value(Option::<i32>::None),
        )
        .filter(script_answer::Column::LeadId.eq(lead_id))
        .filter(script_answer::Column::ProspectId.is_not_null())
        .exec(db)
        .await?;
    Ok(())
}
