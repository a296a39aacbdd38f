//! Which language the interface speaks: the person's own choice when they made one (remembered in
//! the browser), else the language of their home unit (a Mashhad analyst gets Persian, a Perm
//! mayor Russian, whatever the computer's settings), else the first of the browser's languages
//! the app speaks, else English.

use crate::i18n::Lang;

/// The browser storage key that remembers the choice.
pub const STORAGE_KEY: &str = "kpiboard.lang";

/// The language to speak. `chosen` is the stored choice (an unreadable one counts as none),
/// `home` the home unit's language from the session, `browser` the browser's languages in order
/// of preference (`navigator.languages`).
pub fn choose(chosen: Option<&str>, home: Option<Lang>, browser: &[String]) -> Lang {
    chosen
        .and_then(Lang::parse)
        .or(home)
        .or_else(|| browser.iter().find_map(|code| Lang::parse(code)))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn langs(codes: &[&str]) -> Vec<String> {
        codes.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn a_stored_choice_wins_then_the_home_unit_then_the_browser() {
        let browser = langs(&["de-DE", "ru-RU", "en"]);
        assert_eq!(choose(Some("fa"), Some(Lang::Ru), &browser), Lang::Fa);
        assert_eq!(choose(None, Some(Lang::Fa), &browser), Lang::Fa);
        // German is not spoken: the first language the app speaks is Russian.
        assert_eq!(choose(None, None, &browser), Lang::Ru);
        assert_eq!(choose(None, None, &langs(&["fa-IR"])), Lang::Fa);
        assert_eq!(choose(None, None, &langs(&["de"])), Lang::En);
        assert_eq!(choose(None, None, &[]), Lang::En);
    }

    #[test]
    fn an_unreadable_stored_choice_counts_as_none() {
        assert_eq!(choose(Some("klingon"), Some(Lang::Ru), &[]), Lang::Ru);
        assert_eq!(choose(Some(""), None, &langs(&["RU"])), Lang::Ru);
    }
}
