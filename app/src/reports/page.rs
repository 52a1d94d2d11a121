//! The report pages: `/reports/{kind}` with the range and the filters in the URL, a chart
//! and the tables, and the CSV of those tables.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;

use super::api::{report, report_options, ReportChoices, ReportQuery, ReportView, Table};
use crate::components::layout::RequireUser;
use crate::domain::report::{RangePreset, ReportKind};
use crate::error::AppError;

/// `/reports`: the first report.
#[component]
pub fn ReportsIndex() -> impl IntoView {
    view! { <Redirect path="/reports/team-activity" /> }
}

fn number(text: Option<String>) -> Option<i32> {
    text.and_then(|t| t.parse().ok())
}

/// The page's URL for a report and query (empty fields left out).
fn page_url(kind: ReportKind, q: &ReportQuery) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut push = |key: &str, value: String| {
        if !value.is_empty() {
            parts.push(format!("{key}={value}"));
        }
    };
    push("range", q.range.clone());
    if q.range == "custom" {
        push("from", q.from.clone());
        push("to", q.to.clone());
    }
    let id = |v: Option<i32>| v.map(|v| v.to_string()).unwrap_or_default();
    push("pipeline", id(q.pipeline_id));
    push("segment", id(q.segment_id));
    push("user", id(q.user_id));
    push("list", id(q.list_id));
    push("by", q.group_by.clone());
    let path = format!("/reports/{}", kind.slug());
    if parts.is_empty() {
        path
    } else {
        format!("{path}?{}", parts.join("&"))
    }
}

/// The API's CSV of the report as shown (resolved dates and filters).
fn csv_url(view: &ReportView) -> String {
    let q = &view.query;
    let path = match view.kind {
        ReportKind::TeamActivity => "team-activity".to_string(),
        ReportKind::ProspectingList => {
            format!("prospecting-lists/{}", q.list_id.unwrap_or_default())
        }
        ReportKind::PipelinePerformance => "pipeline-performance".into(),
        ReportKind::TeamPerformance => "team-performance".into(),
        ReportKind::CompanyPerformance => "company-performance".into(),
    };
    let mut url = format!(
        "/api/v1/reports/{path}?from={}&to={}&format=csv",
        view.range.start, view.range.end
    );
    for (key, value) in [
        ("pipeline_id", q.pipeline_id),
        ("segment_id", q.segment_id),
        ("user_id", q.user_id),
    ] {
        if let Some(value) = value {
            url.push_str(&format!("&{key}={value}"));
        }
    }
    if !q.group_by.is_empty() {
        url.push_str(&format!("&group_by={}", q.group_by));
    }
    url
}

#[component]
pub fn ReportPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let kind = Memo::new(move |_| {
        params
            .with(|p| p.get("kind"))
            .and_then(|slug| ReportKind::parse(&slug))
            .unwrap_or(ReportKind::TeamActivity)
    });
    let asked = Memo::new(move |_| {
        query.with(|q| ReportQuery {
            range: q.get("range").unwrap_or_default(),
            from: q.get("from").unwrap_or_default(),
            to: q.get("to").unwrap_or_default(),
            pipeline_id: number(q.get("pipeline")),
            segment_id: number(q.get("segment")),
            user_id: number(q.get("user")),
            list_id: number(q.get("list")),
            group_by: q.get("by").unwrap_or_default(),
        })
    });
    let data = Resource::new(
        move || (kind.get(), asked.get()),
        |(kind, query)| report(kind, query),
    );
    let choices = Resource::new(|| (), |_| report_options());
    view! {
        <Title text=move || format!("{} · Reports", kind.get().label()) />
        <RequireUser>
            <ReportScreen kind data choices />
        </RequireUser>
    }
}

#[component]
fn ReportScreen(
    kind: Memo<ReportKind>,
    data: Resource<Result<ReportView, AppError>>,
    choices: Resource<Result<ReportChoices, AppError>>,
) -> impl IntoView {
    let tabs =
        move || {
            ReportKind::ALL
            .into_iter()
            .map(|k| {
                let class = if k == kind.get() { "tab current" } else { "tab" };
                view! { <A href=format!("/reports/{}", k.slug()) attr:class=class>{k.label()}</A> }
            })
            .collect_view()
        };
    view! {
        <div class="page-head">
            <h1>"Reports"</h1>
        </div>
        <nav class="tabs" aria-label="Report">{tabs}</nav>
        <Transition fallback=|| view! { <p class="muted">"Counting…"</p> }>
            {move || Suspend::new(async move {
                let choices = choices.await;
                match (data.await, choices) {
                    (Ok(view), Ok(choices)) => view! { <ReportContent view choices /> }.into_any(),
                    (Err(error), _) | (_, Err(error)) => view! {
                        <Controls view=None choices=ReportChoices::default() kind=kind.get_untracked() />
                        <p class="form-error" role="alert">{error.to_string()}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The range and filter controls: each change goes to the URL, and the report follows.
#[component]
fn Controls(view: Option<ReportView>, choices: ReportChoices, kind: ReportKind) -> impl IntoView {
    let navigate = use_navigate();
    let current = view.as_ref().map(|v| v.query.clone()).unwrap_or_default();
    let filters = kind.filters();
    // A change sets `wanted`; an effect (run in the browser only) navigates. The navigate
    // function is not `Send`: kept in thread-local storage it would be dropped on another
    // of the server's threads after rendering, which panics (an empty response).
    let wanted = RwSignal::new(None::<ReportQuery>);
    Effect::new(move || {
        if let Some(next) = wanted.get() {
            navigate(&page_url(kind, &next), NavigateOptions::default());
        }
    });
    let base = StoredValue::new(current.clone());
    let go = move |change: &dyn Fn(&mut ReportQuery)| {
        let mut next = base.get_value();
        change(&mut next);
        wanted.set(Some(next));
    };
    let custom = current.range == "custom";
    let preset_options = RangePreset::ALL
        .into_iter()
        .map(|p| {
            view! { <option value=p.as_str() selected=current.range == p.as_str()>{p.label()}</option> }
        })
        .collect_view();
    let select = |label: &'static str,
                  name: &'static str,
                  all: Option<&'static str>,
                  items: Vec<(i32, String)>,
                  chosen: Option<i32>,
                  set: fn(&mut ReportQuery, Option<i32>)| {
        let options = items
            .into_iter()
            .map(
                |(id, text)| view! { <option value=id selected=chosen == Some(id)>{text}</option> },
            )
            .collect_view();
        view! {
            <label class="field inline">
                <span>{label}</span>
                <select name=name on:change=move |ev| {
                    let value = event_target_value(&ev).parse().ok();
                    go(&|q: &mut ReportQuery| set(q, value));
                }>
                    {all.map(|text| view! { <option value="" selected=chosen.is_none()>{text}</option> })}
                    {options}
                </select>
            </label>
        }
    };
    let (from, to) = (current.from.clone(), current.to.clone());
    view! {
        <form class="report-controls" on:submit=|ev| ev.prevent_default()>
            <label class="field inline">
                <span>"Range"</span>
                <select name="range" on:change=move |ev| {
                    let value = event_target_value(&ev);
                    go(&|q: &mut ReportQuery| q.range = value.clone());
                }>
                    {preset_options}
                    <option value="custom" selected=custom>"Custom…"</option>
                </select>
            </label>
            {custom.then(|| {
                let date = move |name: &'static str, label: &'static str, value: String| view! {
                    <label class="field inline">
                        <span>{label}</span>
                        <input type="date" name=name value=value on:change=move |ev| {
                            let value = event_target_value(&ev);
                            if !value.is_empty() {
                                go(&|q: &mut ReportQuery| {
                                    if name == "from" { q.from = value.clone() } else { q.to = value.clone() }
                                });
                            }
                        } />
                    </label>
                };
                view! { {date("from", "From", from.clone())} {date("to", "To", to.clone())} }
            })}
            {filters.list.then(|| select("List", "list", None, choices.lists.clone(), current.list_id, |q, v| q.list_id = v))}
            {filters.pipeline.then(|| {
                let all = (kind != ReportKind::PipelinePerformance).then_some("All pipelines");
                select("Pipeline", "pipeline", all, choices.pipelines.clone(), current.pipeline_id, |q, v| q.pipeline_id = v)
            })}
            {(filters.segment && choices.whole_team).then(|| select("Segment", "segment", Some("All segments"), choices.segments.clone(), current.segment_id, |q, v| q.segment_id = v))}
            {(filters.user && choices.whole_team).then(|| select("Person", "user", Some("Everyone"), choices.users.clone(), current.user_id, |q, v| q.user_id = v))}
            {filters.group_by.then(|| {
                let by = current.group_by.clone();
                view! {
                    <label class="field inline">
                        <span>"Per"</span>
                        <select name="by" on:change=move |ev| {
                            let value = event_target_value(&ev);
                            go(&|q: &mut ReportQuery| q.group_by = value.clone());
                        }>
                            {["day", "week", "month"].map(|b| view! { <option value=b selected=by == b>{b}</option> }).collect_view()}
                        </select>
                    </label>
                }
            })}
        </form>
    }
}

#[component]
fn ReportContent(view: ReportView, choices: ReportChoices) -> impl IntoView {
    let kind = view.kind;
    let tables = view.tables();
    let csv = csv_url(&view);
    let scope_note = (!choices.whole_team).then(|| {
        view! { <p class="muted small">"These are your own numbers; managers see the whole team."</p> }
    });
    let empty = tables.iter().all(|t| t.rows.is_empty());
    view! {
        <Controls view=Some(view.clone()) choices kind />
        <div class="report-summary">
            <p class="muted">{view.range.label()}</p>
            <a class="button secondary small" href=csv download rel="external">"Export CSV"</a>
        </div>
        {scope_note}
        {(!empty).then(|| view! { <ReportChart view=view.clone() /> })}
        {if empty {
            view! { <p class="muted empty">"Nothing happened in this range yet. Try a longer range."</p> }.into_any()
        } else {
            tables.into_iter().map(|t| view! { <ReportTable table=t /> }).collect_view().into_any()
        }}
    }
}

#[component]
fn ReportTable(table: Table) -> impl IntoView {
    let head = table
        .columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let class = if i == 0 { "" } else { "num" };
            view! { <th scope="col" class=class>{c.clone()}</th> }
        })
        .collect_view();
    let cells = |row: Vec<String>| {
        row.into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    view! { <th scope="row">{c}</th> }.into_any()
                } else {
                    view! { <td class="num">{c}</td> }.into_any()
                }
            })
            .collect_view()
    };
    let none = table
        .rows
        .is_empty()
        .then(|| view! { <p class="muted small">"Nothing to count here in this range."</p> });
    let rows = table
        .rows
        .into_iter()
        .map(|row| view! { <tr>{cells(row)}</tr> })
        .collect_view();
    let total = table
        .total
        .map(|row| view! { <tfoot><tr class="total">{cells(row)}</tr></tfoot> });
    view! {
        <section class="card report-table">
            <h2>{table.title}</h2>
            <div class="table-scroll">
                <table class="data">
                    <thead><tr>{head}</tr></thead>
                    <tbody>{rows}</tbody>
                    {total}
                </table>
            </div>
            {none}
        </section>
    }
}

/// The report's chart: drawn in the browser by ECharts (loaded on the report pages only).
#[component]
fn ReportChart(view: ReportView) -> impl IntoView {
    let id = format!("report-chart-{}", view.kind.slug());
    #[cfg(feature = "hydrate")]
    {
        let id = id.clone();
        Effect::new(move || super::chart::draw(&id, &view));
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = view;
    view! { <div class="card report-chart" id=id role="img" aria-label="Chart of the report"></div> }
}
