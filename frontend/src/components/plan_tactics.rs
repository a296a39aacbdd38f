use std::rc::Rc;

use kpi_api::plan::{PlanView, Tactic};
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::components::ScheduleFields;
use crate::hooks::TacticEdit;
use crate::i18n::{draft_problem, goal_heading, schedule_from, schedule_label, t, Text};
use crate::logic::plan_form::{DraftProblem, ScheduleDraft, TacticDraft};

#[derive(Properties, PartialEq)]
pub struct PlanTacticsProps {
    pub plan: Rc<PlanView>,
    /// Whether this user may change the tactics now (a department head of the unit, or an
    /// administrator, while the plan's twelve weeks are not over).
    pub may_edit: bool,
    pub edit: Option<TacticEdit>,
    /// The edit is being saved.
    pub busy: bool,
    pub problem: Option<DraftProblem>,
    pub on_edit: Callback<Option<TacticEdit>>,
    /// Save the edit on show; true withdraws the tactic instead.
    pub on_save: Callback<bool>,
}

/// A tactic's schedule as it stands now, with the weeks it ran on before.
fn schedule_lines(tactic: &Tactic) -> Html {
    let mut lines = tactic.versions.iter().map(|version| {
        let label = schedule_label(version.due.as_ref());
        if version.from_week > 1 {
            schedule_from(version.from_week, &label)
        } else {
            label
        }
    });
    let first = lines.next().unwrap_or_default();
    html! {
        <span class="tactic-schedule">
            { first }
            { for lines.map(|line| html! { <span class="tactic-schedule-change">{ line }</span> }) }
        </span>
    }
}

/// The plan's tactics goal by goal (`section.plan-tactics`, `li.plan-tactic[data-tactic]` with its
/// schedule and its changes), and for whoever may edit: a tactic rescheduled or withdrawn from this
/// week on (`button.change-schedule`, then `button.save-schedule` or `button.withdraw`), or a
/// tactic added to a goal (`button.add-tactic`, then `input.new-tactic-title`,
/// `input.new-tactic-owner` and `button.save-tactic`). Weeks already past keep their scores.
#[component]
pub fn PlanTactics(props: &PlanTacticsProps) -> Html {
    let plan = &props.plan;
    let cancel = {
        let on_edit = props.on_edit.clone();
        Callback::from(move |_: MouseEvent| on_edit.emit(None))
    };
    let problem = props.problem.map(|p| {
        html! { <p class="form-error" role="alert">{ draft_problem(p) }</p> }
    });
    let edit_buttons = |save_class: &'static str, save_text: Text, withdraw: bool| {
        let save = {
            let on_save = props.on_save.clone();
            Callback::from(move |_: MouseEvent| on_save.emit(false))
        };
        let on_withdraw = {
            let on_save = props.on_save.clone();
            Callback::from(move |_: MouseEvent| on_save.emit(true))
        };
        html! {
            <div class="edit-buttons">
                <button type="button" class={classes!("button", save_class)} disabled={props.busy} onclick={save}>
                    { t(if props.busy { Text::Saving } else { save_text }) }
                </button>
                if withdraw {
                    <button type="button" class="button withdraw" disabled={props.busy} onclick={on_withdraw}>
                        { t(Text::Withdraw) }
                    </button>
                }
                <button type="button" class="button button-quiet cancel-edit" disabled={props.busy} onclick={cancel.clone()}>
                    { t(Text::Cancel) }
                </button>
            </div>
        }
    };

    let goals = plan.goals.iter().map(|goal| {
        let tactics = goal
            .tactics
            .iter()
            .filter_map(|id| plan.tactics.iter().find(|t| t.id == *id))
            .map(|tactic| {
                let editing = match &props.edit {
                    Some(TacticEdit::Schedule { tactic: id, draft, .. }) if *id == tactic.id => {
                        Some(draft.clone())
                    }
                    _ => None,
                };
                let start_edit = {
                    let on_edit = props.on_edit.clone();
                    let tactic = tactic.clone();
                    Callback::from(move |_: MouseEvent| {
                        on_edit.emit(Some(TacticEdit::Schedule {
                            tactic: tactic.id.clone(),
                            versions: tactic.versions.len() as u32,
                            draft: ScheduleDraft::of(
                                tactic.versions.last().and_then(|v| v.due.as_ref()),
                            ),
                        }))
                    })
                };
                let body = match editing {
                    Some(draft) => {
                        let on_change = {
                            let (on_edit, edit) = (props.on_edit.clone(), props.edit.clone());
                            Callback::from(move |draft: ScheduleDraft| {
                                if let Some(TacticEdit::Schedule { tactic, versions, .. }) = &edit {
                                    on_edit.emit(Some(TacticEdit::Schedule {
                                        tactic: tactic.clone(),
                                        versions: *versions,
                                        draft,
                                    }));
                                }
                            })
                        };
                        html! {
                            <div class="tactic-edit">
                                <p class="hint">{ t(Text::ChangesFromThisWeek) }</p>
                                <ScheduleFields {draft} name={format!("schedule-{}", tactic.id)} {on_change} disabled={props.busy} />
                                { problem.clone().unwrap_or_default() }
                                { edit_buttons("save-schedule", Text::SaveSchedule, true) }
                            </div>
                        }
                    }
                    None if props.may_edit && props.edit.is_none() => html! {
                        <button type="button" class="button button-quiet change-schedule" onclick={start_edit}>
                            { t(Text::ChangeSchedule) }
                        </button>
                    },
                    None => Html::default(),
                };
                html! {
                    <li class="plan-tactic" key={tactic.id.clone()} data-tactic={tactic.id.clone()}>
                        <div class="plan-tactic-head">
                            <strong class="tactic-title">{ tactic.title.clone() }</strong>
                            <span class="tactic-owner">{ tactic.owner.clone() }</span>
                            { schedule_lines(tactic) }
                        </div>
                        { body }
                    </li>
                }
            });
        let adding = match &props.edit {
            Some(TacticEdit::Add { goal: g, draft }) if *g == goal.no => Some(draft.clone()),
            _ => None,
        };
        let add = match adding {
            Some(draft) => {
                let set = |f: fn(&mut TacticDraft, String)| {
                    let (on_edit, draft, goal) = (props.on_edit.clone(), draft.clone(), goal.no);
                    Callback::from(move |e: InputEvent| {
                        let mut next = draft.clone();
                        f(&mut next, e.target_unchecked_into::<HtmlInputElement>().value());
                        on_edit.emit(Some(TacticEdit::Add { goal, draft: next }));
                    })
                };
                let on_schedule = {
                    let (on_edit, draft, goal) = (props.on_edit.clone(), draft.clone(), goal.no);
                    Callback::from(move |schedule: ScheduleDraft| {
                        let mut next = draft.clone();
                        next.schedule = schedule;
                        on_edit.emit(Some(TacticEdit::Add { goal, draft: next }));
                    })
                };
                html! {
                    <div class="tactic-edit tactic-add">
                        <p class="hint">{ t(Text::ChangesFromThisWeek) }</p>
                        <label class="field">
                            <span class="field-label">{ t(Text::TacticTitleField) }</span>
                            <input type="text" class="new-tactic-title" value={draft.title.clone()}
                                disabled={props.busy} oninput={set(|d, v| d.title = v)} />
                        </label>
                        <label class="field">
                            <span class="field-label">{ t(Text::TacticOwnerField) }</span>
                            <input type="text" class="new-tactic-owner" value={draft.owner.clone()}
                                disabled={props.busy} oninput={set(|d, v| d.owner = v)} />
                        </label>
                        <ScheduleFields draft={draft.schedule.clone()} name={format!("new-tactic-{}", goal.no)}
                            on_change={on_schedule} disabled={props.busy} />
                        { problem.clone().unwrap_or_default() }
                        { edit_buttons("save-tactic", Text::SaveTactic, false) }
                    </div>
                }
            }
            None if props.may_edit && props.edit.is_none() => {
                let onclick = {
                    let (on_edit, goal) = (props.on_edit.clone(), goal.no);
                    Callback::from(move |_: MouseEvent| {
                        on_edit.emit(Some(TacticEdit::Add {
                            goal,
                            draft: TacticDraft::default(),
                        }))
                    })
                };
                html! {
                    <button type="button" class="button button-quiet add-tactic" {onclick}>
                        { t(Text::AddTacticHere) }
                    </button>
                }
            }
            None => Html::default(),
        };
        html! {
            <div class="plan-tactic-goal" data-goal={goal.no.to_string()}>
                <h3>{ goal_heading(goal.no as usize) }{ ": " }{ goal.title.clone() }</h3>
                <ul class="plan-tactic-list">{ for tactics }</ul>
                { add }
            </div>
        }
    });

    html! {
        <section class="plan-section plan-tactics">
            <h2>{ t(Text::TacticsAndWeeks) }</h2>
            { for goals }
        </section>
    }
}
