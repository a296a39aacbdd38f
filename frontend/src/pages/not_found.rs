use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{AppFooter, UserMenu};
use crate::i18n::{t, Text};
use crate::Route;

/// Any address the app does not know (`.not-found`).
#[component]
pub fn NotFound() -> Html {
    html! {
        <div class="page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="not-found">
                <h1>{ t(Text::NotFoundTitle) }</h1>
                <p>{ t(Text::NotFoundBody) }</p>
                <Link<Route> to={Route::Home} classes="button">{ t(Text::OpenOverview) }</Link<Route>>
            </main>
            <AppFooter />
        </div>
    }
}
