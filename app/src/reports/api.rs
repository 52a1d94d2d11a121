//! What the report pages and the API exchange: each report's rows with ids and plain numbers
//! (money as decimal strings), the tables the pages show and the CSV repeats, and the server
//! functions behind the pages.

use chrono::NaiveDate;
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::domain::period::{Period, PeriodKind};
use crate::domain::report::{share, ReportKind};
use crate::error::AppError;

/// The range and filters of a report, as the page's URL and the API carry them. `range` is a
/// preset (`this_month`, ...) or `custom` with `from` and `to` (`YYYY-MM-DD`, both included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct ReportQuery {
    pub range: String,
    pub from: String,
    pub to: String,
    pub pipeline_id: Option<i32>,
    pub segment_id: Option<i32>,
    pub user_id: Option<i32>,
    pub list_id: Option<i32>,
    /// day, week or month (company performance).
    pub group_by: String,
}

/// One column of activity counts: a type, and an outcome or none.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "type_id": 1, "outcome_id": 1, "label": "Call · Answered"
})))]
pub struct ActivityColumn {
    pub type_id: i32,
    pub outcome_id: Option<i32>,
    /// "Call · Answered", "Call · no outcome".
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "type_id": 1, "outcome_id": 1, "count": 34
})))]
pub struct ActivityCount {
    pub type_id: i32,
    pub outcome_id: Option<i32>,
    pub count: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 2, "user_name": "Alice Martin",
    "activities": [
        {"type_id": 1, "outcome_id": 1, "count": 34},
        {"type_id": 1, "outcome_id": 2, "count": 12}
    ],
    "activities_total": 46, "leads_created": 5, "leads_managed": 18, "leads_won": 2,
    "revenue_won": "48000.00"
})))]
pub struct TeamActivityRow {
    pub user_id: i32,
    pub user_name: String,
    pub activities: Vec<ActivityCount>,
    pub activities_total: i64,
    pub leads_created: i64,
    /// Leads with at least one activity by this user in the range.
    pub leads_managed: i64,
    pub leads_won: i64,
    pub revenue_won: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "columns": [
        {"type_id": 1, "outcome_id": 1, "label": "Call · Answered"},
        {"type_id": 1, "outcome_id": 2, "label": "Call · Voicemail"}
    ],
    "rows": [
        {
            "user_id": 2, "user_name": "Alice Martin",
            "activities": [
                {"type_id": 1, "outcome_id": 1, "count": 34},
                {"type_id": 1, "outcome_id": 2, "count": 12}
            ],
            "activities_total": 46, "leads_created": 5, "leads_managed": 18, "leads_won": 2,
            "revenue_won": "48000.00"
        }
    ]
})))]
pub struct TeamActivityReport {
    pub columns: Vec<ActivityColumn>,
    pub rows: Vec<TeamActivityRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 3, "user_name": "Bruno Petit",
    "activities": [
        {"type_id": 1, "outcome_id": 1, "count": 52},
        {"type_id": 1, "outcome_id": 2, "count": 31}
    ],
    "activities_total": 83, "converted": 4
})))]
pub struct ListProspectRow {
    pub user_id: i32,
    pub user_name: String,
    pub activities: Vec<ActivityCount>,
    pub activities_total: i64,
    /// Prospects of the list this user converted into leads in the range.
    pub converted: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 2, "user_name": "Alice Martin",
    "activities": [{"type_id": 3, "outcome_id": null, "count": 6}], "activities_total": 6,
    "won": 1, "lost": 1, "revenue_won": "30000.00"
})))]
pub struct ListLeadRow {
    pub user_id: i32,
    pub user_name: String,
    pub activities: Vec<ActivityCount>,
    pub activities_total: i64,
    pub won: i64,
    pub lost: i64,
    pub revenue_won: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "list_id": 5, "list_name": "Paris SaaS Q4",
    "prospect_columns": [
        {"type_id": 1, "outcome_id": 1, "label": "Call · Answered"},
        {"type_id": 1, "outcome_id": 2, "label": "Call · Voicemail"}
    ],
    "prospect_rows": [
        {
            "user_id": 3, "user_name": "Bruno Petit",
            "activities": [
                {"type_id": 1, "outcome_id": 1, "count": 52},
                {"type_id": 1, "outcome_id": 2, "count": 31}
            ],
            "activities_total": 83, "converted": 4
        }
    ],
    "lead_columns": [{"type_id": 3, "outcome_id": null, "label": "Meeting · no outcome"}],
    "lead_rows": [
        {
            "user_id": 2, "user_name": "Alice Martin",
            "activities": [{"type_id": 3, "outcome_id": null, "count": 6}],
            "activities_total": 6, "won": 1, "lost": 1, "revenue_won": "30000.00"
        }
    ]
})))]
pub struct ListReport {
    pub list_id: i32,
    pub list_name: String,
    /// Activities on the list's prospects, per rep.
    pub prospect_columns: Vec<ActivityColumn>,
    pub prospect_rows: Vec<ListProspectRow>,
    /// The leads converted from the list: the activities logged on them (a prospect's own
    /// calls, which follow it into its lead, stay above), wins and losses, per rep.
    pub lead_columns: Vec<ActivityColumn>,
    pub lead_rows: Vec<ListLeadRow>,
}

/// One step of a pipeline over the leads that entered it in the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "step_id": 2, "step_name": "Demo", "entered": 20, "moved_on": 9, "still_active": 6,
    "lost": 4, "won": 1, "moved_on_percent": 45, "still_active_percent": 30, "lost_percent": 20,
    "won_percent": 5
})))]
pub struct StepRow {
    pub step_id: i32,
    pub step_name: String,
    pub entered: i64,
    /// Now in a later step of this pipeline (whatever their status).
    pub moved_on: i64,
    /// Still open in this step.
    pub still_active: i64,
    /// Lost or cancelled while in this step.
    pub lost: i64,
    /// Won while in this step.
    pub won: i64,
    pub moved_on_percent: Option<i64>,
    pub still_active_percent: Option<i64>,
    pub lost_percent: Option<i64>,
    pub won_percent: Option<i64>,
}

impl StepRow {
    pub fn new(step_id: i32, step_name: String, counts: [i64; 5]) -> StepRow {
        let [entered, moved_on, still_active, lost, won] = counts;
        StepRow {
            step_id,
            step_name,
            entered,
            moved_on,
            still_active,
            lost,
            won,
            moved_on_percent: share(moved_on, entered),
            still_active_percent: share(still_active, entered),
            lost_percent: share(lost, entered),
            won_percent: share(won, entered),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "pipeline_id": 1, "pipeline_name": "New business",
    "steps": [
        {
            "step_id": 1, "step_name": "Qualified", "entered": 40, "moved_on": 20,
            "still_active": 12, "lost": 8, "won": 0, "moved_on_percent": 50,
            "still_active_percent": 30, "lost_percent": 20, "won_percent": 0
        },
        {
            "step_id": 2, "step_name": "Demo", "entered": 20, "moved_on": 9, "still_active": 6,
            "lost": 4, "won": 1, "moved_on_percent": 45, "still_active_percent": 30,
            "lost_percent": 20, "won_percent": 5
        }
    ]
})))]
pub struct PipelineReport {
    pub pipeline_id: i32,
    pub pipeline_name: String,
    pub steps: Vec<StepRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "user_id": 2, "user_name": "Alice Martin", "leads_created": 14, "won": 3, "lost": 2,
    "cancelled": 1, "amount_won": "78000.00", "win_rate_percent": 50
})))]
pub struct TeamPerformanceRow {
    pub user_id: i32,
    pub user_name: String,
    pub leads_created: i64,
    pub won: i64,
    pub lost: i64,
    pub cancelled: i64,
    pub amount_won: String,
    /// won / (won + lost + cancelled), whole percent; none without a closing.
    pub win_rate_percent: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "rows": [
        {
            "user_id": 2, "user_name": "Alice Martin", "leads_created": 14, "won": 3, "lost": 2,
            "cancelled": 1, "amount_won": "78000.00", "win_rate_percent": 50
        }
    ]
})))]
pub struct TeamPerformanceReport {
    pub rows: Vec<TeamPerformanceRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "start": "2026-10-01", "end": "2026-10-31", "leads_created": 38, "leads_won": 4,
    "revenue_won": "96500.00"
})))]
pub struct CompanyRow {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub leads_created: i64,
    pub leads_won: i64,
    pub revenue_won: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(utoipa::ToSchema))]
#[cfg_attr(feature = "ssr", schema(example = json!({
    "group_by": "month",
    "rows": [
        {
            "start": "2026-10-01", "end": "2026-10-31", "leads_created": 38, "leads_won": 4,
            "revenue_won": "96500.00"
        },
        {
            "start": "2026-11-01", "end": "2026-11-30", "leads_created": 41, "leads_won": 3,
            "revenue_won": "78000.00"
        }
    ]
})))]
pub struct CompanyReport {
    pub group_by: PeriodKind,
    pub rows: Vec<CompanyRow>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportBody {
    TeamActivity(TeamActivityReport),
    ProspectingList(ListReport),
    PipelinePerformance(PipelineReport),
    TeamPerformance(TeamPerformanceReport),
    CompanyPerformance(CompanyReport),
}

/// A report as the page shows it: the range it covers, the query it answers (resolved: a
/// member's own id, the default pipeline or list), and its numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    pub kind: ReportKind,
    pub range: Period,
    pub query: ReportQuery,
    pub body: ReportBody,
}

/// The choices of a report page's filters (a member sees only themselves).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportChoices {
    pub pipelines: Vec<(i32, String)>,
    pub segments: Vec<(i32, String)>,
    pub users: Vec<(i32, String)>,
    pub lists: Vec<(i32, String)>,
    pub whole_team: bool,
}

/// A table as the page shows it and the CSV export writes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The sums under the rows (an empty cell where a sum means nothing).
    pub total: Option<Vec<String>>,
}

fn cents(text: &str) -> i64 {
    crate::domain::money::Amount::parse(text)
        .map(|a| a.cents())
        .unwrap_or(0)
}

fn money(cents: i64) -> String {
    crate::domain::money::decimal_string(cents)
}

fn percent_cell(value: Option<i64>) -> String {
    value
        .map(|p| format!("{p} %"))
        .unwrap_or_else(|| "—".into())
}

fn count_of(counts: &[ActivityCount], column: &ActivityColumn) -> i64 {
    counts
        .iter()
        .find(|c| c.type_id == column.type_id && c.outcome_id == column.outcome_id)
        .map_or(0, |c| c.count)
}

/// The activity columns' cells of one row.
fn activity_cells(columns: &[ActivityColumn], counts: &[ActivityCount]) -> Vec<String> {
    columns
        .iter()
        .map(|c| count_of(counts, c).to_string())
        .collect()
}

/// Column sums of `rows` for the cells at `summed` (the others left empty), `label` first.
fn sums(label: &str, rows: &[Vec<String>], summed: impl Fn(usize) -> bool) -> Vec<String> {
    let width = rows.first().map_or(0, Vec::len);
    (0..width)
        .map(|i| {
            if i == 0 {
                label.to_string()
            } else if summed(i) {
                let cents_sum: i64 = rows.iter().map(|r| cents(&r[i])).sum();
                if rows.iter().any(|r| r[i].contains('.')) {
                    money(cents_sum)
                } else {
                    (cents_sum / 100).to_string()
                }
            } else {
                String::new()
            }
        })
        .collect()
}

/// A table of people: each one's name, activity counts by column, then the `more` cells;
/// with the sums under the rows, but for the `more` column at `unsummed`.
fn people_table<'a>(
    title: String,
    columns: &[ActivityColumn],
    more: &[&str],
    rows: impl Iterator<Item = (&'a str, &'a [ActivityCount], Vec<String>)>,
    unsummed: Option<usize>,
) -> Table {
    let mut header = vec!["Person".to_string()];
    header.extend(columns.iter().map(|c| c.label.clone()));
    header.extend(more.iter().map(|m| m.to_string()));
    let rows: Vec<Vec<String>> = rows
        .map(|(name, counts, extra)| {
            let mut cells = vec![name.to_string()];
            cells.extend(activity_cells(columns, counts));
            cells.extend(extra);
            cells
        })
        .collect();
    let skipped = unsummed.map(|i| 1 + columns.len() + i);
    let total = (!rows.is_empty()).then(|| sums("Total", &rows, |i| Some(i) != skipped));
    Table {
        title,
        columns: header,
        rows,
        total,
    }
}

impl ReportView {
    /// The tables of the report, in the order the page shows them.
    pub fn tables(&self) -> Vec<Table> {
        match &self.body {
            ReportBody::TeamActivity(r) => vec![people_table(
                "Activities and results per person".into(),
                &r.columns,
                &[
                    "Activities",
                    "Leads created",
                    "Leads managed",
                    "Leads won",
                    "Revenue won",
                ],
                r.rows.iter().map(|row| {
                    let more = vec![
                        row.activities_total.to_string(),
                        row.leads_created.to_string(),
                        row.leads_managed.to_string(),
                        row.leads_won.to_string(),
                        row.revenue_won.clone(),
                    ];
                    (row.user_name.as_str(), row.activities.as_slice(), more)
                }),
                // Leads managed do not add up (two people may work the same lead).
                Some(2),
            )],
            ReportBody::ProspectingList(r) => vec![
                people_table(
                    format!("Prospects of {}", r.list_name),
                    &r.prospect_columns,
                    &["Activities", "Converted to leads"],
                    r.prospect_rows.iter().map(|row| {
                        let more =
                            vec![row.activities_total.to_string(), row.converted.to_string()];
                        (row.user_name.as_str(), row.activities.as_slice(), more)
                    }),
                    None,
                ),
                people_table(
                    format!("Leads created from {}", r.list_name),
                    &r.lead_columns,
                    &["Activities", "Won", "Lost or cancelled", "Revenue won"],
                    r.lead_rows.iter().map(|row| {
                        let more = vec![
                            row.activities_total.to_string(),
                            row.won.to_string(),
                            row.lost.to_string(),
                            row.revenue_won.clone(),
                        ];
                        (row.user_name.as_str(), row.activities.as_slice(), more)
                    }),
                    None,
                ),
            ],
            ReportBody::PipelinePerformance(r) => {
                let columns = [
                    "Step",
                    "Entered",
                    "Moved on",
                    "Moved on %",
                    "Still active",
                    "Still active %",
                    "Lost or cancelled",
                    "Lost or cancelled %",
                    "Won",
                    "Won %",
                ]
                .map(String::from)
                .to_vec();
                let rows = r
                    .steps
                    .iter()
                    .map(|s| {
                        vec![
                            s.step_name.clone(),
                            s.entered.to_string(),
                            s.moved_on.to_string(),
                            percent_cell(s.moved_on_percent),
                            s.still_active.to_string(),
                            percent_cell(s.still_active_percent),
                            s.lost.to_string(),
                            percent_cell(s.lost_percent),
                            s.won.to_string(),
                            percent_cell(s.won_percent),
                        ]
                    })
                    .collect();
                vec![Table {
                    title: format!(
                        "{}: what became of the leads that entered each step",
                        r.pipeline_name
                    ),
                    columns,
                    rows,
                    total: None,
                }]
            }
            ReportBody::TeamPerformance(r) => {
                let columns = [
                    "Person",
                    "Leads created",
                    "Won",
                    "Lost",
                    "Cancelled",
                    "Amount won",
                    "Win rate",
                ]
                .map(String::from)
                .to_vec();
                let rows: Vec<Vec<String>> = r
                    .rows
                    .iter()
                    .map(|row| {
                        vec![
                            row.user_name.clone(),
                            row.leads_created.to_string(),
                            row.won.to_string(),
                            row.lost.to_string(),
                            row.cancelled.to_string(),
                            row.amount_won.clone(),
                            percent_cell(row.win_rate_percent),
                        ]
                    })
                    .collect();
                let mut total = (!rows.is_empty()).then(|| sums("Total", &rows, |i| i < 6));
                if let Some(total) = &mut total {
                    let [won, lost, cancelled] =
                        [2, 3, 4].map(|i| total[i].parse::<i64>().unwrap_or(0));
                    total[6] = percent_cell(share(won, won + lost + cancelled));
                }
                vec![Table {
                    title: "Results per owner".into(),
                    columns,
                    rows,
                    total,
                }]
            }
            ReportBody::CompanyPerformance(r) => {
                let first = match r.group_by {
                    PeriodKind::Day => "Day",
                    PeriodKind::Week => "Week",
                    _ => "Month",
                };
                let columns = [first, "Leads created", "Leads won", "Revenue won"]
                    .map(String::from)
                    .to_vec();
                let rows: Vec<Vec<String>> = r
                    .rows
                    .iter()
                    .map(|row| {
                        vec![
                            Period {
                                start: row.start,
                                end: row.end,
                            }
                            .label(),
                            row.leads_created.to_string(),
                            row.leads_won.to_string(),
                            row.revenue_won.clone(),
                        ]
                    })
                    .collect();
                let total = (!rows.is_empty()).then(|| sums("Total", &rows, |_| true));
                vec![Table {
                    title: format!("Per {}", first.to_lowercase()),
                    columns,
                    rows,
                    total,
                }]
            }
        }
    }
}

/// One report for the page: members get the report about themselves.
#[server(endpoint = "report", input = Json)]
pub async fn report(kind: ReportKind, query: ReportQuery) -> Result<ReportView, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, reports, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewReports).await?;
            reports::run(&state()?.db, &actor, kind, query, chrono::Utc::now()).await
        }
        .await,
    )
}

/// The choices of the report pages' filters.
#[server(endpoint = "report_options")]
pub async fn report_options() -> Result<ReportChoices, AppError> {
    use crate::domain::Action;
    use crate::server::{authorize, reports, respond, state};
    respond(
        async {
            let actor = authorize(Action::ViewReports).await?;
            reports::choices(&state()?.db, &actor).await
        }
        .await,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn view(body: ReportBody) -> ReportView {
        let day = NaiveDate::from_ymd_opt(2026, 11, 2).unwrap();
        ReportView {
            kind: ReportKind::TeamPerformance,
            range: Period {
                start: day,
                end: day,
            },
            query: ReportQuery::default(),
            body,
        }
    }

    #[test]
    fn team_performance_totals_recompute_the_win_rate() {
        let row = |id, won, lost, amount: &str| TeamPerformanceRow {
            user_id: id,
            user_name: format!("P{id}"),
            leads_created: 1,
            won,
            lost,
            cancelled: 0,
            amount_won: amount.into(),
            win_rate_percent: share(won, won + lost),
        };
        let tables = view(ReportBody::TeamPerformance(TeamPerformanceReport {
            rows: vec![row(1, 1, 0, "10.50"), row(2, 0, 2, "0.00")],
        }))
        .tables();
        let total = tables[0].total.clone().unwrap();
        assert_eq!(total, vec!["Total", "2", "1", "2", "0", "10.50", "33 %"]);
        assert_eq!(tables[0].rows[1][6], "0 %");
    }

    #[test]
    fn activity_columns_are_filled_with_zeros_and_managed_is_not_summed() {
        let columns = vec![
            ActivityColumn {
                type_id: 1,
                outcome_id: None,
                label: "Call · no outcome".into(),
            },
            ActivityColumn {
                type_id: 1,
                outcome_id: Some(2),
                label: "Call · Answered".into(),
            },
        ];
        let row = |id, counts: Vec<ActivityCount>| TeamActivityRow {
            user_id: id,
            user_name: format!("P{id}"),
            activities_total: counts.iter().map(|c| c.count).sum(),
            activities: counts,
            leads_created: 1,
            leads_managed: 2,
            leads_won: 0,
            revenue_won: "0.00".into(),
        };
        let tables = view(ReportBody::TeamActivity(TeamActivityReport {
            columns,
            rows: vec![
                row(
                    1,
                    vec![ActivityCount {
                        type_id: 1,
                        outcome_id: Some(2),
                        count: 3,
                    }],
                ),
                row(2, vec![]),
            ],
        }))
        .tables();
        assert_eq!(tables[0].rows[0][1..4], ["0", "3", "3"]);
        assert_eq!(tables[0].rows[1][1..4], ["0", "0", "0"]);
        let total = tables[0].total.clone().unwrap();
        assert_eq!(total[3], "3");
        assert_eq!(total[5], "", "leads managed has no sum");
        assert_eq!(total[7], "0.00");
    }
}
