use kpi_api::experiment::StoredExperiment;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{AppFooter, ErrorBox, FileImport, ImportTarget, Loading, UserMenu};
use crate::hooks::{use_fetch, use_session, FetchState};
use crate::i18n::{date_label, page_title, t, Text};
use crate::logic::experiment_form::may_define;
use crate::Route;

/// The management experiments the user may read (`/experiments`, `.experiments-page`): a table
/// (`table.experiments-table`) of each experiment's title (a link to its page), its KPIs and
/// starts.
#[component]
pub fn ExperimentsPage() -> Html {
    let list = use_fetch((), |()| api::experiments(None));
    let defines = use_session()
        .and_then(|s| s.info())
        .is_some_and(|info| may_define(info.role));
    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::ExperimentsTitle)));
    });
    let row = |s: &StoredExperiment| {
        let e = &s.experiment;
        let mut starts: Vec<_> = e.treated.iter().map(|t| t.start).collect();
        starts.sort();
        starts.dedup();
        html! {
            <tr data-experiment={e.id.clone()}>
                <td><Link<Route> to={Route::Experiment { id: e.id.clone() }}>{ e.title.clone() }</Link<Route>></td>
                <td>{ e.kpis.join(", ") }</td>
                <td>{ starts.into_iter().map(date_label).collect::<Vec<_>>().join(", ") }</td>
            </tr>
        }
    };
    let body = match &list.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={list.retry()} /> }
        }
        FetchState::Ready(list) if list.is_empty() => {
            html! { <p class="empty">{ t(Text::NoExperiments) }</p> }
        }
        FetchState::Ready(list) => html! {
            <table class="experiments-table">
                <thead><tr>
                    <th scope="col">{ t(Text::ColumnExperiment) }</th>
                    <th scope="col">{ t(Text::WatchedKpi) }</th>
                    <th scope="col">{ t(Text::ColumnStarts) }</th>
                </tr></thead>
                <tbody>{ for list.iter().map(row) }</tbody>
            </table>
        },
    };
    html! {
        <div class="page experiments-page">
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="experiments">
                <div class="plans-heading">
                    <h1>{ t(Text::ExperimentsTitle) }</h1>
                    if defines {
                        <Link<Route> to={Route::NewExperiment} classes="button new-experiment">{ t(Text::NewExperiment) }</Link<Route>>
                    }
                </div>
                { body }
                <nav class="plan-exports">
                    <a class="button button-quiet export-experiments" download="experiments.json"
                        href={api::experiments_href()}>{ t(Text::DownloadExperiments) }</a>
                </nav>
                if defines {
                    <FileImport on_imported={list.retry()} target={ImportTarget::Experiments} />
                }
            </main>
            <AppFooter />
        </div>
    }
}
