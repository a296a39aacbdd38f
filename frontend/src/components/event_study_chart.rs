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
    let n = events.len();
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
    let x = |i: usize| category_x(i, n, LEFT + INSET, WIDTH - RIGHT - INSET);
    let start = events.iter().position(|e| e.event >= 0);
    let every = n.div_ceil(X_LABELS).max(1);

    let y_axis = nice_ticks(lo, hi, Y_TICKS).into_iter().map(|v| {
        html! {
            <g class="chart-y-tick">
                <line x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(y.map(v))} y2={px(y.map(v))} class="chart-grid-line" />
                <text class="chart-y-label" x={px(LEFT - 6.0)} y={px(y.map(v) + 4.0)} text-anchor="end">{ props.label.emit(v) }</text>
            </g>
        }
    });
    let points = events.iter().enumerate().map(|(i, e)| {
        let cx = x(i);
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
    let x_labels = events
        .iter()
        .enumerate()
        // Every few periods, and the start; none crowding the start's label.
        .filter(|(i, e)| {
            e.event == 0 || (i % every == 0 && start.is_none_or(|s| i.abs_diff(s) * 2 >= every))
        })
        .map(|(i, e)| {
            html! {
                <text class="chart-x-label" x={px(x(i))} y={px(HEIGHT - BOTTOM + 18.0)} text-anchor="middle">
                    { event_label(e.event, props.grain) }
                </text>
            }
        });
    let start_line = start.map(|i| {
        let sx = if i == 0 { x(0) } else { (x(i - 1) + x(i)) / 2.0 };
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
