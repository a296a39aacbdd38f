use yew::prelude::*;
use yew_router::prelude::*;
use yew_router::query::Raw;

use crate::Route;

#[derive(Properties, PartialEq)]
pub struct QueryLinkProps {
    pub to: Route,
    /// The query string, without `?`.
    pub query: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    #[prop_or_default]
    pub children: Html,
}

/// A real link (it can be opened in a new tab or copied) that navigates inside the app on a plain
/// click. The click does not reach enclosing rows, which navigate on their own.
#[component]
pub fn QueryLink(props: &QueryLinkProps) -> Html {
    let navigator = use_navigator();
    let href = if props.query.is_empty() {
        props.to.to_path()
    } else {
        format!("{}?{}", props.to.to_path(), props.query)
    };
    let onclick = {
        let to = props.to.clone();
        let query = props.query.clone();
        Callback::from(move |e: MouseEvent| {
            e.stop_propagation();
            if e.meta_key() || e.ctrl_key() || e.shift_key() || e.alt_key() || e.button() != 0 {
                return;
            }
            if let Some(navigator) = &navigator {
                e.prevent_default();
                let Ok(()) = navigator.push_with_query(&to, Raw(query.to_string()));
            }
        })
    };
    html! {
        <a class={props.class.clone()} {href} {onclick}>{ props.children.clone() }</a>
    }
}
