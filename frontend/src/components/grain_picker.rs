use kpi_api::Grain;
use web_sys::HtmlSelectElement;
use yew::prelude::*;

use crate::i18n::{grain_name, t, Text};

#[derive(Properties, PartialEq)]
pub struct GrainPickerProps {
    pub selected: Grain,
    pub on_change: Callback<Grain>,
}

/// A select of week, month, quarter, year (`select.grain-picker`, option values as in the URL).
#[component]
pub fn GrainPicker(props: &GrainPickerProps) -> Html {
    let onchange = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(grain) = Grain::parse(&value) {
                on_change.emit(grain);
            }
        })
    };
    html! {
        <label class="field field-grain">
            <span class="field-label">{ t(Text::Grain) }</span>
            <select class="grain-picker" {onchange}>
                { for Grain::ALL.into_iter().map(|grain| html! {
                    <option value={grain.as_str()} selected={grain == props.selected}>
                        { grain_name(grain) }
                    </option>
                }) }
            </select>
        </label>
    }
}
