use std::rc::Rc;

use crate::i18n::format;
use kpi_api::league::{League, Versus};
use kpi_api::Measure;
use yew::prelude::*;

use super::{QueryLink, StatusMarker};
use crate::hooks::FiltersHandle;
use crate::i18n::{kind_name, league_parent, status_name, t, versus_name, Text};
use crate::logic::league::{highlights, sorted, versus_code, SortKey};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct LeagueTableProps {
    pub league: Rc<League>,
    /// The measure values are shown in (per 1,000 residents for a per-head table).
    pub measure: Measure,
    /// Units that have units below them: their names open their own league table.
    pub has_children: Rc<Vec<String>>,
}

fn versus_icon(v: Versus) -> &'static str {
    match v {
        Versus::Better => "▲",
        Versus::Worse => "▼",
        Versus::Alike => "≈",
        Versus::Unknown => "?",
    }
}

/// The children of a unit ranked on one KPI (`table.league-table`), one row each
/// (`tr.league-row[data-unit][data-versus]`): rank, name (opening that unit's own table when it
/// has units below), value with its 95% interval, the size behind it, whether it differs from the
/// unit above (in words and a sign, never colour alone), status, and a link to its board
/// (`a.league-board-link`). Columns sort by rank, name and size (`button.sort[data-key]`). The
/// best and the worst are marked only when the difference is real (`data-highlight`).
#[component]
pub fn LeagueTable(props: &LeagueTableProps) -> Html {
    let sort = use_state(|| (SortKey::Rank, false));
    let Some(handle) = use_context::<FiltersHandle>() else {
        return Html::default();
    };
    let league = &props.league;
    let measure = props.measure;
    let (best, worst) = highlights(&league.rows);
    let (key, descending) = *sort;
    let header = |label: &'static str, this: SortKey, class: &'static str| {
        let sort = sort.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            let (key, descending) = *sort;
            sort.set((this, key == this && !descending));
        });
        let aria = if key == this {
            if descending {
                "descending"
            } else {
                "ascending"
            }
        } else {
            "none"
        };
        html! {
            <th scope="col" class={class} aria-sort={aria}>
                <button type="button" class="sort" data-key={format!("{this:?}").to_lowercase()} {onclick}>
                    { label }
                    <span class="sort-mark" aria-hidden="true">{ if key == this { if descending { " ↓" } else { " ↑" } } else { "" } }</span>
                </button>
            </th>
        }
    };
    let rows = sorted(&league.rows, key, descending).into_iter().map(|r| {
        let id = r.unit.id.clone();
        let highlight = if best.as_deref() == Some(id.as_str()) {
            Some("best")
        } else if worst.as_deref() == Some(id.as_str()) {
            Some("worst")
        } else {
            None
        };
        let board_query = handle.filters().clone().with_unit(&id).with_kpi(Some(league.kpi.clone())).to_query();
        let league_query = handle.filters().clone().with_unit(&id).to_query();
        let interval = match (r.low, r.high) {
            (Some(l), Some(h)) => format!("{} – {}", format::value(Some(l), measure), format::value(Some(h), measure)),
            _ => String::new(),
        };
        html! {
            <tr class="league-row" data-unit={id.clone()} data-versus={versus_code(r.versus)} data-highlight={highlight}>
                <td class="num league-rank">{ r.rank.map(format::int).unwrap_or_default() }</td>
                <th scope="row" class="league-name">
                    if props.has_children.contains(&id) {
                        <QueryLink to={handle.route().clone()} query={league_query} class="league-drill">{ r.unit.name.clone() }</QueryLink>
                    } else {
                        { r.unit.name.clone() }
                    }
                    <span class="unit-kind">{ kind_name(r.unit.kind) }</span>
                    if let Some(h) = highlight {
                        <span class={classes!("league-mark", format!("league-{h}"))}>
                            { if h == "best" { t(Text::LeagueBest) } else { t(Text::LeagueWorst) } }
                        </span>
                    }
                </th>
                <td class="num league-value">{ format::value(r.value, measure) }</td>
                <td class="num league-interval">{ interval }</td>
                <td class="num league-volume">{ r.volume.map(|v| format::decimal(v, 0)).unwrap_or_default() }</td>
                <td class={classes!("league-versus", format!("versus-{}", versus_code(r.versus)))}>
                    <span aria-hidden="true">{ versus_icon(r.versus) }</span>{ " " }{ versus_name(r.versus) }
                </td>
                <td class="league-status">
                    <StatusMarker status={r.status} />
                    <span class="status-text">{ status_name(r.status) }</span>
                </td>
                <td>
                    <QueryLink to={Route::Board { id: "overview".into() }} query={board_query} class="league-board-link">
                        { t(Text::LeagueOpenBoard) }
                    </QueryLink>
                </td>
            </tr>
        }
    });
    html! {
        <table class="league-table">
            <thead>
                <tr>
                    { header(t(Text::LeagueRank), SortKey::Rank, "num") }
                    { header(t(Text::ColumnUnit), SortKey::Name, "") }
                    <th scope="col" class="num">{ t(Text::ColumnValue) }</th>
                    <th scope="col" class="num">{ t(Text::LeagueInterval) }</th>
                    { header(t(Text::LeagueSize), SortKey::Volume, "num") }
                    <th scope="col">{ t(Text::LeagueAgainst) }</th>
                    <th scope="col">{ t(Text::ColumnStatus) }</th>
                    <th scope="col"><span class="visually-hidden">{ t(Text::LeagueBoard) }</span></th>
                </tr>
            </thead>
            <tbody>{ for rows }</tbody>
            <tfoot>
                <tr class="league-parent">
                    <td></td>
                    <th scope="row" colspan="7">
                        { league_parent(&league.unit.name, &format::value(league.parent_value, measure)) }
                    </th>
                </tr>
            </tfoot>
        </table>
    }
}
