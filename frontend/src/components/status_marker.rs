use kpi_api::Status;
use yew::prelude::*;

use crate::i18n::status_name;
use crate::logic::trend::status_class;

#[derive(Properties, PartialEq)]
pub struct StatusMarkerProps {
    pub status: Status,
}

/// A red, amber or green dot (class `status-marker status-{green|amber|red|none}`) with its meaning
/// for tooltips and screen readers.
#[component]
pub fn StatusMarker(props: &StatusMarkerProps) -> Html {
    let name = status_name(props.status);
    html! {
        <span
            class={classes!("status-marker", status_class(props.status))}
            data-status={props.status.as_str()}
            role="img"
            title={name}
            aria-label={name}
        ></span>
    }
}
