use yew::prelude::*;

use crate::api;
use crate::components::Loading;
use crate::hooks::{use_fetch, FetchState};
use crate::logic::filters::DataRange;

/// The server's version, as the footer shows it; empty when the server could not say.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServerVersion(pub AttrValue);

/// The server's today for 12-week plans (which can differ from the browser's: the server may run
/// plans as of another date); None when the server could not say.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct ServerToday(pub Option<chrono::NaiveDate>);

#[derive(Properties, PartialEq)]
pub struct HealthProviderProps {
    #[prop_or_default]
    pub children: Html,
}

/// Asks the server once per sign-in (`GET /api/health`) and shares what every page needs from the
/// answer: the days it has data for, so the default period and the date pickers follow the data as
/// new exports are imported, its version for the footer, and its today for plans. Until the answer comes a spinner
/// shows; if the server cannot say, the seed range is used and the board shows the server's own
/// error. It sits inside `RequireSession`: without a session the server reports no data range.
#[component]
pub fn HealthProvider(props: &HealthProviderProps) -> Html {
    let health = use_fetch((), |()| api::health());
    let (range, version, today) = match &health.state {
        FetchState::Loading => return html! { <Loading /> },
        FetchState::Ready(h) => (
            DataRange::from_server(h.data_from, h.data_to),
            ServerVersion(AttrValue::from(h.version.clone())),
            ServerToday(Some(h.today)),
        ),
        FetchState::Failed(_) => (
            DataRange::default(),
            ServerVersion::default(),
            ServerToday::default(),
        ),
    };
    html! {
        <ContextProvider<DataRange> context={range}>
            <ContextProvider<ServerVersion> context={version}>
                <ContextProvider<ServerToday> context={today}>
                    { props.children.clone() }
                </ContextProvider<ServerToday>>
            </ContextProvider<ServerVersion>>
        </ContextProvider<DataRange>>
    }
}
