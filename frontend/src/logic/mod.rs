//! Plain logic behind the screens: no yew, gloo or web-sys here, so every function runs (and is
//! tested) natively and could move into `kpi-api` unchanged.

pub mod admin;
pub mod chart;
pub mod editor;
pub mod evaluation;
pub mod experiment_form;
pub mod experiment_history;
pub mod export;
pub mod filters;
pub mod lang;
pub mod league;
pub mod live;
pub mod localize;
pub mod plan_form;
pub mod plans;
pub mod session;
pub mod trend;
pub mod units;
pub mod url;
