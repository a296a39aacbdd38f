use yew::prelude::*;

use crate::api;
use crate::components::{
    AppFooter, Band, BoardNav, Breadcrumb, ErrorBox, EventsPanel, GrainPicker, KpiDetail, Loading,
    OutsideJurisdiction, PeriodPicker, TileGrid, TileSkeletons, UnitPicker, UntranslatedMark,
    UserMenu,
};
use crate::hooks::{
    use_fetch, use_filters, use_live_fetch, use_live_kpis, use_session, FetchState, FiltersHandle,
};
use crate::i18n::{document_title, range_label, t, Text};
use crate::logic::filters::DEFAULT_UNIT;
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct BoardPageProps {
    /// The board's id (`overview` at `/`).
    pub id: AttrValue,
    /// Where the page is shown; filter changes push the same route with a new query.
    pub route: Route,
}

/// A board for one unit and period: filters, tiles, and the detail of the tile opened. A unit
/// outside the user's jurisdiction shows the server's refusal and the way to the home board.
///
/// The board is live: when the server loads its KPI files again (a KPI added, edited or removed)
/// the board and the open detail are fetched again, and the tiles on show stay until the new ones
/// arrive.
#[component]
pub fn BoardPage(props: &BoardPageProps) -> Html {
    let handle = use_filters(props.route.clone());
    let f = handle.filters().clone();
    let home_unit = use_session()
        .and_then(|session| session.home_unit())
        .unwrap_or_else(|| DEFAULT_UNIT.to_string());

    let units = use_fetch((), |()| api::units());
    let kpis = use_live_kpis();
    // A saved KPI may have been put on a board: the list of boards follows the files too.
    let boards = use_live_fetch((), kpis.reloads, |()| api::boards());
    let board = use_live_fetch(
        (props.id.clone(), f.unit.clone(), f.from, f.to, f.grain),
        kpis.reloads,
        |(id, unit, from, to, grain)| async move { api::board(&id, &unit, from, to, grain).await },
    );
    // The experiments under the unit, fetched once: their windows shade the KPI's chart, and
    // each one's effect goes on the tile of the KPI it watches. A failure only leaves them out.
    let experiments = use_fetch(f.unit.clone(), |unit| async move {
        api::experiments(Some(&unit)).await
    });
    // Dated events (annotations.csv) that concern the unit, shaded likewise.
    let annotations = use_fetch(f.unit.clone(), |unit| async move {
        api::annotations(&unit).await
    });
    let mut bands = experiments
        .state
        .data()
        .map(|list| Band::of(list))
        .unwrap_or_default();
    bands.extend(
        annotations
            .state
            .data()
            .map(|list| Band::of_annotations(list))
            .unwrap_or_default(),
    );
    let headlines = use_fetch(experiments.state.data().cloned(), |list| async move {
        match list {
            Some(list) => api::experiment_headlines(&list).await,
            None => Ok(Vec::new()),
        }
    });

    {
        let title = match &board.state {
            FetchState::Ready(b) => document_title(&b.title, &b.unit.name),
            _ => t(Text::AppTitle).to_string(),
        };
        use_effect_with(title, |title| gloo::utils::document().set_title(title));
    }

    let on_unit = {
        let handle = handle.clone();
        Callback::from(move |unit: String| handle.set_unit(&unit))
    };
    let unit_field = match &units.state {
        FetchState::Loading => html! { <div class="field field-unit"><Loading /></div> },
        FetchState::Failed(error) => html! {
            <div class="field field-unit">
                <span class="field-label">{ t(Text::UnitsUnavailable) }</span>
                <ErrorBox error={error.clone()} on_retry={units.retry()} />
            </div>
        },
        FetchState::Ready(list) => html! {
            <UnitPicker units={list.clone()} selected={f.unit.clone()} on_change={on_unit} />
        },
    };
    let breadcrumb = units.state.data().map(|list| {
        html! { <Breadcrumb units={list.clone()} current={f.unit.clone()} /> }
    });
    let board_nav = boards
        .state
        .data()
        .filter(|list| list.len() > 1)
        .map(|list| {
            html! { <BoardNav boards={list.clone()} current={props.id.clone()} /> }
        });

    let heading = match &board.state {
        FetchState::Ready(b) => html! {
            <>
                <h1 class="board-title">{ b.title.clone() }<UntranslatedMark translations={b.translations.clone()} title={b.title.clone()} /></h1>
                <p class="board-subtitle">
                    <span class="board-unit">{ b.unit.name.clone() }</span>
                    <span class="board-period">{ range_label(b.from, b.to) }</span>
                </p>
                if !b.description.is_empty() {
                    <p class="board-description">{ b.description.clone() }</p>
                }
            </>
        },
        _ => html! {
            <p class="board-subtitle">
                <span class="board-period">{ range_label(f.from, f.to) }</span>
            </p>
        },
    };

    let on_select = {
        let handle = handle.clone();
        Callback::from(move |kpi: String| handle.toggle_kpi(&kpi))
    };
    let tiles = match &board.state {
        FetchState::Loading => html! { <TileSkeletons /> },
        FetchState::Failed(error) if error.is_forbidden() => {
            // The same board and period, for the unit the user may see.
            let home_query = f.clone().with_unit(&home_unit).with_kpi(None).to_query();
            html! {
                <OutsideJurisdiction
                    error={error.clone()}
                    home={Route::Board { id: props.id.to_string() }}
                    home_query={AttrValue::from(home_query)}
                />
            }
        }
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={board.retry()} /> }
        }
        FetchState::Ready(b) => html! {
            <TileGrid board={b.clone()} selected={f.kpi.clone().map(AttrValue::from)} {on_select}
                headlines={headlines.state.data().cloned().unwrap_or_default()} />
        },
    };

    // The detail needs only the KPI's definition, so it stays open while the board reloads.
    let detail = f.kpi.as_ref().map(|id| {
        let on_close = {
            let handle = handle.clone();
            Callback::from(move |()| handle.close_kpi())
        };
        // The list is polled: until its first answer a spinner, and a failed poll is retried by
        // the next one.
        match &kpis.state {
            FetchState::Loading | FetchState::Failed(_) => html! { <Loading /> },
            FetchState::Ready(list) => match list.kpis.iter().find(|k| &k.id == id) {
                Some(kpi) => html! {
                    <KpiDetail kpi={kpi.clone()} filters={f.clone()} {on_close} reloads={kpis.reloads} bands={bands.clone()} />
                },
                None => html! {
                    <div class="notice kpi-missing">
                        <p>{ t(Text::KpiUnknown) }</p>
                        <button type="button" class="close" onclick={move |_| on_close.emit(())}>
                            { t(Text::Close) }
                        </button>
                    </div>
                },
            },
        }
    });

    let filters_bar = {
        let (on_from, on_to, on_period, on_grain) = {
            let (h1, h2, h3, h4) = (
                handle.clone(),
                handle.clone(),
                handle.clone(),
                handle.clone(),
            );
            (
                Callback::from(move |d| h1.set_from(d)),
                Callback::from(move |d| h2.set_to(d)),
                Callback::from(move |p| h3.set_period(p)),
                Callback::from(move |g| h4.set_grain(g)),
            )
        };
        html! {
            <section class="filters" aria-label={t(Text::Filters)}>
                { unit_field }
                <PeriodPicker from={f.from} to={f.to} {on_from} {on_to} {on_period} />
                <GrainPicker selected={f.grain} on_change={on_grain} />
            </section>
        }
    };

    // The events shaded on the charts, and a form to mark one for this unit.
    let events = annotations.state.data().map(|list| {
        let retry = annotations.retry();
        html! {
            <EventsPanel unit={f.unit.clone()} events={list.clone()} day={f.to}
                on_change={Callback::from(move |()| retry.emit(()))} />
        }
    });
    html! {
        <ContextProvider<FiltersHandle> context={handle.clone()}>
            <div class="page board-page" data-board={props.id.clone()}>
                <header class="topbar">
                    <span class="brand">{ t(Text::AppTitle) }</span>
                    { for board_nav }
                    <UserMenu />
                </header>
                { filters_bar }
                <main class="board">
                    <div class="board-heading">
                        { for breadcrumb }
                        { heading }
                    </div>
                    { tiles }
                    { for detail }
                    { for events }
                </main>
                <AppFooter />
            </div>
        </ContextProvider<FiltersHandle>>
    }
}
