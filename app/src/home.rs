//! The home page of a logged-in user.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

use crate::components::layout::{use_current_user, RequireUser};
use crate::domain::Role;

#[component]
pub fn HomePage() -> impl IntoView {
    let user = use_current_user();
    view! {
        <Title text="Home" />
        <RequireUser>
            {move || {
                user.get()
                    .map(|user| {
                        let first = user.name.split_whitespace().next().unwrap_or("").to_string();
                        let is_admin = user.role == Role::Admin;
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
                            <div class="cards">
                                <A href="/board" attr:class="card link-card">
                                    <h2>"Board"</h2>
                                    <p>"Your pipeline, live: move leads from step to step."</p>
                                </A>
                                <A href="/account" attr:class="card link-card">
                                    <h2>"Your account"</h2>
                                    <p>"Password, time zone and API tokens."</p>
                                </A>
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
