use std::rc::Rc;

use crate::i18n::format;
use kpi_api::plan::{PlanView, Tactic};
use kpi_api::{Grain, KpiList, Series, Unit};
use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, FetchError};
use crate::components::{
    Answer, ErrorBox, ExecutionChart, LagColumn, Loading, OutsideJurisdiction, PlanFrame,
    PlanTactics, PlanWeeksTable, QueryLink, ServerToday, TacticRow,
};
use crate::hooks::{use_fetch, use_live_fetch, use_plan, use_session, FetchState, TacticEdit};
use crate::i18n::{date_label, page_title, plan_week_label, t, tick_week_option, Text};
use crate::logic::filters::unit_query;
use crate::logic::plans::{
    check_in_for, may_edit_tactics, may_tick, percent, plan_days, score_class, tactics_due,
    tick_week, tickable_weeks, week_calendar,
};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct PlanPageProps {
    /// The plan's id.
    pub id: AttrValue,
}

/// The lag KPIs of a plan's goals, for its unit over its 12 weeks.
type LagDeps = Option<(Vec<String>, String, chrono::NaiveDate)>;

/// Each goal's lag KPI, week by week; a KPI that cannot be read is left out rather than failing
/// the page.
async fn lag_series(deps: LagDeps) -> Result<Vec<(String, Rc<Series>)>, FetchError> {
    let Some((kpis, unit, start)) = deps else {
        return Ok(Vec::new());
    };
    let (from, to) = plan_days(start);
    let mut out = Vec::new();
    for kpi in kpis {
        if let Ok(series) =
            api::kpi_values(&kpi, &unit, from, to, (week_calendar(from), Grain::Week)).await
        {
            out.push((kpi, Rc::new(series)));
        }
    }
    Ok(out)
}

fn unit_name(units: Option<&Rc<Vec<Unit>>>, id: &str) -> String {
    units
        .and_then(|units| units.iter().find(|u| u.id == id))
        .map_or_else(|| id.to_string(), |u| u.name.clone())
}

/// A 12-week plan (`/plans/{id}`, `.plan-page[data-plan]`): its title, unit, start and week
/// (`.plan-current-week`), the tactics to tick in a week (`ul.tactics li.tactic`, this week's first,
/// earlier weeks through `select.plan-week`), this week's and the cumulative execution score
/// (`.plan-week-score`, `.plan-cumulative`), the goals with their lag KPI and target
/// (`li.plan-goal`), the execution chart and the week-by-week table (`table.plan-weeks`).
///
/// A tick is saved with the revision of the answer on show; the score moves as soon as the server
/// takes it, and the plan is fetched again quietly. When someone answered first (409) their answer
/// is fetched and the server's message shows in `.plan-conflict`. Below, the tactics and their
/// weeks ([`PlanTactics`]), which the unit's department head changes from this week on, and links
/// that download the plan and its check-ins as CSV (`a.export-plan`, `a.export-checkins`).
///
/// What changes together (the tick or edit under way, the plan as last saved, the week chosen,
/// what went wrong) lives in one reducer, [`crate::hooks::PlanPageState`].
#[component]
pub fn PlanPage(props: &PlanPageProps) -> Html {
    let session = use_session();
    let info = session.as_ref().and_then(|s| s.info());
    let page = use_plan();
    let today = use_context::<ServerToday>().and_then(|t| t.0);

    let fetched = use_live_fetch(props.id.clone(), page.state().reloads, |id| async move {
        api::plan(&id).await
    });
    let units = use_fetch((), |()| api::units());
    let kpis = use_fetch((), |()| api::kpis());
    // The plan as this page last saved it, until the fetch after it answers.
    let plan: Option<Rc<PlanView>> = fetched.state.data().map(|data| page.state().shown(data));
    let lag_deps: LagDeps = fetched.state.data().map(|p| {
        let mut ids: Vec<String> = p.goals.iter().map(|g| g.kpi.clone()).collect();
        ids.dedup();
        (ids, p.unit.clone(), p.start)
    });
    let lags = use_fetch(lag_deps, lag_series);

    {
        let title = plan
            .as_ref()
            .map_or_else(|| t(Text::PlansTitle).to_string(), |p| p.title.clone());
        use_effect_with(title, |title| {
            gloo::utils::document().set_title(&page_title(title))
        });
    }

    let on_answer = {
        let page = page.clone();
        let base = fetched.state.data().cloned();
        let shown = plan.clone();
        Callback::from(move |answer: Answer| {
            if let (Some(base), Some(shown)) = (base.clone(), shown.clone()) {
                page.tick(base, shown, answer);
            }
        })
    };
    let on_edit = {
        let page = page.clone();
        Callback::from(move |edit: Option<TacticEdit>| page.edit(edit))
    };
    let on_save = {
        let page = page.clone();
        let base = fetched.state.data().cloned();
        Callback::from(move |withdraw: bool| {
            if let Some(base) = base.clone() {
                page.save_edit(base, withdraw);
            }
        })
    };
    let state = page.state();

    let body = match (&fetched.state, plan) {
        (FetchState::Failed(error), _) if error.code() == Some("not_found") => html! {
            <div class="notice plan-missing" role="alert">
                <p>{ t(Text::PlanUnknown) }</p>
                <Link<Route> to={Route::Plans} classes="button">{ t(Text::OpenPlans) }</Link<Route>>
            </div>
        },
        (FetchState::Failed(error), _) if error.is_forbidden() => html! {
            <OutsideJurisdiction error={error.clone()} home={Route::Plans} home_query={AttrValue::default()} />
        },
        (FetchState::Failed(error), _) => {
            html! { <ErrorBox error={error.clone()} on_retry={fetched.retry()} /> }
        }
        (_, None) => html! { <Loading /> },
        (_, Some(p)) => {
            let weeks = tickable_weeks(p.current_week);
            let this_week = tick_week(p.current_week);
            let week = state
                .chosen_week
                .filter(|w| weeks.contains(w))
                .or(this_week);
            let scored_week = this_week.or_else(|| {
                p.scores
                    .iter()
                    .rev()
                    .find(|s| s.cumulative.is_some())
                    .map(|s| s.week)
            });
            let score_now = this_week
                .and_then(|w| p.scores.get(w as usize - 1))
                .and_then(|s| s.score);
            let cumulative = scored_week
                .and_then(|w| p.scores.get(w as usize - 1))
                .and_then(|s| s.cumulative);
            let kpi_list: Option<&Rc<KpiList>> = kpis.state.data();
            let kpi_def =
                |id: &str| kpi_list.and_then(|list| list.kpis.iter().find(|k| k.id == id).cloned());
            let may = info.as_ref().is_some_and(|i| may_tick(i.role));

            let may_edit = info.as_ref().is_some_and(|i| may_tick(i.role))
                && may_edit_tactics(p.start, p.current_week, today);
            let on_week = {
                let page = page.clone();
                Callback::from(move |e: Event| {
                    let value = e.target_unchecked_into::<HtmlSelectElement>().value();
                    page.choose_week(value.parse().ok());
                })
            };
            let tick_section = match week {
                None => html! { <p class="notice plan-closed">{ t(Text::PlanNotRunning) }</p> },
                Some(week) => {
                    let due: Vec<&Tactic> = tactics_due(&p.tactics, week);
                    html! {
                        <>
                            <label class="field field-week">
                                <span class="field-label">{ t(Text::TickWeek) }</span>
                                <select class="plan-week" onchange={on_week}>
                                    { for weeks.iter().map(|w| html! {
                                        <option value={w.to_string()} selected={*w == week}>
                                            { tick_week_option(*w, Some(*w) == this_week) }
                                        </option>
                                    }) }
                                </select>
                            </label>
                            if !may {
                                <p class="notice plan-read-only">{ t(Text::ReadOnlyPlan) }</p>
                            }
                            if due.is_empty() {
                                <p class="empty plan-nothing-due">{ t(Text::NothingDue) }</p>
                            } else {
                                <ul class="tactics" data-week={week.to_string()}>
                                    { for due.into_iter().map(|tactic| {
                                        let record = check_in_for(&p.checkins, &tactic.id, week).cloned();
                                        let row_busy = state.ticking.as_ref().is_some_and(|(id, w)| *id == tactic.id && *w == week);
                                        html! {
                                            <TacticRow
                                                key={format!("{}-{week}", tactic.id)}
                                                tactic={tactic.clone()}
                                                {week}
                                                {record}
                                                may_tick={may}
                                                busy={row_busy}
                                                on_answer={on_answer.clone()}
                                            />
                                        }
                                    }) }
                                </ul>
                            }
                        </>
                    }
                }
            };

            let goals = p.goals.iter().map(|goal| {
                let def = kpi_def(&goal.kpi);
                let target = def.as_ref().map_or_else(
                    || format::decimal(goal.target, 2),
                    |d| format::value(Some(goal.target), d.measure),
                );
                html! {
                    <li class="plan-goal" data-goal={goal.no.to_string()} data-kpi={goal.kpi.clone()}>
                        <strong class="goal-title">{ goal.title.clone() }</strong>
                        <dl class="goal-fields">
                            <dt>{ t(Text::LagKpi) }</dt>
                            <dd>
                                <QueryLink
                                    to={Route::Passport { id: goal.kpi.clone() }}
                                    query={AttrValue::from(unit_query(&p.unit))}
                                    class="goal-kpi"
                                >
                                    { def.as_ref().map_or_else(|| goal.kpi.clone(), |d| d.title.clone()) }
                                </QueryLink>
                            </dd>
                            <dt>{ t(Text::GoalTarget) }</dt>
                            <dd class="goal-target">{ target }</dd>
                        </dl>
                    </li>
                }
            });

            let lag_columns: Vec<LagColumn> = {
                let mut ids: Vec<String> = p.goals.iter().map(|g| g.kpi.clone()).collect();
                ids.dedup();
                ids.into_iter()
                    .map(|kpi| {
                        let def = kpi_def(&kpi);
                        let series = lags.state.data().and_then(|list| {
                            list.iter()
                                .find(|(id, _)| *id == kpi)
                                .map(|(_, s)| Rc::clone(s))
                        });
                        LagColumn {
                            title: def
                                .as_ref()
                                .map_or_else(|| kpi.clone(), |d| d.title.clone()),
                            measure: def.map_or(kpi_api::Measure::Count, |d| d.measure),
                            kpi,
                            series,
                        }
                    })
                    .collect()
            };

            html! {
                <article class="plan" data-plan={p.id.clone()}>
                    <header class="plan-header">
                        <h1 class="plan-title">{ p.title.clone() }</h1>
                        <p class="plan-meta">
                            <span class="plan-unit" data-unit={p.unit.clone()}>{ unit_name(units.state.data(), &p.unit) }</span>
                            <span class="plan-owner" title={t(Text::PlanOwner)}>{ p.owner.clone() }</span>
                            <span class="plan-start" title={t(Text::PlanStart)}>{ date_label(p.start) }</span>
                            <span class="plan-current-week">{ plan_week_label(p.current_week) }</span>
                        </p>
                    </header>
                    <section class="plan-scores" aria-label={t(Text::Execution)}>
                        <div class="score-card">
                            <span class="score-label">{ t(Text::ScoreThisWeek) }</span>
                            <strong class={classes!("plan-week-score", score_class(score_now))}>{ percent(score_now) }</strong>
                        </div>
                        <div class="score-card">
                            <span class="score-label">{ t(Text::ScoreCumulative) }</span>
                            <strong class={classes!("plan-cumulative", score_class(cumulative))}>{ percent(cumulative) }</strong>
                        </div>
                    </section>
                    if let Some(message) = &state.conflict {
                        <div class="notice plan-conflict" role="alert">
                            <strong>{ t(Text::ConflictTitle) }</strong>
                            <p>{ message.clone() }</p>
                        </div>
                    }
                    if let Some(error) = &state.error {
                        <div class="plan-tick-error"><ErrorBox error={error.clone()} /></div>
                    }
                    <section class="plan-section plan-ticks">
                        <h2>{ t(Text::TacticsToTick) }</h2>
                        { tick_section }
                    </section>
                    <section class="plan-section">
                        <h2>{ t(Text::Goals) }</h2>
                        <ul class="plan-goals">{ for goals }</ul>
                    </section>
                    <section class="plan-section">
                        <h2>{ t(Text::ExecutionByWeek) }</h2>
                        <ExecutionChart scores={p.scores.clone()} current={this_week} />
                        <PlanWeeksTable scores={p.scores.clone()} start={p.start} current={this_week} lags={lag_columns} />
                    </section>
                    <PlanTactics
                        plan={Rc::clone(&p)}
                        {may_edit}
                        edit={state.edit.clone()}
                        busy={state.edit_sent}
                        problem={state.problem}
                        {on_edit}
                        {on_save}
                    />
                    <nav class="plan-exports">
                        <a class="button button-quiet export-plan" download=""
                            href={api::export_href("plans", None, Some(&p.id))}>{ t(Text::DownloadPlanCsv) }</a>
                        <a class="button button-quiet export-checkins" download=""
                            href={api::export_href("plan_checkins", None, Some(&p.id))}>{ t(Text::DownloadCheckinsCsv) }</a>
                    </nav>
                </article>
            }
        }
    };

    html! {
        <PlanFrame class="plan-page" plan={props.id.clone()}>{ body }</PlanFrame>
    }
}
