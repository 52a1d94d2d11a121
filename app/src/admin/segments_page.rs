use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{list_segments, CreateSegment, DeleteSegment, RenameSegment, SegmentView};
use crate::components::form::{field_error, Field};
use crate::components::layout::RequireUser;

#[component]
pub fn SegmentsPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let reload = RwSignal::new(0u32);
    let segments = Resource::new(move || reload.get(), |_| list_segments());
    view! {
        <Title text="Segments" />
        <RequireUser admin=true>
            <SegmentsAdmin reload segments />
        </RequireUser>
    }
}

/// The creation form and the segments. `reload` and `segments` are created by the page.
#[component]
fn SegmentsAdmin(
    reload: RwSignal<u32>,
    segments: Resource<Result<Vec<SegmentView>, crate::error::AppError>>,
) -> impl IntoView {
    let create = ServerAction::<CreateSegment>::new();
    let form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = create.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
            reload.update(|n| *n += 1);
        }
    });
    view! {
        <h1>"Segments"</h1>
        <p class="muted">
            "A segment is a part of the team with one job, such as Prospecting or Closing. Goals and reports can be set per segment."
        </p>
        <section class="card">
            <ActionForm action=create node_ref=form attr:class="row-form">
                <Field id="new-segment-name" label="New segment" name="name" error=field_error(create, "name") />
                <button type="submit" class="button primary">"Add segment"</button>
            </ActionForm>
        </section>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match segments.await {
                    Ok(list) if list.is_empty() => {
                        view! { <p class="muted">"No segments yet."</p> }.into_any()
                    }
                    Ok(list) => {
                        view! {
                            <ul class="list">
                                {list
                                    .into_iter()
                                    .map(|segment| view! { <SegmentRow segment reload /> })
                                    .collect_view()}
                            </ul>
                        }
                            .into_any()
                    }
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn SegmentRow(segment: SegmentView, reload: RwSignal<u32>) -> impl IntoView {
    let rename = ServerAction::<RenameSegment>::new();
    let delete = ServerAction::<DeleteSegment>::new();
    Effect::new(move || {
        if matches!(rename.value().get(), Some(Ok(_)))
            || matches!(delete.value().get(), Some(Ok(_)))
        {
            reload.update(|n| *n += 1);
        }
    });
    let SegmentView {
        id,
        name,
        member_count,
    } = segment;
    let label = format!("Name of segment {name}");
    let delete_label = format!("Delete {name}");
    view! {
        <li class="list-row">
            <ActionForm action=rename attr:class="row-form">
                <input type="hidden" name="id" value=id />
                <input name="name" value=name aria-label=label />
                <button type="submit" class="button secondary small">"Rename"</button>
            </ActionForm>
            <span class="muted">
                {format!("{member_count} member{}", if member_count == 1 { "" } else { "s" })}
            </span>
            <ActionForm action=delete attr:class="inline">
                <input type="hidden" name="id" value=id />
                <button type="submit" class="button danger small" aria-label=delete_label>
                    "Delete"
                </button>
            </ActionForm>
            {move || {
                let rename_error = rename.value().get().and_then(Result::err);
                let delete_error = delete.value().get().and_then(Result::err);
                rename_error
                    .map(|e| e.field_message("name").unwrap_or_else(|| e.to_string()))
                    .or(delete_error.map(|e| e.to_string()))
                    .map(|m| view! { <p class="form-error">{m}</p> })
            }}
        </li>
    }
}
