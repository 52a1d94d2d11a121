//! Infinite scroll: a callback when an element comes into view (browser only).

use leptos::html;
use leptos::prelude::*;

/// Calls `on_visible` each time `target` scrolls into view. Does nothing on the server.
pub fn on_visible(target: NodeRef<html::Div>, on_visible: impl Fn() + 'static) {
    #[cfg(feature = "hydrate")]
    {
        use send_wrapper::SendWrapper;
        use wasm_bindgen::closure::Closure;
        use wasm_bindgen::JsCast;
        use web_sys::js_sys::Array;

        let callback =
            Closure::<dyn Fn(wasm_bindgen::JsValue)>::new(move |entries: wasm_bindgen::JsValue| {
                let entries: Array = entries.unchecked_into();
                let seen = entries.iter().any(|e| {
                    e.unchecked_into::<web_sys::IntersectionObserverEntry>()
                        .is_intersecting()
                });
                if seen {
                    on_visible();
                }
            });
        let Ok(observer) = web_sys::IntersectionObserver::new(callback.as_ref().unchecked_ref())
        else {
            return;
        };
        let watching = observer.clone();
        target.on_load(move |element| watching.observe(&element));
        let kept = SendWrapper::new((observer, callback));
        on_cleanup(move || {
            let (observer, _callback) = kept.take();
            observer.disconnect();
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (target, on_visible);
}

/// The end of an endless list: asks for more when it scrolls into view, or on a click.
#[component]
pub fn LoadOlder(
    /// Whether there is more to load.
    #[prop(into)]
    more: Signal<bool>,
    #[prop(into)] loading: Signal<bool>,
    on_more: Callback<()>,
) -> impl IntoView {
    let sentinel = NodeRef::<html::Div>::new();
    on_visible(sentinel, move || on_more.run(()));
    view! {
        <div node_ref=sentinel class="sentinel">
            <Show when=move || more.get()>
                <button type="button" class="button secondary small" on:click=move |_| on_more.run(())>
                    {move || if loading.get() { "Loading…" } else { "Load older" }}
                </button>
            </Show>
        </div>
    }
}
