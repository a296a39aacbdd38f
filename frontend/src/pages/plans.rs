use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use crate::api;
use crate::components::{
    AppFooter, ErrorBox, FileImport, Loading, OutsideJurisdiction, PlansTable, QueryLink,
    UnitPicker, UserMenu,
};
use crate::hooks::{use_fetch, use_session, FetchState};
use crate::i18n::{page_title, t, Text};
use crate::logic::filters::{query_unit, unit_query};
use crate::logic::plans::may_tick;
use crate::Route;

/// The 12-week plans under a unit (`/plans?unit=`, `.plans-page`): the user's whole jurisdiction
/// without `?unit=`, a unit picker (`select.unit-picker`) to narrow it, and the sortable table of
/// plans with this week's and the cumulative execution score (`table.plans-table`), links that
/// download them and their check-ins as CSV (`a.export-plans`, `a.export-checkins`), and for
/// department heads and administrators a new plan (`a.new-plan`) and an import of plan files.
#[component]
pub fn PlansPage() -> Html {
    let navigator = use_navigator();
    let session = use_session();
    let home_unit = session.as_ref().and_then(|session| session.home_unit());
    let writes = session
        .as_ref()
        .and_then(|s| s.info())
        .is_some_and(|info| may_tick(info.role));
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    let unit = query_unit(&query);

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

    let query_unit = unit.as_deref().map(unit_query).unwrap_or_default();
    html! {
        <div class="page plans-page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            { for picker }
            <main class="plans">
                <div class="plans-heading">
                    <h1 class="plans-title">{ t(Text::PlansTitle) }</h1>
                    if writes {
                        <QueryLink to={Route::NewPlan} query={AttrValue::from(query_unit.clone())} class="button new-plan">
                            { t(Text::NewPlan) }
                        </QueryLink>
                    }
                </div>
                { body }
                <nav class="plan-exports">
                    <a class="button button-quiet export-plans" download=""
                        href={api::export_href("plans", unit.as_deref(), None)}>{ t(Text::DownloadPlansCsv) }</a>
                    <a class="button button-quiet export-checkins" download=""
                        href={api::export_href("plan_checkins", unit.as_deref(), None)}>{ t(Text::DownloadCheckinsCsv) }</a>
                </nav>
                if writes {
                    <FileImport on_imported={plans.retry()} />
                }
            </main>
            <AppFooter />
        </div>
    }
}
