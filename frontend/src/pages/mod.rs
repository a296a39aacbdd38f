//! Routed screens.

mod admin;
mod agenda;
mod board;
mod editor;
mod evaluation;
mod experiment;
mod experiment_form;
mod experiments;
mod league;
mod login;
mod new_plan;
mod not_found;
mod passport;
mod plan;
mod plans;

pub use admin::AdminPage;
pub use agenda::AgendaPage;
pub use board::BoardPage;
pub use editor::EditorPage;
pub use evaluation::{EvaluationPage, EvaluationsPage};
pub use experiment::ExperimentPage;
pub use experiment_form::ExperimentFormPage;
pub use experiments::ExperimentsPage;
pub use league::LeaguePage;
pub use login::LoginPage;
pub use new_plan::NewPlanPage;
pub use not_found::NotFound;
pub use passport::PassportPage;
pub use plan::PlanPage;
pub use plans::PlansPage;
