//! The frame around every page: the top bar, the login guard and the 404 page.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::{Redirect, A};

use crate::auth::api::{Logout, SessionUser};
use crate::components::form::reload_to;
use crate::domain::Role;
use crate::error::AppError;

/// The logged-in user of the page, known before it renders: the server resolves it from the
/// session before rendering (`PageUser`) and writes it into the document, where the browser
/// reads it at hydration. No page waits on it, and no two `Suspense`s share one resource for
/// it (a pattern whose rare races left a page's response unfinished).
pub type PageUserResult = Result<Option<SessionUser>, AppError>;

/// Put into a page request's extensions by the server, before the page renders.
#[derive(Clone, Debug)]
pub struct PageUser(pub PageUserResult);

/// The id of the document's script element that carries the page's user.
pub const PAGE_USER_ELEMENT: &str = "cadence-user";

#[derive(Clone)]
struct SessionUserContext(PageUserResult);

pub fn provide_current_user() {
    provide_context(SessionUserContext(page_user()));
}

/// The page's user as the server resolved it for this request.
#[cfg(feature = "ssr")]
pub fn page_user() -> PageUserResult {
    use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<PageUser>().cloned())
        .map(|user| user.0)
        .unwrap_or(Ok(None))
}

/// The page's user as the server wrote it into the document.
#[cfg(not(feature = "ssr"))]
pub fn page_user() -> PageUserResult {
    #[cfg(feature = "hydrate")]
    {
        document()
            .get_element_by_id(PAGE_USER_ELEMENT)
            .and_then(|element| element.text_content())
            .and_then(|json| serde_json::from_str(&json).ok())
            .unwrap_or(Ok(None))
    }
    #[cfg(not(feature = "hydrate"))]
    Ok(None)
}

/// The page's user as JSON for a `<script type="application/json">` element: `<` is escaped
/// so that no name or text can close the element.
pub fn page_user_json(user: &PageUserResult) -> String {
    serde_json::to_string(user)
        .unwrap_or_else(|_| "null".into())
        .replace('<', "\\u003c")
}

/// The logged-in user of the page (or why it is not known).
pub fn current_page_user() -> PageUserResult {
    let SessionUserContext(user) = expect_context();
    user
}

/// The logged-in user; `None` when anonymous.
pub fn use_current_user() -> Signal<Option<SessionUser>> {
    Signal::stored(current_page_user().ok().flatten())
}

#[component]
pub fn TopBar() -> impl IntoView {
    let user = current_page_user();
    let logout = ServerAction::<Logout>::new();
    Effect::new(move || {
        if let Some(Ok(())) = logout.value().get() {
            reload_to("/login");
        }
    });
    view! {
        <header class="topbar">
            {match user {
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
                                        <A href="/admin/webhooks">"Webhooks"</A>
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
            }}
        </header>
    }
}

/// Shows `children` to a logged-in user (an admin, with `admin`); sends others to the login
/// page, and tells a logged-in user without the role that the page is not for them.
#[component]
pub fn RequireUser(#[prop(optional)] admin: bool, children: ChildrenFn) -> impl IntoView {
    let user = current_page_user();
    // The Suspense waits for the resources that the children read outside their own.
    match user {
        Ok(Some(user)) if !admin || user.role == Role::Admin => view! {
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>{children()}</Suspense>
        }
        .into_any(),
        Ok(Some(_)) => view! {
            <section class="card">
                <h1>"Not for your role"</h1>
                <p>"This page is for admins. Ask an admin if you need a change here."</p>
            </section>
        }
        .into_any(),
        Ok(None) => view! { <Redirect path="/login" /> }.into_any(),
        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
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
