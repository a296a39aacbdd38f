use crate::i18n::format;
use kpi_api::KpiDef;
use yew::prelude::*;

use super::Band;
use super::{ChildrenTable, ErrorBox, Loading, QueryLink, SeriesChart, UntranslatedMark};
use crate::api;
use crate::hooks::{use_live_fetch, use_session, FetchState};
use crate::i18n::{direction_name, t, target_label, Text};
use crate::logic::export::{children_csv, data_url, file_name, series_csv};
use crate::logic::filters::{iso, unit_query, Filters};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct KpiDetailProps {
    pub kpi: KpiDef,
    pub filters: Filters,
    pub on_close: Callback<()>,
    /// How many times the KPI files have been loaded again (see `use_live_kpis`): the series and
    /// the table follow an edited definition.
    #[prop_or_default]
    pub reloads: u64,
    /// Experiment windows under the unit, shaded on the chart.
    #[prop_or_default]
    pub bands: Vec<Band>,
}

/// A KPI opened from its tile (`section.kpi-detail[data-kpi={id}]`): its series over the period as a
/// chart and its value in each child unit as a table, each downloadable as CSV (`a.download-csv`),
/// a link to the fair league table of the units below (`a.league-link`), to its passport
/// (`a.passport-link`) and, for analysts and administrators, to edit it
/// (`a.kpi-edit-link`).
#[component]
pub fn KpiDetail(props: &KpiDetailProps) -> Html {
    let kpi = &props.kpi;
    let f = &props.filters;
    let may_edit = use_session()
        .and_then(|session| session.info())
        .is_some_and(|info| info.role.writes_sql());
    let series = use_live_fetch(
        (kpi.id.clone(), f.unit.clone(), f.from, f.to, f.grain),
        props.reloads,
        |(kpi, unit, from, to, grain)| async move {
            api::kpi_values(&kpi, &unit, from, to, (crate::i18n::calendar(), grain)).await
        },
    );
    let children = use_live_fetch(
        (kpi.id.clone(), f.unit.clone(), f.from, f.to),
        props.reloads,
        |(kpi, unit, from, to)| async move { api::kpi_children(&kpi, &unit, from, to).await },
    );

    // Bring the panel into view when another KPI is opened: it sits below the tiles.
    let panel = use_node_ref();
    {
        let panel = panel.clone();
        use_effect_with(kpi.id.clone(), move |_| {
            if let Some(element) = panel.cast::<web_sys::Element>() {
                element.scroll_into_view();
            }
        });
    }

    let chart = match &series.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={series.retry()} /> }
        }
        FetchState::Ready(data) => {
            let csv = series_csv(data, [t(Text::CsvPeriod), t(Text::CsvValue)]);
            let name = file_name(&[
                &kpi.id,
                &data.unit,
                &iso(data.from),
                &iso(data.to),
                data.grain.as_str(),
            ]);
            html! {
                <>
                    <SeriesChart series={data.clone()} kpi={kpi.clone()} bands={props.bands.clone()} />
                    <a class="download-csv download-series" href={data_url(&csv)} download={name}>
                        { t(Text::DownloadCsv) }
                    </a>
                </>
            }
        }
    };
    let table = match &children.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={children.retry()} /> }
        }
        FetchState::Ready(data) => {
            let csv = children_csv(
                data,
                [
                    t(Text::CsvUnitId),
                    t(Text::CsvUnit),
                    t(Text::CsvValue),
                    t(Text::CsvStatus),
                ],
                t(Text::Total),
            );
            let name = file_name(&[&kpi.id, &data.unit, &iso(data.from), &iso(data.to)]);
            html! {
                <>
                    <ChildrenTable children={data.clone()} measure={kpi.measure} />
                    if !data.children.is_empty() {
                        <a class="download-csv download-children" href={data_url(&csv)} download={name}>
                            { t(Text::DownloadCsv) }
                        </a>
                    }
                </>
            }
        }
    };

    // The target in force at the period's end for this unit (a rule of targets.csv may set it).
    let in_force = match series.state.data() {
        Some(data) if data.targets.len() == data.points.len() && !data.targets.is_empty() => {
            data.targets.last().copied().flatten()
        }
        _ => kpi.target,
    };
    let target = in_force
        .map(|target| target_label(&format::value(Some(target), kpi.measure)))
        .unwrap_or_else(|| t(Text::NoTarget).to_string());
    let on_close = props.on_close.clone();
    html! {
        <section class="kpi-detail" data-kpi={kpi.id.clone()} ref={panel} aria-labelledby="kpi-detail-title">
            <header class="detail-header">
                <div>
                    <h2 id="kpi-detail-title" class="detail-title">{ kpi.title.clone() }<UntranslatedMark translations={kpi.translations.clone()} title={kpi.title.clone()} /></h2>
                    <p class="detail-description">{ kpi.description.clone() }</p>
                    <p class="detail-meta">
                        <span>{ target }</span>
                        <span>{ direction_name(kpi.direction) }</span>
                    </p>
                    <p class="detail-links">
                        <QueryLink
                            to={Route::Passport { id: kpi.id.clone() }}
                            query={AttrValue::from(unit_query(&f.unit))}
                            class="passport-link"
                        >
                            { t(Text::KpiPassport) }
                        </QueryLink>
                        if may_edit {
                            // The editor previews the board's unit and period.
                            <QueryLink
                                to={Route::EditKpi { id: kpi.id.clone() }}
                                query={AttrValue::from(f.clone().with_kpi(None).to_query())}
                                class="kpi-edit-link"
                            >
                                { t(Text::EditKpi) }
                            </QueryLink>
                        }
                    </p>
                </div>
                <button type="button" class="close" onclick={move |_| on_close.emit(())}>
                    { t(Text::Close) }
                </button>
            </header>
            <div class="detail-body">
                <section class="detail-chart">
                    <h3>{ t(Text::OverTime) }</h3>
                    { chart }
                </section>
                <section class="detail-children">
                    <h3>{ t(Text::BySubordinateUnit) }</h3>
                    { table }
                    <QueryLink
                        to={Route::League { kpi: kpi.id.clone() }}
                        query={AttrValue::from(f.clone().with_kpi(None).to_query())}
                        class="league-link"
                    >
                        { t(Text::LeagueLink) }
                    </QueryLink>
                </section>
            </div>
        </section>
    }
}
