use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{get_workspace, UpdateWorkspace};
use crate::components::form::{field_error, form_error, Field, FormMessage, SelectField};
use crate::components::layout::RequireUser;
use crate::domain::validate::WeekStart;

#[component]
pub fn SettingsPage() -> impl IntoView {
    view! {
        <Title text="Workspace settings" />
        <RequireUser admin=true>
            <SettingsForm />
        </RequireUser>
    }
}

#[component]
fn SettingsForm() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_workspace());
    let update = ServerAction::<UpdateWorkspace>::new();
    let general = form_error(update);
    let weeks: Vec<(String, String)> = WeekStart::ALL
        .iter()
        .map(|w| (w.as_str().to_string(), w.label().to_string()))
        .collect();
    view! {
        <h1>"Workspace settings"</h1>
        <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
            {move || {
                let weeks = weeks.clone();
                Suspend::new(async move {
                    match settings.await {
                        Ok(ws) => {
                            view! {
                                <section class="card">
                                    <ActionForm action=update attr:class="grid-form">
                                        <FormMessage error=general />
                                        <Field id="ws-name" label="Workspace name" name="name" value=ws.name error=field_error(update, "name") />
                                        <Field
                                            id="ws-tz"
                                            label="Time zone"
                                            name="time_zone"
                                            value=ws.time_zone
                                            placeholder="Europe/Paris"
                                            error=field_error(update, "time_zone")
                                        />
                                        <Field
                                            id="ws-currency"
                                            label="Currency"
                                            name="currency"
                                            value=ws.currency
                                            placeholder="EUR"
                                            error=field_error(update, "currency")
                                        />
                                        <SelectField
                                            id="ws-week"
                                            label="First day of the week"
                                            name="week_start"
                                            options=weeks
                                            selected=ws.week_start.as_str()
                                            error=field_error(update, "week_start")
                                        />
                                        <div class="form-actions">
                                            <button type="submit" class="button primary">"Save settings"</button>
                                            <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                                                <span class="ok" role="status">"Saved."</span>
                                            </Show>
                                        </div>
                                    </ActionForm>
                                </section>
                            }
                                .into_any()
                        }
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Suspense>
    }
}
