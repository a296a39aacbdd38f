use yew::prelude::*;

use crate::i18n::{t, Text};

#[derive(Properties, PartialEq)]
pub struct LoadingProps {
    /// What is loading; "Loading…" when not given.
    #[prop_or_default]
    pub label: Option<AttrValue>,
}

/// A spinner with a line of text, announced to screen readers.
#[component]
pub fn Loading(props: &LoadingProps) -> Html {
    let label = props
        .label
        .clone()
        .unwrap_or_else(|| AttrValue::from(t(Text::Loading)));
    html! {
        <div class="loading" role="status" aria-live="polite">
            <span class="spinner" aria-hidden="true"></span>
            <span class="loading-text">{ label }</span>
        </div>
    }
}
