//! Names and titles in the interface's language, put into the server's answers as they arrive,
//! so every screen, chart and CSV shows them without each knowing how.
//!
//! - A unit (an object with `name` and `local_name`) is named by its own-language name when the
//!   interface speaks that language (Пермь in Russian, مشهد in Persian), by its English name
//!   otherwise.
//! - A KPI, board or experiment (an object with `translations`) gets the title and description of
//!   the interface's language where it has them; [`untranslated`] tells a screen when it kept the
//!   default, so the screen can mark it.

use kpi_api::format::Locale;
use kpi_api::Translations;
use serde_json::Value;

/// Rewrites `value` (a whole answer) for `lang`. English answers are left as they are.
pub fn localize(value: &mut Value, lang: Locale) {
    match value {
        Value::Object(map) => {
            let own_name = match (map.get("name"), map.get("local_name")) {
                (Some(Value::String(_)), Some(Value::String(local)))
                    if Locale::of_script(local) == Some(lang) =>
                {
                    Some(local.clone())
                }
                _ => None,
            };
            if let Some(local) = own_name {
                map.insert("name".into(), Value::String(local));
            }
            let translated = map
                .get("translations")
                .and_then(|t| t.get(lang.as_str()))
                .cloned();
            if let Some(Value::Object(t)) = translated {
                for key in ["title", "description", "hypothesis", "intervention"] {
                    if let Some(Value::String(text)) = t.get(key) {
                        map.insert(key.into(), Value::String(text.clone()));
                    }
                }
            }
            // An item that names a KPI by title (an agenda line, an analysis) carries its titles.
            let kpi_title = map
                .get("kpi_translations")
                .and_then(|t| t.get(lang.as_str()))
                .and_then(|t| t.get("title"))
                .cloned();
            if let Some(title @ Value::String(_)) = kpi_title {
                map.insert("kpi_title".into(), title);
            }
            map.values_mut().for_each(|v| localize(v, lang));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| localize(v, lang)),
        _ => {}
    }
}

/// The language of `shown`, a default title a screen shows in `lang` for want of a translation;
/// None when the title is in `lang` already. The default is in the language whose entry has the
/// same title (a KPI file's `lang:`), else English.
pub fn untranslated(translations: &Translations, lang: Locale, shown: &str) -> Option<Locale> {
    if translations
        .get(&lang)
        .and_then(|t| t.title.as_ref())
        .is_some()
    {
        return None;
    }
    let default = translations
        .iter()
        .find(|(_, t)| t.title.as_deref() == Some(shown))
        .map_or(Locale::En, |(l, _)| *l);
    (default != lang).then_some(default)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::Translated;
    use serde_json::json;

    #[test]
    fn units_take_their_own_name_in_their_own_language_only() {
        let answer = json!({"unit": {"id": "perm", "name": "Perm", "local_name": "Пермь"},
            "children": [{"unit": {"id": "mashhad", "name": "Mashhad", "local_name": "مشهد"}},
                         {"unit": {"id": "x", "name": "X", "local_name": null}}]});
        let mut ru = answer.clone();
        localize(&mut ru, Locale::Ru);
        assert_eq!(ru["unit"]["name"], "Пермь");
        assert_eq!(ru["children"][0]["unit"]["name"], "Mashhad");
        assert_eq!(ru["children"][1]["unit"]["name"], "X");
        let mut fa = answer.clone();
        localize(&mut fa, Locale::Fa);
        assert_eq!(fa["unit"]["name"], "Perm");
        assert_eq!(fa["children"][0]["unit"]["name"], "مشهد");
    }

    #[test]
    fn titles_take_the_translation_and_keep_the_default_without_one() {
        let answer = json!({"tiles": [
            {"kpi": {"title": "On time", "description": "Share",
                     "translations": {"ru": {"title": "В срок"}}}},
            {"kpi": {"title": "Backlog", "description": "Open"}}]});
        let mut ru = answer.clone();
        localize(&mut ru, Locale::Ru);
        assert_eq!(ru["tiles"][0]["kpi"]["title"], "В срок");
        // No Russian description: the default stays.
        assert_eq!(ru["tiles"][0]["kpi"]["description"], "Share");
        assert_eq!(ru["tiles"][1]["kpi"]["title"], "Backlog");
        let mut item = json!({"kpi_title": "Vacant posts",
            "kpi_translations": {"fa": {"title": "پست‌های خالی"}}});
        localize(&mut item, Locale::Fa);
        assert_eq!(item["kpi_title"], "پست‌های خالی");
    }

    #[test]
    fn a_screen_marks_a_title_left_in_another_language() {
        let none = Translations::new();
        assert_eq!(untranslated(&none, Locale::En, "Overview"), None);
        assert_eq!(
            untranslated(&none, Locale::Fa, "Overview"),
            Some(Locale::En)
        );
        let mut ru_default = Translations::new();
        ru_default.insert(
            Locale::Ru,
            Translated {
                title: Some("Обзор".into()),
                ..Translated::default()
            },
        );
        assert_eq!(untranslated(&ru_default, Locale::Ru, "Обзор"), None);
        assert_eq!(
            untranslated(&ru_default, Locale::En, "Обзор"),
            Some(Locale::Ru)
        );
        // An English default with only a Persian translation, read in Russian: marked English.
        let mut fa_only = Translations::new();
        fa_only.insert(
            Locale::Fa,
            Translated {
                title: Some("نمای کلی".into()),
                ..Translated::default()
            },
        );
        assert_eq!(
            untranslated(&fa_only, Locale::Ru, "Overview"),
            Some(Locale::En)
        );
        assert_eq!(untranslated(&fa_only, Locale::Fa, "نمای کلی"), None);
    }
}
