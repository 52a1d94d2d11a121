//! One prospect: its contact, the call with the list's script (answers save as they are
//! typed; finishing the call logs the activity), its timeline, conversion into a lead and
//! disqualification.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};

use super::api::{
    prospect_detail, save_answer, AnswerView, ConvertProspect, DisqualifyProspect, ProspectRecord,
    QuestionView, ScriptView,
};
use crate::activities::lead_section::{LogActivityForm, Timeline};
use crate::components::form::{field_error, form_error, FormMessage};
use crate::components::layout::RequireUser;
use crate::domain::prospecting::QuestionKind;
use crate::domain::text::html_escaped;

#[component]
pub fn ProspectPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let params = use_params_map();
    let id = Memo::new(move |_| {
        params
            .with(|p| p.get("id").and_then(|v| v.parse::<i32>().ok()))
            .unwrap_or(0)
    });
    let refresh = RwSignal::new(0u32);
    let data = Resource::new(
        move || (id.get(), refresh.get()),
        |(id, _)| prospect_detail(id),
    );
    view! {
        <Title text="Prospect" />
        <RequireUser>
            <Prospect data refresh />
        </RequireUser>
    }
}

/// The prospect, once read. `data` and `refresh` are created by the page.
#[component]
fn Prospect(
    data: Resource<Result<ProspectRecord, crate::error::AppError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(detail) => view! { <Details detail refresh /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Details(detail: ProspectRecord, refresh: RwSignal<u32>) -> impl IntoView {
    let ProspectRecord {
        prospect,
        list,
        activities,
        types,
        script,
        answers,
        pipelines,
        people,
        can_manage,
    } = detail;
    let id = prospect.id;
    let calling = RwSignal::new(false);
    let qualifying = types
        .iter()
        .find(|t| t.active && t.name == "Qualifying call")
        .or_else(|| types.iter().find(|t| t.active && t.name == "Call"))
        .map(|t| t.id);
    let open = !prospect.status.is_closed();
    let contact: Vec<(String, String)> = list
        .columns
        .iter()
        .map(|c| {
            (
                c.name.clone(),
                prospect
                    .cells
                    .get(&c.id.to_string())
                    .cloned()
                    .unwrap_or_default(),
            )
        })
        .collect();
    let has_script = script.is_some();
    let form_types = types.clone();
    let call_types = types.clone();
    view! {
        <Title text=prospect.label.clone() />
        <div class="page-head">
            <h1>{prospect.label.clone()}</h1>
            <span class=format!("status status-{}", prospect.status.as_str())>{prospect.status.label()}</span>
        </div>
        <p class="muted">
            "In "<A href=format!("/lists/{}", list.id)>{list.name.clone()}</A>
            {format!(" · assigned to {}", prospect.assigned_name.clone().unwrap_or_else(|| "no one".into()))}
            {prospect.disqualify_reason.clone().map(|r| format!(" · disqualified: {r}"))}
        </p>
        {prospect.lead_id.map(|lead| view! {
            <p class="ok">"Converted: "<A href=format!("/leads/{lead}")>"open the lead"</A></p>
        })}
        <div class="prospect-layout">
            <section class="card contact">
                <h2>"Contact"</h2>
                <dl class="facts">
                    {contact.into_iter().map(|(name, value)| view! {
                        <dt>{name}</dt>
                        <dd>{if value.is_empty() { "—".to_string() } else { value }}</dd>
                    }).collect_view()}
                </dl>
                {(has_script && open).then(|| view! {
                    <button class="button primary" on:click=move |_| calling.update(|c| *c = !*c)>
                        {move || if calling.get() { "Hide the script" } else { "Call with script" }}
                    </button>
                })}
            </section>
            <div class="prospect-work">
                {script.clone().map(|script| {
                    let answers = answers.clone();
                    view! {
                        <Show when=move || calling.get()>
                            <CallScript script=script.clone() answers=answers.clone() prospect=Some(id) lead=None />
                        </Show>
                    }
                })}
                {open.then(|| {
                    let types = call_types.clone();
                    let types2 = form_types.clone();
                    view! {
                        <Show when=move || calling.get() fallback=move || view! {
                            <LogActivityForm lead_id=None prospect_id=Some(id) types=types2.clone() refresh />
                        }>
                            <LogActivityForm lead_id=None prospect_id=Some(id) types=types.clone() refresh preselect=qualifying title="Finish the call" />
                        </Show>
                    }
                })}
                {(!answers.is_empty()).then(|| view! {
                    <AnswerList answers=answers.clone() />
                })}
            </div>
        </div>
        <Timeline activities history=Vec::new() types refresh />
        {open.then(|| view! {
            <div class="prospect-actions">
                <Convert prospect=id pipelines people can_manage default_step=list.step_id />
                <Disqualify prospect=id refresh />
            </div>
        })}
    }
}

/// Answers given, including those to earlier versions of the questions.
#[component]
pub fn AnswerList(answers: Vec<AnswerView>) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Call answers"</h2>
            <dl class="facts">
                {answers.into_iter().map(|a| view! {
                    <dt>{a.prompt.clone()}{a.retired.then(|| view! { <span class="muted">" (earlier version)"</span> })}</dt>
                    <dd>{if a.value.is_empty() { "—".to_string() } else { a.value.join(", ") }}<span class="muted">{format!(" · {}", a.updated_by)}</span></dd>
                }).collect_view()}
            </dl>
        </section>
    }
}

/// The questions of a call, answered about a prospect or a lead.
#[component]
pub fn CallScript(
    script: ScriptView,
    answers: Vec<AnswerView>,
    prospect: Option<i32>,
    lead: Option<i32>,
) -> impl IntoView {
    view! {
        <section class="card call-script" aria-label="Call script">
            <h2>{script.name.clone()}</h2>
            <p class="muted">"Answers save as you type."</p>
            <ol class="questions">
                {script.questions.into_iter().map(|q| {
                    let given = answers.iter().find(|a| a.question_id == q.id).map(|a| a.value.clone()).unwrap_or_default();
                    view! { <Question question=q given prospect lead /> }
                }).collect_view()}
            </ol>
        </section>
    }
}

/// One question: every change is saved, one request at a time, the latest value last.
#[component]
fn Question(
    question: QuestionView,
    given: Vec<String>,
    prospect: Option<i32>,
    lead: Option<i32>,
) -> impl IntoView {
    let qid = question.id;
    let value = RwSignal::new(given);
    let queued = RwSignal::new(false);
    let saved = RwSignal::new(None::<Result<(), String>>);
    let save = Action::new(move |v: &Vec<String>| {
        let v = v.clone();
        async move { save_answer(prospect, lead, qid, v).await }
    });
    Effect::new(move || {
        if let Some(result) = save.value().get() {
            saved.set(Some(result.map(|_| ()).map_err(|e| e.summary())));
            if queued.get_untracked() {
                queued.set(false);
                save.dispatch(value.get_untracked());
            }
        }
    });
    let changed = move |v: Vec<String>| {
        value.set(v.clone());
        if save.pending().get_untracked() {
            queued.set(true);
        } else {
            save.dispatch(v);
        }
    };
    let field_id = format!("question-{qid}");
    let prompt = format!(
        "{}{}",
        question.prompt,
        if question.required { " *" } else { "" }
    );
    let input = match question.kind {
        QuestionKind::Text => {
            view! {
                <textarea id=field_id.clone() rows="2" on:input=move |ev| changed(vec![event_target_value(&ev)])
                    inner_html=html_escaped(&value.get_untracked().first().cloned().unwrap_or_default())>
                </textarea>
            }
            .into_any()
        }
        QuestionKind::Single | QuestionKind::Multiple => {
            let multiple = question.kind == QuestionKind::Multiple;
            let name = format!("q{qid}");
            view! {
                <div class="choices" role=if multiple { "group" } else { "radiogroup" } aria-labelledby=format!("{field_id}-label")>
                    {question.options.iter().map(|option| {
                        let o = option.clone();
                        let o_check = option.clone();
                        view! {
                            <label class="choice">
                                <input
                                    type=if multiple { "checkbox" } else { "radio" }
                                    name=name.clone()
                                    prop:checked=move || value.with(|v| v.contains(&o_check))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let mut next = if multiple { value.get_untracked() } else { Vec::new() };
                                        next.retain(|x| x != &o);
                                        if on { next.push(o.clone()); }
                                        changed(next);
                                    }
                                />
                                " "{option.clone()}
                            </label>
                        }
                    }).collect_view()}
                </div>
            }
            .into_any()
        }
    };
    view! {
        <li class="question">
            <label id=format!("{field_id}-label") for=field_id.clone()>{prompt}</label>
            {input}
            <span class="save-state" aria-live="polite">
                {move || match (save.pending().get() || queued.get(), saved.get()) {
                    (true, _) => "Saving…".to_string(),
                    (false, Some(Ok(()))) => "Saved".to_string(),
                    (false, Some(Err(e))) => e,
                    (false, None) => String::new(),
                }}
            </span>
        </li>
    }
}

#[component]
fn Convert(
    prospect: i32,
    pipelines: Vec<crate::pipelines::api::PipelineView>,
    people: Vec<crate::admin::api::UserView>,
    can_manage: bool,
    default_step: Option<i32>,
) -> impl IntoView {
    let convert = ServerAction::<ConvertProspect>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(lead)) = convert.value().get() {
            navigate(&format!("/leads/{lead}"), Default::default());
        }
    });
    view! {
        <section class="card">
            <h2>"Convert into a lead"</h2>
            <ActionForm action=convert attr:class="grid-form">
                <FormMessage error=form_error(convert) />
                <input type="hidden" name="id" value=prospect />
                <div class="field" class:invalid=move || field_error(convert, "title").get().is_some()>
                    <label for="convert-title">"Title (empty: the company or contact)"</label>
                    <input id="convert-title" name="form[title]" maxlength="200" />
                    {move || field_error(convert, "title").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || field_error(convert, "step_id").get().is_some()>
                    <label for="convert-step">"Pipeline and step"</label>
                    <select id="convert-step" name="form[step_id]">
                        <option value="">"(the list's default)"</option>
                        {pipelines.iter().map(|p| view! {
                            <optgroup label=p.name.clone()>
                                {p.steps.iter().map(|s| view! { <option value=s.id selected=default_step == Some(s.id)>{format!("{} · {}", p.name, s.name)}</option> }).collect_view()}
                            </optgroup>
                        }).collect_view()}
                    </select>
                    {move || field_error(convert, "step_id").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="field" class:invalid=move || field_error(convert, "amount").get().is_some()>
                    <label for="convert-amount">"Amount"</label>
                    <input id="convert-amount" name="form[amount]" inputmode="decimal" placeholder="0" />
                    {move || field_error(convert, "amount").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {if can_manage {
                    view! {
                        <div class="field">
                            <label for="convert-owner">"Owner"</label>
                            <select id="convert-owner" name="form[owner_id]">
                                <option value="">"(the assignee, else me)"</option>
                                {people.iter().map(|u| view! { <option value=u.id>{u.name.clone()}</option> }).collect_view()}
                            </select>
                        </div>
                    }.into_any()
                } else {
                    view! { <input type="hidden" name="form[owner_id]" value="" /> }.into_any()
                }}
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || convert.pending().get()>"Convert"</button>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Disqualify(prospect: i32, refresh: RwSignal<u32>) -> impl IntoView {
    let disqualify = ServerAction::<DisqualifyProspect>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = disqualify.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <section class="card">
            <h2>"Disqualify"</h2>
            <ActionForm action=disqualify attr:class="grid-form">
                <FormMessage error=form_error(disqualify) />
                <input type="hidden" name="id" value=prospect />
                <div class="field wide-field" class:invalid=move || field_error(disqualify, "reason").get().is_some()>
                    <label for="disqualify-reason">"Reason"</label>
                    <input id="disqualify-reason" name="reason" maxlength="500" placeholder="No budget, wrong contact…" />
                    {move || field_error(disqualify, "reason").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                <div class="form-actions">
                    <button type="submit" class="button danger">"Disqualify"</button>
                </div>
            </ActionForm>
        </section>
    }
}
