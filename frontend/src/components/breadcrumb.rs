use std::rc::Rc;

use kpi_api::Unit;
use yew::prelude::*;

use super::QueryLink;
use crate::hooks::FiltersHandle;
use crate::i18n::{kind_name, t, Text};
use crate::logic::units::path_to;

#[derive(Properties, PartialEq)]
pub struct BreadcrumbProps {
    pub units: Rc<Vec<Unit>>,
    /// The unit shown; the trail runs from its root down to it.
    pub current: AttrValue,
    /// A step below the unit (an employee): the trail ends with it, and the unit links too.
    #[prop_or_default]
    pub leaf: Option<AttrValue>,
}

/// The path from the root unit to the one shown (`nav.breadcrumb`); each ancestor links to its own
/// board with the same period, grain and open KPI.
#[component]
pub fn Breadcrumb(props: &BreadcrumbProps) -> Html {
    let Some(handle) = use_context::<FiltersHandle>() else {
        return Html::default();
    };
    let path = path_to(&props.units, &props.current);
    let last = match props.leaf {
        Some(_) => path.len(),
        None => path.len().saturating_sub(1),
    };
    html! {
        <nav class="breadcrumb" aria-label={t(Text::UnitPath)}>
            <ol>
                { for path.into_iter().enumerate().map(|(i, unit)| {
                    let kind = kind_name(unit.kind);
                    if i == last {
                        html! {
                            <li class="crumb crumb-current" aria-current="page" title={kind}>
                                { unit.name.clone() }
                            </li>
                        }
                    } else {
                        let query = handle.filters().clone().with_unit(&unit.id).to_query();
                        html! {
                            <li class="crumb" title={kind}>
                                <QueryLink to={handle.route().clone()} query={query} class="crumb-link">
                                    { unit.name.clone() }
                                </QueryLink>
                            </li>
                        }
                    }
                }) }
                if let Some(leaf) = &props.leaf {
                    <li class="crumb crumb-current crumb-leaf" aria-current="page">{ leaf.clone() }</li>
                }
            </ol>
        </nav>
    }
}
