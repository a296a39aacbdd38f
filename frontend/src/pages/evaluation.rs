use std::collections::HashSet;
use std::rc::Rc;

use crate::i18n::format;
use kpi_api::evaluation::{Evaluation, Scheme, Scorecard, Subjects};
use kpi_api::Unit;
use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use crate::api;
use crate::components::{ErrorBox, Loading, OutsideJurisdiction, QueryLink, ReviewFrame};
use crate::hooks::{use_fetch, use_filters, FetchState, FiltersHandle};
use crate::i18n::{page_title, scheme_scope, t, Text};
use crate::logic::evaluation::{computation, evaluation_csv, points, subject_name};
use crate::logic::export::{data_url, file_name};
use crate::logic::filters::{iso, parse_date, query_unit, query_value};
use crate::logic::units::qualified_name;
use crate::logic::url::encode_component;
use crate::Route;

/// The evaluation schemes the user may open (`/evaluations`, `.evaluations-page`), one link each
/// (`a.evaluation-link[data-scheme]`) to its scorecards at the user's unit.
#[component]
pub fn EvaluationsPage() -> Html {
    let handle = use_filters(Route::Evaluations);
    let f = handle.filters().clone();
    let from = use_location().and_then(|l| query_day(l.query_str()));
    let schemes = use_fetch((), |()| api::evaluations());
    let units = use_fetch((), |()| api::units());
    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::EvaluationsTitle)));
    });
    let body = match &schemes.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={schemes.retry()} /> }
        }
        FetchState::Ready(list) if list.schemes.is_empty() => {
            html! { <p class="empty">{ t(Text::EvaluationsNone) }</p> }
        }
        FetchState::Ready(list) => html! {
            <ul class="scheme-list">
                { for list.schemes.iter().map(|s| {
                    let at = s.unit.clone().unwrap_or_default();
                    let unit = units
                        .state
                        .data()
                        .map_or_else(|| at.clone(), |u| qualified_name(u, &at));
                    let mut query = format!("unit={}", encode_component(&at));
                    if let Some(day) = from {
                        query.push_str(&format!("&from={}", iso(day)));
                    }
                    html! {
                        <li class="scheme" data-scheme={s.id.clone()}>
                            <QueryLink to={Route::Evaluation { id: s.id.clone() }} {query} class="evaluation-link">
                                { s.title.clone() }
                            </QueryLink>
                            <p class="scheme-scope">{ scheme_scope(s.subjects, &unit, s.period) }</p>
                            <p class="scheme-description">{ s.description.clone() }</p>
                        </li>
                    }
                }) }
            </ul>
        },
    };
    html! {
        <ReviewFrame handle={handle.clone()} class="evaluations-page" title={t(Text::EvaluationsTitle)}
            units={None::<Rc<Vec<Unit>>>} from={f.from} to={f.to}>
            { body }
        </ReviewFrame>
    }
}

#[derive(Properties, PartialEq)]
pub struct EvaluationPageProps {
    pub id: AttrValue,
}

/// The day `?from=` names, if any.
fn query_day(query: &str) -> Option<chrono::NaiveDate> {
    query_value(query, "from").and_then(|v| parse_date(&v))
}

/// The key of a card in the page's URL (`?employee=`) and in its rows (`data-card`).
fn card_key(card: &Scorecard) -> String {
    match &card.employee {
        Some(name) => format!("{}/{name}", card.unit.id),
        None => card.unit.id.clone(),
    }
}

/// A scheme's scorecards (`/evaluations/{id}?unit=&from=[&employee=]`, `.evaluation-page`): one
/// row per head or employee (`tr.scorecard[data-card]`), ranked, with each KPI's score and the
/// total; a row's button (`button.score-how`) shows how every score came from the data. An
/// employee's name opens their card alone, the last step of the drill-down from the region (the
/// breadcrumb ends with them); a department's name narrows to its staff; a head's name opens
/// their unit's board. Downloads as CSV for HR (`a.download-evaluation`).
#[component]
pub fn EvaluationPage(props: &EvaluationPageProps) -> Html {
    let route = Route::Evaluation {
        id: props.id.to_string(),
    };
    let handle = use_filters(route.clone());
    let f = handle.filters().clone();
    let query = use_location()
        .map(|l| l.query_str().to_string())
        .unwrap_or_default();
    let asked_unit = query_unit(&query);
    // The period is the scheme's: `from` only picks which one (the server's default is the last
    // whole one with data), so the board's default range does not stand in for it.
    let asked_from = query_day(&query);
    let employee = query_value(&query, "employee");
    let navigator = use_navigator();
    let units = use_fetch((), |()| api::units());
    let evaluation = use_fetch(
        (props.id.clone(), asked_unit.clone(), asked_from),
        |(id, unit, from)| async move { api::evaluation(&id, unit.as_deref(), from).await },
    );
    let open = use_state(HashSet::<String>::new);
    {
        let title = evaluation
            .state
            .data()
            .map(|e| e.scheme.title.clone())
            .unwrap_or_else(|| t(Text::EvaluationsTitle).to_string());
        use_effect_with(title, |title| {
            gloo::utils::document().set_title(&page_title(title));
        });
    }
    // The server chose the unit (when the link names none) and the period (the scheme's that
    // holds `from`): the URL says them (replacing it, so Back is not caught), so the breadcrumb
    // and every link below keep them.
    {
        let chosen = evaluation
            .state
            .data()
            .map(|e| (e.unit.id.clone(), e.from, e.to));
        let asked = (asked_unit.clone(), asked_from);
        let (route, f, navigator, employee) = (
            route.clone(),
            f.clone(),
            navigator.clone(),
            employee.clone(),
        );
        use_effect_with((chosen, asked), move |(chosen, (unit, from))| {
            if let (Some((id, start, end)), Some(navigator)) = (chosen, navigator) {
                if unit.as_ref() != Some(id) || *from != Some(*start) {
                    let mut query = f.with_unit(id).with_period((*start, *end)).to_query();
                    if let Some(key) = &employee {
                        query.push_str(&format!("&employee={}", encode_component(key)));
                    }
                    let Ok(()) = navigator.replace_with_query(&route, Raw(query));
                }
            }
        });
    }
    let body = match &evaluation.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.is_forbidden() => html! {
            <OutsideJurisdiction error={error.clone()} home={Route::Evaluations} home_query={AttrValue::from("")} />
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={evaluation.retry()} /> }
        }
        FetchState::Ready(e) => {
            let name = |id: &str| -> String {
                units
                    .state
                    .data()
                    .map_or_else(|| id.to_string(), |list| qualified_name(list, id))
            };
            let shown: Vec<&Scorecard> = e
                .cards
                .iter()
                .filter(|c| employee.as_ref().is_none_or(|k| card_key(c) == *k))
                .collect();
            let csv = evaluation_csv(e);
            let file = file_name(&[
                "evaluation",
                &e.scheme.id,
                &e.unit.id,
                &iso(e.from),
                &iso(e.to),
            ]);
            html! {
                <>
                    <p class="scheme-scope">{ scheme_scope(e.scheme.subjects, &name(&e.unit.id), e.scheme.period) }</p>
                    <p class="scheme-description">{ e.scheme.description.clone() }</p>
                    if employee.is_some() {
                        <p><QueryLink to={route.clone()} query={f.to_query()} class="all-staff">
                            { t(Text::ScoreAllStaff) }
                        </QueryLink></p>
                    }
                    if shown.is_empty() {
                        <p class="empty">{ t(Text::ScoreNoCards) }</p>
                    } else {
                        <ScoreTable evaluation={e.clone()} cards={shown.into_iter().cloned().collect::<Vec<_>>()}
                            handle={handle.clone()} units={units.state.data().cloned()}
                            expanded={employee.is_some()} open={open.clone()} />
                    }
                    <a class="download-csv download-evaluation" href={data_url(&csv)} download={file}>
                        { t(Text::DownloadCsv) }
                    </a>
                    <p class="league-note">{ t(Text::EvaluationsNote) }</p>
                </>
            }
        }
    };
    let (from, to) = evaluation
        .state
        .data()
        .map_or((f.from, f.to), |e| (e.from, e.to));
    let leaf = employee.as_ref().and_then(|k| {
        k.split_once('/')
            .map(|(_, name)| AttrValue::from(name.to_string()))
    });
    html! {
        <ReviewFrame handle={handle.clone()} class="evaluation-page"
            title={evaluation.state.data().map_or_else(|| t(Text::EvaluationsTitle).to_string(), |e| e.scheme.title.clone())}
            units={units.state.data().cloned()} {leaf} {from} {to}>
            { body }
        </ReviewFrame>
    }
}

#[derive(Properties, PartialEq)]
struct ScoreTableProps {
    evaluation: Rc<Evaluation>,
    cards: Vec<Scorecard>,
    handle: FiltersHandle,
    units: Option<Rc<Vec<Unit>>>,
    /// Every card's computation shown (one employee's page).
    expanded: bool,
    open: UseStateHandle<HashSet<String>>,
}

/// The ranked cards, each KPI's score in its column, and under a card, when opened, how each
/// score was computed.
#[component]
fn ScoreTable(props: &ScoreTableProps) -> Html {
    let e = &props.evaluation;
    let scheme: &Scheme = &e.scheme;
    let f = props.handle.filters().clone();
    let route = props.handle.route().clone();
    let name = |id: &str| -> String {
        props
            .units
            .as_ref()
            .map_or_else(|| id.to_string(), |list| qualified_name(list, id))
    };
    let columns = 5 + scheme.kpis.len();
    html! {
        <table class="scorecards">
            <thead><tr>
                <th scope="col" class="num">{ t(Text::LeagueRank) }</th>
                <th scope="col">{ t(Text::ScoreSubject) }</th>
                <th scope="col">{ t(Text::ScoreUnit) }</th>
                { for scheme.kpis.iter().map(|k| html! {
                    <th scope="col" class="num" title={format!("{} ({:.0}%)", k.title, k.weight)}>
                        { k.title.clone() }<br /><span class="score-weight">{ format!("{:.0}%", k.weight) }</span>
                    </th>
                }) }
                <th scope="col" class="num">{ t(Text::ScoreTotal) }</th>
                <th scope="col" class="score-how-cell">{ t(Text::ScoreComputation) }</th>
            </tr></thead>
            <tbody>
                { for props.cards.iter().map(|card| {
                    let key = card_key(card);
                    let shown = props.expanded || props.open.contains(&key);
                    let toggle = {
                        let (open, key) = (props.open.clone(), key.clone());
                        Callback::from(move |_: MouseEvent| {
                            let mut next = (*open).clone();
                            if !next.remove(&key) {
                                next.insert(key.clone());
                            }
                            open.set(next);
                        })
                    };
                    let subject = match scheme.subjects {
                        Subjects::Staff => {
                            // The employee's page sits under their department: the breadcrumb
                            // then runs region, city, district, department, employee.
                            let query = format!(
                                "{}&employee={}",
                                f.clone().with_unit(&card.unit.id).to_query(),
                                encode_component(&key)
                            );
                            html! { <QueryLink to={route.clone()} {query} class="card-subject">{ subject_name(card) }</QueryLink> }
                        }
                        Subjects::Heads => {
                            let query = f.clone().with_unit(&card.unit.id).to_query();
                            html! {
                                <QueryLink to={Route::Board { id: "overview".into() }} {query} class="card-subject">
                                    { subject_name(card) }
                                </QueryLink>
                            }
                        }
                    };
                    let unit = match scheme.subjects {
                        Subjects::Staff => {
                            let query = f.clone().with_unit(&card.unit.id).to_query();
                            html! { <QueryLink to={route.clone()} {query} class="card-unit">{ name(&card.unit.id) }</QueryLink> }
                        }
                        Subjects::Heads => html! { { name(&card.unit.id) } },
                    };
                    let detail_id = format!("card-{}", key.replace(['/', ' ', '.'], "-"));
                    html! {
                        <>
                            <tr class="scorecard" data-card={key.clone()}>
                                <td class="num">{ card.rank.map(format::int).unwrap_or_default() }</td>
                                <th scope="row">{ subject }</th>
                                <td>{ unit }</td>
                                { for scheme.kpis.iter().zip(&card.lines).map(|(k, l)| html! {
                                    <td class="num score-cell" data-kpi={k.kpi.clone()} title={computation(k, l)}>
                                        { l.score.map(|s| format!("{s:.0}")).unwrap_or_else(|| "—".to_string()) }
                                        <br /><span class="score-value">{ format::value(l.value, k.measure) }</span>
                                    </td>
                                }) }
                                <td class="num score-total">
                                    { card.total.map(|s| format!("{s:.1}")).unwrap_or_else(|| t(Text::ScoreNoTotal).to_string()) }
                                </td>
                                <td class="score-how-cell">
                                    <button type="button" class="score-how" aria-expanded={shown.to_string()}
                                        aria-controls={detail_id.clone()} onclick={toggle}>
                                        { t(Text::ScoreHow) }
                                    </button>
                                </td>
                            </tr>
                            if shown {
                                <tr class="score-detail" id={detail_id}>
                                    <td colspan={columns.to_string()}>
                                        <ScoreLines card={card.clone()} scheme={scheme.clone()} />
                                    </td>
                                </tr>
                            }
                        </>
                    }
                }) }
            </tbody>
        </table>
    }
}

#[derive(Properties, PartialEq)]
struct ScoreLinesProps {
    card: Scorecard,
    scheme: Scheme,
}

/// One card's computation: per KPI the value with its rows and interval, the target and where it
/// comes from, the floor, the score's formula, the weight and the points; then the total.
#[component]
fn ScoreLines(props: &ScoreLinesProps) -> Html {
    let card = &props.card;
    html! {
        <table class="score-lines">
            <thead><tr>
                <th scope="col">{ t(Text::AgendaKpi) }</th>
                <th scope="col" class="num">{ t(Text::ScoreValue) }</th>
                <th scope="col" class="num">{ t(Text::LeagueInterval) }</th>
                <th scope="col" class="num">{ t(Text::ScoreRows) }</th>
                <th scope="col" class="num">{ t(Text::ScoreTarget) }</th>
                <th scope="col" class="num">{ t(Text::ScoreFloor) }</th>
                <th scope="col">{ t(Text::ScoreScore) }</th>
                <th scope="col">{ t(Text::ScorePoints) }</th>
            </tr></thead>
            <tbody>
                { for props.scheme.kpis.iter().zip(&card.lines).map(|(k, l)| {
                    let interval = match (l.low, l.high) {
                        (Some(low), Some(high)) => format!(
                            "{} – {}",
                            format::value(Some(low), k.measure),
                            format::value(Some(high), k.measure)
                        ),
                        _ => String::new(),
                    };
                    html! {
                        <tr class="score-line" data-kpi={k.kpi.clone()}>
                            <th scope="row">{ k.title.clone() }</th>
                            <td class="num">{ format::value(l.value, k.measure) }</td>
                            <td class="num">{ interval }</td>
                            <td class="num">{ l.rows.map(|r| format!("{r:.0}")).unwrap_or_default() }</td>
                            <td class="num" title={l.target_source.clone()}>
                                { l.target.map(|v| format::value(Some(v), k.measure)).unwrap_or_default() }
                                <br /><span class="target-source">{ l.target_source.clone() }</span>
                            </td>
                            <td class="num">{ l.floor.map(|v| format::value(Some(v), k.measure)).unwrap_or_default() }</td>
                            <td class="score-formula">{ computation(k, l) }</td>
                            <td class="score-points">{ points(card, l) }</td>
                        </tr>
                    }
                }) }
            </tbody>
            <tfoot><tr>
                <th scope="row" colspan="7">{ t(Text::ScoreTotal) }</th>
                <td class="score-total">
                    { card.total.map(|s| format!("{s:.1}")).unwrap_or_else(|| t(Text::ScoreNoTotal).to_string()) }
                </td>
            </tr></tfoot>
        </table>
    }
}
