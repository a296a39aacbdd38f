use std::rc::Rc;

use kpi_api::BoardSummary;
use yew::prelude::*;

use super::QueryLink;
use crate::hooks::FiltersHandle;
use crate::i18n::{t, Text};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct BoardNavProps {
    pub boards: Rc<Vec<BoardSummary>>,
    pub current: AttrValue,
}

/// Links to every board (`nav.board-nav a.board-link`), keeping unit, period and grain.
#[component]
pub fn BoardNav(props: &BoardNavProps) -> Html {
    let Some(handle) = use_context::<FiltersHandle>() else {
        return Html::default();
    };
    // Another board may not carry the open KPI.
    let query = AttrValue::from(handle.filters().clone().with_kpi(None).to_query());
    html! {
        <nav class="board-nav" aria-label={t(Text::Boards)}>
            { for props.boards.iter().map(|board| {
                let current = board.id == props.current.as_str();
                html! {
                    <QueryLink
                        to={Route::Board { id: board.id.clone() }}
                        query={query.clone()}
                        class={classes!("board-link", current.then_some("active"))}
                    >
                        { board.title.clone() }
                    </QueryLink>
                }
            }) }
        </nav>
    }
}
