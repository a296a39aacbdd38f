use kpi_api::KpiLoadError;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{
    AppFooter, ErrorBox, Loading, PassportFields, QueryLink, UntranslatedMark, UserMenu,
};
use crate::hooks::{use_fetch, use_session, FetchState};
use crate::i18n::{location_label, page_title, t, Text};
use crate::logic::filters::{query_unit, unit_query, DEFAULT_UNIT};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct PassportPageProps {
    /// The KPI's id.
    pub id: AttrValue,
}

/// `FILE, line N, column C: message`, as the server locates a file's error.
fn load_error_text(error: &KpiLoadError) -> String {
    match location_label(error.line, error.column) {
        Some(at) => format!("{}, {at}: {}", error.file, error.message),
        None => format!("{}: {}", error.file, error.message),
    }
}

/// A KPI's passport (`/kpis/{id}?unit=`, `.passport-page[data-kpi]`): what it measures and how
/// (`dl.passport-fields`), its formula (`pre.passport-sql`) and whole file, the boards that show
/// it (`ul.passport-boards li a`, each for the unit in the link or else the user's home unit), and
/// the error of its latest edit when that did not load (`.passport-error`). Analysts and
/// administrators get a link to edit it (`a.kpi-edit-link`).
#[component]
pub fn PassportPage(props: &PassportPageProps) -> Html {
    let session = use_session();
    let info = session.as_ref().and_then(|session| session.info());
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    // The unit the boards open on: the link's, else the user's home unit.
    let unit = query_unit(&query)
        .or_else(|| info.as_ref().and_then(|info| info.home_unit.clone()))
        .unwrap_or_else(|| DEFAULT_UNIT.to_string());
    let passport = use_fetch(props.id.clone(), |id| async move {
        api::kpi_passport(&id).await
    });

    {
        let title = match &passport.state {
            FetchState::Ready(p) => p.def.title.clone(),
            _ => t(Text::KpiPassport).to_string(),
        };
        use_effect_with(title, |title| {
            gloo::utils::document().set_title(&page_title(title));
        });
    }

    let query = AttrValue::from(unit_query(&unit));
    let may_edit = info.is_some_and(|info| info.role.writes_sql());
    let body = match &passport.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.code() == Some("not_found") => html! {
            <div class="notice kpi-missing" role="alert">
                <p>{ t(Text::KpiUnknown) }</p>
                <Link<Route> to={Route::Home} classes="button">{ t(Text::OpenOverview) }</Link<Route>>
            </div>
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={passport.retry()} /> }
        }
        FetchState::Ready(p) => {
            let def = &p.def;
            let boards = if p.boards.is_empty() {
                html! { <p class="empty passport-no-boards">{ t(Text::OnNoBoard) }</p> }
            } else {
                html! {
                    <ul class="passport-boards">
                        { for p.boards.iter().map(|board| html! {
                            <li data-board={board.id.clone()}>
                                <QueryLink to={Route::Board { id: board.id.clone() }} query={query.clone()} class="board-link-passport">
                                    { board.title.clone() }
                                </QueryLink>
                            </li>
                        }) }
                    </ul>
                }
            };
            html! {
                <article class="passport" data-kpi={def.id.clone()}>
                    <header class="passport-header">
                        <div>
                            <p class="passport-kicker">{ t(Text::KpiPassport) }</p>
                            <h1 class="passport-title">{ def.title.clone() }<UntranslatedMark translations={def.translations.clone()} title={def.title.clone()} /></h1>
                            if !def.description.is_empty() {
                                <p class="passport-description">{ def.description.clone() }</p>
                            }
                        </div>
                        if may_edit {
                            <QueryLink to={Route::EditKpi { id: def.id.clone() }} query={query.clone()} class="button kpi-edit-link">
                                { t(Text::EditKpi) }
                            </QueryLink>
                        }
                    </header>
                    if let Some(error) = &p.error {
                        <div class="error-box passport-error" role="alert">
                            <strong class="error-title">{ t(Text::PassportError) }</strong>
                            <p class="error-message">{ load_error_text(error) }</p>
                        </div>
                    }
                    <section class="passport-section">
                        <PassportFields passport={p.clone()} />
                    </section>
                    <section class="passport-section">
                        <h2>{ t(Text::Formula) }</h2>
                        <pre class="passport-sql">{ def.sql.clone() }</pre>
                        <details class="passport-file">
                            <summary>{ t(Text::WholeFile) }</summary>
                            <pre class="passport-text">{ p.text.clone() }</pre>
                        </details>
                    </section>
                    <section class="passport-section">
                        <h2>{ t(Text::ShownOnBoards) }</h2>
                        { boards }
                    </section>
                </article>
            }
        }
    };

    html! {
        <div class="page passport-page" data-kpi={props.id.clone()}>
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="passport-main">{ body }</main>
            <AppFooter />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_load_error_reads_as_the_server_locates_it() {
        let error = KpiLoadError {
            file: "a.sql".to_string(),
            line: Some(4),
            column: Some(2),
            message: "syntax error".to_string(),
        };
        assert_eq!(
            load_error_text(&error),
            "a.sql, line 4, column 2: syntax error"
        );
        let nowhere = KpiLoadError {
            line: None,
            column: None,
            ..error
        };
        assert_eq!(load_error_text(&nowhere), "a.sql: syntax error");
    }
}
