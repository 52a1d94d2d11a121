#![recursion_limit = "256"]
//! Cadence: the Leptos application shared by the server (`ssr`) and the browser (`hydrate`).

pub mod account;
pub mod activities;
pub mod admin;
pub mod api_docs;
pub mod auth;
pub mod components;
pub mod digest;
pub mod domain;
pub mod error;
pub mod goals;
mod home;
pub mod leads;
pub mod live;
pub mod pipelines;
pub mod prospecting;
pub mod reports;
#[cfg(feature = "ssr")]
pub mod server;
pub mod webhooks;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::components::layout::{provide_current_user, NotFound, TopBar};

/// The name of the compiled site assets (`/pkg/<name>.js`, `.wasm`, `.css`).
pub const OUTPUT_NAME: &str = "cadence";

/// The HTML document around the app, rendered on the server.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    let user = components::layout::page_user_json(&components::layout::page_user());
    #[cfg(feature = "ssr")]
    if let (Some(nonce), Some(response)) = (
        leptos::nonce::use_nonce(),
        use_context::<leptos_axum::ResponseOptions>(),
    ) {
        if let Ok(value) = axum::http::HeaderValue::from_str(&page_policy(&nonce)) {
            response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
        }
    }
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HydrationScripts options />
                <MetaTags />
                <script type="application/json" id=components::layout::PAGE_USER_ELEMENT inner_html=user></script>
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// The page title as it goes into the document. leptos_meta writes the title into the server's
/// HTML as it is, so a lead called `</title><script>…` would be markup there: on the server
/// `&`, `<` and `>` are escaped (the browser shows them as typed); in the browser the title is
/// set as text and stays as it is.
fn title_text(text: String) -> String {
    if cfg!(feature = "ssr") {
        domain::text::html_escaped(&text)
    } else {
        text
    }
}

/// A page's Content-Security-Policy: scripts from this site, or inline with this response's
/// nonce (Leptos puts it on its hydration scripts), and WebAssembly; styles from this site or
/// inline (style attributes of charts); nothing else loaded from elsewhere; never in a frame.
pub fn page_policy(nonce: &str) -> String {
    format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; \
         object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
    )
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_current_user();
    // Browsers only: marks the page interactive, for people's tools and the browser tests.
    Effect::new(|| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Stylesheet id="cadence" href="/pkg/cadence.css" />
        <Title formatter=|text: String| {
            title_text(if text.is_empty() { "Cadence".to_string() } else { format!("{text} · Cadence") })
        } />
        <Router>
            <TopBar />
            <main class="page">
                <Routes fallback=NotFound>
                    <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async />
                    <Route path=path!("/login") view=auth::LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/users") view=admin::UsersPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/segments") view=admin::SegmentsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/settings") view=admin::SettingsPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/digest") view=digest::DigestPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/webhooks") view=webhooks::WebhooksPage ssr=SsrMode::Async />
                    <Route path=path!("/api-reference") view=api_docs::ApiReferencePage ssr=SsrMode::Async />
                    <Route path=path!("/admin/pipelines") view=pipelines::PipelinesPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/activity-types") view=activities::ActivityTypesPage ssr=SsrMode::Async />
                    <Route path=path!("/board") view=leads::BoardPage ssr=SsrMode::Async />
                    <Route path=path!("/feed") view=activities::FeedPage ssr=SsrMode::Async />
                    <Route path=path!("/activities") view=activities::MyActivitiesPage ssr=SsrMode::Async />
                    <Route path=path!("/leads/:id") view=leads::LeadPage ssr=SsrMode::Async />
                    <Route path=path!("/lists") view=prospecting::ListsPage ssr=SsrMode::Async />
                    <Route path=path!("/lists/:id") view=prospecting::ListPage ssr=SsrMode::Async />
                    <Route path=path!("/prospects/:id") view=prospecting::ProspectPage ssr=SsrMode::Async />
                    <Route path=path!("/admin/scripts") view=prospecting::ScriptsPage ssr=SsrMode::Async />
                    <Route path=path!("/goals") view=goals::TeamGoalsPage ssr=SsrMode::Async />
                    <Route path=path!("/plan") view=goals::PlannerPage ssr=SsrMode::Async />
                    <Route path=path!("/reports") view=reports::ReportsIndex ssr=SsrMode::Async />
                    <Route path=path!("/reports/:kind") view=reports::ReportPage ssr=SsrMode::Async />
                </Routes>
            </main>
        </Router>
    }
}
