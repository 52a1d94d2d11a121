//! The prospecting lists: open one, create one (managers), see the archived ones.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;
use leptos_router::hooks::use_navigate;

use super::api::{prospecting_lists, CreateProspectingList, ListView};
use crate::components::form::{field_error, form_error, FormMessage};
use crate::components::layout::{use_current_user, RequireUser};
use crate::domain::Role;

#[component]
pub fn ListsPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let archived = RwSignal::new(false);
    let lists = Resource::new(move || archived.get(), prospecting_lists);
    view! {
        <Title text="Prospecting lists" />
        <RequireUser>
            <Lists archived lists />
        </RequireUser>
    }
}

/// The lists and the creation form. `archived` and `lists` are created by the page.
#[component]
fn Lists(
    archived: RwSignal<bool>,
    lists: Resource<Result<Vec<ListView>, crate::error::AppError>>,
) -> impl IntoView {
    let create = ServerAction::<CreateProspectingList>::new();
    let user = use_current_user();
    let can_manage = move || {
        user.get()
            .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager))
    };
    let navigate = use_navigate();
    Effect::new(move || {
        if let Some(Ok(list)) = create.value().get() {
            navigate(&format!("/lists/{}", list.id), Default::default());
        }
    });
    view! {
        <div class="page-head">
            <h1>"Prospecting lists"</h1>
            <label class="inline-check">
                <input type="checkbox" prop:checked=move || archived.get() on:change=move |ev| archived.set(event_target_checked(&ev)) />
                " Show archived lists"
            </label>
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match lists.await {
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    Ok(lists) if lists.is_empty() => view! {
                        <p class="muted empty">"No lists yet. Managers create them, empty or from a CSV file."</p>
                    }.into_any(),
                    Ok(lists) => view! {
                        <div class="table-wrap">
                            <table class="table">
                                <thead>
                                    <tr><th>"List"</th><th class="num">"Rows"</th><th>"Columns"</th><th>"Owner"</th></tr>
                                </thead>
                                <tbody>
                                    {lists.into_iter().map(|l| {
                                        let columns = l.columns.iter().map(|c| c.name.clone()).collect::<Vec<_>>().join(", ");
                                        view! {
                                            <tr>
                                                <td><A href=format!("/lists/{}", l.id)>{l.name.clone()}</A></td>
                                                <td class="num">{l.rows}</td>
                                                <td class="muted">{columns}</td>
                                                <td>{l.owner_name.clone()}</td>
                                            </tr>
                                        }
                                    }).collect_view()}
                                </tbody>
                            </table>
                        </div>
                    }.into_any(),
                }
            })}
        </Transition>
        <Show when=can_manage>
            <section class="card narrow">
                <h2>"New list"</h2>
                <ActionForm action=create attr:class="grid-form">
                    <FormMessage error=form_error(create) />
                    <div class="field" class:invalid=move || field_error(create, "name").get().is_some()>
                        <label for="list-name">"Name"</label>
                        <input id="list-name" name="name" required maxlength="100" />
                        {move || field_error(create, "name").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <div class="field wide-field" class:invalid=move || field_error(create, "columns").get().is_some()>
                        <label for="list-columns">"Columns, one per line (Name or Name:kind; kinds: text, company, person, email, phone)"</label>
                        <textarea id="list-columns" name="columns" rows="5">"Company:company\nName:person\nPhone:phone\nEmail:email\nCity"</textarea>
                        {move || field_error(create, "columns").get().map(|m| view! { <p class="field-error">{m}</p> })}
                    </div>
                    <div class="form-actions">
                        <button type="submit" class="button primary" disabled=move || create.pending().get()>"Create list"</button>
                    </div>
                </ActionForm>
            </section>
        </Show>
    }
}
