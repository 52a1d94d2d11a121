//! Live updates: the event every browser and API client receives after a change commits.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One committed change. `kind` is e.g. `lead.moved`; `data` carries at least the ids a
/// client needs to decide whether it cares (`pipeline_id`, `lead_id`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEvent {
    pub id: i64,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: DateTime<Utc>,
    pub data: serde_json::Value,
}

/// The event recorded when the database was replaced by a backup (`cadence restore`): what a
/// page shows may be gone, so every open page reloads when it gets it.
pub const WORKSPACE_RESTORED: &str = "workspace.restored";

/// Calls `on_event` for every live event, in the browser; reconnects by itself after a dropped
/// connection (the browser's EventSource sends the last id, the server replays what was missed).
/// Does nothing on the server.
pub fn use_live_events(on_event: impl Fn(LiveEvent) + 'static) {
    use_live_events_after(None, on_event)
}

/// As `use_live_events`, starting after event `after` (events committed since a page was read
/// are replayed first, so that nothing falls between the page and the stream).
pub fn use_live_events_after(after: Option<i64>, on_event: impl Fn(LiveEvent) + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use leptos::prelude::on_cleanup;
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;

        let url = match after {
            Some(id) => format!("/api/events?after={id}"),
            None => "/api/events".to_string(),
        };
        let Ok(source) = web_sys::EventSource::new(&url) else {
            return;
        };
        let handler =
            Closure::<dyn Fn(web_sys::MessageEvent)>::new(move |message: web_sys::MessageEvent| {
                if let Some(text) = message.data().as_string() {
                    if let Ok(event) = serde_json::from_str::<LiveEvent>(&text) {
                        if event.kind == WORKSPACE_RESTORED {
                            if let Some(window) = web_sys::window() {
                                let _ = window.location().reload();
                            }
                            return;
                        }
                        on_event(event);
                    }
                }
            });
        source.set_onmessage(Some(handler.as_ref().unchecked_ref()));
        let kept = SendWrapper::new((source, handler));
        on_cleanup(move || {
            let (source, _handler) = kept.take();
            source.close();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (after, on_event);
}

/// Bumps `refresh` after events whose kind starts with one of `prefixes`, at most once per
/// `quiet_ms`: a burst of events (a busy team logging calls) costs one refetch, not one each.
pub fn use_refresh_on(
    prefixes: &'static [&'static str],
    refresh: leptos::prelude::RwSignal<u32>,
    quiet_ms: u64,
) {
    use leptos::prelude::*;
    let scheduled = StoredValue::new(false);
    use_live_events(move |event| {
        if !prefixes.iter().any(|p| event.kind.starts_with(p)) || scheduled.get_value() {
            return;
        }
        scheduled.set_value(true);
        set_timeout(
            move || {
                scheduled.set_value(false);
                refresh.update(|n| *n += 1);
            },
            std::time::Duration::from_millis(quiet_ms),
        );
    });
}
