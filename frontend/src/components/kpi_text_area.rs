use web_sys::{Element, HtmlTextAreaElement};
use yew::prelude::*;

use crate::i18n::{t, Text};
use crate::logic::editor::line_count;

#[derive(Properties, PartialEq)]
pub struct KpiTextAreaProps {
    pub text: AttrValue,
    /// The line an error points at, marked in the gutter.
    #[prop_or_default]
    pub error_line: Option<u32>,
    /// Called with the whole text after each change.
    pub on_input: Callback<String>,
    /// The text area itself: the editor reads it when a button is pressed and selects lines in it.
    pub node_ref: NodeRef,
}

/// A KPI file being written: `textarea.kpi-text[name=text]` (no wrapping, no spell check) beside
/// a gutter of line numbers (`.kpi-gutter`, the line an error points at is `.gutter-line.error`)
/// that scrolls with it.
#[component]
pub fn KpiTextArea(props: &KpiTextAreaProps) -> Html {
    let gutter = use_node_ref();

    // Keep the numbers level with the lines, also after the text was replaced.
    let sync = {
        let (gutter, area) = (gutter.clone(), props.node_ref.clone());
        move || {
            if let (Some(gutter), Some(area)) = (gutter.cast::<Element>(), area.cast::<Element>()) {
                gutter.set_scroll_top(area.scroll_top());
            }
        }
    };
    {
        let sync = sync.clone();
        use_effect(sync);
    }
    let onscroll = Callback::from(move |_: Event| sync());
    // `change` as well as `input`: a text set by a script or a test driver may send only one.
    let oninput = {
        let on_input = props.on_input.clone();
        Callback::from(move |e: InputEvent| {
            on_input.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };
    let onchange = {
        let on_input = props.on_input.clone();
        Callback::from(move |e: Event| {
            on_input.emit(e.target_unchecked_into::<HtmlTextAreaElement>().value());
        })
    };

    let lines = line_count(&props.text);
    html! {
        <div class="kpi-text-editor">
            <div class="kpi-gutter" aria-hidden="true" ref={gutter}>
                { for (1..=lines).map(|n| {
                    let marked = u32::try_from(n).ok() == props.error_line;
                    html! {
                        <div class={classes!("gutter-line", marked.then_some("error"))}>{ n }</div>
                    }
                }) }
            </div>
            <textarea
                id="kpi-text"
                class="kpi-text"
                name="text"
                aria-label={t(Text::KpiFile)}
                spellcheck="false"
                autocomplete="off"
                autocapitalize="none"
                wrap="off"
                value={props.text.clone()}
                ref={props.node_ref.clone()}
                {oninput}
                {onchange}
                {onscroll}
            />
        </div>
    }
}
