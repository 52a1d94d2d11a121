use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{get_workspace, UpdateWorkspace};
use crate::components::form::{field_error, form_error, Field, FormMessage, SelectField};
use crate::components::layout::RequireUser;
use crate::domain::period::{weekday_label, WorkingDays};
use crate::domain::validate::WeekStart;
use crate::error::AppError;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let settings = Resource::new(|| (), |_| get_workspace());
    view! {
        <Title text="Workspace settings" />
        <RequireUser admin=true>
            <SettingsForm settings />
        </RequireUser>
    }
}

#[component]
fn SettingsForm(settings: Resource<Result<super::api::WorkspaceView, AppError>>) -> impl IntoView {
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
                                        <WorkingDaysField initial=ws.working_days error=field_error(update, "working_days") />
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

/// The working days as checkboxes, sent as one field (`mon,tue,…`).
#[component]
fn WorkingDaysField(
    initial: WorkingDays,
    #[prop(into)] error: Signal<Option<String>>,
) -> impl IntoView {
    let days = RwSignal::new(initial.bits());
    let value = move || {
        let bits = days.get();
        WorkingDays::WEEK
            .into_iter()
            .filter(|d| bits & (1 << d.num_days_from_monday()) != 0)
            .map(|d| weekday_label(d).to_lowercase())
            .collect::<Vec<_>>()
            .join(",")
    };
    view! {
        <fieldset class="field working-days" class:invalid=move || error.get().is_some()>
            <legend>"Working days (daily goals apply on these; pace counts them)"</legend>
            <input type="hidden" name="working_days" prop:value=value value=value />
            {WorkingDays::WEEK.into_iter().map(|d| {
                let bit = 1 << d.num_days_from_monday();
                view! {
                    <label class="inline-check">
                        <input type="checkbox" prop:checked=move || days.get() & bit != 0
                            on:change=move |ev| { let on = event_target_checked(&ev); days.update(|b| if on { *b |= bit } else { *b &= !bit }); } />
                        {weekday_label(d)}
                    </label>
                }
            }).collect_view()}
            {move || error.get().map(|m| view! { <p class="field-error">{m}</p> })}
        </fieldset>
    }
}
