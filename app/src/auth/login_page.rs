use leptos::prelude::*;
use leptos_meta::Title;

use leptos_router::components::Redirect;

use super::api::{needs_setup, Login, SetupFirstAdmin};
use crate::components::form::{field_error, form_error, reload_to, Field, FormMessage};
use crate::components::layout::current_page_user;

#[component]
pub fn LoginPage() -> impl IntoView {
    let setup = Resource::new(|| (), |_| needs_setup());
    let logged_in = matches!(current_page_user(), Ok(Some(_)));
    view! {
        <Title text="Log in" />
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                if logged_in {
                    return view! { <Redirect path="/" /> }.into_any();
                }
                match setup.await {
                    Ok(true) => view! { <SetupForm /> }.into_any(),
                    _ => view! { <LoginForm /> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn LoginForm() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    Effect::new(move || {
        if let Some(Ok(())) = login.value().get() {
            reload_to("/");
        }
    });
    let general = form_error(login);
    view! {
        <section class="card narrow auth">
            <h1>"Log in to Cadence"</h1>
            <ActionForm action=login>
                <FormMessage error=general />
                <Field
                    id="login-email"
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="username"
                    required=true
                    error=field_error(login, "email")
                />
                <Field
                    id="login-password"
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="current-password"
                    required=true
                    error=field_error(login, "password")
                />
                <button type="submit" class="button primary wide" disabled=move || login.pending().get()>
                    {move || if login.pending().get() { "Logging in…" } else { "Log in" }}
                </button>
            </ActionForm>
        </section>
    }
}

#[component]
fn SetupForm() -> impl IntoView {
    let setup = ServerAction::<SetupFirstAdmin>::new();
    Effect::new(move || {
        if let Some(Ok(())) = setup.value().get() {
            reload_to("/");
        }
    });
    let general = form_error(setup);
    view! {
        <section class="card narrow auth">
            <h1>"Welcome to Cadence"</h1>
            <p class="muted">
                "This workspace is new. Create the first admin account; you can invite the team next."
            </p>
            <ActionForm action=setup>
                <FormMessage error=general />
                <Field
                    id="setup-workspace"
                    label="Workspace name"
                    name="workspace_name"
                    placeholder="Acme Sales"
                    required=true
                    error=field_error(setup, "workspace_name")
                />
                <Field
                    id="setup-name"
                    label="Your name"
                    name="name"
                    autocomplete="name"
                    required=true
                    error=field_error(setup, "name")
                />
                <Field
                    id="setup-email"
                    label="Email"
                    name="email"
                    kind="email"
                    autocomplete="username"
                    required=true
                    error=field_error(setup, "email")
                />
                <Field
                    id="setup-password"
                    label="Password"
                    name="password"
                    kind="password"
                    autocomplete="new-password"
                    required=true
                    error=field_error(setup, "password")
                />
                <button type="submit" class="button primary wide" disabled=move || setup.pending().get()>
                    "Create admin account"
                </button>
            </ActionForm>
        </section>
    }
}
