use yew::prelude::*;

use crate::api;
use crate::components::Loading;
use crate::hooks::{use_fetch, FetchState};
use crate::logic::filters::DataRange;

#[derive(Properties, PartialEq)]
pub struct DataRangeProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Asks the server which days it has data for and shares that range with everything below, so
/// the default period and the date pickers follow the data as new exports are imported. Until the
/// answer comes a spinner shows; if the server cannot say, the seed range is used and the board
/// shows the server's own error.
#[component]
pub fn DataRangeProvider(props: &DataRangeProviderProps) -> Html {
    let health = use_fetch((), |()| api::health());
    let range = match &health.state {
        FetchState::Loading => return html! { <Loading /> },
        FetchState::Ready(h) => DataRange::from_server(h.data_from, h.data_to),
        FetchState::Failed(_) => DataRange::default(),
    };
    html! {
        <ContextProvider<DataRange> context={range}>
            { props.children.clone() }
        </ContextProvider<DataRange>>
    }
}
