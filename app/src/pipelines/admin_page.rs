use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    list_pipelines, AddStep, CreatePipeline, DeletePipeline, DeleteStep, PipelineView,
    RenamePipeline, RenameStep, ReorderStep, SetDefaultPipeline, StepView,
};
use crate::components::form::{field_error, Field};
use crate::components::layout::RequireUser;
use crate::live::use_live_events;

#[component]
pub fn PipelinesPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let reload = RwSignal::new(0u32);
    let pipelines = Resource::new(move || reload.get(), |_| list_pipelines());
    view! {
        <Title text="Pipelines" />
        <RequireUser admin=true>
            <PipelinesAdmin reload pipelines />
        </RequireUser>
    }
}

fn error_text<T>(result: Option<Result<T, crate::error::AppError>>) -> Option<String> {
    result.and_then(Result::err).map(|e| e.summary())
}

/// The creation form and the pipelines. `reload` and `pipelines` are created by the page.
#[component]
fn PipelinesAdmin(
    reload: RwSignal<u32>,
    pipelines: Resource<Result<Vec<PipelineView>, crate::error::AppError>>,
) -> impl IntoView {
    use_live_events(move |event| {
        if event.kind.starts_with("pipeline.") {
            reload.update(|n| *n += 1);
        }
    });
    let create = ServerAction::<CreatePipeline>::new();
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
        <h1>"Pipelines"</h1>
        <p class="muted">
            "A pipeline is a sales process (acquisition, renewal, upsell); its steps are the board's columns."
        </p>
        <section class="card">
            <h2>"New pipeline"</h2>
            <ActionForm action=create node_ref=form attr:class="grid-form">
                <Field id="new-pipeline-name" label="Pipeline name" name="name" error=field_error(create, "name") />
                <Field
                    id="new-pipeline-steps"
                    label="Steps, separated by commas"
                    name="steps"
                    placeholder="Qualified, Meeting, Proposal, Negotiation"
                    error=field_error(create, "steps")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary">"Create pipeline"</button>
                </div>
            </ActionForm>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match pipelines.await {
                    Ok(list) => {
                        let all = StoredValue::new(list.clone());
                        list.into_iter()
                            .map(|p| view! { <PipelineCard pipeline=p all=all.get_value() reload /> })
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
fn PipelineCard(
    pipeline: PipelineView,
    all: Vec<PipelineView>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let rename = ServerAction::<RenamePipeline>::new();
    let make_default = ServerAction::<SetDefaultPipeline>::new();
    let delete = ServerAction::<DeletePipeline>::new();
    let add = ServerAction::<AddStep>::new();
    let add_form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        let done = matches!(rename.value().get(), Some(Ok(_)))
            || matches!(make_default.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
            || matches!(add.value().get(), Some(Ok(_)));
        if done {
            if let Some(form) = add_form.get_untracked() {
                form.reset();
            }
            reload.update(|n| *n += 1);
        }
    });
    let id = pipeline.id;
    let others: Vec<(i32, String)> = all
        .iter()
        .filter(|p| p.id != id)
        .map(|p| (p.id, p.name.clone()))
        .collect();
    let steps = pipeline.steps.clone();
    let step_count = steps.len();
    let dragged = RwSignal::new(None::<i32>);
    let name = pipeline.name.clone();
    let rename_label = format!("Name of pipeline {name}");
    let new_step_label = format!("New step of {name}");
    let is_default = pipeline.is_default;
    let lead_count = pipeline.lead_count;
    let heading = format!(
        "{}{}",
        pipeline.name,
        if pipeline.is_default {
            " (default)"
        } else {
            ""
        }
    );
    view! {
        <section class="card pipeline-card">
            <h2>{heading}</h2>
            <div class="row-form">
                <ActionForm action=rename attr:class="row-form">
                    <input type="hidden" name="id" value=id />
                    <input name="name" value=name aria-label=rename_label />
                    <button type="submit" class="button secondary small">"Rename"</button>
                </ActionForm>
                <Show when=move || !is_default>
                    <ActionForm action=make_default attr:class="inline">
                        <input type="hidden" name="id" value=id />
                        <button type="submit" class="button secondary small">"Make default"</button>
                    </ActionForm>
                </Show>
            </div>
            {move || error_text(rename.value().get()).map(|m| view! { <p class="form-error">{m}</p> })}
            <h3>"Steps"</h3>
            <p class="muted small">"Drag a step to reorder it, or use the arrows."</p>
            <ol class="steps">
                {steps
                    .iter()
                    .enumerate()
                    .map(|(index, step)| {
                        view! {
                            <StepRow
                                step=step.clone()
                                index
                                count=step_count
                                siblings=steps.clone()
                                dragged
                                reload
                            />
                        }
                    })
                    .collect_view()}
            </ol>
            <ActionForm action=add node_ref=add_form attr:class="row-form">
                <input type="hidden" name="pipeline_id" value=id />
                <input name="name" placeholder="New step" aria-label=new_step_label />
                <button type="submit" class="button secondary">"Add step"</button>
            </ActionForm>
            {move || field_error(add, "name").get().map(|m| view! { <p class="form-error">{m}</p> })}
            <details class="danger-zone">
                <summary>"Delete this pipeline"</summary>
                <ActionForm action=delete attr:class="row-form">
                    <input type="hidden" name="id" value=id />
                    <label>
                        {format!("Move its {lead_count} lead(s) to ")}
                        <select name="move_to">
                            <option value="">"(no leads to move)"</option>
                            {others
                                .into_iter()
                                .map(|(id, name)| view! { <option value=id>{name}</option> })
                                .collect_view()}
                        </select>
                    </label>
                    <button type="submit" class="button danger small">"Delete pipeline"</button>
                </ActionForm>
                {move || error_text(delete.value().get()).map(|m| view! { <p class="form-error">{m}</p> })}
            </details>
        </section>
    }
}

#[component]
fn StepRow(
    step: StepView,
    index: usize,
    count: usize,
    siblings: Vec<StepView>,
    dragged: RwSignal<Option<i32>>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let rename = ServerAction::<RenameStep>::new();
    let reorder = ServerAction::<ReorderStep>::new();
    let delete = ServerAction::<DeleteStep>::new();
    Effect::new(move || {
        if matches!(rename.value().get(), Some(Ok(_)))
            || matches!(reorder.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
        {
            reload.update(|n| *n += 1);
        }
    });
    let id = step.id;
    let name = step.name.clone();
    let rename_label = format!("Name of step {name}");
    let up_label = format!("Move {name} up");
    let down_label = format!("Move {name} down");
    let move_label = format!("Move the leads of {name} to");
    let delete_label = format!("Delete step {name}");
    let is_last = index + 1 >= count;
    let position = index as i32;
    let others: Vec<(i32, String)> = siblings
        .iter()
        .filter(|s| s.id != id)
        .map(|s| (s.id, s.name.clone()))
        .collect();
    view! {
        <li
            class="step-row"
            draggable="true"
            on:dragstart=move |_| dragged.set(Some(id))
            on:dragover=move |ev| ev.prevent_default()
            on:drop=move |ev| {
                ev.prevent_default();
                if let Some(moving) = dragged.get_untracked() {
                    if moving != id {
                        reorder.dispatch(ReorderStep { id: moving, position });
                    }
                }
                dragged.set(None);
            }
        >
            <span class="drag-handle" aria-hidden="true">"⠿"</span>
            <ActionForm action=rename attr:class="row-form">
                <input type="hidden" name="id" value=id />
                <input name="name" value=name aria-label=rename_label />
                <button type="submit" class="button secondary small">"Rename"</button>
            </ActionForm>
            <button
                type="button"
                class="button secondary small"
                aria-label=up_label
                disabled=index == 0
                on:click=move |_| {
                    reorder.dispatch(ReorderStep { id, position: position - 1 });
                }
            >
                "↑"
            </button>
            <button
                type="button"
                class="button secondary small"
                aria-label=down_label
                disabled=is_last
                on:click=move |_| {
                    reorder.dispatch(ReorderStep { id, position: position + 1 });
                }
            >
                "↓"
            </button>
            <ActionForm action=delete attr:class="row-form">
                <input type="hidden" name="id" value=id />
                <select name="move_to" aria-label=move_label>
                    {others
                        .into_iter()
                        .map(|(id, name)| view! { <option value=id>{format!("Leads go to {name}")}</option> })
                        .collect_view()}
                </select>
                <button type="submit" class="button danger small" aria-label=delete_label>
                    "Delete"
                </button>
            </ActionForm>
            {move || {
                error_text(delete.value().get())
                    .or(error_text(rename.value().get()))
                    .map(|m| view! { <p class="form-error">{m}</p> })
            }}
        </li>
    }
}
