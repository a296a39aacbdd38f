use yew::prelude::*;
use yew_router::prelude::*;

use super::QueryLink;
use crate::hooks::use_session;
use crate::i18n::{t, Text};
use crate::logic::session::{home_board, split_target};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct NotAllowedProps {
    /// Who may use the page instead.
    pub message: AttrValue,
}

/// A page this user's role may not use (`.notice.not-allowed`): who may, and the way to the user's
/// home board (`a.home-board`).
#[component]
pub fn NotAllowed(props: &NotAllowedProps) -> Html {
    let home_unit = use_session().and_then(|session| session.home_unit());
    let home = home_board(home_unit.as_deref());
    let (path, query) = split_target(&home);
    let to = Route::recognize(path).unwrap_or(Route::Home);
    html! {
        <div class="notice not-allowed" role="alert">
            <div>
                <strong>{ t(Text::NotAllowedTitle) }</strong>
                <p>{ props.message.clone() }</p>
            </div>
            <QueryLink {to} query={AttrValue::from(query.to_string())} class="button home-board">
                { t(Text::OpenHomeBoard) }
            </QueryLink>
        </div>
    }
}
