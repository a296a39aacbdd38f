use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{AppFooter, UserMenu};
use crate::i18n::{t, Text};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct ExperimentFrameProps {
    /// The page's own class (`experiment-page`, `experiment-form-page`).
    pub class: AttrValue,
    /// The experiment shown, for `[data-experiment]`.
    #[prop_or_default]
    pub experiment: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// The frame of an experiment's pages: the top bar, a way back to the list (`a.back-link`), the
/// page in `main.experiment`, and the footer.
#[component]
pub fn ExperimentFrame(props: &ExperimentFrameProps) -> Html {
    html! {
        <div class={classes!("page", props.class.to_string())} data-experiment={props.experiment.clone()}>
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="experiment">
                <Link<Route> to={Route::Experiments} classes="back-link">{ t(Text::OpenExperiments) }</Link<Route>>
                { props.children.clone() }
            </main>
            <AppFooter />
        </div>
    }
}
