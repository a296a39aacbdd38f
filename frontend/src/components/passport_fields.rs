use std::rc::Rc;

use crate::i18n::format;
use kpi_api::KpiPassport;
use yew::prelude::*;

use crate::i18n::{
    direction_name, freshest_label, grain_name, kpi_role_name, measure_name, t, Text,
};

#[derive(Properties, PartialEq)]
pub struct PassportFieldsProps {
    pub passport: Rc<KpiPassport>,
}

/// One term of the list: `dt` and `dd`, both `[data-field={field}]`.
fn field(field: &'static str, label: Text, value: Html) -> Html {
    html! {
        <>
            <dt data-field={field}>{ t(label) }</dt>
            <dd data-field={field}>{ value }</dd>
        </>
    }
}

/// A passport field the header may leave out.
fn optional(value: Option<String>) -> Html {
    match value.filter(|v| !v.trim().is_empty()) {
        Some(value) => html! { { value } },
        None => html! { <span class="not-set">{ t(Text::NotSet) }</span> },
    }
}

/// A KPI's definition as a list of terms (`dl.passport-fields`, each `dt` and `dd` with
/// `data-field`: id, measure, direction, target, amber, grain, role, owner, source, tags, file,
/// tables, freshest). The newest row it can read is `dd.passport-freshest`, with the server's own
/// text in `data-value`.
#[component]
pub fn PassportFields(props: &PassportFieldsProps) -> Html {
    let passport = &props.passport;
    let def = &passport.def;
    let measure = def.measure;
    let number = |v: Option<f64>| v.map(|v| format::value(Some(v), measure));
    let tags = if def.tags.is_empty() {
        optional(None)
    } else {
        html! {
            <ul class="passport-tags">
                { for def.tags.iter().map(|tag| html! { <li class="passport-tag">{ tag.clone() }</li> }) }
            </ul>
        }
    };
    let tables = if passport.tables.is_empty() {
        optional(None)
    } else {
        html! {
            <ul class="passport-tables">
                { for passport.tables.iter().map(|table| html! { <li><code>{ table.clone() }</code></li> }) }
            </ul>
        }
    };
    let freshest = match &passport.freshest {
        Some(text) => html! {
            <span class="passport-freshest" data-value={text.clone()}>{ freshest_label(text) }</span>
        },
        None => html! {
            <span class="passport-freshest not-set">{ t(Text::NoRowsYet) }</span>
        },
    };
    html! {
        <dl class="passport-fields" data-kpi={def.id.clone()}>
            { field("id", Text::FieldId, html! { <code>{ def.id.clone() }</code> }) }
            { field("measure", Text::FieldMeasure, html! { measure_name(measure) }) }
            { field("direction", Text::FieldDirection, html! { direction_name(def.direction) }) }
            { field("target", Text::FieldTarget, optional(number(def.target))) }
            { field("amber", Text::FieldAmber, optional(number(def.amber))) }
            { field("grain", Text::FieldGrain, html! { grain_name(def.grain) }) }
            { field("role", Text::FieldRole, html! { kpi_role_name(def.role) }) }
            { field("owner", Text::FieldOwner, optional(def.owner.clone())) }
            { field("source", Text::FieldSource, optional(def.source.clone())) }
            { field("tags", Text::FieldTags, tags) }
            { field("file", Text::FieldFile, html! { <code>{ def.file.clone() }</code> }) }
            { field("tables", Text::FieldTables, tables) }
            { field("freshest", Text::FieldFreshest, freshest) }
        </dl>
    }
}
