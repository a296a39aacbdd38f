use std::rc::Rc;

use kpi_api::SessionInfo;
use yew::prelude::*;

use crate::api::FetchError;

/// Whether someone is signed in, as far as this page knows.
#[derive(Debug, Clone, PartialEq)]
pub enum SessionState {
    /// `GET /api/session` has not answered yet.
    Checking,
    /// The server could not say (offline, server down); the check can be retried.
    Unavailable(FetchError),
    /// Nobody is signed in, or the session expired.
    SignedOut,
    SignedIn(Rc<SessionInfo>),
}

/// What changes the session state.
#[derive(Debug)]
pub enum SessionAction {
    /// The answer to `GET /api/session`.
    Checked(Result<SessionInfo, FetchError>),
    /// `POST /api/login` succeeded.
    SignedIn(SessionInfo),
    /// Signed out, or a request met a 401.
    SignedOut,
    /// Ask the server again.
    Recheck,
}

impl Reducible for SessionState {
    type Action = SessionAction;

    fn reduce(self: Rc<Self>, action: SessionAction) -> Rc<Self> {
        match action {
            // A sign-in (or sign-out) made while the first check was under way is newer than
            // whatever that check answers.
            SessionAction::Checked(_) if *self != SessionState::Checking => self,
            SessionAction::Checked(Ok(info)) | SessionAction::SignedIn(info) => {
                Rc::new(SessionState::SignedIn(Rc::new(info)))
            }
            SessionAction::Checked(Err(error)) if error.is_unauthenticated() => {
                Rc::new(SessionState::SignedOut)
            }
            SessionAction::Checked(Err(error)) => Rc::new(SessionState::Unavailable(error)),
            // Many requests may meet the same expired session at once: render once.
            SessionAction::SignedOut if *self == SessionState::SignedOut => self,
            SessionAction::SignedOut => Rc::new(SessionState::SignedOut),
            SessionAction::Recheck => Rc::new(SessionState::Checking),
        }
    }
}

/// The session and its CSRF token, for a form about to send: None when nobody is signed in.
pub fn signed_in(session: &Option<SessionHandle>) -> Option<(SessionHandle, String)> {
    let session = session.clone()?;
    let csrf = session.csrf()?;
    Some((session, csrf))
}

/// The session shared through a context (see `components::SessionProvider`), with verbs instead of
/// raw setters. Comparing handles compares states, so consumers render again when it changes.
#[derive(Clone, PartialEq)]
pub struct SessionHandle {
    state: UseReducerHandle<SessionState>,
}

impl SessionHandle {
    pub fn state(&self) -> &SessionState {
        &self.state
    }

    /// Who is signed in.
    pub fn info(&self) -> Option<Rc<SessionInfo>> {
        match &*self.state {
            SessionState::SignedIn(info) => Some(Rc::clone(info)),
            _ => None,
        }
    }

    /// The session's CSRF token, which every POST and PUT carries; None when nobody is signed in.
    pub fn csrf(&self) -> Option<String> {
        self.info().map(|info| info.csrf_token.clone())
    }

    /// The root of the signed-in user's jurisdiction; None for every unit (or nobody signed in).
    pub fn home_unit(&self) -> Option<String> {
        self.info().and_then(|info| info.home_unit.clone())
    }

    /// Keeps the session `POST /api/login` answered with.
    pub fn signed_in(&self, info: SessionInfo) {
        self.state.dispatch(SessionAction::SignedIn(info));
    }

    /// Forgets the session, after signing out or when the server no longer knows it. Pages that
    /// need a session then send the person to the sign-in page.
    pub fn sign_out(&self) {
        self.state.dispatch(SessionAction::SignedOut);
    }

    /// Signs out when `error` says the session has expired (a 401); any other error is the
    /// caller's to show.
    pub fn notice(&self, error: &FetchError) {
        if error.is_unauthenticated() {
            self.sign_out();
        }
    }

    /// Asks the server again after it could not say.
    pub fn recheck(&self) {
        self.state.dispatch(SessionAction::Recheck);
    }

    /// Records the answer to `GET /api/session` (the provider's check).
    pub(crate) fn checked(&self, answer: Result<SessionInfo, FetchError>) {
        self.state.dispatch(SessionAction::Checked(answer));
    }
}

/// A new session state, starting with the check; only `SessionProvider` calls this.
#[hook]
pub fn use_session_state() -> SessionHandle {
    SessionHandle {
        state: use_reducer(|| SessionState::Checking),
    }
}

/// The session from the nearest `SessionProvider`.
#[hook]
pub fn use_session() -> Option<SessionHandle> {
    use_context::<SessionHandle>()
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::UserRole;

    fn info(user: &str) -> SessionInfo {
        SessionInfo {
            user: user.to_string(),
            display_name: user.to_uppercase(),
            role: UserRole::Mayor,
            home_unit: Some("perm".to_string()),
            lang: None,
            csrf_token: "token".to_string(),
            expires_at: "2030-01-01T00:00:00Z".to_string(),
        }
    }

    fn unauthenticated() -> FetchError {
        FetchError::Server {
            status: 401,
            code: "unauthenticated".to_string(),
            message: "Sign in first.".to_string(),
            args: Default::default(),
        }
    }

    fn reduce(state: SessionState, action: SessionAction) -> SessionState {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn the_check_ends_signed_in_signed_out_or_unavailable() {
        assert_eq!(
            reduce(
                SessionState::Checking,
                SessionAction::Checked(Ok(info("a")))
            ),
            SessionState::SignedIn(Rc::new(info("a")))
        );
        assert_eq!(
            reduce(
                SessionState::Checking,
                SessionAction::Checked(Err(unauthenticated()))
            ),
            SessionState::SignedOut
        );
        let offline = FetchError::Network("offline".to_string());
        assert_eq!(
            reduce(
                SessionState::Checking,
                SessionAction::Checked(Err(offline.clone()))
            ),
            SessionState::Unavailable(offline)
        );
    }

    #[test]
    fn a_late_check_does_not_undo_a_sign_in() {
        let signed_in = SessionState::SignedIn(Rc::new(info("b")));
        assert_eq!(
            reduce(
                signed_in.clone(),
                SessionAction::Checked(Err(unauthenticated()))
            ),
            signed_in
        );
    }

    #[test]
    fn signing_out_twice_keeps_the_same_state() {
        let once =
            Rc::new(SessionState::SignedIn(Rc::new(info("a")))).reduce(SessionAction::SignedOut);
        let twice = Rc::clone(&once).reduce(SessionAction::SignedOut);
        assert!(Rc::ptr_eq(&once, &twice));
        assert_eq!(
            reduce(SessionState::SignedOut, SessionAction::Recheck),
            SessionState::Checking
        );
    }
}
