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
    type Answer<D, T> = Option<((D, u32), Result<Rc<T>, FetchError>)>;
    let answer = use_state(|| Answer::<D, T>::None);
    let attempt = use_state(|| 0u32);
    let latest = use_mut_ref(|| 0u64);
    let session = use_session();

    let key = (deps, *attempt);
    {
        let answer = answer.clone();
        use_effect_with(key.clone(), move |key| {
            let ticket = {
                let mut latest = latest.borrow_mut();
                *latest += 1;
                *latest
            };
            let key = key.clone();
            let request = fetch(key.0.clone());
            spawn_local(async move {
                let result = request.await.map(Rc::new);
                if let (Err(error), Some(session)) = (&result, &session) {
                    session.notice(error);
                }
                if *latest.borrow() == ticket {
                    answer.set(Some((key, result)));
                }
            });
        });
    }

    let state = match &*answer {
        Some((answered, result)) if *answered == key => match result {
            Ok(data) => FetchState::Ready(Rc::clone(data)),
            Err(error) => FetchState::Failed(error.clone()),
        },
        _ => FetchState::Loading,
    };
    let retry = Callback::from(move |()| attempt.set(*attempt + 1));
    UseFetchHandle { state, retry }
}
