use kpi_api::UserRole;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{AppFooter, NotAllowed, UserAdmin, UserMenu};
use crate::hooks::use_session;
use crate::i18n::{page_title, t, Text};
use crate::Route;

/// The administration page (`/admin`, `.admin-page`): users and the audit log for administrators;
/// anyone else is told it is not for them (`.not-allowed`) and shown the way to their home board.
#[component]
pub fn AdminPage() -> Html {
    let session = use_session();
    let info = session.as_ref().and_then(|session| session.info());

    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::Admin)));
    });

    let body = match info {
        Some(info) if info.role == UserRole::Admin => html! { <UserAdmin /> },
        _ => html! { <NotAllowed message={t(Text::NotAllowedBody)} /> },
    };

    html! {
        <div class="page admin-page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="admin">
                <h1 class="admin-title">{ t(Text::Admin) }</h1>
                { body }
            </main>
            <AppFooter />
        </div>
    }
}
