//! One's own choice about the morning digest, on the account page.

use leptos::prelude::*;

use super::api::{DigestChoice, SaveDigestChoice};
use crate::components::form::{form_error, FormMessage};
use crate::error::AppError;

#[component]
pub fn DigestChoiceForm(
    save: ServerAction<SaveDigestChoice>,
    choice: Resource<Result<DigestChoice, AppError>>,
) -> impl IntoView {
    let general = form_error(save);
    view! {
        <section class="card">
            <h2>"Morning digest"</h2>
            <Suspense fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || Suspend::new(async move {
                    match choice.await {
                        Ok(now) => view! {
                            <ActionForm action=save attr:class="grid-form">
                                <FormMessage error=general />
                                <label class="inline-check">
                                    <input type="checkbox" name="receives" checked=now.receives />
                                    "Email me the day before's numbers every morning"
                                </label>
                                <label class="inline-check">
                                    <input type="checkbox" name="quiet_days" checked=now.quiet_days />
                                    "Also about days off without any activity"
                                </label>
                                <div class="form-actions">
                                    <button type="submit" class="button primary">"Save digest choice"</button>
                                    <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                                        <span class="ok" role="status">"Saved."</span>
                                    </Show>
                                </div>
                            </ActionForm>
                        }.into_any(),
                        Err(error) => view! { <p class="form-error">{error.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}
