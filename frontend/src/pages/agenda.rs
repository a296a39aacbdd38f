use crate::i18n::format;
use kpi_api::agenda::Agenda;
use yew::prelude::*;

use crate::api;
use crate::components::{
    ErrorBox, Loading, OutsideJurisdiction, QueryLink, ReviewFrame, StatusMarker, UnitPicker,
};
use crate::hooks::{use_fetch, use_filters, FetchState};
use crate::i18n::{agenda_count, page_title, range_label, status_name, t, versus_label, Text};
use crate::logic::export::{data_url, file_name};
use crate::logic::filters::iso;
use crate::logic::trend::change_tone;
use crate::logic::units::qualified_name;
use crate::Route;

/// The agenda as CSV: one line per item.
fn agenda_csv(agenda: &Agenda) -> String {
    use crate::logic::export::{line, number};
    let mut out = line(&[
        t(Text::CsvUnitId),
        t(Text::CsvUnit),
        t(Text::CsvKpi),
        t(Text::CsvValue),
        t(Text::CsvTarget),
        t(Text::CsvStatus),
        t(Text::CsvChange),
        t(Text::CsvOffTarget),
        t(Text::CsvOwner),
    ]);
    for i in &agenda.items {
        out.push_str(&line(&[
            &i.unit.id,
            &i.unit.name,
            &i.kpi,
            &number(i.value),
            &number(i.target),
            i.status.as_str(),
            &number(i.change),
            &number(i.off_target),
            i.owner.as_deref().unwrap_or_default(),
        ]));
    }
    out
}

/// A review meeting's agenda (`/agenda?unit=&from=&to=`, `.agenda-page`): under the unit, every
/// KPI that is red against its target or got worse than the period before, one row each
/// (`tr.agenda-item[data-unit][data-kpi][data-status]`), red first and the furthest off target
/// first, with who answers for it; a row opens that unit's board with the KPI open. Downloads
/// as CSV (`a.download-agenda`).
#[component]
pub fn AgendaPage() -> Html {
    let handle = use_filters(Route::Agenda);
    let f = handle.filters().clone();
    let units = use_fetch((), |()| api::units());
    let agenda = use_fetch(
        (f.unit.clone(), f.from, f.to),
        |(unit, from, to)| async move { api::agenda(&unit, from, to).await },
    );
    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::AgendaTitle)));
    });
    let unit_field = units.state.data().map(|list| {
        let handle = handle.clone();
        html! {
            <UnitPicker units={list.clone()} selected={f.unit.clone()}
                on_change={Callback::from(move |unit: String| handle.set_unit(&unit))} />
        }
    });
    let body = match &agenda.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.is_forbidden() => html! {
            <OutsideJurisdiction error={error.clone()} home={Route::Agenda} home_query={AttrValue::from("")} />
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={agenda.retry()} /> }
        }
        FetchState::Ready(a) if a.items.is_empty() => html! {
            <p class="empty agenda-empty">{ t(Text::AgendaEmpty) }</p>
        },
        FetchState::Ready(a) => {
            // Departments share names: each goes with its parent's ("Krymsk · Housing ...").
            let name = |id: &str| -> String {
                units
                    .state
                    .data()
                    .map_or_else(|| id.to_string(), |list| qualified_name(list, id))
            };
            let previous = range_label(a.previous_from, a.previous_to);
            let csv = agenda_csv(a);
            let file = file_name(&["agenda", &a.unit.id, &iso(a.from), &iso(a.to)]);
            html! {
                <>
                    <p class="agenda-count">{ agenda_count(a.items.len(), a.checked) }</p>
                    <table class="agenda-table">
                        <thead><tr>
                            <th scope="col" class="num">{ "#" }</th>
                            <th scope="col">{ t(Text::ColumnUnit) }</th>
                            <th scope="col">{ t(Text::AgendaKpi) }</th>
                            <th scope="col" class="num">{ t(Text::ColumnValue) }</th>
                            <th scope="col" class="num">{ t(Text::AgendaTarget) }</th>
                            <th scope="col">{ t(Text::ColumnStatus) }</th>
                            <th scope="col" class="num">{ versus_label(&previous) }</th>
                            <th scope="col">{ t(Text::AgendaOwner) }</th>
                        </tr></thead>
                        <tbody>
                            { for a.items.iter().enumerate().map(|(n, i)| {
                                let query = f.clone().with_unit(&i.unit.id).with_kpi(Some(i.kpi.clone())).to_query();
                                let tone = change_tone(i.change, i.measure, i.direction);
                                html! {
                                    <tr class="agenda-item" data-unit={i.unit.id.clone()} data-kpi={i.kpi.clone()} data-status={i.status.as_str()}>
                                        <td class="num">{ format::int((n + 1) as i64) }</td>
                                        <th scope="row">
                                            <QueryLink to={Route::Board { id: "overview".into() }} {query} class="agenda-link">
                                                { name(&i.unit.id) }
                                            </QueryLink>
                                        </th>
                                        <td>{ i.kpi_title.clone() }</td>
                                        <td class="num">{ format::value(i.value, i.measure) }</td>
                                        <td class="num">{ i.target.map(|v| format::value(Some(v), i.measure)).unwrap_or_default() }</td>
                                        <td class="agenda-status">
                                            <StatusMarker status={i.status} />
                                            <span class="status-text">{ status_name(i.status) }</span>
                                        </td>
                                        <td class={classes!("num", "agenda-change", tone.class())}>{ format::change(i.change, i.measure) }</td>
                                        <td class="agenda-owner">{ i.owner.clone().unwrap_or_default() }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    <a class="download-csv download-agenda" href={data_url(&csv)} download={file}>
                        { t(Text::DownloadCsv) }
                    </a>
                </>
            }
        }
    };
    html! {
        <ReviewFrame handle={handle.clone()} class="agenda-page" title={t(Text::AgendaTitle)}
            units={units.state.data().cloned()} filter={unit_field.unwrap_or_default()} from={f.from} to={f.to}>
            <p class="league-note">{ t(Text::AgendaNote) }</p>
            { body }
        </ReviewFrame>
    }
}
