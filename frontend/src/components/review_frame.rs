use std::rc::Rc;

use chrono::NaiveDate;
use kpi_api::Unit;
use yew::prelude::*;

use super::{AppFooter, Breadcrumb, PeriodPicker, UserMenu};
use crate::hooks::FiltersHandle;
use crate::i18n::{range_label, t, Text};

#[derive(Properties, PartialEq)]
pub struct ReviewFrameProps {
    pub handle: FiltersHandle,
    /// The page's class (`league-page`, `agenda-page`).
    pub class: AttrValue,
    pub title: AttrValue,
    /// The org tree, for the breadcrumb (none until it arrives).
    pub units: Option<Rc<Vec<Unit>>>,
    /// A last step of the breadcrumb under the unit (an employee).
    #[prop_or_default]
    pub leaf: Option<AttrValue>,
    /// A filter before the period: the KPI or the unit.
    #[prop_or_default]
    pub filter: Html,
    pub from: NaiveDate,
    pub to: NaiveDate,
    #[prop_or_default]
    pub children: Html,
}

/// The frame of a review page (the agenda, a league table): the header, the filters (`filter`,
/// then the period), the breadcrumb of the unit, the title and the period, then the page.
#[component]
pub fn ReviewFrame(props: &ReviewFrameProps) -> Html {
    let handle = &props.handle;
    let (h1, h2, h3) = (handle.clone(), handle.clone(), handle.clone());
    let unit = handle.filters().unit.clone();
    html! {
        <ContextProvider<FiltersHandle> context={handle.clone()}>
            <div class={classes!("page", props.class.to_string())}>
                <header class="topbar">
                    <span class="brand">{ t(Text::AppTitle) }</span>
                    <UserMenu />
                </header>
                <section class="filters" aria-label={t(Text::Filters)}>
                    { props.filter.clone() }
                    <PeriodPicker from={props.from} to={props.to}
                        on_from={Callback::from(move |d| h1.set_from(d))}
                        on_to={Callback::from(move |d| h2.set_to(d))}
                        on_period={Callback::from(move |p| h3.set_period(p))} />
                </section>
                <main class="league">
                    if let Some(units) = &props.units {
                        <Breadcrumb units={units.clone()} current={unit} leaf={props.leaf.clone()} />
                    }
                    <h1 class="review-title">{ props.title.clone() }</h1>
                    <p class="board-subtitle"><span class="board-period">{ range_label(props.from, props.to) }</span></p>
                    { props.children.clone() }
                </main>
                <AppFooter />
            </div>
        </ContextProvider<FiltersHandle>>
    }
}
