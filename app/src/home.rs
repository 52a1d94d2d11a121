//! The home page of a logged-in user.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::layout::{use_current_user, RequireUser};
use crate::components::progress::GoalBar;
use crate::domain::period::PeriodKind;
use crate::domain::Role;
use crate::goals::api::{my_day, MyDayView};
use crate::live::use_refresh_on;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_current_user();
    let refresh = RwSignal::new(0u32);
    let day = Resource::new(move || refresh.get(), |_| my_day());
    view! {
        <Title text="Home" />
        <RequireUser>
            {move || {
                user.get()
                    .map(|user| {
                        let first = user.name.split_whitespace().next().unwrap_or("").to_string();
                        let is_admin = user.role == Role::Admin;
                        let plans = matches!(user.role, Role::Admin | Role::Manager);
                        view! {
                            <section class="hero">
                                <h1>{format!("Welcome, {first}")}</h1>
                                <p class="muted">
                                    {format!(
                                        "Signed in as {} · {} · {}",
                                        user.email,
                                        user.role.label(),
                                        user.workspace_name,
                                    )}
                                </p>
                            </section>
                            <MyDaySection day refresh />
                            <div class="cards">
                                <A href="/board" attr:class="card link-card">
                                    <h2>"Board"</h2>
                                    <p>"Your pipeline, live: move leads from step to step."</p>
                                </A>
                                <A href="/account" attr:class="card link-card">
                                    <h2>"Your account"</h2>
                                    <p>"Password, time zone and API tokens."</p>
                                </A>
                                <Show when=move || plans>
                                    <A href="/goals" attr:class="card link-card">
                                        <h2>"Team goals"</h2>
                                        <p>"Everyone's progress, live: who is ahead, who is behind."</p>
                                    </A>
                                    <A href="/plan" attr:class="card link-card">
                                        <h2>"Planner"</h2>
                                        <p>"From a revenue target to each person's daily activity goals."</p>
                                    </A>
                                </Show>
                                <Show when=move || is_admin>
                                    <A href="/admin/users" attr:class="card link-card">
                                        <h2>"Team"</h2>
                                        <p>"Invite reps and managers, set roles and segments."</p>
                                    </A>
                                    <A href="/admin/settings" attr:class="card link-card">
                                        <h2>"Workspace"</h2>
                                        <p>"Name, time zone, currency and week start."</p>
                                    </A>
                                </Show>
                            </div>
                        }
                    })
            }}
        </RequireUser>
    }
}

/// Today's and this week's goals, and the leads due today; live.
#[component]
fn MyDaySection(
    day: Resource<Result<MyDayView, crate::error::AppError>>,
    refresh: RwSignal<u32>,
) -> impl IntoView {
    use_refresh_on(&["activity.", "lead."], refresh, 300);
    view! {
        <Transition fallback=|| view! { <p class="muted">"Loading your day…"</p> }>
            {move || Suspend::new(async move {
                match day.await {
                    Ok(day) => view! { <MyDayBody day /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn MyDayBody(day: MyDayView) -> impl IntoView {
    let bars = |kind: PeriodKind, caption: &'static str| {
        day.goals
            .iter()
            .filter(|g| g.goal.schedule.period == Some(kind))
            .flat_map(|g| {
                g.rows.iter().map(|row| {
                    view! { <GoalBar title=g.goal.title.clone() kind=g.goal.kind row=row.clone() caption=caption /> }
                }).collect::<Vec<_>>()
            })
            .collect::<Vec<_>>()
    };
    let today = bars(PeriodKind::Day, "today");
    let week = bars(PeriodKind::Week, "this week");
    let no_goals = today.is_empty() && week.is_empty();
    let off = !day.working_day;
    let leads = day.leads_due.clone();
    view! {
        <section class="my-day" aria-label="My day">
            <div class="card goals-card">
                <h2>{format!("My day · {}", day.today.format("%A %-d %B"))}</h2>
                {off.then(|| view! { <p class="muted">"Not a working day: daily goals resume on the next one."</p> })}
                {no_goals.then(|| view! { <p class="muted empty">"No goals for you today or this week. Your manager sets them on the team goals page."</p> })}
                <div class="goal-bars">{today}{week}</div>
            </div>
            <div class="card due-card">
                <h2>"Due today"</h2>
                {if leads.is_empty() {
                    view! { <p class="muted empty">"No lead has a next action due today."</p> }.into_any()
                } else {
                    view! {
                        <ul class="due-list">
                            {leads.into_iter().map(|l| view! {
                                <li class:overdue=l.overdue>
                                    <A href=format!("/leads/{}", l.id)>{l.title}</A>
                                    <span class="muted">{l.company}</span>
                                    <span class="when">{l.when}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any()
                }}
            </div>
        </section>
    }
}
