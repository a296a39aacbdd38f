use std::rc::Rc;

use kpi_api::BoardSummary;
use web_sys::{HtmlSelectElement, HtmlTextAreaElement};
use yew::prelude::*;

use super::{
    BoardSelect, EditorError, ErrorBox, GrainPicker, KpiTextArea, Loading, PeriodPicker,
    PreviewElapsed, PreviewResult, QueryLink, UnitPicker,
};
use crate::api;
use crate::hooks::{use_editor, use_fetch, use_filters, FetchState, PreviewFor, Run};
use crate::i18n::{kpi_saved, new_kpi_template, t, Text};
use crate::logic::editor::{line_count, line_span_utf16};
use crate::logic::filters::unit_query;
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct KpiEditorProps {
    /// The KPI whose file is edited; None for a new one, which starts from a template.
    #[prop_or_default]
    pub id: Option<AttrValue>,
    /// Where the editor is shown: the unit, period and grain of the preview ride in its query.
    pub route: Route,
}

/// Selects line `line` of the text area and scrolls it into view, so the line an error points at
/// is where the cursor is.
fn select_line(area: &NodeRef, line: u32) {
    let Some(area) = area.cast::<HtmlTextAreaElement>() else {
        return;
    };
    let text = area.value();
    let Some((start, end)) = line_span_utf16(&text, line) else {
        return;
    };
    let _ = area.focus();
    let _ = area.set_selection_range(start, end);
    // The lines are all of one height: the text's height over their number.
    let lines = line_count(&text).max(1) as f64;
    let line_height = f64::from(area.scroll_height()) / lines;
    let top = (f64::from(line) - 3.0).max(0.0) * line_height;
    area.set_scroll_top(top as i32);
}

/// The board preselected for a KPI: the first that already shows it, so saving keeps it there.
fn first_board(boards: &[BoardSummary]) -> String {
    boards
        .first()
        .map(|board| board.id.clone())
        .unwrap_or_default()
}

/// Writes a KPI file and tries it before saving it (`.kpi-editor`).
///
/// The whole file is edited in `textarea.kpi-text[name=text]`; the preview runs it for the unit,
/// period and grain chosen (the URL's query, like a board's) with `button.preview`, which becomes
/// `button.cancel` while it runs, beside the running time (`.preview-elapsed`). A cancelled run
/// says so (`.preview-cancelled`). Save (`button.save`) writes it as the KPI its `-- id:` names,
/// also on the board chosen in `select[name=board]`, and then links to its passport
/// (`a.saved-passport-link`) and that board (`a.saved-board-link`) in `.editor-saved`. Whatever
/// goes wrong shows in `.editor-error`, pointed at its line.
#[component]
pub fn KpiEditor(props: &KpiEditorProps) -> Html {
    let handle = use_filters(props.route.clone());
    let f = handle.filters().clone();
    let editor = use_editor(if props.id.is_none() {
        new_kpi_template().to_string()
    } else {
        String::new()
    });
    let area = use_node_ref();
    let board_select = use_node_ref();
    let units = use_fetch((), |()| api::units());
    let boards = use_fetch((), |()| api::boards());
    let source = use_fetch(props.id.clone(), |id| async move {
        match id {
            Some(id) => api::kpi_passport(&id).await.map(Some),
            None => Ok(None),
        }
    });

    // A file to edit arrived (or the template, for a new KPI): start from it.
    {
        let editor = editor.clone();
        use_effect_with(source.state.data().cloned(), move |answer| {
            match answer.as_deref() {
                Some(Some(passport)) => {
                    editor.load(passport.text.clone(), first_board(&passport.boards));
                }
                Some(None) => editor.load(new_kpi_template().to_string(), String::new()),
                None => {}
            }
        });
    }

    let state = editor.state();
    // Read the text area itself when a button is pressed: what is on screen is what is sent.
    let read_text = {
        let (area, typed) = (area.clone(), state.text.clone());
        move || {
            area.cast::<HtmlTextAreaElement>()
                .map(|area| area.value())
                .unwrap_or_else(|| typed.clone())
        }
    };

    let on_input = {
        let editor = editor.clone();
        Callback::from(move |text: String| editor.edit(text))
    };
    let on_show_line = {
        let area = area.clone();
        Callback::from(move |line: u32| select_line(&area, line))
    };
    let run_button = match &state.run {
        Run::Running { cancelling, .. } => {
            let editor = editor.clone();
            html! {
                <button type="button" class="button cancel" disabled={*cancelling}
                    onclick={move |_| editor.cancel()}>
                    { t(if *cancelling { Text::Cancelling } else { Text::Cancel }) }
                </button>
            }
        }
        _ => {
            let editor = editor.clone();
            let read_text = read_text.clone();
            let preview_for = PreviewFor {
                unit: f.unit.clone(),
                from: f.from,
                to: f.to,
                grain: f.grain,
            };
            html! {
                <button type="button" class="button preview"
                    onclick={move |_| editor.preview(read_text(), preview_for.clone())}>
                    { t(Text::Preview) }
                </button>
            }
        }
    };
    let elapsed = match &state.run {
        Run::Running { run_id, .. } => html! { <PreviewElapsed key={run_id.clone()} /> },
        _ => Html::default(),
    };
    let on_save = {
        let (editor, board_select) = (editor.clone(), board_select.clone());
        let (chosen, unit) = (state.board.clone(), f.unit.clone());
        Callback::from(move |_: MouseEvent| {
            let board = board_select
                .cast::<HtmlSelectElement>()
                .map(|select| select.value())
                .unwrap_or_else(|| chosen.clone());
            editor.save(read_text(), board, unit.clone());
        })
    };
    let board_field = match &boards.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={boards.retry()} /> }
        }
        FetchState::Ready(list) => {
            let on_change = {
                let editor = editor.clone();
                Callback::from(move |board: String| editor.choose_board(board))
            };
            html! {
                <BoardSelect
                    boards={list.clone()}
                    selected={AttrValue::from(state.board.clone())}
                    {on_change}
                    node_ref={board_select.clone()}
                />
            }
        }
    };

    let unit_field = match &units.state {
        FetchState::Loading => html! { <div class="field field-unit"><Loading /></div> },
        FetchState::Failed(error) => html! {
            <div class="field field-unit">
                <span class="field-label">{ t(Text::UnitsUnavailable) }</span>
                <ErrorBox error={error.clone()} on_retry={units.retry()} />
            </div>
        },
        FetchState::Ready(list) => {
            let handle = handle.clone();
            let on_change = Callback::from(move |unit: String| handle.set_unit(&unit));
            html! { <UnitPicker units={list.clone()} selected={f.unit.clone()} {on_change} /> }
        }
    };
    let (on_from, on_to, on_period, on_grain) = {
        let (h1, h2, h3, h4) = (
            handle.clone(),
            handle.clone(),
            handle.clone(),
            handle.clone(),
        );
        (
            Callback::from(move |d| h1.set_from(d)),
            Callback::from(move |d| h2.set_to(d)),
            Callback::from(move |p| h3.set_period(p)),
            Callback::from(move |g| h4.set_grain(g)),
        )
    };

    let saved = state.saved.as_ref().map(|saved| {
        let query = AttrValue::from(unit_query(&saved.unit));
        let board_title = saved.board.as_ref().map(|id| {
            boards
                .state
                .data()
                .and_then(|list| list.iter().find(|b| &b.id == id).map(|b| b.title.clone()))
                .unwrap_or_else(|| id.clone())
        });
        html! {
            <div class="editor-saved" role="status" data-kpi={saved.def.id.clone()}>
                <p>{ kpi_saved(&saved.def.title) }</p>
                <QueryLink to={Route::Passport { id: saved.def.id.clone() }} query={query.clone()} class="saved-passport-link">
                    { t(Text::OpenSavedPassport) }
                </QueryLink>
                if let (Some(board), Some(title)) = (saved.board.clone(), board_title) {
                    <QueryLink to={Route::Board { id: board.clone() }} query={query.clone()} class="saved-board-link">
                        { format!("{} · {title}", t(Text::OpenSavedBoard)) }
                    </QueryLink>
                }
            </div>
        }
    });
    let outcome = match &state.run {
        Run::Done { preview, series } => html! {
            <PreviewResult preview={Rc::clone(preview)} series={series.clone()} />
        },
        Run::Cancelled => html! {
            <p class="notice preview-cancelled" role="status">{ t(Text::PreviewCancelled) }</p>
        },
        Run::Idle | Run::Running { .. } => Html::default(),
    };

    let file = match &source.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.code() == Some("not_found") => html! {
            <div class="notice kpi-missing" role="alert">
                <p>{ t(Text::KpiUnknown) }</p>
                <QueryLink to={Route::Editor} query={AttrValue::from(f.to_query())} class="button">
                    { t(Text::NewKpi) }
                </QueryLink>
            </div>
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={source.retry()} /> }
        }
        FetchState::Ready(_) => html! {
            <>
                <KpiTextArea
                    text={AttrValue::from(state.text.clone())}
                    error_line={state.problem.as_ref().and_then(|p| p.line)}
                    {on_input}
                    node_ref={area.clone()}
                />
                <section class="filters editor-filters" aria-label={t(Text::Filters)}>
                    { unit_field }
                    <PeriodPicker from={f.from} to={f.to} {on_from} {on_to} {on_period} />
                    <GrainPicker selected={f.grain} on_change={on_grain} />
                </section>
                <div class="editor-actions">
                    <div class="editor-run">
                        { run_button }
                        { elapsed }
                    </div>
                    <div class="editor-save">
                        { board_field }
                        <button type="button" class="button save" disabled={state.saving}
                            onclick={on_save}>
                            { t(if state.saving { Text::Saving } else { Text::Save }) }
                        </button>
                    </div>
                </div>
                if let Some(problem) = &state.problem {
                    <EditorError problem={Rc::clone(problem)} {on_show_line} />
                }
                { for saved }
                { outcome }
            </>
        },
    };

    html! {
        <div class="kpi-editor" data-kpi={props.id.clone()}>
            <p class="hint editor-hint">{ t(Text::KpiFileHint) }</p>
            { file }
        </div>
    }
}
