use std::rc::Rc;

use yew::prelude::*;

use crate::hooks::EditorProblem;
use crate::i18n::{location_label, t, Text};
use crate::logic::editor::{caret_prefix, excerpt, line_at, EXCERPT_CONTEXT};

#[derive(Properties, PartialEq)]
pub struct EditorErrorProps {
    pub problem: Rc<EditorProblem>,
    /// Selects a line in the text area; the panel offers it when the problem has a line.
    pub on_show_line: Callback<u32>,
}

/// What is wrong with the KPI file (`.editor-error[data-error-code][data-line][data-column]`):
/// `line N, column C: message` (`.editor-error-message`), the lines around the one it points at
/// with their numbers (`pre.error-excerpt`, the line itself `.excerpt-line.error-line` with a `^`
/// under the column) and a button that selects the line in the text (`button.show-line`).
#[component]
pub fn EditorError(props: &EditorErrorProps) -> Html {
    let problem = &props.problem;
    let message = match location_label(problem.line, problem.column) {
        Some(at) => format!("{at}: {}", problem.message),
        None => problem.message.clone(),
    };
    let lines = problem
        .line
        .map(|line| excerpt(&problem.text, line, EXCERPT_CONTEXT))
        .unwrap_or_default();
    let caret = problem.line.zip(problem.column).and_then(|(line, column)| {
        line_at(&problem.text, line).map(|text| format!("{}^", caret_prefix(text, column)))
    });
    let excerpt = (!lines.is_empty()).then(|| {
        html! {
            <pre class="error-excerpt">
                { for lines.iter().map(|(n, text)| {
                    let marked = Some(*n) == problem.line;
                    let line = html! {
                        <span class={classes!("excerpt-line", marked.then_some("error-line"))} data-line={n.to_string()}>
                            <span class="excerpt-number">{ n }</span>
                            if marked {
                                <mark class="excerpt-text">{ text.to_string() }</mark>
                            } else {
                                <span class="excerpt-text">{ text.to_string() }</span>
                            }
                        </span>
                    };
                    match caret.as_ref().filter(|_| marked) {
                        Some(caret) => html! {
                            <>
                                { line }
                                <span class="excerpt-line excerpt-caret" aria-hidden="true">
                                    <span class="excerpt-number"></span>
                                    <span class="excerpt-text">{ caret.clone() }</span>
                                </span>
                            </>
                        },
                        None => line,
                    }
                }) }
            </pre>
        }
    });
    let show_line = problem.line.map(|line| {
        let on_show_line = props.on_show_line.clone();
        html! {
            <button type="button" class="button show-line" onclick={move |_| on_show_line.emit(line)}>
                { t(Text::ShowLine) }
            </button>
        }
    });
    html! {
        <div
            class="editor-error"
            role="alert"
            data-error-code={problem.code.clone()}
            data-line={problem.line.map(|l| l.to_string())}
            data-column={problem.column.map(|c| c.to_string())}
        >
            <strong class="error-title">{ t(Text::EditorErrorTitle) }</strong>
            <p class="editor-error-message">{ message }</p>
            { for excerpt }
            { for show_line }
        </div>
    }
}
