//! Custom hooks: loading data (once, or again whenever the server reloads its KPI files), the
//! filters that live in the URL, the session, the KPI editor's state and the plan page's.

mod use_editor;
mod use_fetch;
mod use_filters;
mod use_live_kpis;
mod use_plan;
mod use_session;

pub use use_editor::{
    use_editor, EditorAction, EditorHandle, EditorProblem, EditorState, PreviewFor, Run, Saved,
};
pub use use_fetch::{use_fetch, use_live_fetch, FetchState, UseFetchHandle};
pub use use_filters::{use_filters, FiltersHandle};
pub use use_live_kpis::{use_live_kpis, LiveKpis};
pub use use_plan::{use_plan, PlanAction, PlanHandle, PlanPageState, TacticEdit};
pub use use_session::{signed_in, use_session, use_session_state, SessionHandle, SessionState};
