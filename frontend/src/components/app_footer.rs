use yew::prelude::*;

use crate::api;
use crate::hooks::{use_fetch, FetchState};
use crate::i18n::{server_version, t, Text};

/// The product name and the server's version; stays quiet if the server cannot say.
#[component]
pub fn AppFooter() -> Html {
    let health = use_fetch((), |()| api::health());
    let version = match &health.state {
        FetchState::Ready(health) => server_version(&health.version),
        _ => String::new(),
    };
    html! {
        <footer class="app-footer">
            <span>{ t(Text::AppTitle) }</span>
            <span class="server-version">{ version }</span>
        </footer>
    }
}
