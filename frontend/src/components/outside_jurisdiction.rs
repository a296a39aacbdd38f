use yew::prelude::*;

use super::QueryLink;
use crate::api::FetchError;
use crate::i18n::{t, Text};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct OutsideJurisdictionProps {
    /// The server's 403 `forbidden`, whose message names the unit.
    pub error: FetchError,
    /// The user's home board.
    pub home: Route,
    /// Its query, without `?`.
    pub home_query: AttrValue,
}

/// A board asked for a unit outside the user's jurisdiction
/// (`.error-box.outside-jurisdiction`): trying again cannot help, so it offers the way home
/// (`a.home-board`) instead of a Retry.
#[component]
pub fn OutsideJurisdiction(props: &OutsideJurisdictionProps) -> Html {
    html! {
        <div class="error-box outside-jurisdiction" role="alert" data-error-code={props.error.code().map(str::to_string)}>
            <strong class="error-title">{ t(Text::OutsideJurisdiction) }</strong>
            <p class="error-message">{ props.error.message() }</p>
            <QueryLink to={props.home.clone()} query={props.home_query.clone()} class="button home-board">
                { t(Text::OpenHomeBoard) }
            </QueryLink>
        </div>
    }
}
