//! One prospecting list as a spreadsheet: filter and sort by any column, edit a cell in place,
//! add and delete rows, select rows and assign them; managers also import and set the list up.

use std::collections::{BTreeMap, HashSet};

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;

use super::api::{
    add_prospect, assign_prospects, delete_column, delete_prospects, list_page, list_scripts,
    save_column, set_cell, update_prospecting_list, ColumnView, ListSettings, ProspectView,
    RowQuery, SheetData as ListData, ROWS,
};
use super::import_panel::{ImportPanel, Stage};
use crate::components::layout::RequireUser;
use crate::domain::prospecting::ProspectStatus;
use crate::domain::text::{counted, thousands};
use crate::error::AppError;
use crate::pipelines::api::list_pipelines;

#[component]
pub fn ListPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id").and_then(|v| v.parse::<i32>().ok()))
            .unwrap_or(0)
    });
    let query = RwSignal::new(RowQuery::default());
    let refresh = RwSignal::new(0u32);
    // One resource for everything the page shows (one hydration, no mismatch).
    let data = Resource::new(
        move || (id.get(), query.get(), refresh.get()),
        |(id, query, _)| async move {
            let page = list_page(id, query).await?;
            let setup = if page.can_manage {
                Some((list_pipelines().await?, list_scripts().await?))
            } else {
                None
            };
            Ok::<_, AppError>((page, setup))
        },
    );
    view! {
        <Title text="Prospecting list" />
        <RequireUser>
            <Sheet query refresh data />
        </RequireUser>
    }
}

/// The list, once loaded. `query`, `refresh` and `data` are created by the page.
#[component]
fn Sheet(
    query: RwSignal<RowQuery>,
    refresh: RwSignal<u32>,
    data: Resource<Result<(ListData, Setup), AppError>>,
) -> impl IntoView {
    // Outlives the sheet's re-renders: "Assigned: 1 row." stays after the rows reload.
    let message = RwSignal::new(None::<String>);
    let import_stage = RwSignal::new(Stage::default());
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    Ok((page, setup)) => view! { <SheetView page setup query refresh message import_stage /> }.into_any(),
                }
            })}
        </Transition>
    }
}

type Setup = Option<(
    Vec<crate::pipelines::api::PipelineView>,
    Vec<super::api::ScriptView>,
)>;

#[component]
fn SheetView(
    page: ListData,
    setup: Setup,
    query: RwSignal<RowQuery>,
    refresh: RwSignal<u32>,
    message: RwSignal<Option<String>>,
    import_stage: RwSignal<Stage>,
) -> impl IntoView {
    let ListData {
        list,
        page,
        people,
        can_manage,
        import,
    } = page;
    let list_id = list.id;
    let columns = list.columns.clone();
    let selected = RwSignal::new(HashSet::<i32>::new());
    let assign_to = RwSignal::new(String::new());
    let ids_on_page: Vec<i32> = page.items.iter().map(|p| p.id).collect();
    let assign = Action::new(move |(ids, user): &(Vec<i32>, Option<i32>)| {
        let (ids, user) = (ids.clone(), *user);
        async move { assign_prospects(ids, user).await }
    });
    let remove = Action::new(move |ids: &Vec<i32>| {
        let ids = ids.clone();
        async move { delete_prospects(ids).await }
    });
    let add =
        Action::new(move |_: &()| async move { add_prospect(list_id, BTreeMap::new()).await });
    Effect::new(move || {
        let outcome = assign
            .value()
            .get()
            .map(|r| r.map(|n| format!("Assigned: {}.", counted(n as i64, "row", "rows"))))
            .or_else(|| {
                remove
                    .value()
                    .get()
                    .map(|r| r.map(|n| format!("Deleted: {}.", counted(n as i64, "row", "rows"))))
            })
            .or_else(|| {
                add.value()
                    .get()
                    .map(|r| r.map(|_| "Row added (at the end).".to_string()))
            });
        if let Some(outcome) = outcome {
            match outcome {
                Ok(text) => {
                    message.set(Some(text));
                    selected.set(HashSet::new());
                    refresh.update(|n| *n += 1);
                }
                Err(error) => message.set(Some(error.to_string())),
            }
        }
    });
    let total = page.total;
    let offset = page.offset;
    let more = page.more;
    let showing = if total == 0 {
        "No rows".to_string()
    } else {
        format!(
            "Rows {}–{} of {}{}",
            thousands(offset + 1),
            thousands(offset + page.items.len() as u64),
            thousands(total),
            if more { "+" } else { "" }
        )
    };
    let people_for_assign = people.clone();
    let all_ids = ids_on_page.clone();
    view! {
        <Title text=list.name.clone() />
        <div class="page-head">
            <h1>{list.name.clone()}{list.archived.then(|| view! { <span class="badge">"Archived"</span> })}</h1>
            <A href="/lists" attr:class="muted">"All lists"</A>
        </div>
        {can_manage.then(|| view! { <ImportPanel list_id open=import refresh stage=import_stage /> })}
        {setup.map(|(pipelines, scripts)| view! { <Settings list=list.clone() pipelines scripts refresh message /> })}
        <div class="sheet-tools">
            <span class="muted" role="status">{showing}</span>
            {can_manage.then(|| {
                let people = people_for_assign.clone();
                view! {
                    <label>
                        "Assign selected to "
                        <select on:change=move |ev| assign_to.set(event_target_value(&ev)) aria-label="Assign to">
                            <option value="">"(choose)"</option>
                            <option value="none">"No one"</option>
                            {people.iter().map(|u| view! { <option value=u.id>{u.name.clone()}</option> }).collect_view()}
                        </select>
                    </label>
                    <button
                        class="button secondary small"
                        disabled=move || selected.with(|s| s.is_empty()) || assign_to.with(|a| a.is_empty())
                        on:click=move |_| {
                            let user = assign_to.get_untracked().parse::<i32>().ok();
                            assign.dispatch((selected.get_untracked().into_iter().collect(), user));
                        }
                    >"Assign"</button>
                    <button
                        class="button danger small"
                        disabled=move || selected.with(|s| s.is_empty())
                        on:click=move |_| {
                            remove.dispatch(selected.get_untracked().into_iter().collect());
                        }
                    >"Delete selected"</button>
                    <button class="button secondary small" on:click=move |_| { add.dispatch(()); }>"Add a row"</button>
                }
            })}
            {move || message.get().map(|m| view! { <span class="ok" role="status">{m}</span> })}
        </div>
        <div class="table-wrap sheet-wrap">
            <table class="table sheet">
                <thead>
                    <tr>
                        <th class="pick">
                            <input
                                type="checkbox"
                                aria-label="Select all rows on this page"
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.set(if on { all_ids.iter().copied().collect() } else { HashSet::new() });
                                }
                            />
                        </th>
                        {columns.iter().map(|c| view! { <SortHeader key=c.id.to_string() label=c.name.clone() query /> }).collect_view()}
                        <SortHeader key="status".to_string() label="Status".to_string() query />
                        <SortHeader key="assigned".to_string() label="Assigned".to_string() query />
                        <SortHeader key="activities".to_string() label="Activities".to_string() query />
                        <SortHeader key="last".to_string() label="Last activity".to_string() query />
                    </tr>
                    <tr class="filters-row">
                        <th></th>
                        {columns.iter().map(|c| view! { <FilterCell key=c.id.to_string() label=c.name.clone() query /> }).collect_view()}
                        <th>
                            <select aria-label="Filter by status" on:change=move |ev| set_filter(query, "status", event_target_value(&ev))>
                                <option value="">"All"</option>
                                {ProspectStatus::ALL.iter().map(|s| {
                                    let current = query.with_untracked(|q| q.filters.get("status").cloned()).unwrap_or_default();
                                    view! { <option value=s.as_str() selected=current == s.as_str()>{s.label()}</option> }
                                }).collect_view()}
                            </select>
                        </th>
                        <th>
                            <select aria-label="Filter by assignee" on:change=move |ev| set_filter(query, "assigned", event_target_value(&ev))>
                                <option value="">"Anyone"</option>
                                <option value="none">"No one"</option>
                                {people.iter().map(|u| {
                                    let current = query.with_untracked(|q| q.filters.get("assigned").cloned()).unwrap_or_default();
                                    let value = u.id.to_string();
                                    let is = current == value;
                                    view! { <option value=value selected=is>{u.name.clone()}</option> }
                                }).collect_view()}
                            </select>
                        </th>
                        <th></th>
                        <th></th>
                    </tr>
                </thead>
                <tbody>
                    {page.items.into_iter().map(|row| view! { <Row row columns=columns.clone() selected /> }).collect_view()}
                </tbody>
            </table>
        </div>
        <div class="pager">
            <button class="button secondary small" disabled=offset == 0 on:click=move |_| query.update(|q| q.offset = q.offset.saturating_sub(ROWS))>"Previous"</button>
            <button class="button secondary small" disabled=offset + ROWS >= total && !more on:click=move |_| query.update(|q| q.offset += ROWS)>"Next"</button>
        </div>
    }
}

fn set_filter(query: RwSignal<RowQuery>, key: &str, value: String) {
    query.update(|q| {
        q.offset = 0;
        if value.trim().is_empty() {
            q.filters.remove(key);
        } else {
            q.filters.insert(key.to_string(), value);
        }
    });
}

#[component]
fn SortHeader(key: String, label: String, query: RwSignal<RowQuery>) -> impl IntoView {
    let for_state = key.clone();
    let state = move || {
        query.with(|q| {
            if q.sort == for_state {
                if q.desc {
                    "descending"
                } else {
                    "ascending"
                }
            } else {
                "none"
            }
        })
    };
    view! {
        <th aria-sort=state>
            <button
                type="button"
                class="sort"
                on:click=move |_| {
                    let key = key.clone();
                    query.update(|q| {
                        if q.sort == key {
                            q.desc = !q.desc;
                        } else {
                            q.sort = key;
                            q.desc = false;
                        }
                        q.offset = 0;
                    })
                }
            >
                {label}
            </button>
        </th>
    }
}

#[component]
fn FilterCell(key: String, label: String, query: RwSignal<RowQuery>) -> impl IntoView {
    let current = query.with_untracked(|q| q.filters.get(&key).cloned().unwrap_or_default());
    let aria = format!("Filter {label}");
    view! {
        <th>
            <input
                type="search"
                class="filter"
                placeholder="Filter"
                aria-label=aria
                value=current
                on:change=move |ev| set_filter(query, &key, event_target_value(&ev))
            />
        </th>
    }
}

#[component]
fn Row(
    row: ProspectView,
    columns: Vec<ColumnView>,
    selected: RwSignal<HashSet<i32>>,
) -> impl IntoView {
    let id = row.id;
    let status = row.status;
    let last = match (&row.last_activity, row.last_local.is_empty()) {
        (Some(kind), false) => format!("{kind}, {}", row.last_local),
        _ => "—".to_string(),
    };
    let cells = RwSignal::new(row.cells.clone());
    let pick_label = format!("Select {}", row.label);
    view! {
        <tr class:selected=move || selected.with(|s| s.contains(&id))>
            <td class="pick">
                <input
                    type="checkbox"
                    aria-label=pick_label
                    prop:checked=move || selected.with(|s| s.contains(&id))
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        selected.update(|s| {
                            if on {
                                s.insert(id);
                            } else {
                                s.remove(&id);
                            }
                        })
                    }
                />
            </td>
            {columns
                .iter()
                .enumerate()
                .map(|(i, c)| view! { <Cell prospect=id column=c.clone() cells first=i == 0 /> })
                .collect_view()}
            <td><span class=format!("status status-{}", status.as_str())>{status.label()}</span></td>
            <td>{row.assigned_name.clone().unwrap_or_else(|| "—".into())}</td>
            <td class="num">{row.activity_count}</td>
            <td class="muted">{last}</td>
        </tr>
    }
}

/// A cell: click (or Enter on it) to edit, Enter or leaving the field saves, Escape cancels.
#[component]
fn Cell(
    prospect: i32,
    column: ColumnView,
    cells: RwSignal<BTreeMap<String, String>>,
    first: bool,
) -> impl IntoView {
    let key = column.id.to_string();
    let editing = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let column_id = column.id;
    let save = Action::new(move |value: &String| {
        let value = value.clone();
        async move { set_cell(prospect, column_id, value).await }
    });
    let key_for_save = key.clone();
    Effect::new(move || {
        if let Some(result) = save.value().get() {
            match result {
                Ok(view) => {
                    error.set(None);
                    cells.set(view.cells);
                }
                Err(e) => error.set(Some(
                    e.field_message(&format!("cell_{column_id}"))
                        .unwrap_or_else(|| e.to_string()),
                )),
            }
        }
    });
    let key_for_text = key.clone();
    let text =
        Signal::derive(move || cells.with(|c| c.get(&key_for_text).cloned().unwrap_or_default()));
    let commit = move |value: String| {
        editing.set(false);
        let current = cells.with_untracked(|c| c.get(&key_for_save).cloned().unwrap_or_default());
        if value.trim() != current {
            save.dispatch(value);
        }
    };
    let commit_key = commit.clone();
    let label = format!("{} of row {prospect}", column.name);
    view! {
        <td class="cell" class:invalid=move || error.get().is_some()>
            {move || {
                if editing.get() {
                    let commit = commit.clone();
                    let commit_key = commit_key.clone();
                    view! {
                        <input
                            class="cell-input"
                            aria-label=label.clone()
                            value=text.get_untracked()
                            autofocus
                            on:blur=move |ev| commit(event_target_value(&ev))
                            on:keydown=move |ev| {
                                if ev.key() == "Enter" {
                                    ev.prevent_default();
                                    commit_key(event_target_value(&ev));
                                } else if ev.key() == "Escape" {
                                    editing.set(false);
                                }
                            }
                        />
                    }
                        .into_any()
                } else if first {
                    view! {
                        <span class="cell-text">
                            <A href=format!("/prospects/{prospect}")>{move || {
                                let t = text.get();
                                if t.is_empty() { format!("Prospect #{prospect}") } else { t }
                            }}</A>
                            <button type="button" class="cell-edit" aria-label=format!("Edit {}", label) on:click=move |_| editing.set(true)>"✎"</button>
                        </span>
                    }
                        .into_any()
                } else {
                    view! {
                        <button type="button" class="cell-text cell-button" aria-label=format!("Edit {}", label) on:click=move |_| editing.set(true)>
                            {move || text.get()}
                        </button>
                    }
                        .into_any()
                }
            }}
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </td>
    }
}

/// The list's settings (managers): name, script, where converted rows go, who sees
/// unassigned rows, archive.
#[component]
fn Settings(
    list: super::api::ListView,
    pipelines: Vec<crate::pipelines::api::PipelineView>,
    scripts: Vec<super::api::ScriptView>,
    refresh: RwSignal<u32>,
    message: RwSignal<Option<String>>,
) -> impl IntoView {
    let id = list.id;
    let name = RwSignal::new(list.name.clone());
    let script = RwSignal::new(list.script_id.map(|s| s.to_string()).unwrap_or_default());
    let step = RwSignal::new(list.step_id.map(|s| s.to_string()).unwrap_or_default());
    let show = RwSignal::new(list.show_unassigned);
    let archived = list.archived;
    let save = Action::new(move |settings: &ListSettings| {
        let settings = settings.clone();
        async move { update_prospecting_list(id, settings).await }
    });
    // The reload after a save renders these settings anew: "Saved." goes to the sheet's
    // status line, which outlives it.
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            message.set(Some("Saved.".into()));
            refresh.update(|n| *n += 1);
        }
    });
    let settings = move || ListSettings {
        name: Some(name.get_untracked()),
        script_id: Some(script.get_untracked().parse().ok()),
        step_id: Some(step.get_untracked().parse().ok()),
        show_unassigned: Some(show.get_untracked()),
        ..Default::default()
    };
    let list_script = list.script_id;
    let list_step = list.step_id;
    let columns = list.columns.clone();
    view! {
        <details class="card list-settings">
            <summary>"List settings"</summary>
            <div class="grid-form">
                <div class="field">
                    <label for="list-name">"Name"</label>
                    <input id="list-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="list-script">"Script for calls"</label>
                    <select id="list-script" on:change=move |ev| script.set(event_target_value(&ev))>
                        <option value="">"(none)"</option>
                        {scripts.iter().map(|s| view! { <option value=s.id selected=list_script == Some(s.id)>{s.name.clone()}</option> }).collect_view()}
                    </select>
                </div>
                <div class="field">
                    <label for="list-step">"Converted prospects go to"</label>
                    <select id="list-step" on:change=move |ev| step.set(event_target_value(&ev))>
                        <option value="">"(the default pipeline)"</option>
                        {pipelines.iter().map(|p| view! {
                            <optgroup label=p.name.clone()>
                                {p.steps.iter().map(|s| view! { <option value=s.id selected=list_step == Some(s.id)>{format!("{} · {}", p.name, s.name)}</option> }).collect_view()}
                            </optgroup>
                        }).collect_view()}
                    </select>
                </div>
                <label class="inline-check">
                    <input type="checkbox" prop:checked=move || show.get() on:change=move |ev| show.set(event_target_checked(&ev)) />
                    " Members see unassigned rows"
                </label>
                <div class="form-actions">
                    <button class="button primary small" on:click=move |_| { save.dispatch(settings()); }>"Save settings"</button>
                    <button class="button secondary small" on:click=move |_| {
                        save.dispatch(ListSettings { archived: Some(!archived), ..Default::default() });
                    }>{if archived { "Bring back" } else { "Archive list" }}</button>
                    {move || save.value().get().and_then(Result::err).map(|e| view! { <p class="form-error">{e.summary()}</p> })}
                </div>
            </div>
            <h3>"Columns"</h3>
            <ul class="column-editors">
                {columns.into_iter().map(|c| view! { <ColumnEditor list_id=id column=Some(c) refresh /> }).collect_view()}
                <ColumnEditor list_id=id column=None refresh />
            </ul>
        </details>
    }
}

/// One column's name and kind (or a new column), saved on its own.
#[component]
fn ColumnEditor(list_id: i32, column: Option<ColumnView>, refresh: RwSignal<u32>) -> impl IntoView {
    let id = column.as_ref().map(|c| c.id);
    let name = RwSignal::new(column.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let kind = RwSignal::new(
        column
            .as_ref()
            .map(|c| c.kind.as_str().to_string())
            .unwrap_or_else(|| "text".into()),
    );
    let save = Action::new(move |_: &()| {
        let (n, k) = (name.get_untracked(), kind.get_untracked());
        let id = id.map(|i| i.to_string()).unwrap_or_default();
        async move { save_column(list_id, id, n, k).await }
    });
    let remove = Action::new(move |column: &i32| {
        let column = *column;
        async move { delete_column(list_id, column).await }
    });
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(_))) || matches!(remove.value().get(), Some(Ok(_)))
        {
            refresh.update(|n| *n += 1);
        }
    });
    let key = id.map(|i| i.to_string()).unwrap_or_else(|| "new".into());
    let name_label = if id.is_some() {
        format!("Name of column {}", name.get_untracked())
    } else {
        "Name of a new column".to_string()
    };
    let kind_label = if id.is_some() {
        format!("Kind of column {}", name.get_untracked())
    } else {
        "Kind of the new column".to_string()
    };
    let current = kind.get_untracked();
    view! {
        <li class="row-form" data-column=key>
            <input aria-label=name_label maxlength="60" placeholder="New column" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
            <select aria-label=kind_label on:change=move |ev| kind.set(event_target_value(&ev))>
                {crate::domain::prospecting::ColumnKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=current == k.as_str()>{k.label()}</option> }).collect_view()}
            </select>
            <button class="button secondary small" on:click=move |_| { save.dispatch(()); }>{if id.is_some() { "Save" } else { "Add column" }}</button>
            {id.map(|column| view! {
                <button class="button danger small" on:click=move |_| { remove.dispatch(column); }>"Delete"</button>
            })}
            {move || save.value().get().and_then(Result::err).map(|e| view! {
                <p class="field-error">{e.field_message("columns").unwrap_or_else(|| e.summary())}</p>
            })}
        </li>
    }
}
