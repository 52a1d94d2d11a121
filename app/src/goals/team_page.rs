//! The team goals page: every person × goal in the chosen period, live, with the segment and
//! team totals and the record of past periods.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;

use super::api::{
    goal_options, team_goals, DeleteGoal, GoalChoices, GoalProgress, GoalView, TeamGoalsView,
};
use super::goal_form::GoalForm;
use crate::components::layout::RequireUser;
use crate::components::progress::GoalBar;
use crate::domain::period::PeriodKind;
use crate::error::AppError;
use crate::live::use_refresh_on;

#[component]
pub fn TeamGoalsPage() -> impl IntoView {
    let query = use_query_map();
    let kind = Memo::new(move |_| query.with(|q| q.get("kind").unwrap_or_else(|| "week".into())));
    let at = Memo::new(move |_| query.with(|q| q.get("at").unwrap_or_default()));
    let refresh = RwSignal::new(0u32);
    let goals = Resource::new(
        move || (kind.get(), at.get(), refresh.get()),
        |(kind, at, _)| team_goals(kind, at),
    );
    let options = Resource::new(|| (), |_| goal_options());
    view! {
        <Title text="Team goals" />
        <RequireUser>
            <TeamGoalsBody goals options refresh />
        </RequireUser>
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Sort {
    Status,
    Progress,
    Name,
}

#[component]
fn TeamGoalsBody(
    goals: Resource<Result<TeamGoalsView, AppError>>,
    options: Resource<Result<GoalChoices, AppError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    use_refresh_on(&["activity.", "lead."], refresh, 300);
    let sort = RwSignal::new(Sort::Status);
    // `Some(None)`: a new goal; `Some(Some(goal))`: changing that goal.
    let editing = RwSignal::new(None::<Option<GoalView>>);
    let remove = ServerAction::<DeleteGoal>::new();
    Effect::new(move || {
        if let Some(Ok(())) = remove.value().get() {
            refresh.update(|n| *n += 1);
        }
    });
    let on_saved = Callback::new(move |()| {
        editing.set(None);
        refresh.update(|n| *n += 1);
    });
    let on_cancel = Callback::new(move |()| editing.set(None));
    view! {
        <div class="page-head">
            <h1>"Team goals"</h1>
            <div class="actions">
                <A href="/plan" attr:class="button secondary">"Planner"</A>
                <button class="button primary" on:click=move |_| editing.set(Some(None))>"New goal"</button>
            </div>
        </div>
        {move || remove.value().get().and_then(|r| r.err()).map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let options = options.await;
                match (editing.get(), options) {
                    (Some(goal), Ok(options)) => view! {
                        <GoalForm options editing=goal on_saved on_cancel />
                    }.into_any(),
                    (Some(_), Err(error)) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    (None, _) => ().into_any(),
                }
            })}
        </Transition>
        <Transition fallback=|| view! { <p class="muted">"Loading the goals…"</p> }>
            {move || Suspend::new(async move {
                match goals.await {
                    Ok(team) => view! { <PeriodNav team=team.clone() sort /> <GoalList team sort editing remove /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn PeriodNav(team: TeamGoalsView, sort: RwSignal<Sort>) -> impl IntoView {
    let kind = team.kind;
    let link = |date: chrono::NaiveDate| format!("/goals?kind={}&at={date}", kind.as_str());
    let previous = team.period.start.pred_opt().map(link).unwrap_or_default();
    let next = team.period.end.succ_opt().map(link).unwrap_or_default();
    let current = team.period.contains(team.today);
    let tabs = PeriodKind::ALL
        .into_iter()
        .map(|k| {
            let class = if k == kind { "tab current" } else { "tab" };
            view! { <A href=format!("/goals?kind={}", k.as_str()) attr:class=class>{k.label()}</A> }
        })
        .collect_view();
    view! {
        <nav class="tabs" aria-label="Period">{tabs}</nav>
        <div class="period-nav">
            <A href=previous attr:class="button secondary small" attr:aria-label="Previous period">"←"</A>
            <strong class="period-label">{team.period.label()}</strong>
            <A href=next attr:class="button secondary small" attr:aria-label="Next period">"→"</A>
            {(!current).then(|| view! { <A href=format!("/goals?kind={}", kind.as_str()) attr:class="small">"Back to now"</A> })}
            <label class="sort">
                "Sort people by "
                <select on:change=move |ev| sort.set(match event_target_value(&ev).as_str() {
                    "progress" => Sort::Progress,
                    "name" => Sort::Name,
                    _ => Sort::Status,
                })>
                    <option value="status">"How they are doing"</option>
                    <option value="progress">"Progress"</option>
                    <option value="name">"Name"</option>
                </select>
            </label>
        </div>
    }
}

#[component]
fn GoalList(
    team: TeamGoalsView,
    sort: RwSignal<Sort>,
    editing: RwSignal<Option<Option<GoalView>>>,
    remove: ServerAction<DeleteGoal>,
) -> impl IntoView {
    if team.goals.is_empty() {
        return view! {
            <p class="muted empty">
                {format!(
                    "No {} goals in this period. Set one with New goal, or create them from a plan.",
                    team.kind.label().to_lowercase()
                )}
            </p>
        }
        .into_any();
    }
    let goals = team.goals;
    view! {
        <div class="goal-cards">
            {goals.into_iter().map(|g| view! { <GoalCard progress=g sort editing remove /> }).collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn GoalCard(
    progress: GoalProgress,
    sort: RwSignal<Sort>,
    editing: RwSignal<Option<Option<GoalView>>>,
    remove: ServerAction<DeleteGoal>,
) -> impl IntoView {
    let goal = progress.goal.clone();
    let kind = goal.kind;
    let title = goal.title.clone();
    let rows = progress.rows.clone();
    let rows_empty = rows.is_empty();
    let sorted = move || {
        let (mut people, totals): (Vec<_>, Vec<_>) = rows.iter().cloned().partition(|r| !r.total);
        match sort.get() {
            Sort::Status => people.sort_by(|a, b| {
                a.pace
                    .status
                    .rank()
                    .cmp(&b.pace.status.rank())
                    .then(b.pace.percent().cmp(&a.pace.percent()))
            }),
            Sort::Progress => people.sort_by_key(|r| std::cmp::Reverse(r.pace.percent())),
            Sort::Name => people.sort_by(|a, b| a.name.cmp(&b.name)),
        }
        people.into_iter().chain(totals).collect::<Vec<_>>()
    };
    let history = progress.history.clone();
    let edit_goal = goal.clone();
    let goal_id = goal.id;
    view! {
        <section class="card goal-card" data-goal=goal.id>
            <header class="goal-card-head">
                <div>
                    <h2>{goal.title.clone()}</h2>
                    <p class="muted">{format!("{} · {}", goal.assignee_name, goal.target_text)}</p>
                    <p class="muted small">{format!("{} · {} % of the working time gone", progress.period.label(), progress.elapsed_percent)}</p>
                </div>
                <div class="actions">
                    <button class="button secondary small" on:click=move |_| editing.set(Some(Some(edit_goal.clone())))>"Edit"</button>
                    <button class="button secondary small danger" on:click=move |_| {
                        if confirm_delete() {
                            remove.dispatch(DeleteGoal { id: goal_id });
                        }
                    }>"Delete"</button>
                </div>
            </header>
            {rows_empty.then(|| view! { <p class="muted">"No active member in this segment yet."</p> })}
            <div class="goal-rows">
                {move || sorted().into_iter().map(|row| {
                    let name = row.name.clone();
                    let total = row.total;
                    let user = row.user_id;
                    view! {
                        <div class="goal-row" class:total=total data-user=user>
                            <span class="goal-person">{name}</span>
                            <GoalBar title=title.clone() kind row />
                        </div>
                    }
                }).collect_view()}
            </div>
            {(!history.is_empty()).then(|| view! {
                <div class="goal-history" aria-label="Past periods">
                    <span class="muted small">"Past periods: "</span>
                    {history.into_iter().rev().map(|p| {
                        let text = format!("{}: {} / {} ({})", p.period.label(), kind.format(p.value), kind.format(p.target), if p.met { "met" } else { "missed" });
                        view! { <span class=if p.met { "dot met" } else { "dot missed" } title=text.clone() aria-label=text></span> }
                    }).collect_view()}
                </div>
            })}
        </section>
    }
}

fn confirm_delete() -> bool {
    window()
        .confirm_with_message("Delete this goal? Its progress is computed from the data and is not lost, but the goal itself is.")
        .unwrap_or(false)
}
