use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{AppFooter, KpiEditor, NotAllowed, UserMenu};
use crate::hooks::use_session;
use crate::i18n::{edit_title, page_title, t, Text};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct EditorPageProps {
    /// The KPI to edit (`/editor/{id}`); None for a new one (`/editor`).
    #[prop_or_default]
    pub id: Option<AttrValue>,
    pub route: Route,
}

/// The KPI editor (`/editor`, `/editor/{id}`, `.editor-page`) for analysts and administrators;
/// anyone else is told it is not for them (`.not-allowed`) and shown the way to their home board.
#[component]
pub fn EditorPage(props: &EditorPageProps) -> Html {
    let info = use_session().and_then(|session| session.info());
    let heading = match &props.id {
        Some(id) => edit_title(id),
        None => t(Text::NewKpi).to_string(),
    };
    use_effect_with(heading.clone(), |heading| {
        gloo::utils::document().set_title(&page_title(heading));
    });

    let body = match info {
        Some(info) if info.role.writes_sql() => html! {
            <KpiEditor id={props.id.clone()} route={props.route.clone()} />
        },
        _ => html! { <NotAllowed message={t(Text::EditorNotAllowed)} /> },
    };

    html! {
        <div class="page editor-page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="editor">
                <h1 class="editor-title">{ heading }</h1>
                { body }
            </main>
            <AppFooter />
        </div>
    }
}
