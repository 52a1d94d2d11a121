//! The forecast planner: a revenue target becomes deals, leads, prospects and activities,
//! computed in the browser as you type (the same domain function the server runs), then split
//! over people and turned into goals.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::{use_navigate, use_query_map};

use super::api::{
    goal_options, list_plans, ApplyPlan, GoalChoices, HistoryRatios, PlanHistory, PlanView,
    SavePlan,
};
use crate::components::form::{field_error, form_error, FormMessage};
use crate::components::layout::RequireUser;
use crate::domain::forecast::{
    self, ActivityRate, FieldErrors, Funnel, GoalDraft, PersonPlan, PersonShare, PlanInputs,
};
use crate::domain::goal::GoalKind;
use crate::domain::period::PeriodKind;
use crate::domain::text::thousands;
use crate::error::AppError;

type PlannerData = (GoalChoices, Vec<PlanView>);

#[component]
pub fn PlannerPage() -> impl IntoView {
    let query = use_query_map();
    let plan =
        Memo::new(move |_| query.with(|q| q.get("plan").and_then(|p| p.parse::<i32>().ok())));
    let data = Resource::new(
        move || plan.get(),
        |_| async move { Ok::<PlannerData, AppError>((goal_options().await?, list_plans().await?)) },
    );
    view! {
        <Title text="Planner" />
        <RequireUser>
            <Transition fallback=|| view! { <p class="muted">"Loading the planner…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok((options, plans)) => {
                            let current = plan.get_untracked().and_then(|id| plans.iter().find(|p| p.id == id).cloned());
                            view! { <Planner options plans current /> }.into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </RequireUser>
    }
}

fn default_inputs(options: &GoalChoices) -> PlanInputs {
    let find = |name: &str| {
        options
            .types
            .iter()
            .find(|t| t.active && t.name.eq_ignore_ascii_case(name))
            .map(|t| t.id)
    };
    let mut inputs = PlanInputs::example(options.today, 0, 0, 0);
    inputs.per_prospect = find("Call")
        .map(|id| {
            vec![ActivityRate {
                type_id: id,
                rate: "3".into(),
            }]
        })
        .unwrap_or_default();
    inputs.per_lead = [("Call", "8"), ("Meeting", "1"), ("Proposal", "2")]
        .into_iter()
        .filter_map(|(name, rate)| {
            find(name).map(|id| ActivityRate {
                type_id: id,
                rate: rate.into(),
            })
        })
        .collect();
    inputs
}

type Computed = Result<(Funnel, Vec<PersonPlan>, Vec<GoalDraft>), FieldErrors>;

#[component]
fn Planner(options: GoalChoices, plans: Vec<PlanView>, current: Option<PlanView>) -> impl IntoView {
    let inputs = RwSignal::new(
        current
            .as_ref()
            .map(|p| p.inputs.clone())
            .unwrap_or_else(|| default_inputs(&options)),
    );
    let name = RwSignal::new(
        current
            .as_ref()
            .map(|p| p.name.clone())
            .unwrap_or_else(|| format!("Plan {}", options.today.format("%b %Y"))),
    );
    let plan_id = current.as_ref().map(|p| p.id);
    let replaced = current.as_ref().map(|p| p.goal_ids.len()).unwrap_or(0);
    let options = StoredValue::new(options);
    let computed = Memo::new(move |_| -> Computed {
        let inputs = inputs.get();
        options.with_value(|o| {
            let funnel = forecast::compute(&inputs, o.week_start, o.working_days)?;
            let people = forecast::split(&inputs, &funnel, &o.members, o.working_days)?;
            let goals = forecast::goals_of(&inputs, &funnel, &people);
            Ok((funnel, people, goals))
        })
    });
    let local_error = move |field: String| {
        computed.with(|c| match c {
            Err(errors) => errors
                .iter()
                .find(|(f, _)| *f == field)
                .map(|(_, m)| m.clone()),
            Ok(_) => None,
        })
    };
    let save = ServerAction::<SavePlan>::new();
    let apply = ServerAction::<ApplyPlan>::new();
    let apply_next = RwSignal::new(false);
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(plan)) = save.value().get() {
            if apply_next.get_untracked() {
                apply_next.set(false);
                apply.dispatch(ApplyPlan { id: plan.id });
            } else if Some(plan.id) != plan_id {
                navigate(&format!("/plan?plan={}", plan.id), Default::default());
            }
        }
    });
    let submit = move |and_apply: bool| {
        apply_next.set(and_apply);
        save.dispatch(SavePlan {
            id: save
                .value()
                .get_untracked()
                .and_then(|r| r.ok())
                .map(|p| p.id)
                .or(plan_id),
            name: name.get_untracked(),
            inputs: inputs.get_untracked(),
        });
    };
    let history = ServerAction::<PlanHistory>::new();
    let basis = RwSignal::new(None::<HistoryRatios>);
    Effect::new(move || {
        if let Some(Ok(ratios)) = history.value().get() {
            inputs.update(|i| {
                if let Some(v) = &ratios.deal_value.value {
                    i.deal_value = v.clone();
                }
                if let Some(v) = &ratios.leads_per_deal.value {
                    i.leads_per_deal = v.clone();
                }
                if let Some(v) = &ratios.prospects_per_lead.value {
                    i.prospects_per_lead = v.clone();
                }
                for (list, measured) in [
                    (&mut i.per_prospect, &ratios.per_prospect),
                    (&mut i.per_lead, &ratios.per_lead),
                ] {
                    for rate in measured {
                        let Some(value) = &rate.measured.value else {
                            continue;
                        };
                        match list.iter_mut().find(|r| r.type_id == rate.type_id) {
                            Some(existing) => existing.rate = value.clone(),
                            None => list.push(ActivityRate {
                                type_id: rate.type_id,
                                rate: value.clone(),
                            }),
                        }
                    }
                }
            });
            basis.set(Some(ratios));
        }
    });
    let window = RwSignal::new(90i64);
    let pipeline = RwSignal::new(None::<i32>);
    let text_field = move |id: &'static str,
                           label: &'static str,
                           get: fn(&PlanInputs) -> String,
                           set: fn(&mut PlanInputs, String),
                           basis_of: fn(&HistoryRatios) -> String| {
        let error = Signal::derive(move || {
            local_error(id.to_string()).or_else(|| field_error(save, id).get())
        });
        view! {
            <div class="field" class:invalid=move || error.get().is_some()>
                <label for=format!("plan-{id}")>{label}</label>
                <input id=format!("plan-{id}") name=id inputmode="decimal"
                    prop:value=move || inputs.with(get)
                    on:input=move |ev| { let v = event_target_value(&ev); inputs.update(|i| set(i, v)); } />
                {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                {move || basis.with(|b| b.as_ref().map(|b| view! { <p class="hint">{basis_of(b)}</p> }))}
            </div>
        }
    };
    let open_plans = plans.clone();
    view! {
        <div class="page-head">
            <h1>"Planner"</h1>
            <div class="actions">
                <select aria-label="Open a saved plan" on:change=move |ev| {
                    let v = event_target_value(&ev);
                    let path = if v.is_empty() { "/plan".to_string() } else { format!("/plan?plan={v}") };
                    use_navigate()(&path, Default::default());
                }>
                    <option value="" selected=plan_id.is_none()>"New plan"</option>
                    {open_plans.into_iter().map(|p| view! {
                        <option value=p.id selected=Some(p.id) == plan_id>{p.name}</option>
                    }).collect_view()}
                </select>
                <A href="/goals" attr:class="button secondary">"Team goals"</A>
            </div>
        </div>
        <div class="planner">
            <section class="card planner-inputs">
                <h2>"Target and ratios"</h2>
                <FormMessage error=form_error(save) />
                <div class="field" class:invalid=move || field_error(save, "name").get().is_some()>
                    <label for="plan-name">"Plan name"</label>
                    <input id="plan-name" prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    {move || field_error(save, "name").get().map(|m| view! { <p class="field-error">{m}</p> })}
                </div>
                {text_field("target", "Revenue target", |i| i.target.clone(), |i, v| i.target = v, |_| String::new())}
                <div class="field-row">
                    <div class="field">
                        <label for="plan-period">"Period"</label>
                        <select id="plan-period" on:change=move |ev| {
                            if let Ok(p) = PeriodKind::parse(&event_target_value(&ev)) { inputs.update(|i| i.period = p); }
                        }>
                            {PeriodKind::ALL.into_iter().filter(|p| *p != PeriodKind::Day).map(|p| view! {
                                <option value=p.as_str() selected=move || inputs.with(|i| i.period == p)>{p.label()}</option>
                            }).collect_view()}
                        </select>
                    </div>
                    <div class="field">
                        <label for="plan-start">"Holding the day"</label>
                        <input id="plan-start" type="date" prop:value=move || inputs.with(|i| i.starts_on.to_string())
                            on:change=move |ev| {
                                if let Ok(d) = chrono::NaiveDate::parse_from_str(&event_target_value(&ev), "%Y-%m-%d") { inputs.update(|i| i.starts_on = d); }
                            } />
                    </div>
                </div>
                {text_field("deal_value", "Average deal value", |i| i.deal_value.clone(), |i, v| i.deal_value = v, |b| b.deal_value.basis.clone())}
                {text_field("leads_per_deal", "Leads needed per won deal", |i| i.leads_per_deal.clone(), |i, v| i.leads_per_deal = v, |b| b.leads_per_deal.basis.clone())}
                {text_field("prospects_per_lead", "Prospects needed per lead", |i| i.prospects_per_lead.clone(), |i, v| i.prospects_per_lead = v, |b| b.prospects_per_lead.basis.clone())}
                <RateList stage="per_prospect" title="Activities per prospect" inputs options computed basis save />
                <RateList stage="per_lead" title="Activities per lead" inputs options computed basis save />
                <div class="history-box">
                    <h3>"Use our history"</h3>
                    <div class="field-row">
                        <label>"Window "
                            <select on:change=move |ev| window.set(event_target_value(&ev).parse().unwrap_or(90))>
                                <option value="30">"Last 30 days"</option>
                                <option value="90" selected>"Last 90 days"</option>
                                <option value="180">"Last 180 days"</option>
                                <option value="365">"Last 365 days"</option>
                            </select>
                        </label>
                        <label>"Pipeline "
                            <select on:change=move |ev| pipeline.set(event_target_value(&ev).parse().ok())>
                                <option value="">"All"</option>
                                {options.with_value(|o| o.pipelines.iter().map(|(id, n)| view! { <option value=*id>{n.clone()}</option> }).collect_view())}
                            </select>
                        </label>
                        <button type="button" class="button secondary" disabled=move || history.pending().get()
                            on:click=move |_| { history.dispatch(PlanHistory { days: window.get_untracked(), pipeline_id: pipeline.get_untracked() }); }>
                            "Fill from our data"
                        </button>
                    </div>
                    {move || history.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error">{e.to_string()}</p> })}
                    {move || basis.get().map(|b| view! {
                        <p class="hint">{format!("Measured from {} to {}. Ratios without enough data were left as they were.", b.from.format("%-d %b %Y"), b.to.format("%-d %b %Y"))}</p>
                    })}
                </div>
                <Split inputs options computed save />
            </section>
            <section class="card planner-outputs" aria-live="polite">
                <h2>"What it takes"</h2>
                {move || computed.with(|c| match c {
                    Err(_) => view! { <p class="muted">"Fix the fields marked in red to see the plan."</p> }.into_any(),
                    Ok((funnel, people, goals)) => view! {
                        <Outputs funnel=funnel.clone() people=people.clone() goals=goals.clone() options replaced />
                    }.into_any(),
                })}
                <div class="form-actions">
                    <button type="button" class="button secondary" disabled=move || save.pending().get() || computed.with(|c| c.is_err())
                        on:click=move |_| submit(false)>"Save plan"</button>
                    <button type="button" class="button primary" disabled=move || save.pending().get() || apply.pending().get() || computed.with(|c| c.is_err())
                        on:click=move |_| submit(true)>"Save and create goals"</button>
                </div>
                {move || apply.value().get().map(|r| match r {
                    Ok(goals) => view! {
                        <p class="notice" role="status">
                            {format!("Created {}. ", crate::domain::text::counted(goals.len() as i64, "goal", "goals"))}
                            <A href="/goals?kind=day">"See them on the team goals page"</A>
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p class="form-error" role="alert">{e.to_string()}</p> }.into_any(),
                })}
            </section>
        </div>
    }
}

#[component]
fn RateList(
    stage: &'static str,
    title: &'static str,
    inputs: RwSignal<PlanInputs>,
    options: StoredValue<GoalChoices>,
    computed: Memo<Computed>,
    basis: RwSignal<Option<HistoryRatios>>,
    save: ServerAction<SavePlan>,
) -> impl IntoView {
    fn list<'a>(i: &'a mut PlanInputs, stage: &str) -> &'a mut Vec<ActivityRate> {
        if stage == "per_prospect" {
            &mut i.per_prospect
        } else {
            &mut i.per_lead
        }
    }
    let rows = move || {
        inputs.with(|i| {
            if stage == "per_prospect" {
                i.per_prospect.clone()
            } else {
                i.per_lead.clone()
            }
        })
    };
    let add = move |_| {
        inputs.update(|i| {
            let used: Vec<i32> = list(i, stage).iter().map(|r| r.type_id).collect();
            if let Some(t) = options.with_value(|o| {
                o.types
                    .iter()
                    .find(|t| t.active && !used.contains(&t.id))
                    .cloned()
            }) {
                list(i, stage).push(ActivityRate {
                    type_id: t.id,
                    rate: "1".into(),
                });
            }
        })
    };
    view! {
        <fieldset class="rates" data-stage=stage>
            <legend>{title}</legend>
            {move || rows().into_iter().enumerate().map(|(index, rate)| {
                let field = format!("{stage}.{index}");
                let error_field = field.clone();
                let error = Signal::derive(move || computed.with(|c| match c {
                    Err(errors) => errors.iter().find(|(f, _)| *f == error_field).map(|(_, m)| m.clone()),
                    Ok(_) => None,
                }).or_else(|| save.value().with(|v| match v {
                    Some(Err(e)) => e.field_message(&error_field),
                    _ => None,
                })));
                let type_id = rate.type_id;
                let measured = move || basis.with(|b| b.as_ref().and_then(|b| {
                    let list = if stage == "per_prospect" { &b.per_prospect } else { &b.per_lead };
                    list.iter().find(|m| m.type_id == type_id).map(|m| m.measured.basis.clone())
                }));
                view! {
                    <div class="rate-row" class:invalid=move || error.get().is_some()>
                        <select aria-label="Activity type" on:change=move |ev| {
                            if let Ok(id) = event_target_value(&ev).parse() { inputs.update(|i| if let Some(r) = list(i, stage).get_mut(index) { r.type_id = id; }); }
                        }>
                            {options.with_value(|o| o.types.iter().filter(|t| t.active || t.id == type_id).map(|t| view! {
                                <option value=t.id selected=t.id == type_id>{t.name.clone()}</option>
                            }).collect_view())}
                        </select>
                        <input aria-label=format!("{field} rate") data-field=field.clone() inputmode="decimal" prop:value=rate.rate.clone()
                            on:input=move |ev| { let v = event_target_value(&ev); inputs.update(|i| if let Some(r) = list(i, stage).get_mut(index) { r.rate = v; }); } />
                        <button type="button" class="button secondary small" aria-label="Remove"
                            on:click=move |_| inputs.update(|i| { if index < list(i, stage).len() { list(i, stage).remove(index); } })>"×"</button>
                        {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
                        {move || measured().map(|m| view! { <p class="hint">{m}</p> })}
                    </div>
                }
            }).collect_view()}
            <button type="button" class="button secondary small" on:click=add>"Add an activity type"</button>
        </fieldset>
    }
}

#[component]
fn Split(
    inputs: RwSignal<PlanInputs>,
    options: StoredValue<GoalChoices>,
    computed: Memo<Computed>,
    save: ServerAction<SavePlan>,
) -> impl IntoView {
    let segment_select = move |id: &'static str,
                               label: &'static str,
                               get: fn(&PlanInputs) -> Option<i32>,
                               set: fn(&mut PlanInputs, Option<i32>)| {
        let error = move || {
            computed
                .with(|c| match c {
                    Err(errors) => errors.iter().find(|(f, _)| f == id).map(|(_, m)| m.clone()),
                    Ok(_) => None,
                })
                .or_else(|| field_error(save, id).get())
        };
        view! {
            <div class="field" class:invalid=move || error().is_some()>
                <label for=format!("plan-{id}")>{label}</label>
                <select id=format!("plan-{id}") on:change=move |ev| { let v = event_target_value(&ev).parse().ok(); inputs.update(|i| set(i, v)); }>
                    <option value="" selected=move || inputs.with(|i| get(i).is_none())>"Nobody (no personal goals)"</option>
                    {options.with_value(|o| o.segments.iter().map(|(sid, n)| {
                        let sid = *sid;
                        view! { <option value=sid selected=move || inputs.with(|i| get(i) == Some(sid))>{n.clone()}</option> }
                    }).collect_view())}
                </select>
                {move || error().map(|m| view! { <p class="field-error">{m}</p> })}
            </div>
        }
    };
    let people = move || {
        let (a, b) = inputs.with(|i| (i.prospecting_segment, i.closing_segment));
        options.with_value(|o| {
            o.members
                .iter()
                .filter(|m| Some(m.segment_id) == a || Some(m.segment_id) == b)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <div class="split">
            <h3>"Split over the team"</h3>
            {segment_select("prospecting_segment", "Prospecting activities go to", |i| i.prospecting_segment, |i, v| i.prospecting_segment = v)}
            {segment_select("closing_segment", "Lead activities go to", |i| i.closing_segment, |i, v| i.closing_segment = v)}
            <div class="field">
                <label for="plan-goal-period">"Personal goals per"</label>
                <select id="plan-goal-period" on:change=move |ev| {
                    let p = if event_target_value(&ev) == "week" { PeriodKind::Week } else { PeriodKind::Day };
                    inputs.update(|i| i.goal_period = p);
                }>
                    <option value="day" selected=move || inputs.with(|i| i.goal_period == PeriodKind::Day)>"Working day"</option>
                    <option value="week" selected=move || inputs.with(|i| i.goal_period == PeriodKind::Week)>"Week"</option>
                </select>
            </div>
            {move || {
                let people = people();
                (!people.is_empty()).then(|| view! {
                    <table class="table shares">
                        <thead><tr><th>"Person"</th><th class="num">"Share of their stage (%)"</th></tr></thead>
                        <tbody>
                            {people.into_iter().map(|m| {
                                let uid = m.user_id;
                                let field = format!("share.{uid}");
                                let error = move || computed.with(|c| match c {
                                    Err(errors) => errors.iter().find(|(f, _)| *f == field).map(|(_, m)| m.clone()),
                                    Ok(_) => None,
                                });
                                view! {
                                    <tr>
                                        <td>{m.name.clone()}</td>
                                        <td class="num">
                                            <input class="share" inputmode="decimal" placeholder="even" aria-label=format!("Share of {}", m.name)
                                                prop:value=move || inputs.with(|i| i.shares.iter().find(|s| s.user_id == uid).map(|s| s.percent.clone()).unwrap_or_default())
                                                on:input=move |ev| {
                                                    let v = event_target_value(&ev);
                                                    inputs.update(|i| {
                                                        i.shares.retain(|s| s.user_id != uid);
                                                        if !v.trim().is_empty() { i.shares.push(PersonShare { user_id: uid, percent: v }); }
                                                    });
                                                } />
                                            {move || error().map(|m| view! { <p class="field-error">{m}</p> })}
                                        </td>
                                    </tr>
                                }
                            }).collect_view()}
                        </tbody>
                    </table>
                })
            }}
        </div>
    }
}

#[component]
fn Outputs(
    funnel: Funnel,
    people: Vec<PersonPlan>,
    goals: Vec<GoalDraft>,
    options: StoredValue<GoalChoices>,
    replaced: usize,
) -> impl IntoView {
    let type_name = move |id: i32| {
        options.with_value(|o| {
            o.types
                .iter()
                .find(|t| t.id == id)
                .map(|t| t.name.clone())
                .unwrap_or_else(|| "?".into())
        })
    };
    let user_name = move |id: Option<i32>| {
        options.with_value(|o| {
            o.users
                .iter()
                .find(|u| Some(u.0) == id)
                .map(|u| u.1.clone())
                .unwrap_or_else(|| "Whole team".into())
        })
    };
    let working = options.with_value(|o| o.working_days.label());
    let n = |v: u64| thousands(v);
    let stage_rows = |stage: &'static str, volumes: &[forecast::Volume]| {
        volumes
            .iter()
            .map(|v| {
                view! {
                    <tr data-type=v.type_id data-stage=stage>
                        <td>{stage}</td>
                        <td>{type_name(v.type_id)}</td>
                        <td class="num total">{n(v.total)}</td>
                        <td class="num per-day">{n(v.per_day)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let goal_text = move |g: &GoalDraft| {
        let what = match g.kind {
            GoalKind::Activities => g.activity_type_id.map(type_name).unwrap_or_default(),
            other => other.label().to_string(),
        };
        let per = g.schedule.period.map(|p| p.per()).unwrap_or("");
        format!(
            "{} — {}: {} {per}",
            user_name(g.user_id),
            what,
            g.kind.format(g.target)
        )
    };
    view! {
        <p class="muted">{format!("{} · {} working days ({working})", funnel.period.label(), funnel.working_days)}</p>
        <div class="funnel">
            <div class="stat"><span class="stat-value" data-out="deals">{n(funnel.deals)}</span><span class="stat-label">"deals"</span></div>
            <div class="stat"><span class="stat-value" data-out="leads">{n(funnel.leads)}</span><span class="stat-label">"leads"</span></div>
            <div class="stat"><span class="stat-value" data-out="prospects">{n(funnel.prospects)}</span><span class="stat-label">"prospects"</span></div>
        </div>
        <table class="table volumes">
            <thead><tr><th>"Stage"</th><th>"Activity"</th><th class="num">"In the period"</th><th class="num">"Per working day"</th></tr></thead>
            <tbody>
                {stage_rows("Prospects", &funnel.prospect_activities)}
                {stage_rows("Leads", &funnel.lead_activities)}
            </tbody>
        </table>
        <p class="hint">
            "Each stage rounds up to a whole number: you cannot make half a call."
            {funnel.rounded.then_some(" Some figures above were rounded up.")}
        </p>
        {(!people.is_empty()).then(|| view! {
            <h3>"Per person"</h3>
            <table class="table people">
                <thead><tr><th>"Person"</th><th>"Activity"</th><th class="num">"Per day"</th><th class="num">"Per week"</th><th class="num">"In the period"</th></tr></thead>
                <tbody>
                    {people.into_iter().flat_map(|p| p.activities.into_iter().map(move |v| (p.name.clone(), v))).map(|(name, v)| view! {
                        <tr><td>{name}</td><td>{type_name(v.type_id)}</td><td class="num">{n(v.per_day)}</td><td class="num">{n(v.per_week)}</td><td class="num">{n(v.total)}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
        })}
        <h3>"Create goals will create"</h3>
        <ul class="goal-preview">
            {goals.iter().map(|g| view! { <li>{goal_text(g)}</li> }).collect_view()}
        </ul>
        {(replaced > 0).then(|| view! {
            <p class="hint">{format!("…and delete the {} this plan created before.", crate::domain::text::counted(replaced as i64, "goal", "goals"))}</p>
        })}
    }
}
