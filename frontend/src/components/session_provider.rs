use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{use_session_state, SessionHandle, SessionState};

#[derive(Properties, PartialEq)]
pub struct SessionProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Asks the server who is signed in (`GET /api/session`) when the app starts, and again when told
/// to, and shares the answer as a [`SessionHandle`]. It shows its children at once: the sign-in
/// page needs no session, and every other page waits for one inside `RequireSession`.
#[component]
pub fn SessionProvider(props: &SessionProviderProps) -> Html {
    let session = use_session_state();
    {
        let checking = *session.state() == SessionState::Checking;
        let session = session.clone();
        use_effect_with(checking, move |checking| {
            if *checking {
                spawn_local(async move { session.checked(api::session().await) });
            }
        });
    }
    html! {
        <ContextProvider<SessionHandle> context={session}>
            { props.children.clone() }
        </ContextProvider<SessionHandle>>
    }
}
