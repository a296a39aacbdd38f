use std::rc::Rc;

use kpi_api::plan::PlanSummary;
use kpi_api::Unit;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::i18n::{date_label, plan_week_label, t, Text};
use crate::logic::plans::{percent, score_class, sort_plans, PlanSort, SortOrder};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct PlansTableProps {
    pub plans: Rc<Vec<PlanSummary>>,
    /// To name units; an id shows as is while they load.
    #[prop_or_default]
    pub units: Option<Rc<Vec<Unit>>>,
}

fn header(sort: PlanSort) -> Text {
    match sort {
        PlanSort::Unit => Text::ColumnUnit,
        PlanSort::Title => Text::ColumnTitle,
        PlanSort::Owner => Text::ColumnOwner,
        PlanSort::Start => Text::ColumnStart,
        PlanSort::Week => Text::ColumnWeek,
        PlanSort::WeekScore => Text::ColumnWeekScore,
        PlanSort::Cumulative => Text::ColumnCumulative,
    }
}

/// The plans under a unit (`table.plans-table`), one row each (`tr.plan-row[data-plan]`), every
/// cell a link to the plan. A click on a header (`th[data-sort=week_score]`, ...) sorts by it, a
/// second click the other way (`th[aria-sort]`); scores under 85% are `.below-benchmark`.
#[component]
pub fn PlansTable(props: &PlansTableProps) -> Html {
    let order = use_state(SortOrder::default);
    if props.plans.is_empty() {
        return html! { <p class="empty plans-empty">{ t(Text::NoPlans) }</p> };
    }
    let mut plans = (*props.plans).clone();
    sort_plans(&mut plans, *order);
    let unit_name = |id: &str| {
        props
            .units
            .as_ref()
            .and_then(|units| units.iter().find(|u| u.id == id))
            .map_or_else(|| id.to_string(), |u| u.name.clone())
    };

    let headers = PlanSort::ALL.into_iter().map(|sort| {
        let onclick = {
            let order = order.clone();
            Callback::from(move |_: MouseEvent| order.set(order.clicked(sort)))
        };
        let aria_sort = (order.by == sort).then(|| {
            if order.ascending { "ascending" } else { "descending" }
        });
        let numeric = matches!(sort, PlanSort::Week | PlanSort::WeekScore | PlanSort::Cumulative);
        html! {
            <th
                scope="col"
                class={classes!(numeric.then_some("num"), (order.by == sort).then_some("sorted"))}
                data-sort={sort.as_str()}
                aria-sort={aria_sort}
            >
                <button type="button" class="sort-button" {onclick}>
                    { t(header(sort)) }
                    if order.by == sort {
                        <span class="sort-mark" title={t(if order.ascending { Text::SortAscending } else { Text::SortDescending })}>
                            { if order.ascending { "▲" } else { "▼" } }
                        </span>
                    }
                </button>
            </th>
        }
    });

    html! {
        <div class="table-scroll">
            <table class="plans-table">
                <thead><tr>{ for headers }</tr></thead>
                <tbody>
                    { for plans.iter().map(|plan| {
                        let to = Route::Plan { id: plan.id.clone() };
                        let cell = |class: Classes, content: Html| html! {
                            <td class={class}>
                                <Link<Route> to={to.clone()} classes="plan-link">{ content }</Link<Route>>
                            </td>
                        };
                        html! {
                            <tr class="plan-row" key={plan.id.clone()} data-plan={plan.id.clone()}>
                                { cell(classes!("plan-unit"), html! { unit_name(&plan.unit) }) }
                                { cell(classes!("plan-title"), html! { plan.title.clone() }) }
                                { cell(classes!("plan-owner"), html! { plan.owner.clone() }) }
                                { cell(classes!("plan-start"), html! { date_label(plan.start) }) }
                                { cell(classes!("num", "plan-current-week"), html! { plan_week_label(plan.current_week) }) }
                                { cell(classes!("num", "plan-week-score", score_class(plan.week_score)), html! { percent(plan.week_score) }) }
                                { cell(classes!("num", "plan-cumulative", score_class(plan.cumulative)), html! { percent(plan.cumulative) }) }
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
        </div>
    }
}
