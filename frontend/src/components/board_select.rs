use std::rc::Rc;

use kpi_api::BoardSummary;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::i18n::{t, Text};

#[derive(Properties, PartialEq)]
pub struct BoardSelectProps {
    pub boards: Rc<Vec<BoardSummary>>,
    /// A board id, or empty for none.
    pub selected: AttrValue,
    /// Called with the chosen board's id, or an empty text for none.
    pub on_change: Callback<String>,
    #[prop_or_default]
    pub node_ref: NodeRef,
}

/// A board to put a KPI on when it is saved (`select[name=board]`, `value=""` for none).
#[component]
pub fn BoardSelect(props: &BoardSelectProps) -> Html {
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            on_change.emit(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    html! {
        <label class="field field-board">
            <span class="field-label">{ t(Text::Board) }</span>
            <select name="board" class="board-select" ref={props.node_ref.clone()} {onchange}>
                <option value="" selected={props.selected.is_empty()}>{ t(Text::NoBoard) }</option>
                { for props.boards.iter().map(|board| html! {
                    <option value={board.id.clone()} selected={board.id == props.selected.as_str()}>
                        { board.title.clone() }
                    </option>
                }) }
            </select>
        </label>
    }
}
