use std::rc::Rc;

use kpi_api::plan::{CheckInRequest, Due, PlanView, TacticChange};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{use_session, SessionHandle};
use crate::api::{self, FetchError};
use crate::components::Answer;
use crate::logic::plan_form::{tactic_add, DraftProblem, ScheduleDraft, TacticDraft};
use crate::logic::plans::{revision_of, with_check_in};

/// A change of the plan's tactics being written on the plan page.
#[derive(Debug, Clone, PartialEq)]
pub enum TacticEdit {
    /// A tactic's new schedule, from this week on; `versions` is how many the page saw.
    Schedule {
        tactic: String,
        versions: u32,
        draft: ScheduleDraft,
    },
    /// A tactic to add to goal `goal`.
    Add { goal: u32, draft: TacticDraft },
}

/// Everything on the plan page that changes together: the plan as this page last saved it, the
/// week chosen to tick, the tick or edit under way, and what went wrong with either.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PlanPageState {
    /// The plan as the server answered the last save, over the fetched plan it was saved on:
    /// shown until a fetch brings a newer one.
    pub saved: Option<(Rc<PlanView>, Rc<PlanView>)>,
    /// The week chosen to tick; None for this week.
    pub chosen_week: Option<u32>,
    /// The tick being saved: tactic and week.
    pub ticking: Option<(String, u32)>,
    pub edit: Option<TacticEdit>,
    /// The edit is being saved.
    pub edit_sent: bool,
    /// What a form lacks before it can be sent.
    pub problem: Option<DraftProblem>,
    /// Someone answered or changed the tactic first (409): their words.
    pub conflict: Option<String>,
    pub error: Option<FetchError>,
    /// Moves after every save, to fetch the plan again quietly.
    pub reloads: u64,
}

impl PlanPageState {
    /// The plan to show: the one this page saved, unless `fetched` is newer.
    pub fn shown(&self, fetched: &Rc<PlanView>) -> Rc<PlanView> {
        match &self.saved {
            Some((base, saved)) if Rc::ptr_eq(base, fetched) => Rc::clone(saved),
            _ => Rc::clone(fetched),
        }
    }
}

#[derive(Debug)]
pub enum PlanAction {
    ChooseWeek(Option<u32>),
    TickSent {
        tactic: String,
        week: u32,
    },
    /// A tick or an edit was stored; `plan` is the plan with it, over `base`.
    Saved {
        base: Rc<PlanView>,
        plan: Rc<PlanView>,
    },
    Refused(FetchError),
    Edit(Option<TacticEdit>),
    EditProblem(DraftProblem),
    EditSent,
}

impl Reducible for PlanPageState {
    type Action = PlanAction;

    fn reduce(self: Rc<Self>, action: PlanAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            PlanAction::ChooseWeek(week) => next.chosen_week = week,
            PlanAction::TickSent { tactic, week } => {
                next.ticking = Some((tactic, week));
                next.conflict = None;
                next.error = None;
            }
            PlanAction::Saved { base, plan } => {
                next.saved = Some((base, plan));
                next.ticking = None;
                next.edit = None;
                next.edit_sent = false;
                next.problem = None;
                next.reloads += 1;
            }
            PlanAction::Refused(error) => {
                next.ticking = None;
                next.edit_sent = false;
                if error.status() == Some(409) {
                    // Someone else's answer or change is newer: show it, and close the edit made
                    // over the old one.
                    next.conflict = Some(error.message());
                    next.edit = None;
                } else {
                    next.error = Some(error);
                }
                next.reloads += 1;
            }
            PlanAction::Edit(edit) => {
                next.edit = edit;
                next.problem = None;
                next.error = None;
                next.conflict = None;
            }
            PlanAction::EditProblem(problem) => next.problem = Some(problem),
            PlanAction::EditSent => {
                next.edit_sent = true;
                next.problem = None;
                next.error = None;
            }
        }
        Rc::new(next)
    }
}

/// The plan page's state with its verbs: tick, reschedule and add talk to the server with the
/// session's CSRF token; whatever the answer, the plan is fetched again quietly after it.
#[derive(Clone)]
pub struct PlanHandle {
    state: UseReducerHandle<PlanPageState>,
    session: Option<SessionHandle>,
}

impl PlanHandle {
    pub fn state(&self) -> &PlanPageState {
        &self.state
    }

    fn csrf(&self) -> Option<String> {
        self.session.as_ref()?.csrf()
    }

    fn refused(&self, error: FetchError) {
        if let Some(session) = &self.session {
            session.notice(&error);
        }
        self.state.dispatch(PlanAction::Refused(error));
    }

    pub fn choose_week(&self, week: Option<u32>) {
        self.state.dispatch(PlanAction::ChooseWeek(week));
    }

    pub fn edit(&self, edit: Option<TacticEdit>) {
        self.state.dispatch(PlanAction::Edit(edit));
    }

    /// Saves a tick over `base` (the plan as fetched) with the revision of the answer `shown`;
    /// the score moves as soon as the server takes it.
    pub fn tick(&self, base: Rc<PlanView>, shown: Rc<PlanView>, answer: Answer) {
        let Some(csrf) = self.csrf() else {
            return;
        };
        let request = CheckInRequest {
            done: answer.done,
            note: answer.note.clone(),
            revision: revision_of(&shown.checkins, &answer.tactic, answer.week),
        };
        self.state.dispatch(PlanAction::TickSent {
            tactic: answer.tactic.clone(),
            week: answer.week,
        });
        let handle = self.clone();
        spawn_local(async move {
            match api::check_in(&csrf, &shown.id, &answer.tactic, answer.week, &request).await {
                Ok(record) => handle.state.dispatch(PlanAction::Saved {
                    base,
                    plan: Rc::new(with_check_in(&shown, record)),
                }),
                Err(error) => handle.refused(error),
            }
        });
    }

    /// Sends the edit on show: a new schedule (None withdraws the tactic) or a new tactic.
    pub fn save_edit(&self, base: Rc<PlanView>, withdraw: bool) {
        let (Some(csrf), Some(edit)) = (self.csrf(), self.state.edit.clone()) else {
            return;
        };
        enum Send {
            Change(String, TacticChange),
            Add(kpi_api::plan::TacticAdd),
        }
        let send = match edit {
            TacticEdit::Schedule {
                tactic,
                versions,
                draft,
            } => {
                let due: Option<Due> = if withdraw {
                    None
                } else {
                    match draft.due() {
                        Some(due) => Some(due),
                        None => {
                            self.state.dispatch(PlanAction::EditProblem(
                                DraftProblem::WeeksMissing(0, 0),
                            ));
                            return;
                        }
                    }
                };
                Send::Change(tactic, TacticChange { due, versions })
            }
            TacticEdit::Add { goal, draft } => match tactic_add(goal, &draft) {
                Ok(add) => Send::Add(add),
                Err(problem) => {
                    self.state.dispatch(PlanAction::EditProblem(problem));
                    return;
                }
            },
        };
        self.state.dispatch(PlanAction::EditSent);
        let handle = self.clone();
        spawn_local(async move {
            let answer = match send {
                Send::Change(tactic, change) => {
                    api::change_tactic(&csrf, &base.id, &tactic, &change).await
                }
                Send::Add(add) => api::add_tactic(&csrf, &base.id, &add).await,
            };
            match answer {
                Ok(plan) => handle.state.dispatch(PlanAction::Saved {
                    base,
                    plan: Rc::new(plan),
                }),
                Err(error) => handle.refused(error),
            }
        });
    }
}

/// The plan page's state and verbs.
#[hook]
pub fn use_plan() -> PlanHandle {
    PlanHandle {
        state: use_reducer(PlanPageState::default),
        session: use_session(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::NaiveDate;

    fn plan(title: &str) -> Rc<PlanView> {
        Rc::new(PlanView {
            id: "p".to_string(),
            unit: "u".to_string(),
            owner: "head".to_string(),
            title: title.to_string(),
            start: NaiveDate::from_ymd_opt(2026, 11, 30).unwrap(),
            goals: vec![],
            tactics: vec![],
            checkins: vec![],
            scores: vec![],
            current_week: Some(1),
        })
    }

    fn reduce(state: PlanPageState, action: PlanAction) -> PlanPageState {
        (*Rc::new(state).reduce(action)).clone()
    }

    #[test]
    fn a_saved_plan_shows_until_a_newer_one_is_fetched() {
        let fetched = plan("fetched");
        let state = reduce(
            PlanPageState::default(),
            PlanAction::TickSent {
                tactic: "t1".to_string(),
                week: 1,
            },
        );
        assert_eq!(state.ticking, Some(("t1".to_string(), 1)));
        let state = reduce(
            state,
            PlanAction::Saved {
                base: Rc::clone(&fetched),
                plan: plan("saved"),
            },
        );
        assert_eq!((state.ticking.clone(), state.reloads), (None, 1));
        assert_eq!(state.shown(&fetched).title, "saved");
        assert_eq!(state.shown(&plan("fetched again")).title, "fetched again");
    }

    #[test]
    fn a_conflict_closes_the_edit_and_fetches_again_and_other_errors_keep_it() {
        let edit = TacticEdit::Add {
            goal: 1,
            draft: TacticDraft::default(),
        };
        let state = reduce(
            PlanPageState::default(),
            PlanAction::Edit(Some(edit.clone())),
        );
        let state = reduce(state, PlanAction::EditSent);
        assert!(state.edit_sent);
        let failed = reduce(
            state.clone(),
            PlanAction::Refused(FetchError::Network("offline".to_string())),
        );
        assert_eq!((failed.edit.clone(), failed.edit_sent), (Some(edit), false));
        assert!(failed.error.is_some() && failed.conflict.is_none());
        let conflict = FetchError::Server {
            status: 409,
            code: "conflict".to_string(),
            message: "changed since you loaded it".to_string(),
            args: Default::default(),
        };
        let state = reduce(state, PlanAction::Refused(conflict));
        assert_eq!(state.edit, None);
        assert_eq!(
            state.conflict.as_deref(),
            Some("changed since you loaded it")
        );
        assert_eq!(state.reloads, 1);
    }
}
