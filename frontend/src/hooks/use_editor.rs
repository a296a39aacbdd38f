use std::cell::RefCell;
use std::rc::Rc;

use chrono::NaiveDate;
use kpi_api::{Grain, KpiDef, KpiLoadError, KpiPreview, KpiPreviewRequest, KpiSave, Series};
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{use_session, SessionHandle};
use crate::api::{self, FetchError};
use crate::i18n::{t, Text};
use crate::logic::editor::{header_id, parse_located, run_id};

/// What a preview runs for: the unit and the period, at a grain.
#[derive(Debug, Clone, PartialEq)]
pub struct PreviewFor {
    pub unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grain: Grain,
}

/// A problem with the KPI file, for the editor's error panel: the server's words, and the line and
/// column of the text they point at when it could say.
#[derive(Debug, Clone, PartialEq)]
pub struct EditorProblem {
    /// The server's code (`invalid_kpi`, `query_timeout`, `query_refused`, ...) when it gave one.
    pub code: Option<String>,
    pub line: Option<u32>,
    pub column: Option<u32>,
    pub message: String,
    /// The text that was sent: the line numbers count its lines, whatever has been typed since.
    pub text: Rc<str>,
}

impl EditorProblem {
    /// A preview's `error`: the file did not load, or its SELECT failed, at this line.
    fn loading(error: KpiLoadError, text: Rc<str>) -> EditorProblem {
        EditorProblem {
            code: None,
            line: error.line,
            column: error.column,
            message: error.message,
            text,
        }
    }

    /// A refused request. A save that does not validate (`invalid_kpi`) says where in its message,
    /// `FILE, line N, column C: message`; that is read back into a line and a column.
    fn refused(error: &FetchError, text: Rc<str>) -> EditorProblem {
        let code = error.code().map(str::to_string);
        let located = match error {
            FetchError::Server { code, message, .. } if code == "invalid_kpi" => {
                parse_located(message)
            }
            _ => None,
        };
        match located {
            Some(at) => EditorProblem {
                code,
                line: at.line,
                column: at.column,
                message: at.message,
                text,
            },
            None => EditorProblem {
                code,
                line: None,
                column: None,
                message: error.message(),
                text,
            },
        }
    }

    /// Saving needs the header's id, which names the file.
    fn id_missing(text: Rc<str>) -> EditorProblem {
        EditorProblem {
            code: None,
            line: None,
            column: None,
            message: t(Text::IdMissing).to_string(),
            text,
        }
    }
}

/// Where the latest preview stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Run {
    Idle,
    /// Sent under `run_id`; `cancelling` once Cancel was pressed.
    Running {
        run_id: String,
        cancelling: bool,
    },
    /// The KPI's series (for the chart, when it loaded) and the SELECT's first rows.
    Done {
        preview: Rc<KpiPreview>,
        series: Option<Rc<Series>>,
    },
    /// Stopped by Cancel.
    Cancelled,
}

/// A KPI saved: its definition as loaded, the board it was put on and the unit being previewed,
/// for the links that follow.
#[derive(Debug, Clone, PartialEq)]
pub struct Saved {
    pub def: KpiDef,
    pub board: Option<String>,
    pub unit: String,
}

/// Everything the editor shows that changes together: the file, the board to put it on, the
/// preview, the save and the problem found by either.
#[derive(Debug, Clone, PartialEq)]
pub struct EditorState {
    pub text: String,
    /// A board id, or empty for none.
    pub board: String,
    pub run: Run,
    pub saving: bool,
    pub saved: Option<Rc<Saved>>,
    pub problem: Option<Rc<EditorProblem>>,
}

impl EditorState {
    pub fn new(text: String) -> EditorState {
        EditorState {
            text,
            board: String::new(),
            run: Run::Idle,
            saving: false,
            saved: None,
            problem: None,
        }
    }
}

/// What changes the editor's state.
#[derive(Debug)]
pub enum EditorAction {
    /// A file to edit (a KPI's own, or the template) and the board preselected for it.
    Load {
        text: String,
        board: String,
    },
    Edit(String),
    ChooseBoard(String),
    PreviewSent {
        run_id: String,
        text: String,
    },
    CancelSent,
    /// `POST /api/query/cancel` failed: the run goes on, and Cancel can be pressed again.
    CancelFailed,
    PreviewAnswered {
        run_id: String,
        text: Rc<str>,
        preview_for: PreviewFor,
        answer: Result<KpiPreview, FetchError>,
    },
    /// Save was pressed on a file whose header has no id.
    IdMissing(String),
    SaveSent(String),
    SaveAnswered {
        text: Rc<str>,
        board: Option<String>,
        unit: String,
        answer: Result<KpiDef, FetchError>,
    },
}

impl Reducible for EditorState {
    type Action = EditorAction;

    fn reduce(self: Rc<Self>, action: EditorAction) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            EditorAction::Load { text, board } => {
                next = EditorState::new(text);
                next.board = board;
            }
            EditorAction::Edit(text) => next.text = text,
            EditorAction::ChooseBoard(board) => next.board = board,
            EditorAction::PreviewSent { run_id, text } => {
                next.text = text;
                next.run = Run::Running {
                    run_id,
                    cancelling: false,
                };
                next.problem = None;
            }
            EditorAction::CancelSent | EditorAction::CancelFailed => {
                let Run::Running { run_id, .. } = &self.run else {
                    return self;
                };
                next.run = Run::Running {
                    run_id: run_id.clone(),
                    cancelling: matches!(action, EditorAction::CancelSent),
                };
            }
            EditorAction::PreviewAnswered {
                run_id,
                text,
                preview_for,
                answer,
            } => {
                // Only the run on show may end it: an answer to a run left behind (the file was
                // loaded again meanwhile) is dropped.
                if !matches!(&self.run, Run::Running { run_id: current, .. } if *current == run_id)
                {
                    return self;
                }
                next.run = Run::Idle;
                match answer {
                    Ok(KpiPreview {
                        error: Some(error), ..
                    }) => next.problem = Some(Rc::new(EditorProblem::loading(error, text))),
                    Ok(preview) => {
                        let series = preview.def.as_ref().map(|def| {
                            Rc::new(Series {
                                kpi: def.id.clone(),
                                unit: preview_for.unit.clone(),
                                grain: preview_for.grain,
                                calendar: Default::default(),
                                from: preview_for.from,
                                to: preview_for.to,
                                points: preview.points.clone(),
                                // A preview has no unit's rules: the chart shows the file's target.
                                targets: Vec::new(),
                            })
                        });
                        next.run = Run::Done {
                            preview: Rc::new(preview),
                            series,
                        };
                    }
                    Err(error) if error.code() == Some("query_cancelled") => {
                        next.run = Run::Cancelled;
                    }
                    Err(error) => {
                        next.problem = Some(Rc::new(EditorProblem::refused(&error, text)));
                    }
                }
            }
            EditorAction::IdMissing(text) => {
                next.problem = Some(Rc::new(EditorProblem::id_missing(Rc::from(text.as_str()))));
                next.text = text;
                next.saved = None;
            }
            EditorAction::SaveSent(text) => {
                next.text = text;
                next.saving = true;
                next.saved = None;
                next.problem = None;
            }
            EditorAction::SaveAnswered {
                text,
                board,
                unit,
                answer,
            } => {
                next.saving = false;
                match answer {
                    Ok(def) => next.saved = Some(Rc::new(Saved { def, board, unit })),
                    Err(error) => {
                        next.problem = Some(Rc::new(EditorProblem::refused(&error, text)));
                    }
                }
            }
        }
        Rc::new(next)
    }
}

/// Milliseconds since 1970 by the browser's clock (0 when it cannot be read).
fn epoch_millis() -> f64 {
    web_sys::window()
        .and_then(|window| window.performance())
        .map_or(0.0, |performance| {
            performance.time_origin() + performance.now()
        })
}

/// The editor's state with its verbs: preview, cancel and save talk to the server with the
/// session's CSRF token; a 401 on any of them signs out.
#[derive(Clone)]
pub struct EditorHandle {
    state: UseReducerHandle<EditorState>,
    session: Option<SessionHandle>,
    /// How many previews this page has run, for their ids.
    runs: Rc<RefCell<u32>>,
}

impl EditorHandle {
    pub fn state(&self) -> &EditorState {
        &self.state
    }

    /// Starts editing `text`, with `board` chosen; forgets the last preview, save and problem.
    pub fn load(&self, text: String, board: String) {
        self.state.dispatch(EditorAction::Load { text, board });
    }

    pub fn edit(&self, text: String) {
        if text != self.state.text {
            self.state.dispatch(EditorAction::Edit(text));
        }
    }

    pub fn choose_board(&self, board: String) {
        self.state.dispatch(EditorAction::ChooseBoard(board));
    }

    fn csrf(&self) -> Option<String> {
        self.session.as_ref()?.csrf()
    }

    fn notice(&self, error: &FetchError) {
        if let Some(session) = &self.session {
            session.notice(error);
        }
    }

    /// Runs `text` for `preview_for` under a fresh run id (`POST /api/kpis/preview`).
    pub fn preview(&self, text: String, preview_for: PreviewFor) {
        let Some(csrf) = self.csrf() else {
            return;
        };
        let seq = {
            let mut runs = self.runs.borrow_mut();
            *runs += 1;
            *runs
        };
        let run_id = run_id(epoch_millis(), seq);
        let request = KpiPreviewRequest {
            text: text.clone(),
            unit: preview_for.unit.clone(),
            from: Some(preview_for.from),
            to: Some(preview_for.to),
            grain: Some(preview_for.grain),
            run_id: Some(run_id.clone()),
        };
        self.state.dispatch(EditorAction::PreviewSent {
            run_id: run_id.clone(),
            text: text.clone(),
        });
        let handle = self.clone();
        spawn_local(async move {
            let answer = api::preview_kpi(&csrf, &request).await;
            if let Err(error) = &answer {
                handle.notice(error);
            }
            handle.state.dispatch(EditorAction::PreviewAnswered {
                run_id,
                text: Rc::from(text.as_str()),
                preview_for,
                answer,
            });
        });
    }

    /// Asks the server to stop the running preview (`POST /api/query/cancel`); the preview's own
    /// answer (422 `query_cancelled`) then ends the run. A 404 means it had already finished.
    pub fn cancel(&self) {
        let Run::Running {
            run_id,
            cancelling: false,
        } = &self.state.run
        else {
            return;
        };
        let Some(csrf) = self.csrf() else {
            return;
        };
        let run_id = run_id.clone();
        self.state.dispatch(EditorAction::CancelSent);
        let handle = self.clone();
        spawn_local(async move {
            match api::cancel_query(&csrf, &run_id).await {
                Err(error) if error.status() != Some(404) => {
                    handle.notice(&error);
                    handle.state.dispatch(EditorAction::CancelFailed);
                }
                _ => {}
            }
        });
    }

    /// Saves `text` as the KPI its header names (`PUT /api/kpis/{id}`), also on `board` unless it
    /// is empty; `unit` is kept for the links to the saved KPI.
    pub fn save(&self, text: String, board: String, unit: String) {
        let Some(id) = header_id(&text) else {
            self.state.dispatch(EditorAction::IdMissing(text));
            return;
        };
        let Some(csrf) = self.csrf() else {
            return;
        };
        let board = Some(board).filter(|board| !board.is_empty());
        let request = KpiSave {
            text: text.clone(),
            board: board.clone(),
        };
        self.state.dispatch(EditorAction::SaveSent(text.clone()));
        let handle = self.clone();
        spawn_local(async move {
            let answer = api::save_kpi(&csrf, &id, &request).await;
            if let Err(error) = &answer {
                handle.notice(error);
            }
            handle.state.dispatch(EditorAction::SaveAnswered {
                text: Rc::from(text.as_str()),
                board,
                unit,
                answer,
            });
        });
    }
}

/// The editor's state, starting with `text`, and its verbs.
#[hook]
pub fn use_editor(text: String) -> EditorHandle {
    let state = use_reducer(move || EditorState::new(text));
    let session = use_session();
    let runs = use_mut_ref(|| 0u32);
    EditorHandle {
        state,
        session,
        runs,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::{Direction, Measure, Point, QueryResult};

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn def(id: &str) -> KpiDef {
        KpiDef {
            sql: "SELECT 1".to_string(),
            ..KpiDef::new(id, "My KPI", Measure::Count, Direction::Higher)
        }
    }

    fn preview_for() -> PreviewFor {
        PreviewFor {
            unit: "perm".to_string(),
            from: d("2021-10-01"),
            to: d("2021-12-31"),
            grain: Grain::Month,
        }
    }

    fn server(status: u16, code: &str, message: &str) -> FetchError {
        FetchError::Server {
            status,
            code: code.to_string(),
            message: message.to_string(),
            args: Default::default(),
        }
    }

    fn reduce(state: EditorState, actions: Vec<EditorAction>) -> EditorState {
        let mut state = Rc::new(state);
        for action in actions {
            state = state.reduce(action);
        }
        (*state).clone()
    }

    fn running(run_id: &str) -> EditorState {
        reduce(
            EditorState::new(String::new()),
            vec![EditorAction::PreviewSent {
                run_id: run_id.to_string(),
                text: "-- id: a\nSELECT 1".to_string(),
            }],
        )
    }

    fn answered(run_id: &str, answer: Result<KpiPreview, FetchError>) -> EditorAction {
        EditorAction::PreviewAnswered {
            run_id: run_id.to_string(),
            text: Rc::from("-- id: a\nSELECT 1"),
            preview_for: preview_for(),
            answer,
        }
    }

    #[test]
    fn a_preview_shows_its_series_for_the_unit_and_period_asked() {
        let preview = KpiPreview {
            def: Some(def("a")),
            error: None,
            points: vec![Point {
                period: d("2021-10-01"),
                value: Some(3.0),
            }],
            rows: Some(QueryResult {
                columns: vec!["grp".to_string()],
                rows: Vec::new(),
                truncated: false,
                row_limit: 100,
                millis: 4,
            }),
            millis: 12,
        };
        let state = reduce(running("r1"), vec![answered("r1", Ok(preview))]);
        let Run::Done { series, preview } = state.run else {
            panic!("not done: {:?}", state.run);
        };
        let series = series.unwrap();
        assert_eq!((series.kpi.as_str(), series.unit.as_str()), ("a", "perm"));
        assert_eq!((series.grain, series.points.len()), (Grain::Month, 1));
        assert_eq!(preview.millis, 12);
        assert_eq!(state.problem, None);
    }

    #[test]
    fn a_file_that_does_not_load_points_the_panel_at_its_line() {
        let preview = KpiPreview {
            def: None,
            error: Some(KpiLoadError {
                file: "a.sql".to_string(),
                line: Some(2),
                column: Some(8),
                message: "syntax error".to_string(),
            }),
            points: Vec::new(),
            rows: None,
            millis: 3,
        };
        let state = reduce(running("r1"), vec![answered("r1", Ok(preview))]);
        assert_eq!(state.run, Run::Idle);
        let problem = state.problem.unwrap();
        assert_eq!((problem.line, problem.column), (Some(2), Some(8)));
        assert_eq!(&*problem.text, "-- id: a\nSELECT 1");
    }

    #[test]
    fn a_cancelled_run_is_no_error_and_a_timeout_is() {
        let state = reduce(
            running("r1"),
            vec![
                EditorAction::CancelSent,
                answered("r1", Err(server(422, "query_cancelled", "cancelled"))),
            ],
        );
        assert_eq!((state.run, state.problem), (Run::Cancelled, None));
        let state = reduce(
            running("r2"),
            vec![answered(
                "r2",
                Err(server(422, "query_timeout", "took too long")),
            )],
        );
        assert_eq!(state.run, Run::Idle);
        let problem = state.problem.unwrap();
        assert_eq!(problem.code.as_deref(), Some("query_timeout"));
        assert_eq!(
            (problem.line, problem.message.as_str()),
            (None, "took too long")
        );
    }

    #[test]
    fn an_answer_to_a_run_left_behind_is_dropped() {
        let state = reduce(
            running("r1"),
            vec![
                EditorAction::Load {
                    text: "new".to_string(),
                    board: String::new(),
                },
                answered("r1", Err(server(422, "query_timeout", "late"))),
            ],
        );
        assert_eq!((state.run, state.problem), (Run::Idle, None));
        assert_eq!(state.text, "new");
        let state = reduce(
            running("r2"),
            vec![answered(
                "r1",
                Ok(KpiPreview {
                    def: None,
                    error: None,
                    points: Vec::new(),
                    rows: None,
                    millis: 1,
                }),
            )],
        );
        assert!(matches!(state.run, Run::Running { .. }));
    }

    #[test]
    fn cancel_marks_only_a_running_preview_and_a_failed_cancel_can_be_retried() {
        let state = reduce(running("r1"), vec![EditorAction::CancelSent]);
        assert_eq!(
            state.run,
            Run::Running {
                run_id: "r1".to_string(),
                cancelling: true
            }
        );
        let state = reduce(state, vec![EditorAction::CancelFailed]);
        assert_eq!(
            state.run,
            Run::Running {
                run_id: "r1".to_string(),
                cancelling: false
            }
        );
        let idle = reduce(
            EditorState::new(String::new()),
            vec![EditorAction::CancelSent],
        );
        assert_eq!(idle.run, Run::Idle);
    }

    #[test]
    fn a_save_that_does_not_validate_points_at_its_line_and_a_good_one_says_where_it_went() {
        let text = "-- id: a\nSELEC 1".to_string();
        let state = reduce(
            EditorState::new(String::new()),
            vec![
                EditorAction::SaveSent(text.clone()),
                EditorAction::SaveAnswered {
                    text: Rc::from(text.as_str()),
                    board: None,
                    unit: "perm".to_string(),
                    answer: Err(server(
                        422,
                        "invalid_kpi",
                        "a.sql, line 2, column 1: syntax error at or near \"SELEC\"",
                    )),
                },
            ],
        );
        assert!(!state.saving);
        let problem = state.problem.clone().unwrap();
        assert_eq!((problem.line, problem.column), (Some(2), Some(1)));
        assert_eq!(problem.message, "syntax error at or near \"SELEC\"");
        assert_eq!(problem.code.as_deref(), Some("invalid_kpi"));

        let state = reduce(
            state,
            vec![
                EditorAction::SaveSent(text.clone()),
                EditorAction::SaveAnswered {
                    text: Rc::from(text.as_str()),
                    board: Some("overview".to_string()),
                    unit: "perm".to_string(),
                    answer: Ok(def("a")),
                },
            ],
        );
        assert_eq!(state.problem, None);
        let saved = state.saved.unwrap();
        assert_eq!(saved.board.as_deref(), Some("overview"));
        assert_eq!((saved.def.id.as_str(), saved.unit.as_str()), ("a", "perm"));
    }

    #[test]
    fn other_refusals_keep_the_servers_words_without_a_line() {
        let problem = EditorProblem::refused(
            &server(400, "bad_parameter", "id: the path says a, the header b"),
            Rc::from(""),
        );
        assert_eq!(problem.line, None);
        assert_eq!(problem.message, "id: the path says a, the header b");
        let problem = EditorProblem::refused(&FetchError::Status(502), Rc::from(""));
        assert_eq!(problem.code, None);
        assert_eq!(problem.message, "The server answered with status 502.");
    }

    #[test]
    fn saving_a_file_without_an_id_is_a_problem_before_any_request() {
        let state = reduce(
            EditorState::new(String::new()),
            vec![EditorAction::IdMissing("SELECT 1".to_string())],
        );
        assert_eq!(state.problem.unwrap().message, t(Text::IdMissing));
        assert_eq!(state.text, "SELECT 1");
    }
}
