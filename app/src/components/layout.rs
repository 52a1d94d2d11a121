//! The frame around every page: the top bar, the login guard and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use crate::auth::api::{current_user, Logout, SessionUser};
use crate::components::form::reload_to;
use crate::domain::Role;
use crate::error::AppError;

pub type UserResource = Resource<Result<Option<SessionUser>, AppError>>;

#[derive(Clone, Copy)]
struct SessionUserContext(UserResource);

pub fn provide_current_user() {
    let resource: UserResource = Resource::new(|| (), |_| current_user());
    provide_context(SessionUserContext(resource));
}

/// The resource behind the logged-in user, to await inside a `Suspense`.
pub fn current_user_resource() -> UserResource {
    let SessionUserContext(resource) = expect_context();
    resource
}

/// The logged-in user once known; `None` while loading or when anonymous.
pub fn use_current_user() -> Signal<Option<SessionUser>> {
    let SessionUserContext(resource) = expect_context();
    Signal::derive(move || resource.get().and_then(Result::ok).flatten())
}

#[component]
pub fn TopBar() -> impl IntoView {
    let SessionUserContext(resource) = expect_context();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move || {
        if let Some(Ok(())) = logout.value().get() {
            reload_to("/login");
        }
    });
    view! {
        <header class="topbar">
            <Transition fallback=|| view! { <span class="brand">"Cadence"</span> }>
                {move || Suspend::new(async move {
                    match resource.await {
                        Ok(Some(user)) => {
                            let is_admin = user.role == Role::Admin;
                            let manages = matches!(user.role, Role::Admin | Role::Manager);
                            view! {
                                <A href="/" attr:class="brand">
                                    {user.workspace_name.clone()}
                                </A>
                                <nav class="nav" aria-label="Main">
                                    <A href="/">"Home"</A>
                                    <A href="/board">"Board"</A>
                                    <A href="/feed">"Feed"</A>
                                    <A href="/activities">"My activities"</A>
                                    <A href="/lists">"Lists"</A>
                                    <A href="/reports/team-activity">"Reports"</A>
                                    <Show when=move || manages>
                                        <A href="/goals">"Goals"</A>
                                        <A href="/plan">"Planner"</A>
                                    </Show>
                                    <Show when=move || is_admin>
                                        <A href="/admin/scripts">"Scripts"</A>
                                        <A href="/admin/pipelines">"Pipelines"</A>
                                        <A href="/admin/activity-types">"Activity types"</A>
                                        <A href="/admin/users">"Users"</A>
                                        <A href="/admin/segments">"Segments"</A>
                                        <A href="/admin/settings">"Settings"</A>
                                        <A href="/admin/digest">"Digest"</A>
                                    </Show>
                                </nav>
                                <div class="me">
                                    <A href="/account" attr:class="me-name">
                                        {user.name.clone()}
                                    </A>
                                    <ActionForm action=logout attr:class="inline">
                                        <button type="submit" class="button secondary small">
                                            "Log out"
                                        </button>
                                    </ActionForm>
                                </div>
                            }
                                .into_any()
                        }
                        _ => view! { <span class="brand">"Cadence"</span> }.into_any(),
                    }
                })}
            </Transition>
        </header>
    }
}

/// Shows `children` to a logged-in user (an admin, with `admin`); sends others to the login
/// page, and tells a logged-in user without the role that the page is not for them.
#[component]
pub fn RequireUser(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let SessionUserContext(resource) = expect_context();
    let children = StoredValue::new(children);
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match resource.await {
                    Ok(Some(user)) if !admin || user.role == Role::Admin => {
                        children.with_value(|c| c()).into_any()
                    }
                    Ok(Some(_)) => {
                        view! {
                            <section class="card">
                                <h1>"Not for your role"</h1>
                                <p>"This page is for admins. Ask an admin if you need a change here."</p>
                            </section>
                        }
                            .into_any()
                    }
                    Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Page not found" />
        <section class="card narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address."</p>
            <p>
                <A href="/">"Go to the home page"</A>
            </p>
        </section>
    }
}
