//! The KPI board web app: a yew single-page app that shows a municipal board (KPI tiles for one
//! unit and period), opens a KPI's trend and its breakdown by subordinate unit, and drills down the
//! org tree. It talks to the backend's JSON API (`/api`) in the types of `kpi-api`; every filter
//! lives in the URL query, so a view can be shared as a link and Back undoes a change.
//!
//! # Layout
//! - [`api`]: one typed async function per endpoint over one request helper; [`api::FetchError`].
//! - [`hooks`]: `use_fetch` (loading, error, data, retry) and `use_filters` (the URL's filters with
//!   verbs that push a new URL).
//! - [`components`]: reusable parts, one per file (tile, sparkline, pickers, chart, children table).
//! - [`pages`]: the routed screens (board, not found).
//! - [`i18n`]: every user-visible string, and the only code that writes dates for people.
//! - [`logic`]: plain functions with no DOM (URL query, default period, chart geometry, CSV, tree
//!   order), tested natively.
//! - this file: the routes and [`App`].

pub mod api;
pub mod components;
pub mod hooks;
pub mod i18n;
pub mod logic;
pub mod pages;

use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::HealthProvider;
use crate::logic::filters::DEFAULT_BOARD;
use crate::pages::{BoardPage, NotFound};

/// The app's addresses. Filters ride in the query string (see [`logic::filters`]).
#[derive(Debug, Clone, PartialEq, Routable)]
pub enum Route {
    /// The `overview` board.
    #[at("/")]
    Home,
    // yew-router 0.20 matches with route-recognizer, whose parameters are `:name` (a `{id}` segment
    // would only match the literal text `{id}`).
    #[at("/boards/:id")]
    Board { id: String },
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    match &route {
        Route::Home => html! { <BoardPage id={DEFAULT_BOARD} route={route.clone()} /> },
        Route::Board { id } => html! { <BoardPage id={id.clone()} route={route.clone()} /> },
        Route::NotFound => html! { <NotFound /> },
    }
}

/// The whole app, routed by the browser's address.
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <HealthProvider>
                <Switch<Route> render={switch} />
            </HealthProvider>
        </BrowserRouter>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn board_addresses_carry_the_board_id_and_others_are_not_found() {
        assert_eq!(Route::recognize("/"), Some(Route::Home));
        assert_eq!(
            Route::recognize("/boards/overview"),
            Some(Route::Board {
                id: "overview".to_string()
            })
        );
        assert_eq!(Route::recognize("/boards/a/b"), Some(Route::NotFound));
        assert_eq!(Route::recognize("/nowhere"), Some(Route::NotFound));
        assert_eq!(
            Route::Board {
                id: "overview".to_string()
            }
            .to_path(),
            "/boards/overview"
        );
    }
}
