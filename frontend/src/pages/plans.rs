use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use crate::api;
use crate::components::{
    AppFooter, ErrorBox, Loading, OutsideJurisdiction, PlansTable, UnitPicker, UserMenu,
};
use crate::hooks::{use_fetch, use_session, FetchState};
use crate::i18n::{page_title, t, Text};
use crate::logic::filters::unit_query;
use crate::logic::url::parse_query;
use crate::Route;

/// The 12-week plans under a unit (`/plans?unit=`, `.plans-page`): the user's whole jurisdiction
/// without `?unit=`, a unit picker (`select.unit-picker`) to narrow it, and the sortable table of
/// plans with this week's and the cumulative execution score (`table.plans-table`).
#[component]
pub fn PlansPage() -> Html {
    let navigator = use_navigator();
    let home_unit = use_session().and_then(|session| session.home_unit());
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    let unit = parse_query(&query)
        .into_iter()
        .find(|(key, value)| key == "unit" && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_string());

    let units = use_fetch((), |()| api::units());
    let plans = use_fetch(unit.clone(), |unit| async move {
        api::plans(unit.as_deref()).await
    });

    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::PlansTitle)));
    });

    let on_unit = Callback::from(move |unit: String| {
        if let Some(navigator) = &navigator {
            let Ok(()) = navigator.push_with_query(&Route::Plans, Raw(unit_query(&unit)));
        }
    });
    let selected = unit.clone().or(home_unit.clone()).unwrap_or_default();
    let picker = units.state.data().map(|list| {
        html! {
            <section class="filters" aria-label={t(Text::Filters)}>
                <UnitPicker units={list.clone()} selected={AttrValue::from(selected.clone())} on_change={on_unit} />
            </section>
        }
    });

    let body = match &plans.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.is_forbidden() => html! {
            <OutsideJurisdiction
                error={error.clone()}
                home={Route::Plans}
                home_query={AttrValue::from(home_unit.as_deref().map(unit_query).unwrap_or_default())}
            />
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={plans.retry()} /> }
        }
        FetchState::Ready(list) => html! {
            <PlansTable plans={list.clone()} units={units.state.data().cloned()} />
        },
    };

    html! {
        <div class="page plans-page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            { for picker }
            <main class="plans">
                <h1 class="plans-title">{ t(Text::PlansTitle) }</h1>
                { body }
            </main>
            <AppFooter />
        </div>
    }
}
