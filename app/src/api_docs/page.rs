use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{api_reference, ApiOperation};
use crate::components::layout::RequireUser;

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    // Outside `RequireUser` (see AccountPage).
    let reference = Resource::new(|| (), |_| api_reference());
    let filter = RwSignal::new(String::new());
    view! {
        <Title text="API reference" />
        <RequireUser>
            <h1>"API"</h1>
            <section class="card api-start">
                <h2>"Getting started"</h2>
                <ol>
                    <li>
                        "Create a token on "<a href="/account">"your account page"</a>
                        " (API tokens), or on the server with "<code>"cadence token create --email you@example.com"</code>
                        ". It is shown once; keep it secret."
                    </li>
                    <li>
                        "Send it with every request, to the address of this app followed by "<code>"/api/v1"</code>":"
                        <pre class="code">"curl -H \"Authorization: Bearer $TOKEN\" https://cadence.example.com/api/v1/me"</pre>
                    </li>
                    <li>
                        "Each token may make 100 requests per 10 seconds; the next one is answered 429 with "
                        <code>"Retry-After"</code>" (seconds). Bodies are read up to 1 MiB."
                    </li>
                    <li>
                        "Errors are JSON: "<code>"{\"error\": {\"code\", \"message\", \"fields\"}}"</code>
                        " with the status (401, 403, 404, 409, 413, 422, 429); "<code>"fields"</code>" says what is wrong with which input."
                    </li>
                </ol>
                <p>
                    "The machine-readable description: "<a href="/api/v1/openapi.json">"/api/v1/openapi.json"</a>" (OpenAPI 3.1)."
                </p>
                <p>
                    "Long lists (leads, activities, a list's prospects, webhook deliveries) answer a page: "<code>"items"</code>", "
                    <code>"total"</code>", and where the next page starts ("<code>"next_offset"</code>", or "<code>"next_before"</code>
                    " with the "<code>"next"</code>" address); "<code>"limit"</code>" is at most 200. The short catalogs (users, segments, "
                    "pipelines, activity types, scripts, goals) answer the whole list."
                </p>
            </section>
            <WebhookRecipe />
            <div class="filters">
                <label class="field">
                    <span>"Find an operation"</span>
                    <input type="search" placeholder="leads, POST, digests…" prop:value=move || filter.get()
                        on:input=move |ev| filter.set(event_target_value(&ev)) />
                </label>
            </div>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match reference.await {
                        Ok(reference) => {
                            let groups = reference.groups;
                            view! {
                                {move || {
                                    let wanted = filter.get().trim().to_lowercase();
                                    groups
                                        .iter()
                                        .filter_map(|group| {
                                            let shown: Vec<ApiOperation> = group
                                                .operations
                                                .iter()
                                                .filter(|op| wanted.is_empty() || matches(op, &group.tag, &wanted))
                                                .cloned()
                                                .collect();
                                            (!shown.is_empty()).then(|| view! {
                                                <section class="api-group">
                                                    <h2>{group.tag.clone()}</h2>
                                                    {shown.into_iter().map(|op| view! { <Operation op /> }).collect_view()}
                                                </section>
                                            })
                                        })
                                        .collect_view()
                                }}
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </RequireUser>
    }
}

fn matches(op: &ApiOperation, tag: &str, wanted: &str) -> bool {
    [tag, &op.method, &op.path, &op.summary]
        .iter()
        .any(|text| text.to_lowercase().contains(wanted))
}

#[component]
fn Operation(op: ApiOperation) -> impl IntoView {
    let ApiOperation {
        method,
        path,
        summary,
        description,
        parameters,
        request,
        responses,
    } = op;
    view! {
        <details class="card api-op">
            <summary>
                <span class=format!("method method-{}", method.to_lowercase())>{method.clone()}</span>
                " "<code class="api-path">{path}</code>" "
                <span class="muted">{summary}</span>
            </summary>
            {(!description.is_empty()).then(|| view! { <p>{description}</p> })}
            {(!parameters.is_empty()).then(|| view! {
                <div class="table-wrap">
                    <table class="table">
                        <thead><tr><th>"Parameter"</th><th>"In"</th><th>"Type"</th><th>"Description"</th></tr></thead>
                        <tbody>
                            {parameters.into_iter().map(|p| view! {
                                <tr>
                                    <td><code>{p.name}</code>{p.required.then_some(" (required)")}</td>
                                    <td>{p.location}</td>
                                    <td>{p.kind}</td>
                                    <td>{p.description}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            })}
            {request.map(|r| view! { <p>"Body: "<code>{r}</code></p> })}
            <ul class="api-responses">
                {responses.into_iter().map(|r| {
                    let content = r.content.join(", ");
                    view! {
                        <li>
                            <strong>{r.status}</strong>" "{r.description}
                            {(!content.is_empty()).then(|| view! { " — "<code>{content}</code> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </details>
    }
}

/// How a receiver checks that a delivery comes from this Cadence.
#[component]
fn WebhookRecipe() -> impl IntoView {
    view! {
        <section class="card api-webhooks" id="webhooks">
            <h2>"Webhooks"</h2>
            <p>
                "Admins register webhooks on the "<a href="/admin/webhooks">"webhooks page"</a>" or with "
                <code>"POST /api/v1/webhooks"</code>". Each event is POSTed as JSON:"
            </p>
            <pre class="code">{WEBHOOK_BODY}</pre>
            <p>
                "with the headers "<code>"X-Cadence-Event"</code>" (the type), "<code>"X-Cadence-Delivery"</code>
                " (the same on every try of one delivery: use it to drop a repeat) and "<code>"X-Cadence-Signature"</code>
                ": "<code>"t=<unix seconds>,v1=<hex>"</code>", where "<code>"v1"</code>
                " is the HMAC-SHA256, keyed with the webhook's secret, of the timestamp, a dot, and the body exactly as received."
            </p>
            <h3>"Verifying a delivery"</h3>
            <ol>
                <li>"Read the raw body before parsing it."</li>
                <li>"Split the signature header on commas; take "<code>"t"</code>" and "<code>"v1"</code>"."</li>
                <li>"Compute HMAC-SHA256(secret, t + \".\" + body) in hexadecimal and compare it with "<code>"v1"</code>" in constant time."</li>
                <li>"Refuse a "<code>"t"</code>" more than five minutes from your clock (a replayed request)."</li>
                <li>"Answer 2xx within 10 seconds; do the work afterwards."</li>
            </ol>
            <pre class="code">{WEBHOOK_PYTHON}</pre>
            <p class="muted">
                "Deliveries go out in order per webhook. A failed one (not 2xx, or no answer in 10 s) is tried again after 10 s, "
                "then twice as long each time (at most an hour), and the later ones wait behind it. After a day of failures it is "
                "given up and the webhook turned off; admins see why on the webhooks page and can turn it on again (the events "
                "it missed are then sent) or resend any delivery of the last 30 days."
            </p>
        </section>
    }
}

const WEBHOOK_BODY: &str = r#"{
  "id": 1207,                        // the event's id
  "type": "lead.moved",
  "occurred_at": "2026-11-27T09:31:02Z",
  "data": { "id": 42, "title": "Annual licence", "step_id": 4, ... }   // as GET /api/v1/leads/42
}"#;

const WEBHOOK_PYTHON: &str = r#"import hashlib, hmac, time

def verify(secret: str, header: str, body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in header.split(","))
    signed = parts["t"].encode() + b"." + body
    expected = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(parts["t"])) < 300
    return fresh and hmac.compare_digest(expected, parts["v1"])"#;
