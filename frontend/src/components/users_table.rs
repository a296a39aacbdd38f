use std::rc::Rc;

use kpi_api::{Unit, UserInfo};
use yew::prelude::*;

use super::PasswordResetForm;
use crate::i18n::{role_name, t, timestamp_label, Text};

#[derive(Properties, PartialEq)]
pub struct UsersTableProps {
    pub users: Rc<Vec<UserInfo>>,
    /// To name home units; an id shows as is while they load.
    pub units: Rc<Vec<Unit>>,
    /// A user's password was set: their name.
    pub on_password_set: Callback<String>,
}

/// Every user, one row each (`tr.user-row[data-user={name}][data-role={role}]`), with a form to
/// set a new password (`form.password-reset`).
#[component]
pub fn UsersTable(props: &UsersTableProps) -> Html {
    if props.users.is_empty() {
        return html! { <p class="empty">{ t(Text::NoUsers) }</p> };
    }
    let unit_name = |id: &Option<String>| match id {
        None => t(Text::EveryUnit).to_string(),
        Some(id) => props
            .units
            .iter()
            .find(|unit| &unit.id == id)
            .map_or_else(|| id.clone(), |unit| unit.name.clone()),
    };
    html! {
        <table class="users-table">
            <thead>
                <tr>
                    <th scope="col">{ t(Text::UserName) }</th>
                    <th scope="col">{ t(Text::DisplayName) }</th>
                    <th scope="col">{ t(Text::Role) }</th>
                    <th scope="col">{ t(Text::HomeUnit) }</th>
                    <th scope="col">{ t(Text::CreatedAt) }</th>
                    <th scope="col">{ t(Text::PasswordChangedAt) }</th>
                    <th scope="col">{ t(Text::NewPassword) }</th>
                </tr>
            </thead>
            <tbody>
                { for props.users.iter().map(|user| html! {
                    <tr
                        class="user-row"
                        key={user.name.clone()}
                        data-user={user.name.clone()}
                        data-role={user.role.as_str()}
                    >
                        <th scope="row" class="user-name">{ user.name.clone() }</th>
                        <td class="user-display-name">{ user.display_name.clone() }</td>
                        <td class="user-role">{ role_name(user.role) }</td>
                        <td class="user-home-unit" data-unit={user.home_unit.clone()}>
                            { unit_name(&user.home_unit) }
                        </td>
                        <td class="user-created">{ timestamp_label(&user.created_at) }</td>
                        <td class="user-password-changed">
                            { timestamp_label(&user.password_changed_at) }
                        </td>
                        <td>
                            <PasswordResetForm
                                user={user.name.clone()}
                                on_done={props.on_password_set.clone()}
                            />
                        </td>
                    </tr>
                }) }
            </tbody>
        </table>
    }
}
