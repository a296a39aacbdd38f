//! Custom hooks: loading data, and the filters that live in the URL.

mod use_fetch;
mod use_filters;

pub use use_fetch::{use_fetch, FetchState, UseFetchHandle};
pub use use_filters::{use_filters, FiltersHandle};
