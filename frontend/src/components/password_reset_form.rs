use kpi_api::PasswordReset;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{signed_in, use_session};
use crate::i18n::{t, Text};

#[derive(Properties, PartialEq)]
pub struct PasswordResetFormProps {
    /// Whose password this sets.
    pub user: AttrValue,
    /// Called with the user's name once the server has taken the new password.
    pub on_done: Callback<String>,
}

/// A new password for one user (`form.password-reset[data-user]` with `input[name=password]`),
/// sent as `POST /api/users/{name}/password`. The server's refusal (a password too short) shows in
/// `.form-error`.
#[component]
pub fn PasswordResetForm(props: &PasswordResetFormProps) -> Html {
    let session = use_session();
    let input = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let onsubmit = {
        let (input, busy, error) = (input.clone(), busy.clone(), error.clone());
        let user = props.user.clone();
        let on_done = props.on_done.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let Some(field) = input.cast::<HtmlInputElement>() else {
                return;
            };
            let password = field.value();
            if *busy {
                return;
            }
            if password.is_empty() {
                error.set(Some(t(Text::PasswordMissing).to_string()));
                return;
            }
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (busy, error, user, on_done) =
                (busy.clone(), error.clone(), user.clone(), on_done.clone());
            spawn_local(async move {
                let reset = PasswordReset { password };
                match api::reset_password(&csrf, &user, &reset).await {
                    Ok(()) => {
                        field.set_value("");
                        busy.set(false);
                        on_done.emit(user.to_string());
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
        <form class="password-reset" data-user={props.user.clone()} {onsubmit} novalidate=true>
            <input
                type="password"
                name="password"
                autocomplete="new-password"
                aria-label={t(Text::NewPassword)}
                ref={input}
            />
            <button type="submit" class="button" disabled={*busy}>{ t(Text::SetPassword) }</button>
            if let Some(message) = &*error {
                <p class="form-error" role="alert">{ message.clone() }</p>
            }
        </form>
    }
}
