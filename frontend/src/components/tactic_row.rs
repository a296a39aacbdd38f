use kpi_api::plan::{CheckInRecord, Tactic};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{t, tactic_done_label, Text};

/// A new answer for a tactic and week: done or not, with the note.
#[derive(Debug, Clone, PartialEq)]
pub struct Answer {
    pub tactic: String,
    pub week: u32,
    pub done: bool,
    pub note: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct TacticRowProps {
    pub tactic: Tactic,
    pub week: u32,
    /// The stored answer, if any.
    pub record: Option<CheckInRecord>,
    /// Whether this user may tick (department heads and administrators).
    pub may_tick: bool,
    /// An answer for this row is being saved.
    pub busy: bool,
    pub on_answer: Callback<Answer>,
}

/// One tactic to tick for a week (`li.tactic[data-tactic][data-week]`): a large tick box
/// (`input.tactic-done`, checked when done), the title and owner, a `.tactic-late` mark when the
/// answer came late, and an optional note (`input.tactic-note`, sent with the tick or on its own
/// with `button.tactic-note-save`).
#[component]
pub fn TacticRow(props: &TacticRowProps) -> Html {
    let stored_note = props
        .record
        .as_ref()
        .and_then(|r| r.check_in.note.clone())
        .unwrap_or_default();
    let done = props.record.as_ref().is_some_and(|r| r.check_in.done);
    let late = props.record.as_ref().is_some_and(|r| r.check_in.late);
    let note = use_state(|| stored_note.clone());
    // A new stored answer (this user's or, after a reload, someone else's) shows its own note.
    {
        let note = note.clone();
        use_effect_with(stored_note.clone(), move |stored| note.set(stored.clone()));
    }
    let disabled = !props.may_tick || props.busy;

    let answer = {
        let (tactic, week, on_answer) =
            (props.tactic.id.clone(), props.week, props.on_answer.clone());
        move |done: bool, note: &str| {
            let note = note.trim();
            on_answer.emit(Answer {
                tactic: tactic.clone(),
                week,
                done,
                note: (!note.is_empty()).then(|| note.to_string()),
            });
        }
    };
    let onchange = {
        let (answer, note) = (answer.clone(), note.clone());
        Callback::from(move |e: Event| {
            answer(
                e.target_unchecked_into::<HtmlInputElement>().checked(),
                &note,
            );
        })
    };
    let oninput = {
        let note = note.clone();
        Callback::from(move |e: InputEvent| {
            note.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let note_changed = note.trim() != stored_note.trim();
    let on_save_note = {
        let (answer, note) = (answer.clone(), note.clone());
        Callback::from(move |_: MouseEvent| answer(done, &note))
    };
    let onkeydown = {
        let note = note.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" && note_changed {
                e.prevent_default();
                answer(done, &note);
            }
        })
    };

    let id = format!("tactic-{}-{}", props.tactic.id, props.week);
    html! {
        <li
            class={classes!("tactic", done.then_some("is-done"), props.busy.then_some("is-busy"))}
            data-tactic={props.tactic.id.clone()}
            data-week={props.week.to_string()}
        >
            <label class="tactic-tick" for={id.clone()}>
                <input
                    type="checkbox"
                    class="tactic-done"
                    id={id}
                    checked={done}
                    {disabled}
                    aria-label={tactic_done_label(&props.tactic.title, props.week)}
                    {onchange}
                />
                <span class="tactic-title">{ props.tactic.title.clone() }</span>
            </label>
            <p class="tactic-meta">
                <span class="tactic-owner">{ props.tactic.owner.clone() }</span>
                if late {
                    <span class="tactic-late">{ t(Text::Late) }</span>
                }
            </p>
            if props.may_tick {
                <div class="tactic-note-field">
                    <input
                        type="text"
                        class="tactic-note"
                        placeholder={t(Text::NotePlaceholder)}
                        aria-label={t(Text::Note)}
                        value={(*note).clone()}
                        disabled={props.busy}
                        {oninput}
                        {onkeydown}
                    />
                    if note_changed {
                        <button type="button" class="button tactic-note-save" disabled={props.busy} onclick={on_save_note}>
                            { t(Text::SaveNote) }
                        </button>
                    }
                </div>
            } else if !stored_note.is_empty() {
                <p class="tactic-note-text">{ stored_note.clone() }</p>
            }
        </li>
    }
}
