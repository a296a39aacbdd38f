use kpi_api::experiment::EventEffect;
use kpi_api::Grain;
use yew::prelude::*;

use crate::i18n::{event_label, t, Text};
use crate::logic::chart::{category_x, nice_domain, nice_ticks, px, Scale};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 280.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 36.0;
const INSET: f64 = 8.0;
const Y_TICKS: usize = 5;
const X_LABELS: usize = 7;

#[derive(Properties, PartialEq)]
pub struct EventStudyChartProps {
    pub events: Vec<EventEffect>,
    pub grain: Grain,
    /// How an effect is written (`−3.1 h`), for the axis and the readout.
    pub label: Callback<f64, String>,
}

/// The effect by period relative to the start (`svg.event-study`): a point per period with its
/// 95% interval as a bar, zero as a line, the start as a dashed line (`.event-start`); periods
/// before the start are placebos (`.event-pre`) that should sit at zero. A table of the same
/// numbers follows for screen readers and copying (`table.event-table`).
#[component]
pub fn EventStudyChart(props: &EventStudyChartProps) -> Html {
    let events = &props.events;
    let mut values: Vec<f64> = events
        .iter()
        .flat_map(|e| [Some(e.effect.estimate), e.effect.low, e.effect.high])
        .flatten()
        .filter(|v| v.is_finite())
        .collect();
    values.push(0.0);
    let Some((lo, hi)) = nice_domain(&values, Y_TICKS) else {
        return html! { <p class="empty chart-empty">{ t(Text::NoData) }</p> };
    };
    let y = Scale::new((lo, hi), (HEIGHT - BOTTOM, TOP));
    // Periods sit at their distance from the start, so a period without an estimate (no unit
    // left to compare with) shows as a gap, not as a shorter wait.
    let first = events.first().map_or(0, |e| e.event);
    let last = events.last().map_or(0, |e| e.event);
    let slots = usize::try_from(last - first + 1).unwrap_or(1).max(1);
    let x = |event: i64| {
        let slot = usize::try_from(event - first).unwrap_or(0);
        category_x(slot, slots, LEFT + INSET, WIDTH - RIGHT - INSET)
    };
    let every = i64::try_from(slots.div_ceil(X_LABELS).max(1)).unwrap_or(1);

    let y_axis = nice_ticks(lo, hi, Y_TICKS).into_iter().map(|v| {
        html! {
            <g class="chart-y-tick">
                <line x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(y.map(v))} y2={px(y.map(v))} class="chart-grid-line" />
                <text class="chart-y-label" x={px(LEFT - 6.0)} y={px(y.map(v) + 4.0)} text-anchor="end">{ props.label.emit(v) }</text>
            </g>
        }
    });
    let points = events.iter().map(|e| {
        let cx = x(e.event);
        let class = if e.event < 0 { "event-point event-pre" } else { "event-point event-post" };
        let bar = match (e.effect.low, e.effect.high) {
            (Some(l), Some(h)) => html! {
                <line class="event-interval" x1={px(cx)} x2={px(cx)} y1={px(y.map(l))} y2={px(y.map(h))} />
            },
            _ => html! {},
        };
        html! {
            <g {class} data-event={e.event.to_string()}>
                { bar }
                <circle cx={px(cx)} cy={px(y.map(e.effect.estimate))} r="3">
                    <title>{ format!("{}: {}", event_label(e.event, props.grain), props.label.emit(e.effect.estimate)) }</title>
                </circle>
            </g>
        }
    });
    // Every few periods counted from the start, so the start is always one of them.
    let x_labels = (first..=last).filter(|e| e % every == 0).map(|e| {
        html! {
            <text class="chart-x-label" x={px(x(e))} y={px(HEIGHT - BOTTOM + 18.0)} text-anchor="middle">
                { event_label(e, props.grain) }
            </text>
        }
    });
    let start_line = (first <= 0 && 0 <= last).then(|| {
        let sx = if first < 0 { (x(-1) + x(0)) / 2.0 } else { x(0) };
        html! { <line class="event-start" x1={px(sx)} x2={px(sx)} y1={px(TOP)} y2={px(HEIGHT - BOTTOM)} /> }
    });
    let rows = events.iter().map(|e| {
        let end = |v: Option<f64>| {
            v.map_or_else(|| t(Text::Unbounded).to_string(), |v| props.label.emit(v))
        };
        html! {
            <tr>
                <td>{ event_label(e.event, props.grain) }</td>
                <td>{ props.label.emit(e.effect.estimate) }</td>
                <td>{ end(e.effect.low) }</td>
                <td>{ end(e.effect.high) }</td>
                <td>{ e.rows }</td>
            </tr>
        }
    });

    html! {
        <figure class="event-study-figure">
            <svg class="event-study" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img"
                aria-label={t(Text::EventStudy)}>
                { for y_axis }
                <line class="chart-zero" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(y.map(0.0))} y2={px(y.map(0.0))} />
                { for start_line }
                { for points }
                { for x_labels }
            </svg>
            <figcaption>{ t(Text::EventStudyNote) }</figcaption>
            <details class="event-table-details">
                <summary>{ t(Text::EventStudy) }</summary>
                <table class="event-table">
                    <thead><tr>
                        <th>{ t(Text::Period) }</th><th>{ t(Text::EffectAbsolute) }</th>
                        <th>{ t(Text::IntervalLow) }</th><th>{ t(Text::IntervalHigh) }</th>
                        <th>{ t(Text::Observations) }</th>
                    </tr></thead>
                    <tbody>{ for rows }</tbody>
                </table>
            </details>
        </figure>
    }
}
