use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use super::{ErrorBox, Loading};
use crate::hooks::{use_session, SessionState};
use crate::i18n::{t, Text};
use crate::logic::session::login_query;
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct RequireSessionProps {
    #[prop_or_default]
    pub children: Html,
}

/// Shows its children only to someone signed in. While the session is checked a spinner shows;
/// without a session (none yet, or expired) the sign-in page replaces this address and is told to
/// come back to it (`/login?next=...`); if the server cannot say, its error and a Retry.
#[component]
pub fn RequireSession(props: &RequireSessionProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let here = use_location()
        .map(|location| format!("{}{}", location.path(), location.query_str()))
        .unwrap_or_default();
    let signed_out = session
        .as_ref()
        .is_none_or(|s| *s.state() == SessionState::SignedOut);
    use_effect_with((signed_out, here), move |(signed_out, here)| {
        if *signed_out {
            if let Some(navigator) = &navigator {
                // Replace, not push: Back must not return to a page that sends straight back here.
                let Ok(()) = navigator.replace_with_query(&Route::Login, Raw(login_query(here)));
            }
        }
    });

    let Some(session) = session else {
        return html! { <Loading /> };
    };
    match session.state() {
        SessionState::SignedIn(_) => props.children.clone(),
        SessionState::Checking | SessionState::SignedOut => html! { <Loading /> },
        SessionState::Unavailable(error) => {
            let on_retry = {
                let session = session.clone();
                Callback::from(move |()| session.recheck())
            };
            html! {
                <div class="page">
                    <header class="topbar">
                        <span class="brand">{ t(Text::AppTitle) }</span>
                    </header>
                    <main class="session-unavailable">
                        <p>{ t(Text::SessionUnavailable) }</p>
                        <ErrorBox error={error.clone()} {on_retry} />
                    </main>
                </div>
            }
        }
    }
}
