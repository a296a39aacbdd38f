use crate::i18n::format;
use chrono::NaiveDate;
use kpi_api::plan::WeekScore;
use kpi_api::{Measure, Series};
use std::rc::Rc;
use yew::prelude::*;

use crate::i18n::{t, Text};
use crate::logic::plans::{percent, score_class, week_value};

/// A goal's lag KPI as the weeks table shows it.
#[derive(Debug, Clone, PartialEq)]
pub struct LagColumn {
    pub kpi: String,
    pub title: String,
    pub measure: Measure,
    /// None while loading or when it could not be read.
    pub series: Option<Rc<Series>>,
}

#[derive(Properties, PartialEq)]
pub struct PlanWeeksTableProps {
    pub scores: Vec<WeekScore>,
    pub start: NaiveDate,
    pub current: Option<u32>,
    pub lags: Vec<LagColumn>,
}

/// Week by week (`table.plan-weeks`, rows `tr.plan-week-row[data-week]`): tactics due and done, the
/// week's score and the cumulative one (`.below-benchmark` under 85%), and each goal's lag KPI
/// that week (`td.plan-kpi-value[data-kpi]`).
#[component]
pub fn PlanWeeksTable(props: &PlanWeeksTableProps) -> Html {
    html! {
        <div class="table-scroll">
            <table class="plan-weeks">
                <thead>
                    <tr>
                        <th scope="col">{ t(Text::ColumnWeek) }</th>
                        <th scope="col" class="num">{ t(Text::ColumnDue) }</th>
                        <th scope="col" class="num">{ t(Text::ColumnDone) }</th>
                        <th scope="col" class="num">{ t(Text::ColumnScore) }</th>
                        <th scope="col" class="num">{ t(Text::ColumnCumulative) }</th>
                        { for props.lags.iter().map(|lag| html! {
                            <th scope="col" class="num" data-kpi={lag.kpi.clone()}>{ lag.title.clone() }</th>
                        }) }
                    </tr>
                </thead>
                <tbody>
                    { for props.scores.iter().map(|s| html! {
                        <tr
                            class={classes!("plan-week-row", (props.current == Some(s.week)).then_some("is-current"))}
                            key={s.week}
                            data-week={s.week.to_string()}
                        >
                            <th scope="row">{ format::int(s.week) }</th>
                            <td class="num week-due">{ format::int(s.due) }</td>
                            <td class="num week-done">{ format::int(s.done) }</td>
                            <td class={classes!("num", "week-score", score_class(s.score))}>{ percent(s.score) }</td>
                            <td class={classes!("num", "week-cumulative", score_class(s.cumulative))}>{ percent(s.cumulative) }</td>
                            { for props.lags.iter().map(|lag| {
                                let value = lag.series.as_ref().and_then(|series| week_value(props.start, s.week, &series.points));
                                html! {
                                    <td class="num plan-kpi-value" data-kpi={lag.kpi.clone()}>
                                        { format::value(value, lag.measure) }
                                    </td>
                                }
                            }) }
                        </tr>
                    }) }
                </tbody>
            </table>
        </div>
    }
}
