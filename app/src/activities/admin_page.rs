//! Admin: activity types and their outcomes: create, edit, reorder, deactivate, delete unused.

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    list_activity_types, ActivityTypeView, ArrangeActivityType, ArrangeOutcome, DeleteActivityType,
    DeleteOutcome, OutcomeView, SaveActivityType, SaveOutcome,
};
use super::view::ActivityIcon;
use crate::components::form::field_error;
use crate::components::layout::RequireUser;
use crate::domain::activity::ICONS;
use crate::live::use_live_events;

#[component]
pub fn ActivityTypesPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let reload = RwSignal::new(0u32);
    let types = Resource::new(move || reload.get(), |_| list_activity_types());
    view! {
        <Title text="Activity types" />
        <RequireUser admin=true>
            <TypesAdmin types reload />
        </RequireUser>
    }
}

fn error_text<T>(result: Option<Result<T, crate::error::AppError>>) -> Option<String> {
    result.and_then(Result::err).map(|e| e.summary())
}

#[component]
fn IconSelect(id: String, selected: String) -> impl IntoView {
    view! {
        <select id=id name="icon">
            {ICONS
                .iter()
                .map(|(key, label, _)| {
                    let is = *key == selected;
                    view! { <option value=*key selected=is>{*label}</option> }
                })
                .collect_view()}
        </select>
    }
}

/// The types and the creation form. `types` and `reload` are created by the page.
#[component]
fn TypesAdmin(
    types: Resource<Result<Vec<ActivityTypeView>, crate::error::AppError>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    use_live_events(move |event| {
        if event.kind == "activity_types.changed" {
            reload.update(|n| *n += 1);
        }
    });
    let create = ServerAction::<SaveActivityType>::new();
    let form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <h1>"Activity types"</h1>
        <p class="muted">
            "What your team logs: calls, emails, meetings… Each type may have outcomes (Answered, No-show). A type or outcome already used can be deactivated: it leaves the quick buttons and stays in the history."
        </p>
        <section class="card">
            <h2>"New activity type"</h2>
            <ActionForm action=create node_ref=form attr:class="grid-form">
                <input type="hidden" name="id" value="" />
                <div class="field" class:invalid=move || field_error(create, "name").get().is_some()>
                    <label for="new-type-name">"Name"</label>
                    <input id="new-type-name" name="name" required=true />
                    {move || field_error(create, "name").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || field_error(create, "colour").get().is_some()>
                    <label for="new-type-colour">"Colour"</label>
                    <input id="new-type-colour" name="colour" type="color" value="#2563eb" />
                    {move || field_error(create, "colour").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field">
                    <label for="new-type-icon">"Icon"</label>
                    <IconSelect id="new-type-icon".to_string() selected="check".to_string() />
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary">"Create type"</button>
                </div>
            </ActionForm>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match types.await {
                    Ok(list) => {
                        let count = list.len();
                        list.into_iter()
                            .enumerate()
                            .map(|(index, t)| view! { <TypeCard kind=t index count reload /> })
                            .collect_view()
                            .into_any()
                    }
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn TypeCard(
    kind: ActivityTypeView,
    index: usize,
    count: usize,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let save = ServerAction::<SaveActivityType>::new();
    let arrange = ServerAction::<ArrangeActivityType>::new();
    let delete = ServerAction::<DeleteActivityType>::new();
    let add = ServerAction::<SaveOutcome>::new();
    let add_form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(_)))
            || matches!(arrange.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
            || matches!(add.value().get(), Some(Ok(_)))
        {
            if let Some(form) = add_form.get_untracked() {
                form.reset();
            }
            reload.update(|n| *n += 1);
        }
    });
    let id = kind.id;
    let name = kind.name.clone();
    let active = kind.active;
    let used = kind.used;
    let position = index as i32;
    let is_last = index + 1 >= count;
    let outcome_count = kind.outcomes.len();
    let name_id = format!("type-{id}-name");
    let colour_id = format!("type-{id}-colour");
    let icon_id = format!("type-{id}-icon");
    let new_outcome_label = format!("New outcome of {name}");
    let up_label = format!("Move {name} up");
    let down_label = format!("Move {name} down");
    let new_colour_label = format!("Colour of the new outcome of {name}");
    view! {
        <section class="card type-card" class:inactive=!active>
            <h2>
                <ActivityIcon icon=kind.icon.clone() colour=kind.colour.clone() />
                " "{name.clone()}
                {(!active).then(|| view! { <span class="badge muted-badge">"inactive"</span> })}
            </h2>
            <ActionForm action=save attr:class="row-form">
                <input type="hidden" name="id" value=id />
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id name="name" value=name.clone() />
                <label for=colour_id.clone()>"Colour"</label>
                <input id=colour_id name="colour" type="color" value=kind.colour.clone() />
                <label for=icon_id.clone()>"Icon"</label>
                <IconSelect id=icon_id selected=kind.icon.clone() />
                <button type="submit" class="button secondary small">"Save"</button>
            </ActionForm>
            {move || error_text(save.value().get()).map(|m| view! { <p class="form-error">{m}</p> })}
            <div class="row-form">
                <button type="button" class="button secondary small" disabled=index == 0
                    aria-label=up_label
                    on:click=move |_| { arrange.dispatch(ArrangeActivityType { id, active: None, position: Some(position - 1) }); }>
                    "↑"
                </button>
                <button type="button" class="button secondary small" disabled=is_last
                    aria-label=down_label
                    on:click=move |_| { arrange.dispatch(ArrangeActivityType { id, active: None, position: Some(position + 1) }); }>
                    "↓"
                </button>
                <button type="button" class="button secondary small"
                    on:click=move |_| { arrange.dispatch(ArrangeActivityType { id, active: Some(!active), position: None }); }>
                    {if active { "Deactivate" } else { "Activate" }}
                </button>
                <Show when=move || !used>
                    <ActionForm action=delete attr:class="inline">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button danger small">"Delete"</button>
                    </ActionForm>
                </Show>
            </div>
            {move || error_text(delete.value().get()).or(error_text(arrange.value().get())).map(|m| view! { <p class="form-error">{m}</p> })}
            <h3>"Outcomes"</h3>
            <ol class="steps">
                {kind
                    .outcomes
                    .into_iter()
                    .enumerate()
                    .map(|(i, o)| view! { <OutcomeRow outcome=o index=i count=outcome_count reload /> })
                    .collect_view()}
            </ol>
            <ActionForm action=add node_ref=add_form attr:class="row-form">
                <input type="hidden" name="id" value="" />
                <input type="hidden" name="type_id" value=id />
                <input name="name" placeholder="New outcome" aria-label=new_outcome_label />
                <input name="colour" type="color" value="#16a34a" aria-label=new_colour_label />
                <button type="submit" class="button secondary small">"Add outcome"</button>
            </ActionForm>
            {move || error_text(add.value().get()).map(|m| view! { <p class="form-error">{m}</p> })}
        </section>
    }
}

#[component]
fn OutcomeRow(
    outcome: OutcomeView,
    index: usize,
    count: usize,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let save = ServerAction::<SaveOutcome>::new();
    let arrange = ServerAction::<ArrangeOutcome>::new();
    let delete = ServerAction::<DeleteOutcome>::new();
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(_)))
            || matches!(arrange.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
        {
            reload.update(|n| *n += 1);
        }
    });
    let id = outcome.id;
    let active = outcome.active;
    let used = outcome.used;
    let position = index as i32;
    let is_last = index + 1 >= count;
    let name = outcome.name.clone();
    let name_label = format!("Name of outcome {name}");
    let colour_label = format!("Colour of outcome {name}");
    let up_label = format!("Move outcome {name} up");
    let down_label = format!("Move outcome {name} down");
    let delete_label = format!("Delete outcome {name}");
    view! {
        <li class="step-row" class:inactive=!active>
            <ActionForm action=save attr:class="row-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="type_id" value=outcome.type_id />
                <input name="name" value=name aria-label=name_label />
                <input name="colour" type="color" value=outcome.colour.clone() aria-label=colour_label />
                <button type="submit" class="button secondary small">"Save"</button>
            </ActionForm>
            <button type="button" class="button secondary small" disabled=index == 0
                aria-label=up_label
                on:click=move |_| { arrange.dispatch(ArrangeOutcome { id, active: None, position: Some(position - 1) }); }>
                "↑"
            </button>
            <button type="button" class="button secondary small" disabled=is_last
                aria-label=down_label
                on:click=move |_| { arrange.dispatch(ArrangeOutcome { id, active: None, position: Some(position + 1) }); }>
                "↓"
            </button>
            <button type="button" class="button secondary small"
                on:click=move |_| { arrange.dispatch(ArrangeOutcome { id, active: Some(!active), position: None }); }>
                {if active { "Deactivate" } else { "Activate" }}
            </button>
            {(!used).then(|| view! {
                <ActionForm action=delete attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button danger small" aria-label=delete_label>"Delete"</button>
                </ActionForm>
            })}
            {move || {
                error_text(save.value().get())
                    .or(error_text(arrange.value().get()))
                    .or(error_text(delete.value().get()))
                    .map(|m| view! { <p class="form-error">{m}</p> })
            }}
        </li>
    }
}
