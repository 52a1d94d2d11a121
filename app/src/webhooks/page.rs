//! `/admin/webhooks`: register a webhook (its secret shown once), turn it off and on, delete
//! it, and read each one's latest deliveries, with a resend.

use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{
    create_webhook, delete_webhook, resend_delivery, set_webhook_active, webhooks_page,
    CreatedWebhook, WebhookDeliveryView, WebhookView, WebhooksPageData,
};
use crate::components::layout::RequireUser;
use crate::domain::webhook::EVENTS;
use crate::error::AppError;

#[component]
pub fn WebhooksPage() -> impl IntoView {
    // Created here, once, and not inside `RequireUser` (see the segments page).
    let reload = RwSignal::new(0u32);
    let data = Resource::new(move || reload.get(), |_| webhooks_page());
    view! {
        <Title text="Webhooks" />
        <RequireUser admin=true>
            <WebhooksAdmin reload data />
        </RequireUser>
    }
}

#[component]
fn WebhooksAdmin(
    reload: RwSignal<u32>,
    data: Resource<Result<WebhooksPageData, AppError>>,
) -> impl IntoView {
    let created = RwSignal::new(None::<CreatedWebhook>);
    view! {
        <h1>"Webhooks"</h1>
        <p class="muted">
            "Cadence POSTs each event you choose to your address, as JSON, signed with the webhook's secret. "
            "Deliveries are sent in order, retried for a day when the receiver fails, and kept for 30 days. "
            <a href="/api-reference#webhooks">"How to verify a delivery"</a>
        </p>
        <NewWebhook reload created />
        {move || created.get().map(|c| view! {
            <section class="card notice" role="status">
                <h2>"Keep this secret"</h2>
                <p>{format!("The deliveries to {} are signed with:", c.webhook.url)}</p>
                <p><code class="secret">{c.secret.clone()}</code></p>
                <p class="muted">"It is not shown again. Store it where your receiver reads it."</p>
            </section>
        })}
        <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(page) if page.webhooks.is_empty() => {
                        view! { <p class="muted">"No webhooks yet."</p> }.into_any()
                    }
                    Ok(page) => page
                        .webhooks
                        .into_iter()
                        .map(|(hook, deliveries)| view! { <WebhookCard hook deliveries reload /> })
                        .collect_view()
                        .into_any(),
                    Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The creation form: an address and the events; what was typed stays when it is refused.
#[component]
fn NewWebhook(reload: RwSignal<u32>, created: RwSignal<Option<CreatedWebhook>>) -> impl IntoView {
    let url = RwSignal::new(String::new());
    let chosen = RwSignal::new(vec![
        "lead.created".to_string(),
        "lead.status_changed".to_string(),
        "activity.created".to_string(),
    ]);
    let create = Action::new(move |(url, events): &(String, Vec<String>)| {
        let (url, events) = (url.clone(), events.clone());
        async move { create_webhook(url, events).await }
    });
    Effect::new(move || {
        if let Some(Ok(done)) = create.value().get() {
            created.set(Some(done));
            url.set(String::new());
            reload.update(|n| *n += 1);
        }
    });
    let error_for = move |field: &'static str| {
        move || {
            create
                .value()
                .get()
                .and_then(Result::err)
                .and_then(|e| e.field_message(field))
        }
    };
    let general = move || match create.value().get() {
        Some(Err(AppError::Validation(_))) | Some(Ok(_)) | None => None,
        Some(Err(error)) => Some(error.to_string()),
    };
    view! {
        <section class="card">
            <h2>"New webhook"</h2>
            <form on:submit=move |ev| {
                ev.prevent_default();
                create.dispatch((url.get_untracked(), chosen.get_untracked()));
            }>
                {move || general().map(|m| view! { <p class="form-error" role="alert">{m}</p> })}
                <div class="field" class:invalid=move || error_for("url")().is_some()>
                    <label for="webhook-url">"Address (https://)"</label>
                    <input
                        id="webhook-url"
                        type="url"
                        required
                        placeholder="https://hooks.example.com/cadence"
                        prop:value=move || url.get()
                        on:input=move |ev| url.set(event_target_value(&ev))
                        aria-describedby="webhook-url-error"
                    />
                    <p id="webhook-url-error" class="field-error" role="alert">{error_for("url")}</p>
                </div>
                <fieldset class="field" class:invalid=move || error_for("events")().is_some()>
                    <legend>"Events"</legend>
                    <div class="checks">
                        {EVENTS.iter().map(|(kind, label)| {
                            let kind = kind.to_string();
                            let is_on = kind.clone();
                            let shown = kind.clone();
                            view! {
                                <label class="inline-check">
                                    <input
                                        type="checkbox"
                                        prop:checked=move || chosen.with(|c| c.contains(&is_on))
                                        on:change=move |ev| {
                                            let on = event_target_checked(&ev);
                                            chosen.update(|c| {
                                                c.retain(|k| *k != kind);
                                                if on {
                                                    c.push(kind.clone());
                                                }
                                            });
                                        }
                                    />
                                    " "{*label}" "<code class="muted">{shown}</code>
                                </label>
                            }
                        }).collect_view()}
                    </div>
                    <p class="field-error" role="alert">{error_for("events")}</p>
                </fieldset>
                <button type="submit" class="button primary" disabled=move || create.pending().get()>
                    {move || if create.pending().get() { "Adding…" } else { "Add webhook" }}
                </button>
            </form>
        </section>
    }
}

#[component]
fn WebhookCard(
    hook: WebhookView,
    deliveries: Vec<WebhookDeliveryView>,
    reload: RwSignal<u32>,
) -> impl IntoView {
    let id = hook.id;
    let toggle = Action::new(move |active: &bool| {
        let active = *active;
        async move { set_webhook_active(id, active).await }
    });
    let remove = Action::new(move |_: &()| async move { delete_webhook(id).await });
    let resend = Action::new(move |delivery: &i32| {
        let delivery = *delivery;
        async move { resend_delivery(id, delivery).await }
    });
    Effect::new(move || {
        let done = matches!(toggle.value().get(), Some(Ok(_)))
            || matches!(remove.value().get(), Some(Ok(_)))
            || matches!(resend.value().get(), Some(Ok(_)));
        if done {
            reload.update(|n| *n += 1);
        }
    });
    let problem = move || {
        [
            toggle.value().get().and_then(|r| r.err()),
            remove.value().get().and_then(|r| r.err()),
            resend.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .next()
        .map(|e| view! { <p class="form-error" role="alert">{e.to_string()}</p> })
    };
    let active = hook.active;
    let state = if hook.active {
        match hook.failing_since {
            Some(since) => format!(
                "Active · failing since {}",
                since.format("%Y-%m-%d %H:%M UTC")
            ),
            None => "Active".to_string(),
        }
    } else if hook.disabled_at.is_some() {
        hook.disabled_reason.clone()
    } else {
        "Off".to_string()
    };
    let label = format!("Webhook {}", hook.url);
    view! {
        <section class="card webhook" aria-label=label>
            <div class="page-head">
                <h2 class="url">{hook.url.clone()}</h2>
                <span class=if active { "badge ok" } else { "badge" }>{state}</span>
            </div>
            <p class="muted">{hook.events.join(", ")}</p>
            {problem}
            <div class="form-actions">
                <button class="button secondary small" on:click=move |_| { toggle.dispatch(!active); }>
                    {if active { "Turn off" } else { "Turn on" }}
                </button>
                <button class="button danger small" on:click=move |_| { remove.dispatch(()); }>"Delete"</button>
            </div>
            {if deliveries.is_empty() {
                view! { <p class="muted">"No deliveries yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table">
                            <caption class="muted">"Latest deliveries"</caption>
                            <thead>
                                <tr>
                                    <th>"Delivery"</th><th>"Event"</th><th>"Status"</th><th>"Answer"</th>
                                    <th>"Time"</th><th>"Tries"</th><th>"Queued"</th><th></th>
                                </tr>
                            </thead>
                            <tbody>
                                {deliveries.into_iter().map(|d| {
                                    let delivery = d.id;
                                    let answer = match (d.last_code, d.last_error.is_empty()) {
                                        (Some(code), true) => code.to_string(),
                                        (_, false) => d.last_error.clone(),
                                        (None, true) => "—".to_string(),
                                    };
                                    view! {
                                        <tr data-status=d.status.clone()>
                                            <td>{d.id}</td>
                                            <td>{d.event_type.clone()}</td>
                                            <td>{d.status.clone()}</td>
                                            <td>{answer}</td>
                                            <td>{d.last_duration_ms.map(|ms| format!("{ms} ms")).unwrap_or_default()}</td>
                                            <td>{d.attempts}</td>
                                            <td>{d.created_at.format("%Y-%m-%d %H:%M:%S UTC").to_string()}</td>
                                            <td>
                                                <button class="button secondary small" on:click=move |_| { resend.dispatch(delivery); }>
                                                    "Resend"
                                                </button>
                                            </td>
                                        </tr>
                                    }
                                }).collect_view()}
                            </tbody>
                        </table>
                    </div>
                }.into_any()
            }}
        </section>
    }
}
