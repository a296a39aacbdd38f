use std::rc::Rc;

use chrono::{Datelike, NaiveDate};
use kpi_api::{KpiList, Unit};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{ErrorBox, Loading, PlanFrame, ScheduleFields, ServerToday};
use crate::hooks::{signed_in, use_fetch, use_session, FetchState};
use crate::i18n::{draft_problem, goal_heading, page_title, plan_option, start_option, t, Text};
use crate::logic::filters::query_unit;
use crate::logic::plan_form::{week_starts, DraftAction, PlanDraft, ScheduleDraft, MAX_GOALS};
use crate::logic::plans::may_tick;
use crate::logic::units::tree_order;
use crate::Route;

impl Reducible for PlanDraft {
    type Action = DraftAction;

    fn reduce(self: Rc<Self>, action: DraftAction) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

/// How many weeks after this one the start picker offers.
const START_WEEKS_AHEAD: u32 = 8;

/// Today by the browser's clock, when the server could not say its own.
fn browser_today() -> Option<NaiveDate> {
    let millis = web_sys::window()?
        .performance()
        .map(|p| p.time_origin() + p.now())?;
    chrono::DateTime::from_timestamp_millis(millis as i64).map(|t| t.date_naive())
}

#[derive(Properties, PartialEq)]
struct PlanFormProps {
    units: Rc<Vec<Unit>>,
    kpis: Rc<KpiList>,
    unit: String,
    today: NaiveDate,
}

fn input_value(e: InputEvent) -> String {
    e.target_unchecked_into::<HtmlInputElement>().value()
}

fn select_value(e: Event) -> String {
    e.target_unchecked_into::<HtmlSelectElement>().value()
}

/// The new-plan form (`form.plan-form`): the unit (`select[name=unit]`), a title
/// (`input[name=title]`), the first day of a week to start on (`select[name=start]`), an earlier plan of the unit
/// to start from (`select[name=from_plan]`: its goals and the tactics still scheduled), and 1 to 3
/// goals (`fieldset.plan-goal-form[data-goal]`: `input[name=goal_title]`, `select[name=kpi]`,
/// `input[name=target]`) each with tactics (`div.tactic-fields[data-tactic]`:
/// `input[name=tactic_title]`, `input[name=tactic_owner]` and their weeks). What the form lacks or
/// the server refuses shows in `.form-error`; a created plan opens.
#[component]
fn PlanForm(props: &PlanFormProps) -> Html {
    let session = use_session();
    let navigator = use_navigator();
    // The unit's week: from Saturday in Iran, from Monday elsewhere.
    let first_day = |unit: &str| kpi_api::unit_calendar(&props.units, unit).week_start();
    let starts_of = |unit: &str| week_starts(props.today, START_WEEKS_AHEAD, first_day(unit));
    let draft = {
        let (unit, start) = (props.unit.clone(), starts_of(&props.unit)[0]);
        use_reducer(move || PlanDraft::new(&unit, start))
    };
    let first = first_day(&draft.unit);
    let starts = starts_of(&draft.unit);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let earlier = use_fetch(draft.unit.clone(), |unit| async move {
        if unit.is_empty() {
            return Ok(Vec::new());
        }
        api::plans(Some(&unit)).await
    });

    let dispatch = |make: fn(String) -> DraftAction| {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| draft.dispatch(make(input_value(e))))
    };
    let on_unit = {
        let (draft, units, today) = (draft.clone(), props.units.clone(), props.today);
        Callback::from(move |e: Event| {
            let unit = select_value(e);
            // A unit of another country starts its weeks on another day.
            let first = kpi_api::unit_calendar(&units, &unit).week_start();
            if draft.start.is_some_and(|d| d.weekday() != first) {
                let start = week_starts(today, START_WEEKS_AHEAD, first)[0];
                draft.dispatch(DraftAction::Start(Some(start)));
            }
            draft.dispatch(DraftAction::Unit(unit));
        })
    };
    let on_start = {
        let draft = draft.clone();
        Callback::from(move |e: Event| {
            draft.dispatch(DraftAction::Start(select_value(e).parse().ok()));
        })
    };
    let on_from_plan = {
        let (draft, error) = (draft.clone(), error.clone());
        Callback::from(move |e: Event| {
            let id = select_value(e);
            if id.is_empty() {
                return;
            }
            let (draft, error) = (draft.clone(), error.clone());
            spawn_local(async move {
                match api::plan(&id).await {
                    Ok(plan) => {
                        let start = draft.start.unwrap_or(plan.start);
                        draft.dispatch(DraftAction::Replace(PlanDraft::following(&plan, start)));
                    }
                    Err(e) => error.set(Some(e.message())),
                }
            });
        })
    };
    let onsubmit = {
        let (draft, busy, error) = (draft.clone(), busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let new = match draft.to_new_plan(first) {
                Ok(new) => new,
                Err(problem) => {
                    error.set(Some(draft_problem(problem)));
                    return;
                }
            };
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (busy, error, navigator) = (busy.clone(), error.clone(), navigator.clone());
            spawn_local(async move {
                match api::create_plan(&csrf, &new).await {
                    Ok(plan) => {
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Plan { id: plan.id });
                        }
                    }
                    Err(e) => {
                        session.notice(&e);
                        busy.set(false);
                        error.set(Some(e.message()));
                    }
                }
            });
        })
    };

    let earlier_plans: Vec<_> = earlier
        .state
        .data()
        .map(|list| {
            list.iter()
                .filter(|p| p.unit == draft.unit)
                .cloned()
                .collect()
        })
        .unwrap_or_default();
    let goals = draft.goals.iter().enumerate().map(|(g, goal)| {
        let goal_input = |make: fn(usize, String) -> DraftAction| {
            let draft = draft.clone();
            Callback::from(move |e: InputEvent| draft.dispatch(make(g, input_value(e))))
        };
        let on_kpi = {
            let draft = draft.clone();
            Callback::from(move |e: Event| draft.dispatch(DraftAction::GoalKpi(g, select_value(e))))
        };
        let click = |action: DraftAction| {
            let draft = draft.clone();
            Callback::from(move |_: MouseEvent| draft.dispatch(action.clone()))
        };
        let measure_hint = props
            .kpis
            .kpis
            .iter()
            .find(|k| k.id == goal.kpi)
            .map(|k| crate::i18n::measure_name(k.measure))
            .unwrap_or_default();
        let tactics = goal.tactics.iter().enumerate().map(|(j, tactic)| {
            let tactic_input = |make: fn(usize, usize, String) -> DraftAction| {
                let draft = draft.clone();
                Callback::from(move |e: InputEvent| draft.dispatch(make(g, j, input_value(e))))
            };
            let on_schedule = {
                let draft = draft.clone();
                Callback::from(move |s: ScheduleDraft| draft.dispatch(DraftAction::Schedule(g, j, s)))
            };
            html! {
                <div class="tactic-fields" data-tactic={(j + 1).to_string()}>
                    <label class="field field-wide">
                        <span class="field-label">{ t(Text::TacticTitleField) }</span>
                        <input type="text" name="tactic_title" value={tactic.title.clone()}
                            oninput={tactic_input(DraftAction::TacticTitle)} />
                    </label>
                    <label class="field">
                        <span class="field-label">{ t(Text::TacticOwnerField) }</span>
                        <input type="text" name="tactic_owner" value={tactic.owner.clone()}
                            oninput={tactic_input(DraftAction::TacticOwner)} />
                    </label>
                    <ScheduleFields draft={tactic.schedule.clone()} name={format!("schedule-{g}-{j}")} on_change={on_schedule} />
                    if goal.tactics.len() > 1 {
                        <button type="button" class="button button-quiet remove-tactic"
                            onclick={click(DraftAction::RemoveTactic(g, j))}>{ t(Text::RemoveTactic) }</button>
                    }
                </div>
            }
        });
        html! {
            <fieldset class="plan-goal-form" data-goal={(g + 1).to_string()}>
                <legend>{ goal_heading(g + 1) }</legend>
                <label class="field field-wide">
                    <span class="field-label">{ t(Text::GoalTitleField) }</span>
                    <input type="text" name="goal_title" value={goal.title.clone()}
                        oninput={goal_input(DraftAction::GoalTitle)} />
                </label>
                <label class="field">
                    <span class="field-label">{ t(Text::LagKpi) }</span>
                    <select name="kpi" onchange={on_kpi}>
                        <option value="" selected={goal.kpi.is_empty()}>{ t(Text::ChooseKpi) }</option>
                        { for props.kpis.kpis.iter().map(|k| html! {
                            <option value={k.id.clone()} selected={k.id == goal.kpi}>{ k.title.clone() }</option>
                        }) }
                    </select>
                </label>
                <label class="field">
                    <span class="field-label">{ t(Text::GoalTarget) }</span>
                    <input type="text" inputmode="decimal" name="target" value={goal.target.clone()}
                        oninput={goal_input(DraftAction::GoalTarget)} />
                    <span class="hint">{ measure_hint }</span>
                </label>
                { for tactics }
                <div class="goal-buttons">
                    <button type="button" class="button button-quiet add-tactic"
                        onclick={click(DraftAction::AddTactic(g))}>{ t(Text::AddTactic) }</button>
                    if draft.goals.len() > 1 {
                        <button type="button" class="button button-quiet remove-goal"
                            onclick={click(DraftAction::RemoveGoal(g))}>{ t(Text::RemoveGoal) }</button>
                    }
                </div>
            </fieldset>
        }
    });
    let add_goal = {
        let draft = draft.clone();
        Callback::from(move |_: MouseEvent| draft.dispatch(DraftAction::AddGoal))
    };

    html! {
        <form class="plan-form" {onsubmit} novalidate=true>
            <label class="field">
                <span class="field-label">{ t(Text::PlanUnitField) }</span>
                <select name="unit" onchange={on_unit}>
                    { for tree_order(&props.units).into_iter().map(|(depth, unit)| {
                        let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
                        html! {
                            <option value={unit.id.clone()} selected={unit.id == draft.unit}>
                                { format!("{indent}{}", unit.name) }
                            </option>
                        }
                    }) }
                </select>
            </label>
            <label class="field field-wide">
                <span class="field-label">{ t(Text::PlanTitleField) }</span>
                <input type="text" name="title" value={draft.title.clone()} oninput={dispatch(DraftAction::Title)} />
            </label>
            <label class="field">
                <span class="field-label">{ t(Text::PlanStartField) }</span>
                <select name="start" onchange={on_start}>
                    { for starts.iter().enumerate().map(|(i, day)| html! {
                        <option value={day.to_string()} selected={Some(*day) == draft.start}>
                            { start_option(*day, i == 0) }
                        </option>
                    }) }
                </select>
            </label>
            if !earlier_plans.is_empty() {
                <label class="field">
                    <span class="field-label">{ t(Text::StartFrom) }</span>
                    <select name="from_plan" onchange={on_from_plan}>
                        <option value="" selected=true>{ t(Text::EmptyPlan) }</option>
                        { for earlier_plans.iter().map(|p| html! {
                            <option value={p.id.clone()}>{ plan_option(&p.title, p.start) }</option>
                        }) }
                    </select>
                </label>
            }
            { for goals }
            if draft.goals.len() < MAX_GOALS {
                <button type="button" class="button button-quiet add-goal" onclick={add_goal}>{ t(Text::AddGoal) }</button>
            }
            if let Some(message) = &*error {
                <p class="form-error" role="alert">{ message.clone() }</p>
            }
            <button type="submit" class="button create-plan" disabled={*busy}>
                { t(if *busy { Text::Creating } else { Text::CreatePlan }) }
            </button>
        </form>
    }
}

/// A new 12-week plan (`/plans/new?unit=`, `.new-plan-page`), for department heads and
/// administrators; others are told who writes plans.
#[component]
pub fn NewPlanPage() -> Html {
    let session = use_session();
    let info = session.as_ref().and_then(|s| s.info());
    let today = use_context::<ServerToday>()
        .and_then(|t| t.0)
        .or_else(browser_today);
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    let asked_unit = query_unit(&query);
    let units = use_fetch((), |()| api::units());
    let kpis = use_fetch((), |()| api::kpis());
    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::NewPlanTitle)));
    });

    let failed = match (&units.state, &kpis.state) {
        (FetchState::Failed(error), _) => Some((error.clone(), units.retry())),
        (_, FetchState::Failed(error)) => Some((error.clone(), kpis.retry())),
        _ => None,
    };
    let body = match (&info, units.state.data(), kpis.state.data(), today) {
        (Some(info), _, _, _) if !may_tick(info.role) => html! {
            <p class="notice plan-read-only">{ t(Text::WritesPlans) }</p>
        },
        _ if failed.is_some() => {
            let (error, retry) = failed.expect("checked");
            html! { <ErrorBox {error} on_retry={retry} /> }
        }
        (Some(info), Some(units), Some(kpis), Some(today)) => {
            let unit = asked_unit
                .clone()
                .filter(|u| units.iter().any(|x| x.id == *u))
                .or_else(|| info.home_unit.clone())
                .or_else(|| units.first().map(|u| u.id.clone()))
                .unwrap_or_default();
            html! {
                <>
                    <p class="hint">{ t(Text::NewPlanIntro) }</p>
                    <PlanForm units={Rc::clone(units)} kpis={Rc::clone(kpis)} {unit} {today} />
                </>
            }
        }
        _ => html! { <Loading /> },
    };
    html! {
        <PlanFrame class="new-plan-page">
            <h1 class="plans-title">{ t(Text::NewPlanTitle) }</h1>
            { body }
        </PlanFrame>
    }
}
