use gloo::timers::callback::Interval;
use yew::prelude::*;

use crate::i18n::elapsed_label;

/// How often the running time is written again, in milliseconds.
const TICK_MILLIS: u32 = 100;

/// Milliseconds by the page's monotonic clock.
fn now() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| performance.now())
}

/// How long the running preview has taken so far (`.preview-elapsed`), counted from when this
/// was shown: key it by the run.
#[component]
pub fn PreviewElapsed() -> Html {
    let started = use_state(now);
    let elapsed = use_state(|| 0.0f64);
    {
        let (started, elapsed) = (*started, elapsed.clone());
        use_effect_with((), move |()| {
            let interval = Interval::new(TICK_MILLIS, move || elapsed.set(now() - started));
            move || drop(interval)
        });
    }
    html! {
        <span class="preview-elapsed" role="status">{ elapsed_label(*elapsed) }</span>
    }
}
