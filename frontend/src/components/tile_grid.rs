use std::rc::Rc;

use kpi_api::Board;
use yew::prelude::*;

use super::{ExperimentHeadline, TileCard};
use crate::i18n::{range_label, t, Text};

#[derive(Properties, PartialEq)]
pub struct TileGridProps {
    pub board: Rc<Board>,
    /// The KPI whose detail is open.
    pub selected: Option<AttrValue>,
    pub on_select: Callback<String>,
    /// Experiments' headline effects, shown on the tiles of the KPIs they watch.
    #[prop_or_default]
    pub headlines: Rc<Vec<ExperimentHeadline>>,
}

/// The board's tiles in a responsive grid (`.tiles`).
#[component]
pub fn TileGrid(props: &TileGridProps) -> Html {
    let board = &props.board;
    if board.tiles.is_empty() {
        return html! { <p class="empty">{ t(Text::BoardEmpty) }</p> };
    }
    let previous = AttrValue::from(range_label(board.previous_from, board.previous_to));
    let year_ago = AttrValue::from(range_label(board.year_ago_from, board.year_ago_to));
    html! {
        <section class="tiles" data-board={board.id.clone()} data-unit={board.unit.id.clone()}>
            { for board.tiles.iter().map(|tile| {
                let selected = props.selected.as_deref() == Some(tile.kpi.id.as_str());
                html! {
                    <TileCard
                        key={tile.kpi.id.clone()}
                        tile={tile.clone()}
                        previous={previous.clone()}
                        year_ago={year_ago.clone()}
                        {selected}
                        on_select={props.on_select.clone()}
                        headlines={props.headlines.iter().filter(|h| h.kpi == tile.kpi.id).cloned().collect::<Vec<_>>()}
                    />
                }
            }) }
        </section>
    }
}
