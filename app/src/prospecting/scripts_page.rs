//! Sales scripts (admins): a name and ordered questions — free text, single or multiple
//! choice, optionally required. Editing never loses answers already given.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{delete_script, list_scripts, save_script, QuestionForm, ScriptView};
use crate::components::layout::RequireUser;
use crate::domain::prospecting::QuestionKind;
use crate::domain::text::html_escaped;
use crate::pipelines::api::list_pipelines;

/// The scripts and the pipelines they can be attached to.
type ScriptsData = (Vec<ScriptView>, Vec<(i32, String)>);

#[component]
pub fn ScriptsPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let refresh = RwSignal::new(0u32);
    let scripts = Resource::new(
        move || refresh.get(),
        |_| async move {
            let scripts = list_scripts().await?;
            let pipelines: Vec<(i32, String)> = list_pipelines()
                .await?
                .into_iter()
                .map(|p| (p.id, p.name))
                .collect();
            Ok::<_, crate::error::AppError>((scripts, pipelines))
        },
    );
    view! {
        <Title text="Sales scripts" />
        <RequireUser admin=true>
            <Scripts refresh scripts />
        </RequireUser>
    }
}

/// The scripts, each in an editor, and one for a new script. `refresh` and `scripts` are
/// created by the page.
#[component]
fn Scripts(
    refresh: RwSignal<u32>,
    scripts: Resource<Result<ScriptsData, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <h1>"Sales scripts"</h1>
        <p class="muted">"Attach a script to a prospecting list in its settings; reps see it when they call."</p>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match scripts.await {
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    Ok((scripts, pipelines)) => view! {
                        {scripts.into_iter().map(|s| view! { <Editor script=Some(s) pipelines=pipelines.clone() refresh /> }).collect_view()}
                        <Editor script=None pipelines refresh />
                    }.into_any(),
                }
            })}
        </Transition>
    }
}

/// A question being edited: options as one line each.
#[derive(Clone, Debug, PartialEq)]
struct Draft {
    key: u32,
    id: Option<i32>,
    kind: String,
    prompt: String,
    options: String,
    required: bool,
}

#[component]
fn Editor(
    script: Option<ScriptView>,
    pipelines: Vec<(i32, String)>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let attached = RwSignal::new(
        script
            .as_ref()
            .map(|s| s.pipeline_ids.clone())
            .unwrap_or_default(),
    );
    let id = script.as_ref().map(|s| s.id);
    let used_by = script
        .as_ref()
        .map(|s| s.used_by.join(", "))
        .unwrap_or_default();
    let name = RwSignal::new(script.as_ref().map(|s| s.name.clone()).unwrap_or_default());
    let next_key = StoredValue::new(0u32);
    let new_key = move || {
        next_key.update_value(|k| *k += 1);
        next_key.get_value()
    };
    let drafts = RwSignal::new(
        script
            .as_ref()
            .map(|s| {
                s.questions
                    .iter()
                    .map(|q| Draft {
                        key: new_key(),
                        id: Some(q.id),
                        kind: q.kind.as_str().into(),
                        prompt: q.prompt.clone(),
                        options: q.options.join("\n"),
                        required: q.required,
                    })
                    .collect::<Vec<_>>()
            })
            .unwrap_or_default(),
    );
    let save = Action::new(move |_: &()| {
        let questions = drafts
            .get_untracked()
            .into_iter()
            .map(|d| QuestionForm {
                id: d.id,
                kind: d.kind,
                prompt: d.prompt,
                options: d.options.lines().map(str::to_string).collect(),
                required: d.required,
            })
            .collect();
        let name = name.get_untracked();
        let pipeline_ids = Some(attached.get_untracked());
        async move { save_script(id, name, questions, pipeline_ids).await }
    });
    let remove = Action::new(move |_: &()| async move {
        match id {
            Some(id) => delete_script(id).await,
            None => Ok(()),
        }
    });
    Effect::new(move || {
        if matches!(save.value().get(), Some(Ok(_))) || matches!(remove.value().get(), Some(Ok(_)))
        {
            refresh.update(|n| *n += 1);
        }
    });
    let heading = if id.is_some() {
        "Edit script"
    } else {
        "New script"
    };
    let prefix = id.map(|i| format!("s{i}")).unwrap_or_else(|| "new".into());
    let name_id = format!("{prefix}-name");
    view! {
        <section class="card script-editor">
            <h2>{heading}</h2>
            {(!used_by.is_empty()).then(|| view! { <p class="muted">{format!("Used by {used_by}")}</p> })}
            <div class="field">
                <label for=name_id.clone()>"Name"</label>
                <input id=name_id prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) maxlength="100" />
            </div>
            <ol class="question-drafts">
                <For each=move || drafts.get() key=|d| d.key let:draft>
                    <DraftRow draft drafts prefix=prefix.clone() />
                </For>
            </ol>
            <fieldset class="attach">
                <legend>"Also offered on the leads of"</legend>
                {pipelines.into_iter().map(|(pid, pname)| view! {
                    <label class="inline-check">
                        <input type="checkbox"
                            prop:checked=move || attached.with(|a| a.contains(&pid))
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                attached.update(|a| { a.retain(|x| *x != pid); if on { a.push(pid); } });
                            } />
                        " "{pname}
                    </label>
                }).collect_view()}
            </fieldset>
            <div class="form-actions">
                <button class="button secondary small" on:click=move |_| {
                    let key = new_key();
                    drafts.update(|d| d.push(Draft { key, id: None, kind: "text".into(), prompt: String::new(), options: String::new(), required: false }));
                }>"Add a question"</button>
                <button class="button primary" on:click=move |_| { save.dispatch(()); } disabled=move || save.pending().get()>"Save script"</button>
                {id.is_some().then(|| view! {
                    <button class="button danger small" on:click=move |_| { remove.dispatch(()); }>"Delete script"</button>
                })}
            </div>
            {move || save.value().get().map(|r| match r {
                Ok(_) => view! { <p class="ok" role="status">"Saved."</p> }.into_any(),
                Err(e) => view! {
                    <p class="form-error" role="alert">{e.summary()}</p>
                }.into_any(),
            })}
            {move || remove.value().get().and_then(Result::err).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        </section>
    }
}

#[component]
fn DraftRow(draft: Draft, drafts: RwSignal<Vec<Draft>>, prefix: String) -> impl IntoView {
    let key = draft.key;
    let edit = move |f: &dyn Fn(&mut Draft)| {
        drafts.update(|all| {
            if let Some(d) = all.iter_mut().find(|d| d.key == key) {
                f(d);
            }
        })
    };
    let kind = RwSignal::new(draft.kind.clone());
    let id = format!("{prefix}-q{key}");
    view! {
        <li class="question-draft">
            <div class="field wide-field">
                <label for=format!("{id}-prompt")>"Question"</label>
                <input id=format!("{id}-prompt") value=draft.prompt.clone() maxlength="500"
                    on:input=move |ev| { let v = event_target_value(&ev); edit(&|d| d.prompt = v.clone()); } />
            </div>
            <div class="field">
                <label for=format!("{id}-kind")>"Answer"</label>
                <select id=format!("{id}-kind") on:change=move |ev| {
                    let v = event_target_value(&ev);
                    kind.set(v.clone());
                    edit(&|d| d.kind = v.clone());
                }>
                    {QuestionKind::ALL.iter().map(|k| view! { <option value=k.as_str() selected=draft.kind == k.as_str()>{k.label()}</option> }).collect_view()}
                </select>
            </div>
            <Show when=move || kind.get() != "text">
                <div class="field">
                    <label for=format!("{id}-options")>"Options, one per line"</label>
                    <textarea id=format!("{id}-options") rows="3"
                        on:input=move |ev| { let v = event_target_value(&ev); edit(&|d| d.options = v.clone()); }
                        inner_html=html_escaped(&drafts.with_untracked(|all| all.iter().find(|d| d.key == key).map(|d| d.options.clone()).unwrap_or_default()))>
                    </textarea>
                </div>
            </Show>
            <label class="inline-check">
                <input type="checkbox" prop:checked=draft.required on:change=move |ev| { let v = event_target_checked(&ev); edit(&|d| d.required = v); } />
                " Required"
            </label>
            <div class="row-actions">
                <button type="button" class="button secondary small" aria-label="Move up" on:click=move |_| drafts.update(|all| {
                    if let Some(i) = all.iter().position(|d| d.key == key) { if i > 0 { all.swap(i, i - 1); } }
                })>"↑"</button>
                <button type="button" class="button secondary small" aria-label="Move down" on:click=move |_| drafts.update(|all| {
                    if let Some(i) = all.iter().position(|d| d.key == key) { if i + 1 < all.len() { all.swap(i, i + 1); } }
                })>"↓"</button>
                <button type="button" class="button danger small" on:click=move |_| drafts.update(|all| all.retain(|d| d.key != key))>"Remove"</button>
            </div>
        </li>
    }
}
