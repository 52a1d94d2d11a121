//! The pipeline board: one column per step, live, with drag and drop and a menu to move.

use std::collections::HashMap;

use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Form, A};
use leptos_router::hooks::use_query_map;

use super::api::{
    get_board, load_column, BoardColumn, BoardFilter, BoardView, CreateLead, LeadCard, MoveLead,
};
use crate::components::layout::RequireUser;
use crate::components::progress::GoalBar;
use crate::components::scroll::on_visible;
use crate::live::use_live_events;
use crate::pipelines::api::StepView;

#[component]
pub fn BoardPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let filter = filter_from_query();
    let refresh = RwSignal::new(0u32);
    let board = Resource::new(move || (filter.get(), refresh.get()), |(f, _)| get_board(f));
    view! {
        <Title text="Board" />
        <RequireUser>
            <Board filter refresh board />
        </RequireUser>
    }
}

fn filter_from_query() -> Memo<BoardFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| BoardFilter {
            pipeline: q.get("pipeline").and_then(|v| v.parse().ok()),
            owner: q.get("owner").unwrap_or_default(),
            status: q.get("status").unwrap_or_default(),
            tag: q.get("tag").unwrap_or_default(),
            q: q.get("q").unwrap_or_default(),
        })
    })
}

/// Moves shown before the server confirms them: lead id → step id.
#[derive(Clone, Copy)]
struct Pending(RwSignal<HashMap<i32, i32>>);

/// The board with its filters, live. `filter`, `refresh` and `board` are created by the page.
#[component]
fn Board(
    filter: Memo<BoardFilter>,
    refresh: RwSignal<u32>,
    board: Resource<Result<BoardView, crate::error::AppError>>,
) -> impl IntoView {
    use_live_events(move |event| {
        if event.kind.starts_with("lead.") || event.kind.starts_with("pipeline.") {
            refresh.update(|n| *n += 1);
        }
    });
    let pending = Pending(RwSignal::new(HashMap::new()));
    let message = RwSignal::new(None::<String>);
    let mover = ServerAction::<MoveLead>::new();
    Effect::new(move || match mover.value().get() {
        Some(Err(error)) => {
            message.set(Some(error.to_string()));
            pending.0.try_set(HashMap::new());
            refresh.update(|n| *n += 1);
        }
        Some(Ok(_)) => {
            message.set(None);
            refresh.update(|n| *n += 1);
        }
        None => {}
    });
    // Once fresh data arrives, what was pending is in it.
    Effect::new(move || {
        if board.get().is_some() && !mover.pending().get() {
            pending.0.try_set(HashMap::new());
        }
    });
    provide_context(pending);
    provide_context(mover);
    view! {
        <div class="board-head">
            <h1>"Board"</h1>
            <A href="/leads/new" attr:class="button primary">"New lead"</A>
        </div>
        {move || message.get().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
        <Transition fallback=|| view! { <p class="muted">"Loading the board…"</p> }>
            {move || Suspend::new(async move {
                match board.await {
                    Ok(view) => view! { <BoardBody board=view filter=filter.get_untracked() /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn BoardBody(board: BoardView, filter: BoardFilter) -> impl IntoView {
    let Some(pipeline_id) = board.pipeline_id else {
        return view! {
            <section class="card">
                <p>"There is no pipeline yet. An admin can create one under Pipelines."</p>
            </section>
        }
        .into_any();
    };
    let steps: Vec<StepView> = board.columns.iter().map(|c| c.step.clone()).collect();
    let all_cards: Vec<LeadCard> = board.columns.iter().flat_map(|c| c.cards.clone()).collect();
    let tabs = board
        .pipelines
        .iter()
        .map(|p| {
            let href = format!("/board?pipeline={}", p.id);
            let current = p.id == pipeline_id;
            let name = p.name.clone();
            view! {
                <A href=href attr:class=if current { "tab current" } else { "tab" }>
                    {name}
                </A>
            }
        })
        .collect_view();
    let goals = board.goals.clone();
    let owners = board.owners.clone();
    let owner = filter.owner.clone();
    let status = filter.status.clone();
    let tag = filter.tag.clone();
    let q = filter.q.clone();
    let everyone_selected = owner.is_empty() || owner == "all";
    let mine_selected = owner == "me";
    view! {
        <nav class="tabs" aria-label="Pipelines">{tabs}</nav>
        {(!goals.is_empty()).then(|| view! {
            <section class="board-goals" aria-label="Pipeline goals">
                {goals.into_iter().flat_map(|g| {
                    let caption = g.period.label();
                    g.rows.into_iter().map(move |row| view! {
                        <GoalBar title=g.goal.title.clone() kind=g.goal.kind row caption=caption.clone() />
                    })
                    .collect::<Vec<_>>()
                }).collect_view()}
            </section>
        })}
        <Form method="GET" action="" attr:class="filters">
            <input type="hidden" name="pipeline" value=pipeline_id />
            <label>
                "Owner"
                <select name="owner">
                    <option value="all" selected=everyone_selected>"Everyone"</option>
                    <option value="me" selected=mine_selected>"Mine"</option>
                    {owners
                        .into_iter()
                        .map(|(id, name)| {
                            let selected = owner == id.to_string();
                            view! { <option value=id selected=selected>{name}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>
                "Status"
                <select name="status">
                    {[("open", "Open (active and standby)"), ("active", "Active"), ("standby", "Standby"), ("won", "Won"), ("lost", "Lost"), ("cancelled", "Cancelled"), ("closed", "All closed")]
                        .into_iter()
                        .map(|(value, label)| {
                            let selected = status == value || (status.is_empty() && value == "open");
                            view! { <option value=value selected=selected>{label}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
            <label>"Tag" <input name="tag" value=tag size="10" /></label>
            <label>"Search" <input type="search" name="q" value=q placeholder="Title or company" /></label>
            <button type="submit" class="button secondary">"Apply"</button>
        </Form>
        <div class="board" role="list">
            {board
                .columns
                .into_iter()
                .map(|column| {
                    view! {
                        <Column
                            column
                            steps=steps.clone()
                            all_cards=all_cards.clone()
                            filter=filter.clone()
                            currency=board.currency.clone()
                        />
                    }
                })
                .collect_view()}
        </div>
    }
    .into_any()
}

#[component]
fn Column(
    column: BoardColumn,
    steps: Vec<StepView>,
    all_cards: Vec<LeadCard>,
    filter: BoardFilter,
    currency: String,
) -> impl IntoView {
    let Pending(pending) = expect_context();
    let mover = expect_context::<ServerAction<MoveLead>>();
    let step_id = column.step.id;
    let extra = RwSignal::new(Vec::<LeadCard>::new());
    let has_more = RwSignal::new(column.has_more);
    let loading = RwSignal::new(false);
    // Plain data owned by the closures: a column being replaced by a fresh board must never
    // read a disposed value.
    let base = std::sync::Arc::new(column.cards.clone());
    let everyone = std::sync::Arc::new(all_cards);
    let steps = std::sync::Arc::new(steps);
    let over = RwSignal::new(false);
    let first_page = base.len();
    let cards = move || {
        let moves = pending.try_get().unwrap_or_default();
        let extra = extra.try_get().unwrap_or_default();
        let mut shown: Vec<LeadCard> = base
            .iter()
            .cloned()
            .chain(extra)
            .filter(|c| moves.get(&c.id).is_none_or(|to| *to == step_id))
            .collect();
        for card in everyone.iter() {
            if card.step_id != step_id && moves.get(&card.id) == Some(&step_id) {
                shown.insert(0, card.clone());
            }
        }
        shown
    };
    let fetch_more = move || {
        if !has_more.try_get_untracked().unwrap_or(false)
            || loading.try_get_untracked().unwrap_or(true)
        {
            return;
        }
        let filter = filter.clone();
        let offset = (first_page + extra.with_untracked(Vec::len)) as u64;
        loading.set(true);
        leptos::task::spawn_local(async move {
            if let Ok((more, again)) = load_column(filter, step_id, offset).await {
                extra.try_update(|e| e.extend(more));
                has_more.try_set(again);
            }
            loading.try_set(false);
        });
    };
    // More cards load when the end of the column scrolls into view; the button does the same.
    let sentinel = NodeRef::<html::Div>::new();
    on_visible(sentinel, fetch_more.clone());
    view! {
        <section
            class="column"
            class:drop-target=move || over.try_get().unwrap_or(false)
            role="listitem"
            aria-label=column.step.name.clone()
            on:dragover=move |ev| {
                ev.prevent_default();
                over.set(true);
            }
            on:dragleave=move |_| over.set(false)
            on:drop=move |ev: leptos::ev::DragEvent| {
                ev.prevent_default();
                over.set(false);
                let data = ev.data_transfer().and_then(|d| d.get_data("text/plain").ok()).unwrap_or_default();
                if let Some((id, version)) = data.split_once(':') {
                    if let (Ok(id), Ok(version)) = (id.parse::<i32>(), version.parse::<i32>()) {
                        pending.update(|p| {
                            p.insert(id, step_id);
                        });
                        mover.dispatch(MoveLead { id, version, step_id });
                    }
                }
            }
        >
            <header class="column-head">
                <h2>{column.step.name.clone()}</h2>
                <p class="muted">
                    {format!("{} lead{} · {} {}", column.count, if column.count == 1 { "" } else { "s" }, column.sum, currency)}
                </p>
            </header>
            <QuickAdd step_id step_name=column.step.name.clone() />
            <div class="cards-list">
                <For each=cards key=|c| (c.id, c.version, c.step_id) let:card>
                    <Card card steps=steps.to_vec() />
                </For>
            </div>
            <Show when=move || has_more.try_get().unwrap_or(false)>
                <button type="button" class="button secondary small wide" on:click={
                    let fetch_more = fetch_more.clone();
                    move |_| fetch_more()
                } disabled=move || loading.try_get().unwrap_or(false)>
                    {move || if loading.try_get().unwrap_or(false) { "Loading…" } else { "Show more" }}
                </button>
            </Show>
            <div class="scroll-sentinel" node_ref=sentinel aria-hidden="true"></div>
        </section>
    }
}

#[component]
fn Card(card: LeadCard, steps: Vec<StepView>) -> impl IntoView {
    let Pending(pending) = expect_context();
    let mover = expect_context::<ServerAction<MoveLead>>();
    let id = card.id;
    let version = card.version;
    let drag_data = format!("{id}:{version}");
    let title = card.title.clone();
    view! {
        <article
            class="lead-card"
            draggable="true"
            data-lead-id=id
            on:dragstart=move |ev: leptos::ev::DragEvent| {
                if let Some(transfer) = ev.data_transfer() {
                    let _ = transfer.set_data("text/plain", &drag_data);
                }
            }
        >
            <a class="lead-title" href=format!("/leads/{id}")>{card.title.clone()}</a>
            <p class="muted">{card.company.clone()}</p>
            <p class="lead-meta">
                <span class="amount">{card.amount.clone()}</span>
                <span class="owner">{card.owner_name.clone()}</span>
            </p>
            {card.next_action.clone().map(|next| {
                view! { <p class="next-action" class:overdue=card.overdue>{format!("Next: {next}")}</p> }
            })}
            <label class="move">
                <span class="visually-hidden">{format!("Move {title} to")}</span>
                <select on:change=move |ev| {
                    if let Ok(step_id) = event_target_value(&ev).parse::<i32>() {
                        pending.update(|p| {
                            p.insert(id, step_id);
                        });
                        mover.dispatch(MoveLead { id, version, step_id });
                    }
                }>
                    {steps
                        .into_iter()
                        .map(|s| {
                            let selected = s.id == card.step_id;
                            view! { <option value=s.id selected=selected>{format!("In {}", s.name)}</option> }
                        })
                        .collect_view()}
                </select>
            </label>
        </article>
    }
}

#[component]
fn QuickAdd(step_id: i32, step_name: String) -> impl IntoView {
    let create = ServerAction::<CreateLead>::new();
    let form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    view! {
        <details class="quick-add">
            <summary>"+ Add a lead"</summary>
            <ActionForm action=create node_ref=form attr:class="quick-form">
                <input type="hidden" name="lead[step_id]" value=step_id />
                <input name="lead[title]" placeholder="Title" aria-label=format!("Title of a new lead in {step_name}") required=true />
                <input name="lead[amount]" placeholder="Amount" inputmode="decimal" aria-label=format!("Amount of a new lead in {step_name}") />
                <button type="submit" class="button primary small">"Add"</button>
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="form-error">{e.summary()}</p> })
                }}
            </ActionForm>
        </details>
    }
}
