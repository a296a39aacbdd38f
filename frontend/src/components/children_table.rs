use std::rc::Rc;

use crate::i18n::format;
use kpi_api::{Children, Measure};
use yew::prelude::*;

use super::{QueryLink, StatusMarker};
use crate::hooks::FiltersHandle;
use crate::i18n::{kind_name, status_name, t, Text};

#[derive(Properties, PartialEq)]
pub struct ChildrenTableProps {
    pub children: Rc<Children>,
    pub measure: Measure,
}

/// The unit's children side by side on one KPI (`table.children-table`), with the unit's own
/// total. A row (`tr.child-row[data-unit={id}]`) opens that child's board: drill-down.
#[component]
pub fn ChildrenTable(props: &ChildrenTableProps) -> Html {
    let Some(handle) = use_context::<FiltersHandle>() else {
        return Html::default();
    };
    let children = &props.children;
    if children.children.is_empty() {
        return html! { <p class="empty children-empty">{ t(Text::NoChildren) }</p> };
    }
    let measure = props.measure;
    html! {
        <>
            <table class="children-table">
                <thead>
                    <tr>
                        <th scope="col">{ t(Text::ColumnUnit) }</th>
                        <th scope="col" class="num">{ t(Text::ColumnValue) }</th>
                        <th scope="col">{ t(Text::ColumnStatus) }</th>
                    </tr>
                </thead>
                <tbody>
                    { for children.children.iter().map(|child| {
                        let id = child.unit.id.clone();
                        let onclick = {
                            let handle = handle.clone();
                            let id = id.clone();
                            Callback::from(move |_: MouseEvent| handle.set_unit(&id))
                        };
                        let query = handle.filters().clone().with_unit(&id).to_query();
                        html! {
                            <tr class="child-row" data-unit={id} data-status={child.status.as_str()} {onclick}>
                                <th scope="row" class="child-name">
                                    <QueryLink to={handle.route().clone()} {query} class="child-link">
                                        { child.unit.name.clone() }
                                    </QueryLink>
                                    <span class="unit-kind">{ kind_name(child.unit.kind) }</span>
                                </th>
                                <td class="num child-value">{ format::value(child.value, measure) }</td>
                                <td class="child-status">
                                    <StatusMarker status={child.status} />
                                    <span class="status-text">{ status_name(child.status) }</span>
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
                <tfoot>
                    <tr class="total-row">
                        <th scope="row">{ t(Text::Total) }</th>
                        <td class="num total-value">{ format::value(children.total, measure) }</td>
                        <td></td>
                    </tr>
                </tfoot>
            </table>
            <p class="hint">{ t(Text::DrillDownHint) }</p>
        </>
    }
}
