use kpi_api::LoginRequest;
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api::{self, FetchError};
use crate::components::AppFooter;
use crate::hooks::use_session;
use crate::i18n::{page_title, t, Text};
use crate::logic::session::landing;
use crate::navigate_to;

/// What to tell someone whose sign-in failed. A wrong name or password gets this app's sentence;
/// anything else (being rate limited says how long to wait) the server's own.
fn login_error(error: &FetchError) -> String {
    match error.code() {
        Some("bad_credentials") => t(Text::BadCredentials).to_string(),
        _ => error.message(),
    }
}

/// The sign-in page (`/login?next=...`): `form.login-form` with `input[name=user]`,
/// `input[name=password]` and a submit button; a refusal shows in `.login-error`. Signing in keeps
/// the session and opens `next` when it is a path on this site, else the user's home board.
#[component]
pub fn LoginPage() -> Html {
    let session = use_session();
    let navigator = use_navigator();
    let query = use_location()
        .map(|location| location.query_str().to_string())
        .unwrap_or_default();
    let user_input = use_node_ref();
    let password_input = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    use_effect_with((), |()| {
        gloo::utils::document().set_title(&page_title(t(Text::SignIn)));
    });

    let onsubmit = {
        let (user_input, password_input) = (user_input.clone(), password_input.clone());
        let (busy, error) = (busy.clone(), error.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            // Read the fields now rather than on every keystroke: a password manager fills them
            // in without typing.
            let value = |input: &NodeRef| {
                input
                    .cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            let request = LoginRequest {
                user: value(&user_input).trim().to_string(),
                password: value(&password_input),
            };
            if request.user.is_empty() || request.password.is_empty() {
                error.set(Some(t(Text::CredentialsMissing).to_string()));
                return;
            }
            busy.set(true);
            error.set(None);
            let (session, navigator, query) = (session.clone(), navigator.clone(), query.clone());
            let (busy, error, password_input) =
                (busy.clone(), error.clone(), password_input.clone());
            spawn_local(async move {
                match api::login(&request).await {
                    Ok(info) => {
                        let target = landing(&query, info.home_unit.as_deref());
                        // The session first: the page opened next asks for it.
                        if let Some(session) = &session {
                            session.signed_in(info);
                        }
                        if let Some(navigator) = &navigator {
                            navigate_to(navigator, &target);
                        }
                    }
                    Err(e) => {
                        if let Some(input) = password_input.cast::<HtmlInputElement>() {
                            input.set_value("");
                            let _ = input.focus();
                        }
                        error.set(Some(login_error(&e)));
                        busy.set(false);
                    }
                }
            });
        })
    };

    html! {
        <div class="page login-page">
            <header class="topbar">
                <span class="brand">{ t(Text::AppTitle) }</span>
            </header>
            <main class="login">
                <form class="login-form" {onsubmit} novalidate=true>
                    <h1>{ t(Text::SignInTitle) }</h1>
                    <label class="field">
                        <span class="field-label">{ t(Text::UserName) }</span>
                        <input
                            type="text"
                            name="user"
                            autocomplete="username"
                            autocapitalize="none"
                            spellcheck="false"
                            required=true
                            ref={user_input}
                        />
                    </label>
                    <label class="field">
                        <span class="field-label">{ t(Text::Password) }</span>
                        <input
                            type="password"
                            name="password"
                            autocomplete="current-password"
                            required=true
                            ref={password_input}
                        />
                    </label>
                    if let Some(message) = &*error {
                        <p class="login-error" role="alert">{ message.clone() }</p>
                    }
                    <button type="submit" class="button sign-in" disabled={*busy}>
                        { if *busy { t(Text::SigningIn) } else { t(Text::SignIn) } }
                    </button>
                </form>
            </main>
            <AppFooter />
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn server(status: u16, code: &str, message: &str) -> FetchError {
        FetchError::Server {
            status,
            code: code.to_string(),
            message: message.to_string(),
            args: Default::default(),
        }
    }

    #[test]
    fn a_wrong_password_reads_as_such_and_a_rate_limit_keeps_the_servers_words() {
        assert_eq!(
            login_error(&server(401, "bad_credentials", "bad credentials")),
            t(Text::BadCredentials)
        );
        assert_eq!(
            login_error(&server(
                429,
                "rate_limited",
                "Too many attempts: wait 5 minutes."
            )),
            "Too many attempts: wait 5 minutes."
        );
        assert_eq!(
            login_error(&FetchError::Status(502)),
            "The server answered with status 502."
        );
    }
}
