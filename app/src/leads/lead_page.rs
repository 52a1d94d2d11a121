//! One lead: its fields (editable by who may), status changes, and its history. `/leads/new`
//! is the full creation form.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_params_map};
use serde::{Deserialize, Serialize};

use super::api::{
    get_lead, CreateLead, DeleteLead, HistoryView, LeadView, SetLeadStatus, UpdateLead,
};
use crate::activities::api::{
    lead_activities, list_activity_types, ActivityTypeView, ActivityView,
};
use crate::activities::lead_section::{LogActivityForm, Timeline};
use crate::admin::api::{list_users, UserView};
use crate::components::form::{field_error, form_error, Field, FormMessage};
use crate::components::layout::use_current_user;
use crate::components::layout::RequireUser;
use crate::domain::lead::LeadStatus;
use crate::domain::text::html_escaped;
use crate::domain::Role;
use crate::error::AppError;
use crate::live::use_live_events;
use crate::pipelines::api::{list_pipelines, PipelineView};

#[component]
pub fn LeadPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    // The resources are created here, once, and not inside `RequireUser`: the server may
    // render its children more than once, each time with new resources, and the browser could
    // then hydrate its single copy with the data of another.
    let refresh = RwSignal::new(0u32);
    let choices = Resource::new(
        move || id() == "new",
        |new| async move {
            if new {
                Choices::load().await.map(Some)
            } else {
                Ok(None)
            }
        },
    );
    let lead = Resource::new(
        move || (id().parse::<i32>().ok(), refresh.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_lead(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <RequireUser>
            {move || {
                let id = id();
                if id == "new" {
                    view! { <Title text="New lead" /> <NewLead choices /> }.into_any()
                } else {
                    match id.parse::<i32>() {
                        Ok(id) => view! { <ExistingLead id lead refresh /> }.into_any(),
                        Err(_) => view! { <p class="form-error">"No such lead."</p> }.into_any(),
                    }
                }
            }}
        </RequireUser>
    }
}

/// What the lead form offers: pipelines with their steps, and people who may own a lead.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Choices {
    pipelines: Vec<PipelineView>,
    people: Vec<UserView>,
}

impl Choices {
    async fn load() -> Result<Choices, AppError> {
        Ok(Choices {
            pipelines: list_pipelines().await?,
            people: list_users().await?,
        })
    }
}

/// Everything the page of an existing lead shows: the lead and its history, its activities,
/// the activity types, the form's choices and its call script with the answers given.
type LeadData = (
    LeadView,
    Vec<HistoryView>,
    Vec<ActivityView>,
    Vec<ActivityTypeView>,
    Choices,
    crate::prospecting::api::LeadCall,
);

/// Reads a lead's page in one go (one resource, one hydration).
async fn load_lead(id: i32) -> Result<LeadData, AppError> {
    let (lead, history) = get_lead(id).await?;
    let activities = lead_activities(id).await?;
    let types = list_activity_types().await?;
    let choices = Choices::load().await?;
    let answers = crate::prospecting::api::lead_answers(id).await?;
    Ok((lead, history, activities, types, choices, answers))
}

/// The editable fields, shared by the creation and edit forms. Field names are `lead[...]`.
#[component]
fn LeadFields<A>(
    action: ServerAction<A>,
    lead: Option<LeadView>,
    /// Read by the page with the lead: a component inside a loaded view must not create
    /// resources of its own (the browser could hydrate them in another order than the server
    /// rendered them).
    choices: Choices,
) -> impl IntoView
where
    A: leptos::server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    A::Output: Clone + Send + Sync + 'static,
{
    let Choices { pipelines, people } = choices;
    let l = lead.clone().unwrap_or(LeadView {
        id: 0,
        title: String::new(),
        amount: String::new(),
        currency: String::new(),
        probability: 10,
        owner_id: 0,
        owner_name: String::new(),
        pipeline_id: 0,
        pipeline_name: String::new(),
        step_id: 0,
        step_name: String::new(),
        status: LeadStatus::Active,
        next_action_at: None,
        next_action_local: String::new(),
        company: String::new(),
        person: String::new(),
        email: String::new(),
        phone: String::new(),
        notes: String::new(),
        tags: Vec::new(),
        close_reason: None,
        origin_list_id: None,
        origin_prospect_id: None,
        created_at: Default::default(),
        updated_at: Default::default(),
        closed_at: None,
        version: 0,
        can_edit: true,
    });
    let step_id = l.step_id;
    let status = l.status;
    let owner_id = l.owner_id;
    let me = use_current_user();
    let may_reassign = move || me.get().is_some_and(|u| u.role != Role::Member);
    view! {
        <Field id="lead-title" label="Title" name="lead[title]" value=l.title.clone() required=true error=field_error(action, "title") />
        <Field id="lead-amount" label="Amount" name="lead[amount]" value=l.amount.clone() placeholder="12000.00" error=field_error(action, "amount") />
        <Field id="lead-probability" label="Probability (%)" name="lead[probability]" kind="number" value=l.probability.to_string() error=field_error(action, "probability") />
        <div class="field" class:invalid=move || field_error(action, "step_id").get().is_some()>
            <label for="lead-step">"Pipeline and step"</label>
            {
                    let list = pipelines;
                    view! {
                        <select id="lead-step" name="lead[step_id]">
                            {list
                                .into_iter()
                                .map(|p| {
                                    let name = p.name.clone();
                                    view! {
                                        <optgroup label=name.clone()>
                                            {p.steps
                                                .into_iter()
                                                .map(|s| {
                                                    let selected = s.id == step_id;
                                                    view! { <option value=s.id selected=selected>{format!("{name} · {}", s.name)}</option> }
                                                })
                                                .collect_view()}
                                        </optgroup>
                                    }
                                })
                                .collect_view()}
                        </select>
                    }
            }
            {move || field_error(action, "step_id").get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
        <Show when=may_reassign>
            <div class="field" class:invalid=move || field_error(action, "owner_id").get().is_some()>
                <label for="lead-owner">"Owner"</label>
                    {
                        let list = people.clone();
                        // A new lead is the creator's unless they choose someone else.
                        let owner_id = if owner_id == 0 {
                            me.get_untracked().map(|u| u.id).unwrap_or(0)
                        } else {
                            owner_id
                        };
                        view! {
                            <select id="lead-owner" name="lead[owner_id]">
                                {list
                                    .into_iter()
                                    .filter(|u| u.active || u.id == owner_id)
                                    .map(|u| {
                                        let selected = u.id == owner_id;
                                        view! { <option value=u.id selected=selected>{u.name}</option> }
                                    })
                                    .collect_view()}
                            </select>
                        }
                    }
                {move || field_error(action, "owner_id").get().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        </Show>
        <div class="field">
            <label for="lead-status">"Status"</label>
            <select id="lead-status" name="lead[status]">
                {[LeadStatus::Active, LeadStatus::Standby]
                    .into_iter()
                    .chain(status.is_closed().then_some(status))
                    .map(|s| view! { <option value=s.as_str() selected=s == status>{s.label()}</option> })
                    .collect_view()}
            </select>
        </div>
        <Field id="lead-next" label="Next action" name="lead[next_action]" kind="datetime-local" value=l.next_action_local.clone() error=field_error(action, "next_action") />
        <Field id="lead-company" label="Company" name="lead[company]" value=l.company.clone() error=field_error(action, "company") />
        <Field id="lead-person" label="Contact person" name="lead[person]" value=l.person.clone() error=field_error(action, "person") />
        <Field id="lead-email" label="Contact email" name="lead[email]" kind="email" value=l.email.clone() error=field_error(action, "email") />
        <Field id="lead-phone" label="Phone" name="lead[phone]" kind="tel" value=l.phone.clone() error=field_error(action, "phone") />
        <Field id="lead-tags" label="Tags, separated by commas" name="lead[tags]" value=l.tags.join(", ") error=field_error(action, "tags") />
        <div class="field wide-field" class:invalid=move || field_error(action, "notes").get().is_some()>
            <label for="lead-notes">"Notes"</label>
            <textarea id="lead-notes" name="lead[notes]" rows="4" inner_html=html_escaped(&l.notes)></textarea>
            {move || field_error(action, "notes").get().map(|m| view! { <p class="field-error">{m}</p> })}
        </div>
    }
}

/// The creation form. `choices` is created by the page (`None` unless the address is
/// `/leads/new`).
#[component]
fn NewLead(choices: Resource<Result<Option<Choices>, AppError>>) -> impl IntoView {
    let create = ServerAction::<CreateLead>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(lead)) = create.value().get() {
            navigate(&format!("/leads/{}", lead.id), Default::default());
        }
    });
    view! {
        <h1>"New lead"</h1>
        <section class="card">
            <ActionForm action=create attr:class="grid-form">
                <FormMessage error=form_error(create) />
                <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                    {move || Suspend::new(async move {
                        match choices.await {
                            Ok(Some(choices)) => view! { <LeadFields action=create lead=None choices /> }.into_any(),
                            // Still the value from before the address changed.
                            Ok(None) => view! { <p class="muted">"Loading…"</p> }.into_any(),
                            Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
                <div class="form-actions">
                    <button type="submit" class="button primary">"Create lead"</button>
                </div>
            </ActionForm>
        </section>
    }
}

/// A lead's page. `lead` and `refresh` are created by the page, keyed on the address's id.
#[component]
fn ExistingLead(
    id: i32,
    lead: Resource<Result<Option<LeadData>, AppError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    use_live_events(move |event| {
        if event.data.get("lead_id").and_then(|v| v.as_i64()) == Some(id as i64) {
            refresh.update(|n| *n += 1);
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lead.await {
                    Ok(Some((lead, history, activities, types, choices, answers))) if lead.id == id => view! { <LeadDetails lead history activities types choices answers refresh /> }.into_any(),
                    // Still the value from before the address changed.
                    Ok(_) => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn LeadDetails(
    lead: LeadView,
    history: Vec<HistoryView>,
    activities: Vec<ActivityView>,
    types: Vec<ActivityTypeView>,
    choices: Choices,
    answers: crate::prospecting::api::LeadCall,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    let update = ServerAction::<UpdateLead>::new();
    let status = ServerAction::<SetLeadStatus>::new();
    let delete = ServerAction::<DeleteLead>::new();
    let navigate = use_navigate();
    Effect::new(move || {
        if matches!(
            update.value().get(),
            Some(Ok(_)) | Some(Err(AppError::Conflict(_)))
        ) || matches!(
            status.value().get(),
            Some(Ok(_)) | Some(Err(AppError::Conflict(_)))
        ) {
            refresh.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        if let Some(Ok(())) = delete.value().get() {
            navigate("/board", Default::default());
        }
    });
    let me = use_current_user();
    let form_types = types.clone();
    let id = lead.id;
    let version = lead.version;
    let closed = lead.status.is_closed();
    let can_edit = lead.can_edit;
    let summary = format!(
        "{} {} · {} · {} › {} · owner {}",
        lead.amount,
        lead.currency,
        lead.status.label(),
        lead.pipeline_name,
        lead.step_name,
        lead.owner_name
    );
    view! {
        <Title text=lead.title.clone() />
        <div class="board-head">
            <h1>{lead.title.clone()}</h1>
            <a href=format!("/board?pipeline={}", lead.pipeline_id)>"Back to the board"</a>
        </div>
        <p class="muted">{summary}</p>
        {lead.close_reason.clone().map(|r| view! { <p>{format!("Reason: {r}")}</p> })}
        <FormMessage error=Signal::derive(move || form_error(update).get().or(form_error(status).get()).or(form_error(delete).get())) />
        <Show when=move || can_edit fallback=|| view! { <p class="muted">"You can read this lead; its owner or a manager can change it."</p> }>
            <section class="card status-actions">
                <h2>"Status"</h2>
                <ActionForm action=status attr:class="row-form">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="version" value=version />
                    {if closed {
                        view! {
                            <input type="hidden" name="reason" value="" />
                            <button type="submit" name="status" value="active" class="button secondary">"Reopen"</button>
                        }
                            .into_any()
                    } else {
                        view! {
                            <input name="reason" placeholder="Reason (optional)" aria-label="Reason" />
                            <button type="submit" name="status" value="won" class="button primary">"Won"</button>
                            <button type="submit" name="status" value="lost" class="button secondary">"Lost"</button>
                            <button type="submit" name="status" value="cancelled" class="button secondary">"Cancelled"</button>
                        }
                            .into_any()
                    }}
                </ActionForm>
            </section>
        </Show>
        <Show when=move || can_edit>
            <LogActivityForm lead_id=Some(id) prospect_id=None types=form_types.clone() refresh />
        </Show>
        {lead.origin_prospect_id.map(|p| view! {
            <p class="muted">"From a prospecting list: "<A href=format!("/prospects/{p}")>"the prospect"</A></p>
        })}
        {
            let crate::prospecting::api::LeadCall { script, answers } = answers;
            let calling = RwSignal::new(false);
            view! {
                {script.map(|script| {
                    let given = answers.clone();
                    view! {
                        <div class="form-actions">
                            <button class="button secondary" on:click=move |_| calling.update(|c| *c = !*c)>
                                {move || if calling.get() { "Hide the script" } else { "Call with script" }}
                            </button>
                        </div>
                        <Show when=move || calling.get()>
                            <crate::prospecting::CallScript script=script.clone() answers=given.clone() prospect=None lead=Some(id) />
                        </Show>
                    }
                })}
                {(!answers.is_empty()).then(|| view! { <crate::prospecting::AnswerList answers /> })}
            }
        }
        <Timeline activities history types refresh />
        <section class="card">
            <h2>"Details"</h2>
            <ActionForm action=update attr:class="grid-form">
                <input type="hidden" name="id" value=id />
                <input type="hidden" name="version" value=version />
                <LeadFields action=update lead=Some(lead.clone()) choices />
                <Show when=move || can_edit>
                    <div class="form-actions">
                        <button type="submit" class="button primary">"Save"</button>
                        <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                            <span class="ok" role="status">"Saved."</span>
                        </Show>
                    </div>
                </Show>
            </ActionForm>
        </section>
        <Show when=move || can_edit && me.get().is_some_and(|u| u.role != Role::Member)>
            <details class="danger-zone">
                <summary>"Delete this lead"</summary>
                <ActionForm action=delete attr:class="row-form">
                    <input type="hidden" name="id" value=id />
                    <button type="submit" class="button danger small">"Delete lead"</button>
                </ActionForm>
            </details>
        </Show>
    }
}
