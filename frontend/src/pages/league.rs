use std::rc::Rc;

use kpi_api::Measure;
use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{
    ErrorBox, FunnelPlot, LeagueTable, Loading, OutsideJurisdiction, ReviewFrame,
};
use crate::hooks::{use_fetch, use_filters, use_live_kpis, FetchState};
use crate::i18n::{interval_method_name, league_heading, page_title, t, Text};
use crate::logic::export::{data_url, file_name};
use crate::logic::filters::iso;
use crate::logic::league::league_csv;
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct LeaguePageProps {
    pub kpi: AttrValue,
}

/// A fair league table (`/league/{kpi}?unit=&from=&to=`, `.league-page[data-kpi]`): the units
/// below the chosen one ranked on a KPI with their intervals, the funnel plot, how the table was
/// made fair, and the table as CSV (`a.download-league`). A unit's name opens its own table (a
/// drill-down kept in the history, so Back returns); its board is one link away. Another KPI is
/// one choice away (`select.league-kpi`).
#[component]
pub fn LeaguePage(props: &LeaguePageProps) -> Html {
    let route = Route::League {
        kpi: props.kpi.to_string(),
    };
    let handle = use_filters(route);
    let f = handle.filters().clone();
    let navigator = use_navigator();
    let units = use_fetch((), |()| api::units());
    let kpis = use_live_kpis();
    let league = use_fetch(
        (props.kpi.clone(), f.unit.clone(), f.from, f.to),
        |(kpi, unit, from, to)| async move { api::kpi_league(&kpi, &unit, from, to).await },
    );
    let def = kpis.state.data().and_then(|list| {
        list.kpis
            .iter()
            .find(|k| k.id == props.kpi.as_str())
            .cloned()
    });
    {
        let title = def
            .as_ref()
            .map(|d| d.title.clone())
            .unwrap_or_else(|| t(Text::LeagueTitle).to_string());
        use_effect_with(title, |title| {
            gloo::utils::document().set_title(&page_title(title));
        });
    }

    let on_kpi = {
        let navigator = navigator.clone();
        let query = f.to_query();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            if let Some(navigator) = &navigator {
                let _ = navigator.push_with_query(
                    &Route::League {
                        kpi: select.value(),
                    },
                    yew_router::query::Raw(query.clone()),
                );
            }
        })
    };
    let kpi_choice = kpis.state.data().map(|list| {
        html! {
            <label class="field league-kpi-field">
                <span class="field-label">{ t(Text::LeagueChooseKpi) }</span>
                <select class="league-kpi" onchange={on_kpi}>
                    { for list.kpis.iter().map(|k| html! {
                        <option value={k.id.clone()} selected={k.id == props.kpi.as_str()}>{ k.title.clone() }</option>
                    }) }
                </select>
            </label>
        }
    });
    let has_children: Rc<Vec<String>> = Rc::new(
        units
            .state
            .data()
            .map(|list| {
                list.iter()
                    .filter_map(|u| u.parent_id.clone())
                    .collect::<std::collections::BTreeSet<_>>()
                    .into_iter()
                    .collect()
            })
            .unwrap_or_default(),
    );

    let body = match &league.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.is_forbidden() => html! {
            <OutsideJurisdiction error={error.clone()} home={Route::League { kpi: props.kpi.to_string() }}
                home_query={AttrValue::from("")} />
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={league.retry()} /> }
        }
        FetchState::Ready(l) if l.rows.is_empty() => {
            html! { <p class="empty league-empty">{ t(Text::LeagueNoChildren) }</p> }
        }
        FetchState::Ready(l) => {
            let measure = if l.per_capita {
                Measure::Per1000
            } else {
                def.as_ref().map_or(Measure::Count, |d| d.measure)
            };
            let csv = league_csv(
                l,
                [
                    t(Text::CsvRank),
                    t(Text::CsvUnitId),
                    t(Text::CsvUnit),
                    t(Text::CsvValue),
                    t(Text::CsvLow),
                    t(Text::CsvHigh),
                    t(Text::CsvVolume),
                    t(Text::CsvVersus),
                    t(Text::CsvStatus),
                ],
                &l.unit.name,
            );
            let name = file_name(&["league", &l.kpi, &l.unit.id, &iso(l.from), &iso(l.to)]);
            let on_open = {
                let navigator = navigator.clone();
                let filters = f.clone();
                let kpi = l.kpi.clone();
                Callback::from(move |unit: String| {
                    if let Some(navigator) = &navigator {
                        let query = filters
                            .clone()
                            .with_unit(&unit)
                            .with_kpi(Some(kpi.clone()))
                            .to_query();
                        let _ = navigator.push_with_query(
                            &Route::Board {
                                id: "overview".into(),
                            },
                            yew_router::query::Raw(query),
                        );
                    }
                })
            };
            html! {
                <>
                    <p class="league-note">
                        { l.note.clone() }
                        if l.per_capita {
                            { " " }<strong>{ t(Text::PerThousand) }</strong>
                        }
                        <span class="league-method" data-method={format!("{:?}", l.method).to_lowercase()}>
                            { format!(" ({})", interval_method_name(l.method)) }
                        </span>
                    </p>
                    <LeagueTable league={l.clone()} {measure} has_children={has_children.clone()} />
                    <a class="download-csv download-league" href={data_url(&csv)} download={name}>
                        { t(Text::DownloadCsv) }
                    </a>
                    <FunnelPlot league={l.clone()} {measure} {on_open} />
                </>
            }
        }
    };
    let heading = match (&def, &league.state) {
        (Some(d), FetchState::Ready(l)) => league_heading(&d.title, &l.unit.name),
        _ => t(Text::LeagueTitle).to_string(),
    };
    html! {
        <ReviewFrame handle={handle.clone()} class="league-page" title={heading}
            units={units.state.data().cloned()} filter={kpi_choice.unwrap_or_default()} from={f.from} to={f.to}>
            <div class="league-body" data-kpi={props.kpi.clone()}>{ body }</div>
        </ReviewFrame>
    }
}
