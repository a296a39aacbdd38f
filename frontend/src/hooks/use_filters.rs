use std::rc::Rc;

use chrono::NaiveDate;
use kpi_api::Grain;
use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use super::use_session;
use crate::logic::filters::{DataRange, Filters};
use crate::Route;

/// The board's filters as read from the URL, with verbs that change them by pushing a new URL, so
/// every change can be shared as a link and undone with Back.
#[derive(Clone, PartialEq)]
pub struct FiltersHandle {
    filters: Rc<Filters>,
    route: Route,
    navigator: Option<Navigator>,
}

impl FiltersHandle {
    pub fn filters(&self) -> &Filters {
        &self.filters
    }

    /// The route the filters apply to.
    pub fn route(&self) -> &Route {
        &self.route
    }

    /// The same board for another unit; an open KPI stays open (a drill-down).
    pub fn set_unit(&self, unit: &str) {
        self.push(self.current().with_unit(unit));
    }

    pub fn set_from(&self, from: NaiveDate) {
        self.push(self.current().with_from(from));
    }

    pub fn set_to(&self, to: NaiveDate) {
        self.push(self.current().with_to(to));
    }

    pub fn set_period(&self, period: (NaiveDate, NaiveDate)) {
        self.push(self.current().with_period(period));
    }

    pub fn set_grain(&self, grain: Grain) {
        self.push(self.current().with_grain(grain));
    }

    /// Opens a KPI's detail, or closes it when it is the one open.
    pub fn toggle_kpi(&self, kpi: &str) {
        let open = self.filters.kpi.as_deref() == Some(kpi);
        self.push(self.current().with_kpi((!open).then(|| kpi.to_string())));
    }

    pub fn close_kpi(&self) {
        self.push(self.current().with_kpi(None));
    }

    /// Shows `filters` on this handle's route.
    pub fn push(&self, filters: Filters) {
        self.push_to(&self.route, &filters);
    }

    /// Shows `filters` on `route` (another board keeps the unit and period).
    pub fn push_to(&self, route: &Route, filters: &Filters) {
        if *route == self.route && *filters == *self.filters {
            return;
        }
        if let Some(navigator) = &self.navigator {
            let Ok(()) = navigator.push_with_query(route, Raw(filters.to_query()));
        }
    }

    fn current(&self) -> Filters {
        (*self.filters).clone()
    }
}

/// The filters in the current URL's query, for a page shown at `route`. What the query does not
/// name follows the data's range and the signed-in user's home unit.
#[hook]
pub fn use_filters(route: Route) -> FiltersHandle {
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    let range = use_context::<DataRange>().unwrap_or_default();
    let home_unit = use_session().and_then(|session| session.home_unit());
    let filters = use_memo((query, range, home_unit), |(query, range, home_unit)| {
        Filters::from_query(query, *range, home_unit.as_deref())
    });
    FiltersHandle {
        filters,
        route,
        navigator: use_navigator(),
    }
}
