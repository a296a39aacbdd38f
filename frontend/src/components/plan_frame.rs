use yew::prelude::*;
use yew_router::prelude::*;

use crate::components::{AppFooter, UserMenu};
use crate::i18n::{t, Text};
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct PlanFrameProps {
    /// The page's own class (`plan-page`, `new-plan-page`).
    pub class: AttrValue,
    /// The plan shown, for `[data-plan]`.
    #[prop_or_default]
    pub plan: Option<AttrValue>,
    #[prop_or_default]
    pub children: Html,
}

/// The frame of a plan's pages: the top bar, a way back to the plans (`a.plans-back-link`), the
/// page in `main.plan-main`, and the footer.
#[component]
pub fn PlanFrame(props: &PlanFrameProps) -> Html {
    html! {
        <div class={classes!("page", props.class.to_string())} data-plan={props.plan.clone()}>
            <header class="topbar">
                <Link<Route> to={Route::Home} classes="brand">{ t(Text::AppTitle) }</Link<Route>>
                <UserMenu />
            </header>
            <main class="plan-main">
                <nav class="plan-back">
                    <Link<Route> to={Route::Plans} classes="plans-back-link">{ t(Text::OpenPlans) }</Link<Route>>
                </nav>
                { props.children.clone() }
            </main>
            <AppFooter />
        </div>
    }
}
