use std::rc::Rc;

use kpi_api::UserInfo;
use yew::prelude::*;

use super::{AuditTable, ErrorBox, Loading, NewUserForm, UsersTable};
use crate::api;
use crate::hooks::{use_fetch, FetchState};
use crate::i18n::{password_set, t, user_added, Text};
use crate::logic::admin::AUDIT_LIMIT;

/// The administrator's tools: the users (`table.users-table`) with a password reset per user,
/// the form to add one (`form.new-user-form`) and the audit log (`table.audit-table`, the latest
/// 200 entries). After a change the users and the log are fetched again and a note says what
/// was done (`.admin-notice`).
#[component]
pub fn UserAdmin() -> Html {
    // Bumped after every change, so the users and the audit log are asked for again.
    let generation = use_state(|| 0u32);
    let notice = use_state(|| None::<String>);
    let units = use_fetch((), |()| api::units());
    let users = use_fetch(*generation, |_| api::users());
    let audit = use_fetch(*generation, |_| api::audit(AUDIT_LIMIT));

    let changed = {
        let (generation, notice) = (generation.clone(), notice.clone());
        move |message: String| {
            notice.set(Some(message));
            generation.set(*generation + 1);
        }
    };
    let on_added = {
        let changed = changed.clone();
        Callback::from(move |user: UserInfo| changed(user_added(&user.name)))
    };
    let on_password_set = Callback::from(move |name: String| changed(password_set(&name)));

    let units_list = units
        .state
        .data()
        .cloned()
        .unwrap_or_else(|| Rc::new(Vec::new()));
    let users_table = match &users.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={users.retry()} /> }
        }
        FetchState::Ready(list) => html! {
            <UsersTable users={list.clone()} units={units_list.clone()} {on_password_set} />
        },
    };
    let new_user_form = match &units.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={units.retry()} /> }
        }
        FetchState::Ready(list) => html! { <NewUserForm units={list.clone()} {on_added} /> },
    };
    let audit_table = match &audit.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={audit.retry()} /> }
        }
        FetchState::Ready(entries) => html! { <AuditTable entries={entries.clone()} /> },
    };

    html! {
        <>
            if let Some(message) = &*notice {
                <p class="admin-notice" role="status">{ message.clone() }</p>
            }
            <section class="admin-section admin-users" aria-labelledby="admin-users-title">
                <h2 id="admin-users-title">{ t(Text::Users) }</h2>
                { users_table }
            </section>
            <section class="admin-section admin-new-user" aria-labelledby="admin-new-user-title">
                <h2 id="admin-new-user-title">{ t(Text::AddUser) }</h2>
                { new_user_form }
            </section>
            <section class="admin-section admin-audit" aria-labelledby="admin-audit-title">
                <h2 id="admin-audit-title">{ t(Text::AuditLog) }</h2>
                { audit_table }
            </section>
        </>
    }
}
