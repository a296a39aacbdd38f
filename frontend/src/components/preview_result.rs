use std::rc::Rc;

use kpi_api::{KpiPreview, QueryResult, Series};
use yew::prelude::*;

use super::SeriesChart;
use crate::i18n::{direction_name, measure_name, rows_cut_label, rows_label, t, took_label, Text};
use crate::logic::editor::{cell_text, PREVIEW_ROWS_SHOWN};

#[derive(Properties, PartialEq)]
pub struct PreviewResultProps {
    pub preview: Rc<KpiPreview>,
    /// The KPI's series for the unit and period previewed, when its definition loaded.
    pub series: Option<Rc<Series>>,
}

/// The SELECT's first rows as a table: its own columns, at most [`PREVIEW_ROWS_SHOWN`] rows. The
/// columns show even when it returned no rows, since they are half of what a preview checks.
fn rows_table(rows: &QueryResult) -> Html {
    let shown = rows.rows.len().min(PREVIEW_ROWS_SHOWN);
    let cut = rows.truncated || rows.rows.len() > shown;
    let note = if rows.rows.is_empty() {
        html! { <p class="empty preview-no-rows">{ t(Text::NoRows) }</p> }
    } else if cut {
        html! { <p class="preview-truncated">{ rows_cut_label(shown) }</p> }
    } else {
        html! { <p class="preview-rows-count">{ rows_label(shown) }</p> }
    };
    html! {
        <>
            <div class="table-scroll">
                <table class="preview-rows" data-rows={shown.to_string()} data-truncated={cut.to_string()}>
                    <thead>
                        <tr>
                            { for rows.columns.iter().map(|column| html! { <th scope="col">{ column.clone() }</th> }) }
                        </tr>
                    </thead>
                    <tbody>
                        { for rows.rows.iter().take(shown).map(|row| html! {
                            <tr>
                                { for row.iter().map(|cell| html! {
                                    <td class={classes!(cell.is_number().then_some("num"))}>{ cell_text(cell) }</td>
                                }) }
                            </tr>
                        }) }
                    </tbody>
                </table>
            </div>
            { note }
        </>
    }
}

/// A preview that ran (`.preview-result`): the KPI as defined (`.preview-def`), its series as a
/// chart (`svg.series-chart`), the SELECT's first rows (`table.preview-rows[data-rows]`, with
/// `.preview-truncated` when there were more, `.preview-no-rows` when there were none) and how long
/// it took (`.preview-millis[data-millis]`).
#[component]
pub fn PreviewResult(props: &PreviewResultProps) -> Html {
    let preview = &props.preview;
    let chart = preview
        .def
        .as_ref()
        .zip(props.series.as_ref())
        .map(|(def, series)| {
            html! {
                <>
                    <p class="preview-def" data-kpi={def.id.clone()}>
                        <strong class="preview-def-title">{ def.title.clone() }</strong>
                        <span>{ measure_name(def.measure) }</span>
                        <span>{ direction_name(def.direction) }</span>
                    </p>
                    <SeriesChart series={series.clone()} kpi={def.clone()} />
                </>
            }
        });
    html! {
        <section class="preview-result" aria-labelledby="preview-result-title">
            <header class="preview-result-header">
                <h2 id="preview-result-title">{ t(Text::PreviewResult) }</h2>
                <span class="preview-millis" data-millis={preview.millis.to_string()}>
                    { took_label(preview.millis) }
                </span>
            </header>
            { for chart }
            if let Some(rows) = &preview.rows {
                <section class="preview-rows-section">
                    <h3>{ t(Text::PreviewRows) }</h3>
                    { rows_table(rows) }
                </section>
            }
        </section>
    }
}
