use leptos::html;
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{list_tokens, ChangePassword, CreateToken, RevokeToken, TokenView, UpdateProfile};
use crate::components::form::{field_error, form_error, Field, FormMessage};
use crate::components::layout::{use_current_user, RequireUser};
use crate::digest::api::{my_digest_choice, SaveDigestChoice};
use crate::digest::DigestChoiceForm;

#[component]
pub fn AccountPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser`: the server may render its children
    // more than once, each time with new resources, and the browser could then hydrate its
    // single copy with the data of another. The token list follows the two actions, so they
    // are created here too.
    let create = ServerAction::<CreateToken>::new();
    let revoke = ServerAction::<RevokeToken>::new();
    let tokens = Resource::new(
        move || (create.version().get(), revoke.version().get()),
        |_| list_tokens(),
    );
    let save_choice = ServerAction::<SaveDigestChoice>::new();
    let choice = Resource::new(move || save_choice.version().get(), |_| my_digest_choice());
    view! {
        <Title text="Your account" />
        <RequireUser>
            <h1>"Your account"</h1>
            <ProfileForm />
            <PasswordForm />
            <DigestChoiceForm save=save_choice choice />
            <Tokens create revoke tokens />
        </RequireUser>
    }
}

#[component]
fn ProfileForm() -> impl IntoView {
    let user = use_current_user();
    let update = ServerAction::<UpdateProfile>::new();
    view! {
        <section class="card">
            <h2>"Profile"</h2>
            {move || {
                user.get()
                    .map(|user| {
                        view! {
                            <ActionForm action=update attr:class="grid-form">
                                <Field id="profile-name" label="Name" name="name" value=user.name error=field_error(update, "name") />
                                <Field
                                    id="profile-tz"
                                    label="Time zone"
                                    name="time_zone"
                                    value=user.time_zone
                                    placeholder="Europe/Paris"
                                    error=field_error(update, "time_zone")
                                />
                                <div class="form-actions">
                                    <button type="submit" class="button primary">"Save profile"</button>
                                    <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                                        <span class="ok" role="status">"Saved."</span>
                                    </Show>
                                </div>
                            </ActionForm>
                        }
                    })
            }}
        </section>
    }
}

#[component]
fn PasswordForm() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    let form = NodeRef::<html::Form>::new();
    Effect::new(move || {
        if let Some(Ok(())) = change.value().get() {
            if let Some(form) = form.get() {
                form.reset();
            }
        }
    });
    let general = form_error(change);
    view! {
        <section class="card">
            <h2>"Password"</h2>
            <ActionForm action=change node_ref=form attr:class="grid-form">
                <FormMessage error=general />
                <Field
                    id="pw-current"
                    label="Current password"
                    name="current_password"
                    kind="password"
                    autocomplete="current-password"
                    error=field_error(change, "current_password")
                />
                <Field
                    id="pw-new"
                    label="New password"
                    name="new_password"
                    kind="password"
                    autocomplete="new-password"
                    error=field_error(change, "new_password")
                />
                <Field
                    id="pw-confirm"
                    label="Repeat the new password"
                    name="confirm_password"
                    kind="password"
                    autocomplete="new-password"
                    error=field_error(change, "confirm_password")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary">"Change password"</button>
                    <Show when=move || matches!(change.value().get(), Some(Ok(_)))>
                        <span class="ok" role="status">"Password changed. Your other sessions were logged out."</span>
                    </Show>
                </div>
            </ActionForm>
        </section>
    }
}

/// The API tokens. `create`, `revoke` and `tokens` are created by the page.
#[component]
fn Tokens(
    create: ServerAction<CreateToken>,
    revoke: ServerAction<RevokeToken>,
    tokens: Resource<Result<Vec<TokenView>, crate::error::AppError>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"API tokens"</h2>
            <p class="muted">
                "A token lets another tool use the Cadence API as you: send it as "
                <code>"Authorization: Bearer <token>"</code> " to " <code>"/api/v1"</code>
                ". Every operation is described in the " <a href="/api-reference">"API reference"</a>
                " (and, for machines, at " <a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a> ")."
            </p>
            <ActionForm action=create attr:class="row-form">
                <Field id="token-name" label="Token name" name="name" placeholder="Phone system" error=field_error(create, "name") />
                <button type="submit" class="button primary">"Create token"</button>
            </ActionForm>
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|new| {
                        view! {
                            <div class="notice" role="status">
                                <p>"Copy this token now: it will not be shown again."</p>
                                <code class="token">{new.token}</code>
                            </div>
                        }
                    })
            }}
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    let list: Vec<TokenView> = tokens.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="muted">"No tokens yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="list">
                            {list
                                .into_iter()
                                .map(|t| {
                                    let used = t
                                        .last_used
                                        .map(|at| format!("last used {at}"))
                                        .unwrap_or_else(|| "never used".into());
                                    view! {
                                        <li class="list-row">
                                            <strong>{t.name.clone()}</strong>
                                            <code>{format!("{}…", t.prefix)}</code>
                                            <span class="muted">
                                                {format!("created {} · {used}", t.created_on)}
                                            </span>
                                            <ActionForm action=revoke attr:class="inline">
                                                <input type="hidden" name="id" value=t.id />
                                                <button type="submit" class="button danger small">"Revoke"</button>
                                            </ActionForm>
                                        </li>
                                    }
                                })
                                .collect_view()}
                        </ul>
                    }
                        .into_any()
                })}
            </Transition>
            <FormMessage error=form_error(revoke) />
        </section>
    }
}
