//! The report charts, built with charming and drawn by ECharts in the browser. The ECharts
//! script (vendored from npm into the site) is loaded the first time a report page needs it.

use charming::component::{Axis, Legend};
use charming::element::{AxisType, ItemStyle, Tooltip, Trigger};
use charming::series::{Bar, Funnel, Line};
use charming::{Chart, WasmRenderer};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

use super::api::{ActivityColumn, ActivityCount, ReportBody, ReportView};
use crate::domain::period::Period;

const SCRIPT: &str = "/vendor/echarts.min.js";

/// Activity counts per type (outcomes added up), in the columns' type order.
fn per_type(columns: &[ActivityColumn]) -> Vec<(i32, String)> {
    let mut types: Vec<(i32, String)> = Vec::new();
    for c in columns {
        if !types.iter().any(|(id, _)| *id == c.type_id) {
            let name = c.label.split(" · ").next().unwrap_or_default().to_string();
            types.push((c.type_id, name));
        }
    }
    types
}

fn of_type(counts: &[ActivityCount], type_id: i32) -> i64 {
    counts
        .iter()
        .filter(|c| c.type_id == type_id)
        .map(|c| c.count)
        .sum()
}

fn amount(text: &str) -> f64 {
    text.parse().unwrap_or(0.0)
}

fn base(names: Vec<String>) -> Chart {
    Chart::new()
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top("bottom"))
        .x_axis(Axis::new().type_(AxisType::Category).data(names))
}

/// Stacked bars of activities by type per person, with a line of a second count.
fn people_chart(
    names: Vec<String>,
    columns: &[ActivityColumn],
    counts: Vec<&[ActivityCount]>,
    line_name: &str,
    line: Vec<i64>,
) -> Chart {
    let mut chart = base(names)
        .y_axis(Axis::new().type_(AxisType::Value).name("Activities"))
        .y_axis(Axis::new().type_(AxisType::Value).name(line_name));
    for (type_id, name) in per_type(columns) {
        let data: Vec<i64> = counts.iter().map(|c| of_type(c, type_id)).collect();
        chart = chart.series(Bar::new().name(name).stack("activities").data(data));
    }
    chart.series(Line::new().name(line_name).y_axis_index(1).data(line))
}

fn chart_of(view: &ReportView) -> Chart {
    match &view.body {
        ReportBody::TeamActivity(r) => people_chart(
            r.rows.iter().map(|x| x.user_name.clone()).collect(),
            &r.columns,
            r.rows.iter().map(|x| x.activities.as_slice()).collect(),
            "Leads created",
            r.rows.iter().map(|x| x.leads_created).collect(),
        ),
        ReportBody::ProspectingList(r) => people_chart(
            r.prospect_rows
                .iter()
                .map(|x| x.user_name.clone())
                .collect(),
            &r.prospect_columns,
            r.prospect_rows
                .iter()
                .map(|x| x.activities.as_slice())
                .collect(),
            "Converted to leads",
            r.prospect_rows.iter().map(|x| x.converted).collect(),
        ),
        ReportBody::PipelinePerformance(r) => Chart::new()
            .tooltip(Tooltip::new().trigger(Trigger::Item))
            .legend(Legend::new().top("bottom"))
            .series(
                Funnel::new()
                    .name("Entered")
                    .sort(charming::element::Sort::None)
                    .data(
                        r.steps
                            .iter()
                            .map(|s| (s.entered as f64, s.step_name.as_str()))
                            .collect(),
                    ),
            ),
        ReportBody::TeamPerformance(r) => {
            let mut chart = base(r.rows.iter().map(|x| x.user_name.clone()).collect())
                .y_axis(Axis::new().type_(AxisType::Value).name("Leads"));
            // Won green, lost red, cancelled grey, as on the board.
            let series = [
                ("Won", "#16a34a"),
                ("Lost", "#dc2626"),
                ("Cancelled", "#9ca3af"),
            ];
            for (i, (name, colour)) in series.into_iter().enumerate() {
                let data: Vec<i64> = r
                    .rows
                    .iter()
                    .map(|x| [x.won, x.lost, x.cancelled][i])
                    .collect();
                chart = chart.series(
                    Bar::new()
                        .name(name)
                        .stack("closed")
                        .item_style(ItemStyle::new().color(colour))
                        .data(data),
                );
            }
            chart
        }
        ReportBody::CompanyPerformance(r) => base(
            r.rows
                .iter()
                .map(|x| {
                    Period {
                        start: x.start,
                        end: x.end,
                    }
                    .label()
                })
                .collect(),
        )
        .y_axis(Axis::new().type_(AxisType::Value).name("Leads"))
        .y_axis(Axis::new().type_(AxisType::Value).name("Revenue"))
        .series(
            Bar::new()
                .name("Leads created")
                .data(r.rows.iter().map(|x| x.leads_created).collect::<Vec<i64>>()),
        )
        .series(
            Bar::new()
                .name("Leads won")
                .data(r.rows.iter().map(|x| x.leads_won).collect::<Vec<i64>>()),
        )
        .series(
            Line::new().name("Revenue won").y_axis_index(1).data(
                r.rows
                    .iter()
                    .map(|x| amount(&x.revenue_won))
                    .collect::<Vec<f64>>(),
            ),
        ),
    }
}

fn echarts_loaded() -> bool {
    web_sys::window()
        .and_then(|w| web_sys::js_sys::Reflect::get(&w, &JsValue::from_str("echarts")).ok())
        .is_some_and(|v| !v.is_undefined())
}

/// Runs `then` once the ECharts script is there, adding it to the page if needed.
fn with_echarts(then: impl FnOnce() + 'static) {
    if echarts_loaded() {
        then();
        return;
    }
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let script = match document.query_selector(&format!("script[src=\"{SCRIPT}\"]")) {
        Ok(Some(existing)) => existing,
        _ => {
            let Ok(script) = document.create_element("script") else {
                return;
            };
            let _ = script.set_attribute("src", SCRIPT);
            if let Some(head) = document.head() {
                let _ = head.append_child(&script);
            }
            script
        }
    };
    let callback = Closure::once_into_js(then);
    let _ = script.add_event_listener_with_callback("load", callback.unchecked_ref());
}

/// Draws the report's chart into the element `id`.
pub fn draw(id: &str, view: &ReportView) {
    let chart = chart_of(view);
    let id = id.to_string();
    with_echarts(move || {
        if let Err(error) = WasmRenderer::new_opt(None, None).render(&id, &chart) {
            leptos::logging::warn!("chart not drawn: {error:?}");
        }
    });
}
