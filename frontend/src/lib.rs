//! The KPI board web app: a yew single-page app that shows a municipal board (KPI tiles for one
//! unit and period), opens a KPI's trend and its breakdown by subordinate unit, and drills down the
//! org tree. It talks to the backend's JSON API (`/api`) in the types of `kpi-api`; every filter
//! lives in the URL query, so a view can be shared as a link and Back undoes a change.
//!
//! Every page but the sign-in page needs a session: the app asks for it at start, sends whoever
//! has none (or whose session expires) to `/login?next=...`, and each user sees the units of their
//! jurisdiction only, opening on their home unit.
//!
//! Boards are live: while one is open it watches the server's KPI files (`GET /api/kpis`, every
//! second) and fetches itself again when they change. Each KPI has a passport (its definition,
//! formula, data and boards), and analysts and administrators write KPIs in an editor that
//! previews a file for a unit and period before saving it.
//!
//! # Layout
//! - [`api`]: one typed async function per endpoint over two request helpers (GET, and POST with
//!   the CSRF token); [`api::FetchError`].
//! - [`hooks`]: `use_fetch` (loading, error, data, retry; a 401 signs out) and `use_live_fetch`
//!   (the same, fetched again quietly when the KPI files reload), `use_live_kpis` (the polling),
//!   `use_filters` (the URL's filters with verbs that push a new URL), `use_session` (who is signed
//!   in, with verbs) and `use_editor` (the editor's state, with preview, cancel and save).
//! - [`components`]: reusable parts, one per file (session and health providers, tile, sparkline,
//!   pickers, chart, children table, user menu, the administration tables and forms, the passport's
//!   fields, the editor and its parts).
//! - [`pages`]: the routed screens (board, KPI passport, KPI editor, 12-week plans, a plan and a
//!   new plan, sign-in, administration, not found).
//! - [`i18n`]: every user-visible string, and the only code that writes dates for people.
//! - [`logic`]: plain functions with no DOM (URL query, default period, chart geometry, CSV, tree
//!   order, the KPI file's id and error locations, the version watch of live boards), tested
//!   natively.
//! - this file: the routes and [`App`].

pub mod api;
pub mod components;
pub mod hooks;
pub mod i18n;
pub mod logic;
pub mod pages;

use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use crate::components::{HealthProvider, Localized, RequireSession, SessionProvider};
use crate::logic::filters::DEFAULT_BOARD;
use crate::logic::session::split_target;
use crate::pages::{
    AdminPage, AgendaPage, BoardPage, EditorPage, EvaluationPage, EvaluationsPage,
    ExperimentFormPage, ExperimentPage, ExperimentsPage, LeaguePage, LoginPage, NewPlanPage,
    NotFound, PassportPage, PlanPage, PlansPage,
};

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
    /// A KPI's passport; `?unit=` is the unit its boards open on.
    #[at("/kpis/:id")]
    Passport { id: String },
    /// The KPI editor with a new KPI's template (analysts and administrators).
    #[at("/editor")]
    Editor,
    /// The KPI editor with a KPI's file.
    #[at("/editor/:id")]
    EditKpi { id: String },
    /// Sign-in; `?next=` is where to go afterwards (see [`logic::session`]).
    #[at("/login")]
    Login,
    /// The 12-week plans under a unit; `?unit=` narrows them.
    #[at("/plans")]
    Plans,
    /// A new 12-week plan (department heads and administrators); `?unit=` is its unit.
    #[at("/plans/new")]
    NewPlan,
    /// A 12-week plan: its tactics to tick and its execution score.
    #[at("/plans/:id")]
    Plan { id: String },
    /// The management experiments the user may read.
    #[at("/experiments")]
    Experiments,
    /// A new experiment (mayors, governors, analysts, administrators).
    #[at("/experiments/new")]
    NewExperiment,
    /// One experiment: what changed and whether it worked.
    #[at("/experiments/:id")]
    Experiment { id: String },
    /// Changing an experiment's definition.
    #[at("/experiments/:id/edit")]
    EditExperiment { id: String },
    /// A review meeting's agenda under `?unit=`: what is red or got worse.
    #[at("/agenda")]
    Agenda,
    /// The evaluation schemes the user may open.
    #[at("/evaluations")]
    Evaluations,
    /// A scheme's scorecards at `?unit=` for the period holding `?from=`; `?employee=` one card.
    #[at("/evaluations/:id")]
    Evaluation { id: String },
    /// A fair league table of the units below `?unit=` on one KPI.
    #[at("/league/:kpi")]
    League { kpi: String },
    /// Users and the audit log, for administrators.
    #[at("/admin")]
    Admin,
    #[not_found]
    #[at("/404")]
    NotFound,
}

fn switch(route: Route) -> Html {
    let page = match &route {
        Route::Login => return html! { <LoginPage /> },
        Route::Home => html! { <BoardPage id={DEFAULT_BOARD} route={route.clone()} /> },
        Route::Board { id } => html! { <BoardPage id={id.clone()} route={route.clone()} /> },
        Route::Passport { id } => html! { <PassportPage id={id.clone()} /> },
        Route::Editor => html! { <EditorPage route={route.clone()} /> },
        Route::EditKpi { id } => {
            html! { <EditorPage id={AttrValue::from(id.clone())} route={route.clone()} /> }
        }
        Route::Plans => html! { <PlansPage /> },
        Route::NewPlan => html! { <NewPlanPage /> },
        Route::Plan { id } => html! { <PlanPage id={id.clone()} /> },
        Route::Experiments => html! { <ExperimentsPage /> },
        Route::Experiment { id } => html! { <ExperimentPage id={id.clone()} /> },
        Route::NewExperiment => html! { <ExperimentFormPage /> },
        Route::EditExperiment { id } => {
            html! { <ExperimentFormPage id={Some(AttrValue::from(id.clone()))} /> }
        }
        Route::Agenda => html! { <AgendaPage /> },
        Route::Evaluations => html! { <EvaluationsPage /> },
        Route::Evaluation { id } => html! { <EvaluationPage id={id.clone()} /> },
        Route::League { kpi } => html! { <LeaguePage kpi={kpi.clone()} /> },
        Route::Admin => html! { <AdminPage /> },
        Route::NotFound => html! { <NotFound /> },
    };
    // Health is asked for once a session exists: without one the server reports no data range.
    // Moving between these pages keeps both wrappers (and the answer); signing in again mounts
    // them afresh.
    html! {
        <RequireSession>
            <HealthProvider>{ page }</HealthProvider>
        </RequireSession>
    }
}

/// Shows `target` (a path with an optional query, as [`logic::session`] builds them) inside the
/// app; a path the app does not know shows the not-found page.
pub fn navigate_to(navigator: &Navigator, target: &str) {
    let (path, query) = split_target(target);
    let route = Route::recognize(path).unwrap_or(Route::NotFound);
    let Ok(()) = navigator.push_with_query(&route, Raw(query));
}

/// The whole app, routed by the browser's address.
#[component]
pub fn App() -> Html {
    html! {
        <BrowserRouter>
            <SessionProvider>
                <Localized>
                    <Switch<Route> render={switch} />
                </Localized>
            </SessionProvider>
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
        assert_eq!(Route::recognize("/login"), Some(Route::Login));
        assert_eq!(Route::recognize("/admin"), Some(Route::Admin));
        assert_eq!(
            Route::recognize("/kpis/appeal_on_time_share"),
            Some(Route::Passport {
                id: "appeal_on_time_share".to_string()
            })
        );
        assert_eq!(Route::recognize("/editor"), Some(Route::Editor));
        assert_eq!(
            Route::recognize("/editor/my_kpi"),
            Some(Route::EditKpi {
                id: "my_kpi".to_string()
            })
        );
        assert_eq!(
            Route::EditKpi {
                id: "my_kpi".to_string()
            }
            .to_path(),
            "/editor/my_kpi"
        );
        assert_eq!(Route::recognize("/plans"), Some(Route::Plans));
        assert_eq!(Route::recognize("/plans/new"), Some(Route::NewPlan));
        assert_eq!(
            Route::recognize("/plans/p-1"),
            Some(Route::Plan {
                id: "p-1".to_string()
            })
        );
        assert_eq!(Route::Login.to_path(), logic::session::LOGIN_PATH);
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
