use std::rc::Rc;

use kpi_api::Unit;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::i18n::{t, Text};
use crate::logic::units::tree_order;

#[derive(Properties, PartialEq)]
pub struct UnitPickerProps {
    pub units: Rc<Vec<Unit>>,
    pub selected: AttrValue,
    /// Called with the chosen unit's id.
    pub on_change: Callback<String>,
}

/// A select of every unit, indented by its depth in the tree (`select.unit-picker`).
#[component]
pub fn UnitPicker(props: &UnitPickerProps) -> Html {
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            on_change.emit(e.target_unchecked_into::<HtmlSelectElement>().value());
        })
    };
    html! {
        <label class="field field-unit">
            <span class="field-label">{ t(Text::Unit) }</span>
            <select class="unit-picker" {onchange}>
                { for tree_order(&props.units).into_iter().map(|(depth, unit)| {
                    // Non-breaking spaces: a select shows no other indentation.
                    let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
                    html! {
                        <option
                            value={unit.id.clone()}
                            selected={unit.id == props.selected.as_str()}
                            data-depth={depth.to_string()}
                        >
                            { format!("{indent}{}", unit.name) }
                        </option>
                    }
                }) }
            </select>
        </label>
    }
}
