use yew::prelude::*;

use crate::components::ServerVersion;
use crate::i18n::{server_version, t, Text};

/// The product name and the server's version; stays quiet if the server cannot say.
#[component]
pub fn AppFooter() -> Html {
    let version = use_context::<ServerVersion>()
        .filter(|v| !v.0.is_empty())
        .map(|v| server_version(&v.0))
        .unwrap_or_default();
    html! {
        <footer class="app-footer">
            <span>{ t(Text::AppTitle) }</span>
            <span class="server-version">{ version }</span>
        </footer>
    }
}
