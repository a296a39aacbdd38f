use std::future::Future;
use std::rc::Rc;

use yew::platform::spawn_local;
use yew::prelude::*;

use super::use_session;
use crate::api::FetchError;

/// Where a request stands.
#[derive(Debug, PartialEq)]
pub enum FetchState<T> {
    Loading,
    Failed(FetchError),
    Ready(Rc<T>),
}

impl<T> Clone for FetchState<T> {
    fn clone(&self) -> Self {
        match self {
            FetchState::Loading => FetchState::Loading,
            FetchState::Failed(e) => FetchState::Failed(e.clone()),
            FetchState::Ready(data) => FetchState::Ready(Rc::clone(data)),
        }
    }
}

impl<T> FetchState<T> {
    /// The data, once it has arrived.
    pub fn data(&self) -> Option<&Rc<T>> {
        match self {
            FetchState::Ready(data) => Some(data),
            _ => None,
        }
    }
}

/// What [`use_fetch`] gives back: the state of the request and a way to send it again.
pub struct UseFetchHandle<T> {
    pub state: FetchState<T>,
    retry: Callback<()>,
}

impl<T> UseFetchHandle<T> {
    /// Sends the request again (for an error box's Retry button).
    pub fn retry(&self) -> Callback<()> {
        self.retry.clone()
    }
}

/// Which request an answer answers: its deps, the Retry count and the reload count.
type Key<D> = (D, u32, u64);
/// The latest answer kept, with the request it answers.
type Answer<D, T> = Option<(Key<D>, Result<Rc<T>, FetchError>)>;

/// Data for the same deps and attempt as `key` is kept: a request for `key` is only a reload.
fn answers_a_reload_of<D: PartialEq, T>(answer: &Answer<D, T>, key: &Key<D>) -> bool {
    matches!(answer, Some(((deps, attempt, _), Ok(_))) if *deps == key.0 && *attempt == key.1)
}

/// What to show for the request `key` given the answer kept: its own answer, or the data of the
/// same request before a reload until the reload's answer comes, else Loading.
fn state_for<D: PartialEq, T>(answer: &Answer<D, T>, key: &Key<D>) -> FetchState<T> {
    match answer {
        Some((answered, result)) if answered == key => match result {
            Ok(data) => FetchState::Ready(Rc::clone(data)),
            Err(error) => FetchState::Failed(error.clone()),
        },
        Some((_, Ok(data))) if answers_a_reload_of(answer, key) => {
            FetchState::Ready(Rc::clone(data))
        }
        _ => FetchState::Loading,
    }
}

/// Runs `fetch(deps)` whenever `deps` change and tracks loading, error and data.
///
/// A 401 answer means the session has expired: the session is forgotten, so the page gives way to
/// the sign-in page (which returns here afterwards).
///
/// Only the answer to the latest request counts: a slow answer for filters the user has already
/// left is dropped. And because the answer is kept with the deps it answers, a render with new deps
/// shows [`FetchState::Loading`] at once, never the previous data under the new filters.
#[hook]
pub fn use_fetch<T, D, F, Fut>(deps: D, fetch: F) -> UseFetchHandle<T>
where
    T: 'static,
    D: Clone + PartialEq + 'static,
    F: FnOnce(D) -> Fut + 'static,
    Fut: Future<Output = Result<T, FetchError>> + 'static,
{
    use_live_fetch(deps, 0, fetch)
}

/// [`use_fetch`] that also fetches again whenever `reloads` moves (the server loaded its KPI files
/// again, see `use_live_kpis`), quietly: the answer on show stays until the new one arrives, so
/// nothing flashes, and stays too if fetching again fails (a 401 still signs out).
#[hook]
pub fn use_live_fetch<T, D, F, Fut>(deps: D, reloads: u64, fetch: F) -> UseFetchHandle<T>
where
    T: 'static,
    D: Clone + PartialEq + 'static,
    F: FnOnce(D) -> Fut + 'static,
    Fut: Future<Output = Result<T, FetchError>> + 'static,
{
    let answer = use_state(|| Answer::<D, T>::None);
    let attempt = use_state(|| 0u32);
    let latest = use_mut_ref(|| 0u64);
    let session = use_session();

    let key = (deps, *attempt, reloads);
    {
        let answer = answer.clone();
        use_effect_with(key.clone(), move |key| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            let key = key.clone();
            // Data for these very deps is on show: this is a reload, and a failed one is not worth
            // replacing it with an error.
            let showing = answers_a_reload_of(&answer, &key);
            let request = fetch(key.0.clone());
            spawn_local(async move {
                let result = request.await.map(Rc::new);
                if let (Err(error), Some(session)) = (&result, &session) {
                    session.notice(error);
                }
                if *latest.borrow() == ticket && !(showing && result.is_err()) {
                    answer.set(Some((key, result)));
                }
            });
        });
    }

    let state = state_for(&answer, &key);
    let retry = Callback::from(move |()| attempt.set(*attempt + 1));
    UseFetchHandle { state, retry }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ready(key: Key<&'static str>, data: u32) -> Answer<&'static str, u32> {
        Some((key, Ok(Rc::new(data))))
    }

    fn data(state: FetchState<u32>) -> Option<u32> {
        state.data().map(|data| **data)
    }

    #[test]
    fn an_answer_shows_for_its_own_request_only() {
        let answer = ready(("perm", 0, 0), 7);
        assert_eq!(data(state_for(&answer, &("perm", 0, 0))), Some(7));
        // Other filters: never the previous data under them.
        assert_eq!(state_for(&answer, &("kungur", 0, 0)), FetchState::Loading);
        // Retry asks afresh, with a spinner.
        assert_eq!(state_for(&answer, &("perm", 1, 0)), FetchState::Loading);
        assert_eq!(
            state_for(&None::<(Key<&str>, _)>, &("perm", 0, 0)),
            FetchState::<u32>::Loading
        );
    }

    #[test]
    fn after_a_reload_the_data_on_show_stays_until_the_new_answer() {
        let answer = ready(("perm", 0, 0), 7);
        assert!(answers_a_reload_of(&answer, &("perm", 0, 3)));
        assert_eq!(data(state_for(&answer, &("perm", 0, 3))), Some(7));
        assert!(!answers_a_reload_of(&answer, &("kungur", 0, 3)));
    }

    #[test]
    fn an_error_on_show_is_not_kept_through_a_reload() {
        let failed: Answer<&str, u32> = Some((("perm", 0, 0), Err(FetchError::Status(502))));
        assert!(!answers_a_reload_of(&failed, &("perm", 0, 1)));
        assert_eq!(state_for(&failed, &("perm", 0, 1)), FetchState::Loading);
        assert_eq!(
            state_for(&failed, &("perm", 0, 0)),
            FetchState::Failed(FetchError::Status(502))
        );
    }
}
