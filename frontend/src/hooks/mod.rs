//! Custom hooks: loading data, the filters that live in the URL, and the session.

mod use_fetch;
mod use_filters;
mod use_session;

pub use use_fetch::{use_fetch, FetchState, UseFetchHandle};
pub use use_filters::{use_filters, FiltersHandle};
pub use use_session::{use_session, use_session_state, SessionHandle, SessionState};
