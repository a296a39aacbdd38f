use kpi_api::UserRole;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::hooks::use_session;
use crate::i18n::{role_name, signed_in_as, t, Text};
use crate::Route;

/// Who is signed in (`.user-badge[data-user][data-role]` with `.user-name` and `.user-role`), a
/// link to the 12-week plans (`a.plans-link`), a link to the KPI editor for analysts and administrators (`a.editor-link`), a link to the
/// administration page for administrators (`a.admin-link`), and `button.sign-out`.
/// Shows nothing when nobody is signed in.
///
/// Signing out ends the session on the server first: if that fails, the person stays signed in
/// and sees why (`.sign-out-error`), since a session left open on a shared computer is worse than
/// a button that did nothing.
#[component]
pub fn UserMenu() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let Some(session) = session else {
        return Html::default();
    };
    let Some(info) = session.info() else {
        return Html::default();
    };

    let onclick = {
        let (session, busy, error) = (session.clone(), busy.clone(), error.clone());
        let csrf = info.csrf_token.clone();
        Callback::from(move |_: MouseEvent| {
            if *busy {
                return;
            }
            busy.set(true);
            error.set(None);
            let (session, busy, error) = (session.clone(), busy.clone(), error.clone());
            let navigator = navigator.clone();
            let csrf = csrf.clone();
            spawn_local(async move {
                match api::logout(&csrf).await {
                    Err(e) if !e.is_unauthenticated() => {
                        busy.set(false);
                        error.set(Some(e.message()));
                    }
                    // Ended now, or (a 401) the server had already forgotten it.
                    _ => {
                        // The sign-in page first, so the page left does not ask to be returned to.
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Login);
                        }
                        session.sign_out();
                    }
                }
            });
        })
    };

    html! {
        <div class="user-menu">
            <span
                class="user-badge"
                data-user={info.user.clone()}
                data-role={info.role.as_str()}
                title={signed_in_as(&info.user)}
            >
                <span class="user-name">{ info.display_name.clone() }</span>
                <span class="user-role">{ role_name(info.role) }</span>
            </span>
            <Link<Route> to={Route::Agenda} classes="agenda-nav-link">{ t(Text::AgendaLink) }</Link<Route>>
            <Link<Route> to={Route::Evaluations} classes="evaluations-link">{ t(Text::EvaluationsLink) }</Link<Route>>
            <Link<Route> to={Route::Plans} classes="plans-link">{ t(Text::Plans) }</Link<Route>>
            <Link<Route> to={Route::Experiments} classes="experiments-link">{ t(Text::Experiments) }</Link<Route>>
            if info.role.writes_sql() {
                <Link<Route> to={Route::Editor} classes="editor-link">{ t(Text::Editor) }</Link<Route>>
            }
            if info.role == UserRole::Admin {
                <Link<Route> to={Route::Admin} classes="admin-link">{ t(Text::OpenAdmin) }</Link<Route>>
            }
            <button type="button" class="sign-out" disabled={*busy} {onclick}>
                { t(Text::SignOut) }
            </button>
            if let Some(message) = &*error {
                <span class="sign-out-error" role="alert">{ message.clone() }</span>
            }
        </div>
    }
}
