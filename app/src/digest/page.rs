//! The digest's admin page: when it goes out and through which relay, a preview of any day
//! for anyone, and who got what (the outbox when no relay is set).

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    digest_admin, digest_deliveries, preview_digest, read_delivery, DeliveryView, DigestPageData,
    DigestPreview, MailSecurity, SaveDigestSettings,
};
use crate::components::form::{field_error, form_error, Field, FormMessage, SelectField};
use crate::components::layout::RequireUser;
use crate::error::AppError;

#[component]
pub fn DigestPage() -> impl IntoView {
    // Every resource here, outside `RequireUser` (see AccountPage).
    let save = ServerAction::<SaveDigestSettings>::new();
    // Read again after a save that worked only: a refused one keeps what was typed.
    let admin = Resource::new(
        move || save.value().get().and_then(Result::ok),
        |_| digest_admin(),
    );
    let day = RwSignal::new(String::new());
    let person = RwSignal::new(String::new());
    let preview = Resource::new(
        move || (day.get(), person.get()),
        |(day, person)| preview_digest(day, person.parse().ok()),
    );
    let deliveries = Resource::new(move || day.get(), digest_deliveries);
    let reading = RwSignal::new(None::<i32>);
    let stored = Resource::new(
        move || reading.get(),
        |id| async move {
            match id {
                Some(id) => read_delivery(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <Title text="Morning digest" />
        <RequireUser admin=true>
            <h1>"Morning digest"</h1>
            <p class="muted">
                "Every morning each manager and admin who has it on (and each member who asked) gets one email about the day before."
            </p>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match admin.await {
                        Ok(data) => {
                            // The day chosen, or yesterday until one is.
                            let yesterday = data.yesterday.to_string();
                            let shown = Signal::derive(move || {
                                let chosen = day.get();
                                if chosen.is_empty() { yesterday.clone() } else { chosen }
                            });
                            view! {
                                <SettingsForm save data=data.clone() />
                                <Preview data day shown person preview />
                                <Deliveries shown deliveries reading />
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
            <StoredDigest stored reading />
        </RequireUser>
    }
}

#[component]
fn SettingsForm(save: ServerAction<SaveDigestSettings>, data: DigestPageData) -> impl IntoView {
    let general = form_error(save);
    let s = data.settings;
    let securities: Vec<(String, String)> = MailSecurity::ALL
        .iter()
        .map(|m| (m.as_str().to_string(), m.label().to_string()))
        .collect();
    let relay = if s.smtp_host.is_empty() {
        "No SMTP relay is set: digests are kept in the outbox below, for you to read."
    } else {
        "Digests are sent through this relay."
    };
    view! {
        <section class="card">
            <h2>"Settings"</h2>
            <p class="muted" role="note">{relay}</p>
            <Show when=move || data.smtp_from_command_line>
                <p class="muted" role="note">
                    "This server was started with an SMTP relay on its command line (or environment): that relay is used, not the one below."
                </p>
            </Show>
            <ActionForm action=save attr:class="grid-form">
                <FormMessage error=general />
                <Field id="digest-time" label="Send at (workspace time)" name="digest_time" kind="time" value=s.digest_time error=field_error(save, "digest_time") />
                <Field
                    id="digest-url"
                    label="App address (for the links)"
                    name="public_url"
                    value=s.public_url
                    placeholder="https://crm.example.com"
                    error=field_error(save, "public_url")
                />
                <Field
                    id="smtp-host"
                    label="SMTP host"
                    name="smtp_host"
                    value=s.smtp_host
                    placeholder="smtp.example.com"
                    error=field_error(save, "smtp_host")
                />
                <Field id="smtp-port" label="SMTP port" name="smtp_port" kind="number" value=s.smtp_port.to_string() error=field_error(save, "smtp_port") />
                <SelectField
                    id="smtp-security"
                    label="Security"
                    name="smtp_security"
                    options=securities
                    selected=s.smtp_security.as_str()
                    error=field_error(save, "smtp_security")
                />
                <Field id="smtp-user" label="SMTP user" name="smtp_user" value=s.smtp_user autocomplete="off" error=field_error(save, "smtp_user") />
                <Field
                    id="smtp-password"
                    label="SMTP password"
                    name="smtp_password"
                    kind="password"
                    autocomplete="new-password"
                    placeholder=if s.smtp_password_set { "set: leave empty to keep it" } else { "" }
                    error=field_error(save, "smtp_password")
                />
                <Field
                    id="smtp-from"
                    label="From"
                    name="smtp_from"
                    value=s.smtp_from
                    placeholder="Cadence <digest@example.com>"
                    error=field_error(save, "smtp_from")
                />
                <div class="form-actions">
                    <button type="submit" class="button primary">"Save settings"</button>
                    <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                        <span class="ok" role="status">"Saved."</span>
                    </Show>
                </div>
            </ActionForm>
        </section>
    }
}

#[component]
fn Preview(
    data: DigestPageData,
    day: RwSignal<String>,
    shown: Signal<String>,
    person: RwSignal<String>,
    preview: Resource<Result<DigestPreview, AppError>>,
) -> impl IntoView {
    let plain = RwSignal::new(false);
    view! {
        <section class="card">
            <h2>"Preview"</h2>
            <div class="filters">
                <div class="field">
                    <label for="digest-day">"Day"</label>
                    <input id="digest-day" type="date" prop:value=move || shown.get() on:change=move |ev| day.set(event_target_value(&ev)) />
                </div>
                <div class="field">
                    <label for="digest-for">"For"</label>
                    <select id="digest-for" on:change=move |ev| person.set(event_target_value(&ev))>
                        <option value="">"Me"</option>
                        {data
                            .people
                            .into_iter()
                            .map(|p| {
                                let label = if p.receives { p.name.clone() } else { format!("{} (digest off)", p.name) };
                                view! { <option value=p.id.to_string() selected=move || person.get() == p.id.to_string()>{label}</option> }
                            })
                            .collect_view()}
                    </select>
                </div>
                <label class="inline-check">
                    <input type="checkbox" prop:checked=move || plain.get() on:change=move |ev| plain.set(event_target_checked(&ev)) />
                    "Plain text"
                </label>
            </div>
            <Transition fallback=|| view! { <p class="muted">"Rendering…"</p> }>
                {move || Suspend::new(async move {
                    match preview.await {
                        Ok(mail) => view! { <Mail mail plain /> }.into_any(),
                        Err(error) => view! { <p class="form-error" role="alert">{error.field_message("date").unwrap_or_else(|| error.to_string())}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

/// A digest as the recipient sees it: the HTML in a sandboxed frame, or the text part.
#[component]
fn Mail(mail: DigestPreview, plain: RwSignal<bool>) -> impl IntoView {
    let DigestPreview {
        subject,
        to,
        text,
        html,
        note,
    } = mail;
    view! {
        <div class="digest-mail">
            <p class="digest-head">
                <strong class="digest-subject">{subject}</strong>
                <span class="muted">" to " {to}</span>
            </p>
            {note.map(|n| view! { <p class="muted" role="note">{n}</p> })}
            <Show
                when=move || plain.get()
                fallback=move || view! { <iframe class="digest-frame" title="The digest as an email" sandbox="" srcdoc=html.clone()></iframe> }
            >
                <pre class="digest-text">{text.clone()}</pre>
            </Show>
        </div>
    }
}

#[component]
fn Deliveries(
    shown: Signal<String>,
    deliveries: Resource<Result<Vec<DeliveryView>, AppError>>,
    reading: RwSignal<Option<i32>>,
) -> impl IntoView {
    view! {
        <section class="card">
            <h2>"Sent and outbox"</h2>
            <p class="muted">{move || format!("The digests about {}.", shown.get())}</p>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match deliveries.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted">"None for this day."</p> }.into_any(),
                        Ok(rows) => view! {
                            <div class="table-wrap">
                                <table class="table deliveries">
                                    <thead><tr><th>"Recipient"</th><th>"Status"</th><th>"Tries"</th><th>"When"</th><th>"Error"</th><th></th></tr></thead>
                                    <tbody>
                                        {rows.into_iter().map(|d| {
                                            let id = d.id;
                                            let readable = !d.subject.is_empty();
                                            let when = d.sent_at.or(d.next_attempt_at).map(|t| t.format("%-d %b %H:%M UTC").to_string()).unwrap_or_default();
                                            view! {
                                                <tr>
                                                    <td>{d.user_name}<br /><span class="muted">{d.email}</span></td>
                                                    <td><span class=format!("status status-{}", d.status)>{d.status.clone()}</span></td>
                                                    <td class="num">{d.attempts}</td>
                                                    <td>{when}</td>
                                                    <td class="delivery-error">{d.last_error}</td>
                                                    <td>
                                                        <Show when=move || readable>
                                                            <button type="button" class="button secondary small" on:click=move |_| reading.set(Some(id))>"Read"</button>
                                                        </Show>
                                                    </td>
                                                </tr>
                                            }
                                        }).collect_view()}
                                    </tbody>
                                </table>
                            </div>
                        }.into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn StoredDigest(
    stored: Resource<Result<Option<DigestPreview>, AppError>>,
    reading: RwSignal<Option<i32>>,
) -> impl IntoView {
    let plain = RwSignal::new(false);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match stored.await {
                    Ok(Some(mail)) => view! {
                        <section class="card stored-digest">
                            <div class="digest-bar">
                                <h2>"As it went out"</h2>
                                <button type="button" class="button secondary small" on:click=move |_| reading.set(None)>"Close"</button>
                            </div>
                            <Mail mail plain />
                        </section>
                    }.into_any(),
                    Ok(None) => ().into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}
