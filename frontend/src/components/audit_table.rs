use std::rc::Rc;

use kpi_api::AuditEntry;
use yew::prelude::*;

use crate::i18n::{audit_action_name, t, timestamp_label, Text};
use crate::logic::admin::newest_first;

#[derive(Properties, PartialEq)]
pub struct AuditTableProps {
    pub entries: Rc<Vec<AuditEntry>>,
}

/// The audit log, newest first (`table.audit-table`, rows `tr.audit-row[data-action][data-id]`).
#[component]
pub fn AuditTable(props: &AuditTableProps) -> Html {
    if props.entries.is_empty() {
        return html! { <p class="empty">{ t(Text::NoAudit) }</p> };
    }
    html! {
        <table class="audit-table">
            <thead>
                <tr>
                    <th scope="col">{ t(Text::ColumnAt) }</th>
                    <th scope="col">{ t(Text::ColumnActor) }</th>
                    <th scope="col">{ t(Text::ColumnAction) }</th>
                    <th scope="col">{ t(Text::ColumnDetail) }</th>
                    <th scope="col">{ t(Text::ColumnIp) }</th>
                </tr>
            </thead>
            <tbody>
                { for newest_first(&props.entries).into_iter().map(|entry| html! {
                    <tr
                        class="audit-row"
                        key={entry.id}
                        data-id={entry.id.to_string()}
                        data-action={entry.action.clone()}
                    >
                        <td class="audit-at">
                            <time datetime={entry.at.clone()}>{ timestamp_label(&entry.at) }</time>
                        </td>
                        <td class="audit-actor">
                            { entry.actor.clone().unwrap_or_else(|| t(Text::ServerActor).to_string()) }
                        </td>
                        <td class="audit-action">{ audit_action_name(&entry.action) }</td>
                        <td class="audit-detail">{ entry.detail.clone() }</td>
                        <td class="audit-ip">{ entry.ip.clone().unwrap_or_default() }</td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
