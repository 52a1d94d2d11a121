//! The live team feed: every activity, and leads created, won and lost, newest on top. It can
//! stay open all day: it holds at most `HELD` items (older ones load again on scroll), and its
//! stream reconnects by itself and replays what it missed, each item once.

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::api::{
    get_feed, list_activity_types, ActivityTypeView, FeedFilter, FeedItem, FeedPage as Page,
};
use super::view::{browser_local, ActivityIcon, OutcomeBadge};
use crate::admin::api::{list_segments, list_users, SegmentView, UserView};
use crate::components::layout::RequireUser;
use crate::components::scroll::LoadOlder;
use crate::live::{use_live_events_after, LiveEvent};

/// Items the page keeps in memory; beyond this the oldest are dropped and load again on scroll.
const HELD: usize = 200;

/// The feed page's data: its first page and the choices of its filters.
type FeedData = (Page, Vec<UserView>, Vec<SegmentView>, Vec<ActivityTypeView>);

#[component]
pub fn FeedPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let filter = filter_from_query();
    // One resource for the page and the filter choices, so that the browser hydrates exactly
    // what the server rendered.
    let data = Resource::new(
        move || filter.get(),
        |f| async move {
            let page = get_feed(f, String::new()).await?;
            let users = list_users().await?;
            let segments = list_segments().await?;
            let types = list_activity_types().await?;
            Ok::<_, crate::error::AppError>((page, users, segments, types))
        },
    );
    view! {
        <Title text="Activity feed" />
        <RequireUser>
            <Feed filter data />
        </RequireUser>
    }
}

fn filter_from_query() -> Memo<FeedFilter> {
    let query = use_query_map();
    Memo::new(move |_| {
        query.with(|q| FeedFilter {
            user: q.get("user").unwrap_or_default(),
            segment: q.get("segment").unwrap_or_default(),
            type_id: q.get("type").unwrap_or_default(),
            outcome: q.get("outcome").unwrap_or_default(),
            team: q.get("team").unwrap_or_default(),
        })
    })
}

/// The filters and the list. `filter` and `data` are created by the page.
#[component]
fn Feed(
    filter: Memo<FeedFilter>,
    data: Resource<Result<FeedData, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <div class="board-head">
            <h1>"Activity feed"</h1>
            <span class="live-dot" title="Live: new activity appears by itself">"Live"</span>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading the feed…"</p> }>
            {move || Suspend::new(async move {
                let (page, users, segments, types) = match data.await {
                    Ok(data) => data,
                    Err(error) => return view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                };
                let f = filter.get_untracked();
                let list_filter = f.clone();
                let team_checked = f.team == "1";
                let of_user: HashMap<i32, Option<i32>> = users.iter().map(|u| (u.id, u.segment_id)).collect();
                let option = |value: String, label: String, current: &str| {
                    let selected = value == current;
                    view! { <option value=value selected=selected>{label}</option> }
                };
                view! {
                    <Form method="GET" action="" attr:class="filters">
                        <label>
                            "Person "
                            <select name="user">
                                <option value="">"Everyone"</option>
                                {users.iter().map(|u| option(u.id.to_string(), u.name.clone(), &f.user)).collect_view()}
                            </select>
                        </label>
                        <label>
                            "Segment "
                            <select name="segment">
                                <option value="">"All segments"</option>
                                {segments.iter().map(|s| option(s.id.to_string(), s.name.clone(), &f.segment)).collect_view()}
                            </select>
                        </label>
                        <label>
                            "Type "
                            <select name="type">
                                <option value="">"All types"</option>
                                {types.iter().map(|t| option(t.id.to_string(), t.name.clone(), &f.type_id)).collect_view()}
                            </select>
                        </label>
                        <label>
                            "Outcome "
                            <select name="outcome">
                                <option value="">"All outcomes"</option>
                                {types
                                    .iter()
                                    .flat_map(|t| t.outcomes.iter().map(move |o| (o.id, format!("{} · {}", t.name, o.name))))
                                    .map(|(id, label)| option(id.to_string(), label, &f.outcome))
                                    .collect_view()}
                            </select>
                        </label>
                        <label class="check">
                            <input type="checkbox" name="team" value="1" checked=team_checked />
                            " Only my team's"
                        </label>
                        <button type="submit" class="button secondary small">"Apply"</button>
                    </Form>
                    <FeedList page filter=list_filter segments=of_user />
                }
                .into_any()
            })}
        </Transition>
    }
}

/// Whether a live item passes the filter (the server applies the same rules to pages).
fn keeps(
    filter: &FeedFilter,
    my_segment: Option<i32>,
    segments: &HashMap<i32, Option<i32>>,
    item: &FeedItem,
) -> bool {
    let id = |text: &str| text.trim().parse::<i32>().ok();
    let segment_of = segments.get(&item.user_id).copied().flatten();
    if id(&filter.user).is_some_and(|u| u != item.user_id) {
        return false;
    }
    if let Some(segment) = id(&filter.segment) {
        if segment_of != Some(segment) {
            return false;
        }
    }
    if filter.team.trim() == "1" && my_segment.is_some() && segment_of != my_segment {
        return false;
    }
    let activity = item.activity.as_ref();
    if let Some(type_id) = id(&filter.type_id) {
        if activity.is_none_or(|a| a.type_id != type_id) {
            return false;
        }
    }
    if let Some(outcome) = id(&filter.outcome) {
        if activity.is_none_or(|a| a.outcome_id != Some(outcome)) {
            return false;
        }
    }
    true
}

#[component]
fn FeedList(page: Page, filter: FeedFilter, segments: HashMap<i32, Option<i32>>) -> impl IntoView {
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next);
    let loading = RwSignal::new(false);
    let my_segment = page.my_segment;
    let live_filter = filter.clone();
    use_live_events_after(Some(page.last_event), move |event: LiveEvent| {
        on_event(event, &live_filter, my_segment, &segments, items, next);
    });
    let fetch_more = move || {
        let Some(cursor) = next.try_get_untracked().flatten() else {
            return;
        };
        if loading.try_get_untracked().unwrap_or(true) {
            return;
        }
        loading.set(true);
        let filter = filter.clone();
        leptos::task::spawn_local(async move {
            if let Ok(page) = get_feed(filter, cursor).await {
                items.try_update(|list| {
                    for item in page.items {
                        if !list.iter().any(|i| i.key == item.key) {
                            list.push(item);
                        }
                    }
                });
                next.try_set(page.next);
            }
            loading.try_set(false);
        });
    };
    view! {
        <Show when=move || items.with(Vec::is_empty)>
            <p class="muted empty">"Nothing yet: activity appears here as soon as it is logged."</p>
        </Show>
        <ol class="feed" aria-live="polite">
            <For each=move || items.get() key=|item| (item.key.clone(), item.activity.as_ref().map(|a| a.updated_at)) let:item>
                <FeedRow item />
            </For>
        </ol>
        <LoadOlder
            more=Signal::derive(move || next.with(Option::is_some))
            loading
            on_more=Callback::new(move |()| fetch_more())
        />
    }
}

fn on_event(
    event: LiveEvent,
    filter: &FeedFilter,
    my_segment: Option<i32>,
    segments: &HashMap<i32, Option<i32>>,
    items: RwSignal<Vec<FeedItem>>,
    next: RwSignal<Option<String>>,
) {
    let number = |key: &str| event.data.get(key).and_then(|v| v.as_i64());
    match event.kind.as_str() {
        "activity.deleted" => {
            let key = format!("a{}", number("activity_id").unwrap_or_default());
            items.try_update(|list| list.retain(|i| i.key != key));
        }
        "lead.deleted" => {
            let lead = number("lead_id").map(|id| id as i32);
            items.try_update(|list| list.retain(|i| i.lead_id != lead));
        }
        kind => {
            let Some(mut item) = event
                .data
                .get("feed")
                .and_then(|f| serde_json::from_value::<FeedItem>(f.clone()).ok())
            else {
                return;
            };
            item.at_local = browser_local(item.at);
            if let Some(activity) = item.activity.as_mut() {
                activity.occurred_local = item.at_local.clone();
            }
            let kept = keeps(filter, my_segment, segments, &item);
            items.try_update(|list| {
                let at = list.iter().position(|i| i.key == item.key);
                match (kind, at) {
                    // An edit: in place, or gone if it no longer passes the filter.
                    ("activity.updated", Some(at)) => {
                        if kept {
                            list[at] = item;
                        } else {
                            list.remove(at);
                        }
                    }
                    ("activity.updated", None) => {}
                    // Already shown (a replay after reconnecting).
                    (_, Some(_)) => {}
                    (_, None) if kept => {
                        list.insert(0, item);
                        if list.len() > HELD {
                            list.truncate(HELD);
                            if let Some(last) = list.last() {
                                next.try_set(Some(last.cursor.clone()));
                            }
                        }
                    }
                    _ => {}
                }
            });
        }
    }
}

#[component]
fn FeedRow(item: FeedItem) -> impl IntoView {
    let prospect = item.activity.as_ref().and_then(|a| a.prospect_id);
    let lead = super::view::subject_href(item.lead_id, prospect).map(|href| {
        view! { <a href=href>{item.lead_title.clone()}</a> }
    });
    let (icon, what) = match (&item.activity, item.kind.as_str()) {
        (Some(a), _) => (
            view! { <ActivityIcon icon=a.icon.clone() colour=a.colour.clone() /> }.into_any(),
            view! {
                <span class="activity-type">{a.type_name.clone()}</span>" "
                <OutcomeBadge name=a.outcome_name.clone() colour=a.outcome_colour.clone() />
                <span class="muted">" on "</span>
            }
            .into_any(),
        ),
        (None, kind) => {
            let (symbol, class, text) = match kind {
                "lead_won" => (
                    "★",
                    "won",
                    format!("won {}", item.amount.clone().unwrap_or_default()),
                ),
                "lead_lost" => ("✕", "lost", "lost".to_string()),
                _ => ("+", "created", "created".to_string()),
            };
            (
                view! { <span class=format!("activity-icon lead-{class}") aria-hidden="true">{symbol}</span> }.into_any(),
                view! { <span class="muted">{format!("{text} lead ")}</span> }.into_any(),
            )
        }
    };
    let note = item
        .activity
        .as_ref()
        .filter(|a| !a.note.is_empty())
        .map(|a| {
            let text: String = a.note.chars().take(200).collect();
            view! { <p class="note">{text}</p> }
        });
    view! {
        <li class="feed-item" data-key=item.key.clone()>
            {icon}
            <div class="activity-body">
                <div>
                    <strong>{item.user_name.clone()}</strong>" "
                    {what}
                    {lead}
                </div>
                {note}
            </div>
            <time class="when" datetime=item.at.to_rfc3339()>{item.at_local.clone()}</time>
        </li>
    }
}
