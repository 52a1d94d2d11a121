//! My activities: what I logged, by day, filtered by type and outcome.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::api::{
    list_activity_types, my_activities, ActivityPage, ActivityTypeView, ActivityView,
};
use super::view::ActivityLine;
use crate::components::layout::RequireUser;
use crate::components::scroll::LoadOlder;

#[component]
pub fn MyActivitiesPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let query = use_query_map();
    let filter = Memo::new(move |_| {
        query.with(|q| {
            (
                q.get("type").unwrap_or_default(),
                q.get("outcome").unwrap_or_default(),
            )
        })
    });
    // One resource for the list and the filter choices (one hydration, no mismatch).
    let data = Resource::new(
        move || filter.get(),
        |(t, o)| async move {
            let page = my_activities(t, o, String::new()).await?;
            let types = list_activity_types().await?;
            Ok::<_, crate::error::AppError>((page, types))
        },
    );
    view! {
        <Title text="My activities" />
        <RequireUser>
            <Mine filter data />
        </RequireUser>
    }
}

/// The filters and the list. `filter` (type, outcome) and `data` are created by the page.
#[component]
fn Mine(
    filter: Memo<(String, String)>,
    data: Resource<Result<(ActivityPage, Vec<ActivityTypeView>), crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <h1>"My activities"</h1>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let (page, types) = match data.await {
                    Ok(data) => data,
                    Err(error) => return view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                };
                let (type_id, outcome) = filter.get_untracked();
                let list_filter = (type_id.clone(), outcome.clone());
                view! {
                    <Form method="GET" action="" attr:class="filters">
                        <label>
                            "Type "
                            <select name="type">
                                <option value="">"All types"</option>
                                {types
                                    .iter()
                                    .map(|t| view! { <option value=t.id selected=t.id.to_string() == type_id>{t.name.clone()}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <label>
                            "Outcome "
                            <select name="outcome">
                                <option value="">"All outcomes"</option>
                                {types
                                    .iter()
                                    .flat_map(|t| t.outcomes.iter().map(move |o| (o.id, format!("{} · {}", t.name, o.name))))
                                    .map(|(id, label)| view! { <option value=id selected=id.to_string() == outcome>{label}</option> })
                                    .collect_view()}
                            </select>
                        </label>
                        <button type="submit" class="button secondary small">"Apply"</button>
                    </Form>
                    <Days page filter=list_filter />
                }
                .into_any()
            })}
        </Transition>
    }
}

/// Consecutive activities of the same day, as (day, activities).
fn by_day(items: Vec<ActivityView>) -> Vec<(String, Vec<ActivityView>)> {
    let mut days: Vec<(String, Vec<ActivityView>)> = Vec::new();
    for item in items {
        match days.last_mut() {
            Some((day, list)) if *day == item.day => list.push(item),
            _ => days.push((item.day.clone(), vec![item])),
        }
    }
    days
}

#[component]
fn Days(page: ActivityPage, filter: (String, String)) -> impl IntoView {
    let items = RwSignal::new(page.items);
    let next = RwSignal::new(page.next);
    let loading = RwSignal::new(false);
    let fetch_more = move || {
        let Some(cursor) = next.try_get_untracked().flatten() else {
            return;
        };
        if loading.try_get_untracked().unwrap_or(true) {
            return;
        }
        loading.set(true);
        let (t, o) = filter.clone();
        leptos::task::spawn_local(async move {
            if let Ok(page) = my_activities(t, o, cursor).await {
                items.try_update(|list| list.extend(page.items));
                next.try_set(page.next);
            }
            loading.try_set(false);
        });
    };
    view! {
        <Show when=move || items.with(Vec::is_empty)>
            <p class="muted empty">"No activities yet. Log one from a lead's page."</p>
        </Show>
        {move || {
            by_day(items.get())
                .into_iter()
                .map(|(day, list)| {
                    view! {
                        <section class="card day">
                            <h2>{format!("{day} · {}", list.len())}</h2>
                            <ol class="timeline">
                                {list
                                    .into_iter()
                                    .map(|a| view! { <li><ActivityLine activity=a show_lead=true /></li> })
                                    .collect_view()}
                            </ol>
                        </section>
                    }
                })
                .collect_view()
        }}
        <LoadOlder
            more=Signal::derive(move || next.with(Option::is_some))
            loading
            on_more=Callback::new(move |()| fetch_more())
        />
    }
}
