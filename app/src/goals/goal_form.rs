//! The form that sets or changes a goal.

use leptos::prelude::*;

use super::api::{GoalChoices, GoalInput, GoalView, SaveGoal};
use crate::components::form::{field_error, form_error, FormMessage};
use crate::domain::goal::{AssigneeKind, GoalKind};
use crate::domain::period::PeriodKind;

fn input_of(goal: Option<&GoalView>, today: chrono::NaiveDate) -> GoalInput {
    match goal {
        Some(g) => GoalInput::from(g),
        None => GoalInput {
            kind: GoalKind::Activities.as_str().into(),
            assignee: AssigneeKind::User.as_str().into(),
            period: PeriodKind::Day.as_str().into(),
            starts_on: today.to_string(),
            ..Default::default()
        },
    }
}

/// Sets a new goal, or changes `editing`. Calls `on_saved` after a save.
#[component]
pub fn GoalForm(
    options: GoalChoices,
    editing: Option<GoalView>,
    on_saved: Callback<()>,
    on_cancel: Callback<()>,
) -> impl IntoView {
    let id = editing.as_ref().map(|g| g.id);
    let input = RwSignal::new(input_of(editing.as_ref(), options.today));
    let save = ServerAction::<SaveGoal>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = save.value().get() {
            on_saved.run(());
        }
    });
    let options = StoredValue::new(options);
    let kind =
        move || GoalKind::parse(&input.with(|i| i.kind.clone())).unwrap_or(GoalKind::Activities);
    let set_id = move |apply: fn(&mut GoalInput, Option<i32>)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev).parse().ok();
            input.update(|i| apply(i, value));
        }
    };
    let set_text = move |apply: fn(&mut GoalInput, String)| {
        move |ev: leptos::ev::Event| {
            let value = event_target_value(&ev);
            input.update(|i| apply(i, value));
        }
    };
    let error = move |field: &'static str| field_error(save, field);
    let message = move |field: &'static str| {
        move || {
            error(field)
                .get()
                .map(|m| view! { <p class="field-error">{m}</p> })
        }
    };
    let outcomes = move || {
        let type_id = input.with(|i| i.activity_type_id);
        options.with_value(|o| {
            o.types
                .iter()
                .find(|t| Some(t.id) == type_id)
                .map(|t| t.outcomes.clone())
                .unwrap_or_default()
        })
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        save.dispatch(SaveGoal {
            id,
            input: input.get_untracked(),
        });
    };
    let title = if id.is_some() {
        "Change goal"
    } else {
        "New goal"
    };
    view! {
        <section class="card goal-form">
            <h2>{title}</h2>
            <form class="grid-form" on:submit=submit>
                <FormMessage error=form_error(save) />
                <div class="field" class:invalid=move || error("kind").get().is_some()>
                    <label for="goal-kind">"What counts"</label>
                    <select id="goal-kind" on:change=set_text(|i, v| {
                        if (v == GoalKind::Activities.as_str()) != (i.kind == GoalKind::Activities.as_str()) {
                            i.activity_type_id = None;
                            i.outcome_id = None;
                            i.pipeline_id = None;
                        }
                        i.kind = v;
                    })>
                        {GoalKind::ALL.into_iter().map(|k| view! {
                            <option value=k.as_str() selected=move || input.with(|i| i.kind == k.as_str())>{k.label()}</option>
                        }).collect_view()}
                    </select>
                    {message("kind")}
                </div>
                <Show when=move || kind() == GoalKind::Activities>
                    <div class="field" class:invalid=move || error("activity_type_id").get().is_some()>
                        <label for="goal-type">"Activity type"</label>
                        <select id="goal-type" on:change=set_id(|i, v| { i.activity_type_id = v; i.outcome_id = None; })>
                            <option value="">"Choose…"</option>
                            {options.with_value(|o| o.types.iter().filter(|t| t.active).map(|t| {
                                let tid = t.id;
                                view! { <option value=t.id selected=move || input.with(|i| i.activity_type_id == Some(tid))>{t.name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        {message("activity_type_id")}
                    </div>
                    <div class="field" class:invalid=move || error("outcome_id").get().is_some()>
                        <label for="goal-outcome">"Outcome (optional)"</label>
                        <select id="goal-outcome" on:change=set_id(|i, v| i.outcome_id = v)>
                            <option value="">"Any outcome"</option>
                            {move || outcomes().into_iter().map(|(oid, name)| view! {
                                <option value=oid selected=move || input.with(|i| i.outcome_id == Some(oid))>{name}</option>
                            }).collect_view()}
                        </select>
                        {message("outcome_id")}
                    </div>
                </Show>
                <Show when=move || kind() != GoalKind::Activities>
                    <div class="field" class:invalid=move || error("pipeline_id").get().is_some()>
                        <label for="goal-pipeline">"Pipeline (optional)"</label>
                        <select id="goal-pipeline" on:change=set_id(|i, v| i.pipeline_id = v)>
                            <option value="">"All pipelines"</option>
                            {options.with_value(|o| o.pipelines.iter().map(|(pid, name)| {
                                let pid = *pid;
                                view! { <option value=pid selected=move || input.with(|i| i.pipeline_id == Some(pid))>{name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        {message("pipeline_id")}
                    </div>
                </Show>
                <div class="field">
                    <label for="goal-assignee">"For"</label>
                    <select id="goal-assignee" on:change=set_text(|i, v| i.assignee = v)>
                        <option value="user" selected=move || input.with(|i| i.assignee == "user")>"One person"</option>
                        <option value="segment" selected=move || input.with(|i| i.assignee == "segment")>"Each member of a segment"</option>
                        <option value="team" selected=move || input.with(|i| i.assignee == "team")>"The whole team, together"</option>
                    </select>
                    {message("assignee")}
                </div>
                <Show when=move || input.with(|i| i.assignee == "user")>
                    <div class="field" class:invalid=move || error("user_id").get().is_some()>
                        <label for="goal-user">"Person"</label>
                        <select id="goal-user" on:change=set_id(|i, v| i.user_id = v)>
                            <option value="">"Choose…"</option>
                            {options.with_value(|o| o.users.iter().map(|(uid, name)| {
                                let uid = *uid;
                                view! { <option value=uid selected=move || input.with(|i| i.user_id == Some(uid))>{name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        {message("user_id")}
                    </div>
                </Show>
                <Show when=move || input.with(|i| i.assignee == "segment")>
                    <div class="field" class:invalid=move || error("segment_id").get().is_some()>
                        <label for="goal-segment">"Segment"</label>
                        <select id="goal-segment" on:change=set_id(|i, v| i.segment_id = v)>
                            <option value="">"Choose…"</option>
                            {options.with_value(|o| o.segments.iter().map(|(sid, name)| {
                                let sid = *sid;
                                view! { <option value=sid selected=move || input.with(|i| i.segment_id == Some(sid))>{name.clone()}</option> }
                            }).collect_view())}
                        </select>
                        {message("segment_id")}
                    </div>
                </Show>
                <div class="field" class:invalid=move || error("period").get().is_some()>
                    <label for="goal-period">"Period"</label>
                    <select id="goal-period" on:change=set_text(|i, v| i.period = v)>
                        {PeriodKind::ALL.into_iter().map(|p| view! {
                            <option value=p.as_str() selected=move || input.with(|i| i.period == p.as_str())>{format!("Every {}", p.label().to_lowercase())}</option>
                        }).collect_view()}
                        <option value="range" selected=move || input.with(|i| i.period == "range")>"One fixed date range"</option>
                    </select>
                    {message("period")}
                </div>
                <div class="field" class:invalid=move || error("starts_on").get().is_some()>
                    <label for="goal-start">"From"</label>
                    <input id="goal-start" type="date" prop:value=move || input.with(|i| i.starts_on.clone()) on:change=set_text(|i, v| i.starts_on = v) />
                    {message("starts_on")}
                </div>
                <div class="field" class:invalid=move || error("ends_on").get().is_some()>
                    <label for="goal-end">{move || if input.with(|i| i.period == "range") { "To" } else { "Until (optional)" }}</label>
                    <input id="goal-end" type="date" prop:value=move || input.with(|i| i.ends_on.clone()) on:change=set_text(|i, v| i.ends_on = v) />
                    {message("ends_on")}
                </div>
                <div class="field" class:invalid=move || error("target").get().is_some()>
                    <label for="goal-target">{move || if kind().is_money() { "Target amount" } else { "Target" }}</label>
                    <input id="goal-target" inputmode="decimal" prop:value=move || input.with(|i| i.target.clone()) on:input=set_text(|i, v| i.target = v) />
                    {message("target")}
                </div>
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || save.pending().get()>
                        {if id.is_some() { "Save goal" } else { "Set goal" }}
                    </button>
                    <button type="button" class="button secondary" on:click=move |_| on_cancel.run(())>"Cancel"</button>
                </div>
            </form>
        </section>
    }
}
