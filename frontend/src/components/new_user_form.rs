use std::rc::Rc;

use kpi_api::{Unit, UserInfo, UserRole};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{signed_in, use_session};
use crate::i18n::{role_name, t, Text};
use crate::logic::admin::{UserForm, UserFormProblem};
use crate::logic::units::tree_order;

#[derive(Properties, PartialEq)]
pub struct NewUserFormProps {
    /// The units a home unit is chosen from (an administrator's `GET /api/units`: all of them).
    pub units: Rc<Vec<Unit>>,
    /// Called with the user as the server stored them.
    pub on_added: Callback<UserInfo>,
}

/// The form's fields. They are read when the form is sent, not on every keystroke, so a value a
/// password manager filled in counts too.
#[derive(Clone)]
struct NewUserRefs {
    name: NodeRef,
    display_name: NodeRef,
    role: NodeRef,
    home_unit: NodeRef,
    password: NodeRef,
}

impl NewUserRefs {
    fn read(&self) -> UserForm {
        let input = |field: &NodeRef| {
            field
                .cast::<HtmlInputElement>()
                .map(|input| input.value())
                .unwrap_or_default()
        };
        let select = |field: &NodeRef| {
            field
                .cast::<HtmlSelectElement>()
                .map(|select| select.value())
                .unwrap_or_default()
        };
        UserForm {
            name: input(&self.name),
            display_name: input(&self.display_name),
            role: select(&self.role),
            home_unit: select(&self.home_unit),
            password: input(&self.password),
        }
    }

    /// Empties what was typed; the role and home unit stay for the next user, often a colleague.
    fn clear_typed(&self) {
        for field in [&self.name, &self.display_name, &self.password] {
            if let Some(input) = field.cast::<HtmlInputElement>() {
                input.set_value("");
            }
        }
    }
}

fn problem_text(problem: UserFormProblem) -> &'static str {
    t(match problem {
        UserFormProblem::NameMissing => Text::NameMissing,
        UserFormProblem::RoleUnknown => Text::RoleUnknown,
        UserFormProblem::HomeUnitMissing => Text::HomeUnitMissing,
        UserFormProblem::PasswordMissing => Text::PasswordMissing,
    })
}

/// Adds a user (`form.new-user-form` with `input[name=name]`, `input[name=display_name]`,
/// `select[name=role]`, `select[name=home_unit]` and `input[name=password]`) by
/// `POST /api/users`. What the form lacks, or the server's refusal (a name taken, a weak password),
/// shows in `.form-error`; the fields are cleared once the user is added.
#[component]
pub fn NewUserForm(props: &NewUserFormProps) -> Html {
    let session = use_session();
    let name = use_node_ref();
    let display_name = use_node_ref();
    let role = use_node_ref();
    let home_unit = use_node_ref();
    let password = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let onsubmit = {
        let refs = NewUserRefs {
            name: name.clone(),
            display_name: display_name.clone(),
            role: role.clone(),
            home_unit: home_unit.clone(),
            password: password.clone(),
        };
        let (busy, error) = (busy.clone(), error.clone());
        let on_added = props.on_added.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let new_user = match refs.read().to_new_user() {
                Ok(user) => user,
                Err(problem) => {
                    error.set(Some(problem_text(problem).to_string()));
                    return;
                }
            };
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_added, refs) =
                (busy.clone(), error.clone(), on_added.clone(), refs.clone());
            spawn_local(async move {
                match api::add_user(&csrf, &new_user).await {
                    Ok(user) => {
                        refs.clear_typed();
                        busy.set(false);
                        on_added.emit(user);
                    }
                    Err(e) => {
                        session.notice(&e);
                        busy.set(false);
                        error.set(Some(e.message()));
                    }
                }
            });
        })
    };

    html! {
        <form class="new-user-form" {onsubmit} novalidate=true>
            <label class="field">
                <span class="field-label">{ t(Text::UserName) }</span>
                <input type="text" name="name" autocomplete="off" autocapitalize="none"
                    spellcheck="false" required=true ref={name} />
            </label>
            <label class="field">
                <span class="field-label">{ t(Text::DisplayName) }</span>
                <input type="text" name="display_name" autocomplete="off"
                    placeholder={t(Text::DisplayNameHint)} ref={display_name} />
            </label>
            <label class="field">
                <span class="field-label">{ t(Text::Role) }</span>
                <select name="role" ref={role}>
                    // Defaults are marked: left to itself the browser chose the last option, as yew
                    // inserts a list's nodes last to first.
                    { for UserRole::ALL.into_iter().enumerate().map(|(i, role)| html! {
                        <option value={role.as_str()} selected={i == 0}>{ role_name(role) }</option>
                    }) }
                </select>
            </label>
            <label class="field">
                <span class="field-label">{ t(Text::HomeUnit) }</span>
                <select name="home_unit" ref={home_unit}>
                    <option value="" selected=true>{ t(Text::AllUnits) }</option>
                    { for tree_order(&props.units).into_iter().map(|(depth, unit)| {
                        // Non-breaking spaces: a select shows no other indentation.
                        let indent = "\u{a0}\u{a0}\u{a0}".repeat(depth);
                        html! {
                            <option value={unit.id.clone()}>{ format!("{indent}{}", unit.name) }</option>
                        }
                    }) }
                </select>
            </label>
            <label class="field">
                <span class="field-label">{ t(Text::Password) }</span>
                <input type="password" name="password" autocomplete="new-password" required=true
                    ref={password} />
            </label>
            <button type="submit" class="button add-user" disabled={*busy}>{ t(Text::AddUser) }</button>
            if let Some(message) = &*error {
                <p class="form-error" role="alert">{ message.clone() }</p>
            }
        </form>
    }
}
