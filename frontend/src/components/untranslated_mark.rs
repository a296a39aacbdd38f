use kpi_api::Translations;
use yew::prelude::*;

use crate::i18n::{lang, t, Text};
use crate::logic::localize::untranslated;

#[derive(Properties, PartialEq)]
pub struct UntranslatedMarkProps {
    pub translations: Translations,
    /// The title shown beside it.
    pub title: AttrValue,
}

/// Beside a title kept in another language for want of a translation: that language's code
/// (`span.untranslated[lang]`, "EN"), with a tooltip saying so. Nothing when it is translated.
#[component]
pub fn UntranslatedMark(props: &UntranslatedMarkProps) -> Html {
    match untranslated(&props.translations, lang().locale(), &props.title) {
        None => Html::default(),
        Some(shown) => html! {
            <abbr class="untranslated" lang={shown.as_str()} title={t(Text::NotTranslated)}>
                { shown.as_str().to_uppercase() }
            </abbr>
        },
    }
}
