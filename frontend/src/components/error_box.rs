use yew::prelude::*;

use crate::api::FetchError;
use crate::i18n::{t, Text};

#[derive(Properties, PartialEq)]
pub struct ErrorBoxProps {
    pub error: FetchError,
    /// Shows a Retry button when given.
    #[prop_or_default]
    pub on_retry: Option<Callback<()>>,
}

/// The server's message (or why there was none) and a way to try again.
#[component]
pub fn ErrorBox(props: &ErrorBoxProps) -> Html {
    let retry = props.on_retry.clone().map(|on_retry| {
        html! {
            <button type="button" class="retry" onclick={move |_| on_retry.emit(())}>
                { t(Text::Retry) }
            </button>
        }
    });
    html! {
        <div class="error-box" role="alert" data-error-code={props.error.code().map(str::to_string)}>
            <strong class="error-title">{ t(Text::ErrorTitle) }</strong>
            <p class="error-message">{ props.error.message() }</p>
            { for retry }
        </div>
    }
}
