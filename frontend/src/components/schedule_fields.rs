use kpi_api::plan::PLAN_WEEKS;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

use crate::i18n::{t, week_short, Text};
use crate::logic::plan_form::{ScheduleDraft, ScheduleKind};

#[derive(Properties, PartialEq)]
pub struct ScheduleFieldsProps {
    pub draft: ScheduleDraft,
    /// Names the radio group: unique on the page.
    pub name: AttrValue,
    pub on_change: Callback<ScheduleDraft>,
    #[prop_or_default]
    pub disabled: bool,
}

/// When a tactic is due (`fieldset.schedule-fields`): every week, once (`select.schedule-once`), or
/// in chosen weeks (`input.schedule-week[value=N]`), as radio buttons
/// (`input.schedule-kind[value=weekly|once|weeks]`). What is chosen for one kind stays while
/// another is tried.
#[component]
pub fn ScheduleFields(props: &ScheduleFieldsProps) -> Html {
    let draft = &props.draft;
    let kind_label = |kind: ScheduleKind| {
        t(match kind {
            ScheduleKind::Weekly => Text::ScheduleWeekly,
            ScheduleKind::Once => Text::ScheduleOnce,
            ScheduleKind::Weeks => Text::ScheduleWeeks,
        })
    };
    let once = {
        let onchange = {
            let (draft, on_change) = (draft.clone(), props.on_change.clone());
            Callback::from(move |e: Event| {
                let mut next = draft.clone();
                next.kind = ScheduleKind::Once;
                next.once = e
                    .target_unchecked_into::<HtmlSelectElement>()
                    .value()
                    .parse()
                    .unwrap_or(1);
                on_change.emit(next);
            })
        };
        html! {
            <select class="schedule-once" aria-label={t(Text::ScheduleOnce)}
                disabled={props.disabled || draft.kind != ScheduleKind::Once} {onchange}>
                { for (1..=PLAN_WEEKS).map(|w| html! {
                    <option value={w.to_string()} selected={w == draft.once}>{ w.to_string() }</option>
                }) }
            </select>
        }
    };
    let radios = ScheduleKind::ALL.into_iter().map(|kind| {
        let onchange = {
            let (draft, on_change) = (draft.clone(), props.on_change.clone());
            Callback::from(move |_: Event| {
                let mut next = draft.clone();
                next.kind = kind;
                on_change.emit(next);
            })
        };
        html! {
            <label class="schedule-choice">
                <input
                    type="radio"
                    class="schedule-kind"
                    name={props.name.clone()}
                    value={kind.as_str()}
                    checked={draft.kind == kind}
                    disabled={props.disabled}
                    {onchange}
                />
                <span>{ kind_label(kind) }</span>
                if kind == ScheduleKind::Once {
                    { once.clone() }
                }
            </label>
        }
    });
    let weeks = (1..=PLAN_WEEKS).map(|week| {
        let onchange = {
            let (draft, on_change) = (draft.clone(), props.on_change.clone());
            Callback::from(move |e: Event| {
                let mut next = draft.clone();
                next.kind = ScheduleKind::Weeks;
                let checked = e.target_unchecked_into::<HtmlInputElement>().checked();
                if checked != next.weeks.contains(&week) {
                    next.toggle(week);
                }
                on_change.emit(next);
            })
        };
        html! {
            <label class="schedule-week-choice">
                <input
                    type="checkbox"
                    class="schedule-week"
                    value={week.to_string()}
                    checked={draft.weeks.contains(&week)}
                    disabled={props.disabled || draft.kind != ScheduleKind::Weeks}
                    {onchange}
                />
                <span>{ week_short(week) }</span>
            </label>
        }
    });
    html! {
        <fieldset class="schedule-fields">
            <legend class="field-label">{ t(Text::ScheduleField) }</legend>
            <div class="schedule-kinds">
                { for radios }
            </div>
            <div class="schedule-weeks" hidden={draft.kind != ScheduleKind::Weeks}>
                { for weeks }
            </div>
        </fieldset>
    }
}
