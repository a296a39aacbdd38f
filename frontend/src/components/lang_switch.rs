use gloo::storage::{LocalStorage, Storage};
use yew::prelude::*;

use crate::i18n::{self, Lang};
use crate::logic::lang::{choose, STORAGE_KEY};

#[derive(Properties, PartialEq)]
pub struct LocalizedProps {
    pub children: Children,
}

/// Speaks the chosen language below it: sets [`i18n::set_lang`], `<html lang dir>` (Persian is
/// mirrored right to left), and renders its children afresh when the language changes. Offers
/// the switcher (`nav.lang-switch`, `button[data-lang]`) above every page, signed in or not.
/// The choice is remembered in the browser; until one is made the home unit's language (from the
/// session) or the browser's decides.
#[component]
pub fn Localized(props: &LocalizedProps) -> Html {
    let session = crate::hooks::use_session();
    let home = session
        .as_ref()
        .and_then(|s| s.info())
        .and_then(|info| info.lang)
        .map(Lang::from);
    // Stored as the bare code (`fa`), not as JSON.
    let chosen = use_state(|| LocalStorage::raw().get_item(STORAGE_KEY).ok().flatten());
    let lang = choose(chosen.as_deref(), home, &browser_languages());
    i18n::set_lang(lang);
    use_effect_with(lang, |lang| {
        if let Some(root) = gloo::utils::document().document_element() {
            let _ = root.set_attribute("lang", lang.code());
            let _ = root.set_attribute("dir", lang.dir());
        }
    });

    let buttons = Lang::ALL.into_iter().map(|option| {
        let chosen = chosen.clone();
        let onclick = Callback::from(move |_: MouseEvent| {
            // A browser that refuses storage still switches, for this visit.
            let _ = LocalStorage::raw().set_item(STORAGE_KEY, option.code());
            chosen.set(Some(option.code().to_string()));
        });
        html! {
            <button
                type="button"
                class={classes!("lang-option", (option == lang).then_some("active"))}
                lang={option.code()}
                data-lang={option.code()}
                aria-pressed={(option == lang).to_string()}
                {onclick}
            >{ option.own_name() }</button>
        }
    });
    html! {
        // The key makes a change of language mount the app below afresh, so nothing keeps
        // words or dates of the language before.
        <div class="localized" key={lang.code()}>
            <nav class="lang-switch" aria-label={i18n::t(i18n::Text::Language)}>{ for buttons }</nav>
            { props.children.clone() }
        </div>
    }
}

/// `navigator.languages`, the browser's languages in order of preference.
fn browser_languages() -> Vec<String> {
    gloo::utils::window()
        .navigator()
        .languages()
        .iter()
        .filter_map(|code| code.as_string())
        .collect()
}
