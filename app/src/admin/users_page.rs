use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    list_segments, list_users, CreateUser, SegmentView, SetUserActive, UpdateUser, UserView,
};
use crate::components::form::{field_error, form_error, Field, FormMessage, SelectField};
use crate::components::layout::RequireUser;
use crate::domain::Role;

fn role_options() -> Vec<(String, String)> {
    Role::ALL
        .iter()
        .map(|r| (r.as_str().to_string(), r.label().to_string()))
        .collect()
}

fn segment_options(segments: &[SegmentView]) -> Vec<(String, String)> {
    std::iter::once((String::new(), "No segment".to_string()))
        .chain(segments.iter().map(|s| (s.id.to_string(), s.name.clone())))
        .collect()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another.
    let reload = RwSignal::new(0u32);
    let users = Resource::new(move || reload.get(), |_| list_users());
    let segments = Resource::new(|| (), |_| list_segments());
    view! {
        <Title text="Users" />
        <RequireUser admin=true>
            <UsersAdmin reload users segments />
        </RequireUser>
    }
}

/// The creation form and the users. `reload`, `users` and `segments` are created by the page.
#[component]
fn UsersAdmin(
    reload: RwSignal<u32>,
    users: Resource<Result<Vec<UserView>, crate::error::AppError>>,
    segments: Resource<Result<Vec<SegmentView>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <h1>"Users"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let segments = segments.await.unwrap_or_default();
                view! { <NewUserForm segments reload /> }
            })}
        </Suspense>
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                let segments = StoredValue::new(segments.await.unwrap_or_default());
                match users.await {
                    Ok(list) => {
                        view! {
                            <div class="table-wrap">
                                <table class="table">
                                    <thead>
                                        <tr>
                                            <th>"Name"</th>
                                            <th>"Email"</th>
                                            <th>"Role"</th>
                                            <th>"Segment"</th>
                                            <th>"Status"</th>
                                            <th class="actions">"Actions"</th>
                                        </tr>
                                    </thead>
                                    <tbody>
                                        {list
                                            .into_iter()
                                            .map(|user| {
                                                view! { <UserRow user segments=segments.get_value() reload /> }
                                            })
                                            .collect_view()}
                                    </tbody>
                                </table>
                            </div>
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
fn NewUserForm(segments: Vec<SegmentView>, reload: RwSignal<u32>) -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let form = NodeRef::<html::Form>::new();
    let created = RwSignal::new(None::<String>);
    Effect::new(move || {
        if let Some(Ok(user)) = create.value().get() {
            created.set(Some(format!(
                "{} can now log in as {}.",
                user.name, user.email
            )));
            if let Some(form) = form.get() {
                form.reset();
            }
            reload.update(|n| *n += 1);
        }
    });
    let general = form_error(create);
    view! {
        <details class="card" open=true>
            <summary>"Add a user"</summary>
            <ActionForm action=create node_ref=form attr:class="grid-form">
                <FormMessage error=general />
                <Field id="new-user-name" label="Name" name="name" required=true error=field_error(create, "name") />
                <Field
                    id="new-user-email"
                    label="Email"
                    name="email"
                    kind="email"
                    required=true
                    error=field_error(create, "email")
                />
                <SelectField
                    id="new-user-role"
                    label="Role"
                    name="role"
                    options=role_options()
                    selected="member"
                    error=field_error(create, "role")
                />
                <SelectField
                    id="new-user-segment"
                    label="Segment"
                    name="segment_id"
                    options=segment_options(&segments)
                    error=field_error(create, "segment_id")
                />
                <Field
                    id="new-user-password"
                    label="Initial password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    error=field_error(create, "password")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary" disabled=move || create.pending().get()>
                        "Create user"
                    </button>
                    {move || created.get().map(|m| view! { <span class="ok" role="status">{m}</span> })}
                </div>
            </ActionForm>
        </details>
    }
}

#[component]
fn UserRow(user: UserView, segments: Vec<SegmentView>, reload: RwSignal<u32>) -> AnyView {
    let editing = RwSignal::new(false);
    let update = ServerAction::<UpdateUser>::new();
    let toggle = ServerAction::<SetUserActive>::new();
    Effect::new(move || {
        if let Some(Ok(_)) = update.value().get() {
            editing.set(false);
            reload.update(|n| *n += 1);
        }
    });
    Effect::new(move || {
        if let Some(Ok(_)) = toggle.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    let id = user.id;
    let active = user.active;
    let UserView {
        name,
        email,
        role,
        segment_id,
        segment_name,
        ..
    } = user;
    let edit_name = name.clone();
    let segment_value = segment_id.map(|s| s.to_string()).unwrap_or_default();
    let edit_form = move || {
        let name = edit_name.clone();
        let segment_value = segment_value.clone();
        let segments = segments.clone();
        view! {
            <tr class="edit-row">
                <td colspan="6">
                    <ActionForm action=update attr:class="grid-form">
                        <input type="hidden" name="id" value=id />
                        <FormMessage error=form_error(update) />
                        <Field id="edit-user-name" label="Name" name="name" value=name error=field_error(update, "name") />
                        <SelectField
                            id="edit-user-role"
                            label="Role"
                            name="role"
                            options=role_options()
                            selected=role.as_str()
                            error=field_error(update, "role")
                        />
                        <SelectField
                            id="edit-user-segment"
                            label="Segment"
                            name="segment_id"
                            options=segment_options(&segments)
                            selected=segment_value
                            error=field_error(update, "segment_id")
                        />
                        <div class="form-actions">
                            <button type="submit" class="button primary">"Save"</button>
                            <button type="button" class="button secondary" on:click=move |_| editing.set(false)>
                                "Cancel"
                            </button>
                        </div>
                    </ActionForm>
                </td>
            </tr>
        }
    };
    view! {
        <tr class:inactive=!active>
            <td data-label="Name">{name.clone()}</td>
            <td data-label="Email">{email}</td>
            <td data-label="Role">{role.label()}</td>
            <td data-label="Segment">{segment_name.unwrap_or_else(|| "—".into())}</td>
            <td data-label="Status">
                {if active {
                    view! { <span class="badge ok">"Active"</span> }
                } else {
                    view! { <span class="badge off">"Deactivated"</span> }
                }}
            </td>
            <td class="actions">
                <button
                    type="button"
                    class="button secondary small"
                    aria-label=format!("Edit {name}")
                    on:click=move |_| editing.update(|e| *e = !*e)
                >
                    "Edit"
                </button>
                <ActionForm action=toggle attr:class="inline">
                    <input type="hidden" name="id" value=id />
                    <input type="hidden" name="active" value=(!active).to_string() />
                    <button type="submit" class="button secondary small">
                        {if active { "Deactivate" } else { "Activate" }}
                    </button>
                </ActionForm>
                {move || {
                    toggle
                        .value()
                        .get()
                        .and_then(Result::err)
                        .map(|e| view! { <p class="form-error">{e.to_string()}</p> })
                }}
            </td>
        </tr>
        <Show when=move || editing.get()>{edit_form.clone()}</Show>
    }
    .into_any()
}
