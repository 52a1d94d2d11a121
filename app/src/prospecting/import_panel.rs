//! Importing a CSV file into a list: pick a file, check the detected delimiter and the preview,
//! map each CSV column, then upload (the browser streams the file; a progress bar follows the
//! upload, then the server's reading) with cancel; rejected lines are listed by line number.

use leptos::prelude::*;

use super::api::{decide_import, import_status, preview_import, ImportView, Preview};
use crate::domain::prospecting::{ColumnKind, Target};
use crate::domain::text::counted;

/// Bytes of the file read for the preview.
#[cfg(feature = "hydrate")]
const SAMPLE: f64 = 64.0 * 1024.0;

/// Where the import stands in this page (reading, uploading: in the browser only). Kept by the
/// page, so that the sheet's reload (when an import finishes, or rows are assigned) leaves the
/// import's result, its rejected lines or an upload in progress on screen.
#[derive(Clone, Debug, Default, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub enum Stage {
    #[default]
    Idle,
    Previewing,
    Mapping(Preview),
    Uploading(f64),
    Following(ImportView),
}

#[component]
pub fn ImportPanel(
    list_id: i32,
    open: Option<ImportView>,
    refresh: RwSignal<u32>,
    stage: RwSignal<Stage>,
) -> impl IntoView {
    // An import still open on the server is followed, unless this page is already busy with a
    // new file.
    if let Some(import) = open {
        let busy = matches!(
            stage.get_untracked(),
            Stage::Previewing | Stage::Mapping(_) | Stage::Uploading(_)
        );
        if !busy {
            stage.set(Stage::Following(import));
        }
    }
    let error = RwSignal::new(None::<String>);
    let good_rows_only = RwSignal::new(false);
    let mapping = RwSignal::new(Vec::<Target>::new());
    let file_input = NodeRef::<leptos::html::Input>::new();
    let sample_text = StoredValue::new(String::new());

    let preview = Action::new(move |(sample, delimiter): &(String, String)| {
        let (sample, delimiter) = (sample.clone(), delimiter.clone());
        async move { preview_import(list_id, sample, delimiter).await }
    });
    Effect::new(move || {
        if let Some(result) = preview.value().get() {
            match result {
                Ok(p) => {
                    mapping.set(p.mapping.clone());
                    error.set(None);
                    stage.set(Stage::Mapping(p));
                }
                Err(e) => {
                    error.set(Some(e.summary()));
                    stage.set(Stage::Idle);
                }
            }
        }
    });
    let decide = Action::new(move |(id, decision): &(i32, String)| {
        let (id, decision) = (*id, decision.clone());
        async move { decide_import(id, decision).await }
    });
    Effect::new(move || {
        if let Some(result) = decide.value().get() {
            match result {
                Ok(import) => {
                    let finished = !import.is_open();
                    stage.set(Stage::Following(import));
                    if finished {
                        refresh.update(|n| *n += 1);
                    }
                }
                Err(e) => error.set(Some(e.summary())),
            }
        }
    });
    // While an import runs, its progress is read every half second.
    let poll = Action::new(move |id: &i32| {
        let id = *id;
        async move { import_status(id).await }
    });
    Effect::new(move || {
        if let Some(Ok(import)) = poll.value().get() {
            let was_running =
                matches!(stage.get_untracked(), Stage::Following(ref i) if i.is_open());
            let done = import.status == "done";
            stage.set(Stage::Following(import));
            if was_running && done {
                refresh.update(|n| *n += 1);
            }
        }
    });
    #[cfg(feature = "hydrate")]
    {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                if let Stage::Following(import) = stage.get_untracked() {
                    if matches!(
                        import.status.as_str(),
                        "running" | "cancelling" | "uploading"
                    ) && !poll.pending().get_untracked()
                    {
                        poll.dispatch(import.id);
                    }
                }
            },
            std::time::Duration::from_millis(500),
        ) {
            on_cleanup(move || handle.clear());
        }
    }

    let on_file = move |_| {
        error.set(None);
        #[cfg(feature = "hydrate")]
        if let Some(file) = picked_file(file_input) {
            stage.set(Stage::Previewing);
            read_sample(file, move |text| {
                sample_text.set_value(text.clone());
                preview.dispatch((text, String::new()));
            });
        }
    };
    let start = move |_| {
        #[cfg(feature = "hydrate")]
        {
            let Some(file) = picked_file(file_input) else {
                error.set(Some("Choose a CSV file first.".into()));
                return;
            };
            let delimiter = match stage.get_untracked() {
                Stage::Mapping(p) => p.delimiter,
                _ => String::new(),
            };
            upload(
                list_id,
                file,
                &delimiter,
                &mapping.get_untracked(),
                good_rows_only.get_untracked(),
                stage,
                error,
            );
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = (good_rows_only, mapping);
    };

    view! {
        <details class="card import-panel" open=matches!(stage.get_untracked(), Stage::Following(_))>
            <summary>"Import a CSV file"</summary>
            <div class="import-body">
                <div class="field">
                    <label for="import-file">"CSV file (UTF-8; comma, semicolon or tab separated)"</label>
                    <input id="import-file" type="file" accept=".csv,.tsv,.txt,text/csv" node_ref=file_input on:change=on_file />
                </div>
                {move || error.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                {move || match stage.get() {
                    Stage::Idle => ().into_any(),
                    Stage::Previewing => view! { <p class="muted">"Reading the start of the file…"</p> }.into_any(),
                    Stage::Mapping(p) => view! {
                        <MappingStep preview=p mapping good_rows_only on_delimiter=move |d: String| {
                            preview.dispatch((sample_text.get_value(), d));
                        } />
                        <div class="form-actions">
                            <button class="button primary" on:click=start>"Import"</button>
                        </div>
                    }.into_any(),
                    Stage::Uploading(fraction) => view! {
                        <Progress fraction label="Uploading".to_string() />
                    }.into_any(),
                    Stage::Following(import) => view! {
                        <Following import on_decide=move |(id, d): (i32, &'static str)| { decide.dispatch((id, d.to_string())); } />
                    }.into_any(),
                }}
            </div>
        </details>
    }
}

#[component]
fn Progress(fraction: f64, label: String) -> impl IntoView {
    let percent = (fraction * 100.0).clamp(0.0, 100.0).round() as u32;
    view! {
        <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax="100" aria-valuenow=percent aria-label=label.clone()>
            <div class="progress-bar" style=format!("width:{percent}%")></div>
        </div>
        <p class="muted">{format!("{label}: {percent}%")}</p>
    }
}

#[component]
fn MappingStep(
    preview: Preview,
    mapping: RwSignal<Vec<Target>>,
    good_rows_only: RwSignal<bool>,
    on_delimiter: impl Fn(String) + 'static,
) -> impl IntoView {
    let delimiter = preview.delimiter.clone();
    view! {
        <div class="field">
            <label for="import-delimiter">"Separator"</label>
            <select id="import-delimiter" on:change=move |ev| on_delimiter(event_target_value(&ev))>
                <option value="," selected=delimiter == ",">"Comma"</option>
                <option value=";" selected=delimiter == ";">"Semicolon"</option>
                <option value="\t" selected=delimiter == "\t">"Tab"</option>
            </select>
        </div>
        <div class="table-wrap">
            <table class="table preview">
                <thead>
                    <tr>{preview.headers.iter().map(|h| view! { <th>{h.clone()}</th> }).collect_view()}</tr>
                    <tr>
                        {preview.headers.iter().enumerate().map(|(i, h)| view! { <th><TargetPicker index=i header=h.clone() columns=preview.columns.clone() mapping /></th> }).collect_view()}
                    </tr>
                </thead>
                <tbody>
                    {preview.rows.iter().map(|row| view! {
                        <tr>{row.iter().map(|c| view! { <td>{c.clone()}</td> }).collect_view()}</tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
        <label class="inline-check">
            <input type="checkbox" prop:checked=move || good_rows_only.get() on:change=move |ev| good_rows_only.set(event_target_checked(&ev)) />
            " Import the good rows even if some are rejected (otherwise: nothing until you decide)"
        </label>
    }
}

/// Where one CSV column goes: skipped, a column of the list (as suggested), or a new column of
/// a kind.
#[component]
fn TargetPicker(
    index: usize,
    header: String,
    columns: Vec<(i32, String)>,
    mapping: RwSignal<Vec<Target>>,
) -> impl IntoView {
    let current = mapping.with_untracked(|m| m.get(index).cloned().unwrap_or(Target::Skip));
    let value_of = |t: &Target| match t {
        Target::Skip => "skip".to_string(),
        Target::Column(id) => format!("col:{id}"),
        Target::New { kind, .. } => format!("new:{}", kind.as_str()),
    };
    let selected = value_of(&current);
    let label = format!("Import \"{header}\" as");
    view! {
        <select aria-label=label on:change=move |ev| {
            let value = event_target_value(&ev);
            let target = if let Some(id) = value.strip_prefix("col:").and_then(|v| v.parse().ok()) {
                Target::Column(id)
            } else if let Some(kind) = value.strip_prefix("new:").and_then(|k| ColumnKind::parse(k).ok()) {
                Target::New { name: header.trim().to_string(), kind }
            } else {
                Target::Skip
            };
            mapping.update(|m| if let Some(slot) = m.get_mut(index) { *slot = target; });
        }>
            <option value="skip" selected=selected == "skip">"Skip"</option>
            {columns.iter().map(|(id, name)| {
                let value = format!("col:{id}");
                let is = selected == value;
                view! { <option value=value selected=is>{format!("Into {name}")}</option> }
            }).collect_view()}
            {ColumnKind::ALL.iter().map(|k| {
                let value = format!("new:{}", k.as_str());
                let is = selected == value;
                view! { <option value=value selected=is>{format!("New column: {}", k.label())}</option> }
            }).collect_view()}
        </select>
    }
}

#[component]
fn Following(
    import: ImportView,
    on_decide: impl Fn((i32, &'static str)) + Clone + 'static,
) -> impl IntoView {
    let id = import.id;
    let fraction = f64::from(import.percent()) / 100.0;
    let counts = format!(
        "{} read, {} rejected",
        counted(import.rows_ok + import.rows_bad, "row", "rows"),
        import.rows_bad
    );
    let (cancel, accept, discard) = (on_decide.clone(), on_decide.clone(), on_decide);
    let errors = import.errors.clone();
    let has_errors = import.rows_bad > 0;
    let good = import.rows_ok;
    view! {
        <div class="import-status" data-status=import.status.clone()>
            {match import.status.as_str() {
                "uploading" | "running" | "cancelling" => view! {
                    <Progress fraction label=if import.status == "cancelling" { "Cancelling".to_string() } else { "Importing".to_string() } />
                    <p>{counts.clone()}</p>
                    <button class="button secondary small" on:click=move |_| cancel((id, "cancel"))>"Cancel import"</button>
                }.into_any(),
                "review" => view! {
                    <p class="form-error" role="alert">{format!("Rejected: {}. Nothing is imported yet.", counted(import.rows_bad, "row", "rows"))}</p>
                    <div class="form-actions">
                        <button class="button primary" on:click=move |_| accept((id, "accept"))>{format!("Import the good rows ({})", counted(good, "row", "rows"))}</button>
                        <button class="button secondary" on:click=move |_| discard((id, "discard"))>"Discard the import"</button>
                    </div>
                }.into_any(),
                "done" => view! { <p class="ok" role="status">{format!("Imported {} ({} rejected).", counted(import.rows_ok, "row", "rows"), import.rows_bad)}</p> }.into_any(),
                "cancelled" => view! { <p class="muted" role="status">{import.message.clone()}</p> }.into_any(),
                _ => view! { <p class="form-error" role="alert">{format!("Import failed: {}", import.message)}</p> }.into_any(),
            }}
            {has_errors.then(|| view! {
                <h3>"Rejected lines"</h3>
                <ul class="import-errors">
                    {errors.iter().map(|e| view! { <li><strong>{format!("Line {}", e.line)}</strong>": "{e.reason.clone()}</li> }).collect_view()}
                </ul>
                <a class="button secondary small" href=format!("/api/v1/imports/{id}/errors.csv") download="">"Download all rejected lines (CSV)"</a>
            })}
        </div>
    }
}

#[cfg(feature = "hydrate")]
fn picked_file(input: NodeRef<leptos::html::Input>) -> Option<web_sys::File> {
    input.get_untracked()?.files()?.get(0)
}

/// Reads the first bytes of `file` as text (a cut character at the end is dropped).
#[cfg(feature = "hydrate")]
fn read_sample(file: web_sys::File, done: impl Fn(String) + 'static) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let Ok(blob) = file.slice_with_f64_and_f64(0.0, SAMPLE) else {
        return;
    };
    let Ok(reader) = web_sys::FileReader::new() else {
        return;
    };
    let for_load = reader.clone();
    let onload = Closure::<dyn FnMut()>::new(move || {
        let text = for_load
            .result()
            .ok()
            .and_then(|v| v.as_string())
            .unwrap_or_default();
        done(text.trim_end_matches('\u{fffd}').to_string());
    });
    reader.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    let _ = reader.read_as_text(&blob);
}

/// Sends the file to the import endpoint; the browser streams it from disk.
#[cfg(feature = "hydrate")]
fn upload(
    list_id: i32,
    file: web_sys::File,
    delimiter: &str,
    mapping: &[Target],
    good_rows_only: bool,
    stage: RwSignal<Stage>,
    error: RwSignal<Option<String>>,
) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;
    let mapping = serde_json::to_string(mapping).unwrap_or_default();
    let url = format!(
        "/api/v1/prospecting-lists/{list_id}/import?delimiter={}&good_rows_only={good_rows_only}&mapping={}",
        percent_encode(delimiter),
        percent_encode(&mapping)
    );
    let Ok(xhr) = web_sys::XmlHttpRequest::new() else {
        return;
    };
    if xhr.open("POST", &url).is_err() {
        return;
    }
    let _ = xhr.set_request_header("X-Requested-With", "cadence");
    let _ = xhr.set_request_header("Content-Type", "text/csv");
    stage.set(Stage::Uploading(0.0));
    if let Ok(upload) = xhr.upload() {
        let onprogress =
            Closure::<dyn FnMut(web_sys::ProgressEvent)>::new(move |ev: web_sys::ProgressEvent| {
                if ev.length_computable() && ev.total() > 0.0 {
                    stage.set(Stage::Uploading(ev.loaded() / ev.total()));
                }
            });
        upload.set_onprogress(Some(onprogress.as_ref().unchecked_ref()));
        onprogress.forget();
    }
    let for_load = xhr.clone();
    let onload = Closure::<dyn FnMut()>::new(move || {
        let body = for_load.response_text().ok().flatten().unwrap_or_default();
        match serde_json::from_str::<ImportView>(&body) {
            Ok(import) => stage.set(Stage::Following(import)),
            Err(_) => {
                let message = serde_json::from_str::<serde_json::Value>(&body)
                    .ok()
                    .and_then(|v| {
                        let e = &v["error"];
                        let fields: Vec<String> = e["fields"]
                            .as_object()
                            .map(|f| {
                                f.values()
                                    .filter_map(|m| m.as_str().map(String::from))
                                    .collect()
                            })
                            .unwrap_or_default();
                        if fields.is_empty() {
                            e["message"].as_str().map(String::from)
                        } else {
                            Some(fields.join(" "))
                        }
                    })
                    .unwrap_or_else(|| "The upload failed.".into());
                error.set(Some(message));
                stage.set(Stage::Idle);
            }
        }
    });
    xhr.set_onload(Some(onload.as_ref().unchecked_ref()));
    onload.forget();
    let onerror = Closure::<dyn FnMut()>::new(move || {
        error.set(Some(
            "The upload was interrupted: check the connection and try again.".into(),
        ));
        stage.set(Stage::Idle);
    });
    xhr.set_onerror(Some(onerror.as_ref().unchecked_ref()));
    onerror.forget();
    let _ = xhr.send_with_opt_blob(Some(&file));
}

/// Percent-encodes a query parameter value.
#[cfg(feature = "hydrate")]
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(byte as char)
            }
            _ => out.push_str(&format!("%{byte:02X}")),
        }
    }
    out
}
