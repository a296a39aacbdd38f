use std::rc::Rc;

use crate::i18n::format;
use kpi_api::{KpiDef, Series};
use web_sys::Element;
use yew::prelude::*;

use yew_router::prelude::*;

use crate::i18n::{band_label, chart_label, period_label, t, target_label, tick_label, Text};
use crate::logic::chart::{
    category_x, label_indices, line_path, nearest, nice_domain, nice_ticks, px, tooltip_left, Scale,
};
use crate::Route;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 72.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;
/// Keeps the first and last points off the axes.
const INSET: f64 = 10.0;
const Y_TICKS: usize = 5;
const X_LABELS: usize = 6;
/// Above this many points, dots would crowd the line; only the hovered one is drawn.
const MAX_DOTS: usize = 60;

/// An experiment's window, shaded on every time chart that covers it.
#[derive(Debug, Clone, PartialEq)]
pub struct Band {
    /// The experiment it is the window of; None for an annotation (a dated event).
    pub experiment: Option<String>,
    pub title: String,
    pub from: chrono::NaiveDate,
    /// The last day, or None while it runs.
    pub to: Option<chrono::NaiveDate>,
}

impl Band {
    /// The windows of stored experiments (one without a treated unit has none).
    pub fn of(experiments: &[kpi_api::experiment::StoredExperiment]) -> Vec<Band> {
        experiments
            .iter()
            .filter_map(|s| {
                Some(Band {
                    experiment: Some(s.experiment.id.clone()),
                    title: s.experiment.title.clone(),
                    from: s.experiment.first_start()?,
                    to: s.experiment.end,
                })
            })
            .collect()
    }

    /// Dated events (`GET /api/annotations`), each shaded over its days.
    pub fn of_annotations(annotations: &[kpi_api::Annotation]) -> Vec<Band> {
        annotations
            .iter()
            .map(|a| Band {
                experiment: None,
                title: a.title.clone(),
                from: a.from,
                to: Some(a.to),
            })
            .collect()
    }
}

#[derive(Properties, PartialEq)]
pub struct SeriesChartProps {
    pub series: Rc<Series>,
    pub kpi: KpiDef,
    /// Experiment windows (`.experiment-band[data-experiment]`) and dated events
    /// (`.annotation-band`) to shade, each named on hover and in the legend.
    #[prop_or_default]
    pub bands: Vec<Band>,
}

/// The KPI across the period at the chosen grain (`svg.series-chart`): value and period axes, the
/// target as a dashed line (`.chart-target`), and a readout of the point nearest the pointer
/// (`.chart-tooltip` in the chart, `.chart-readout` below it).
#[component]
pub fn SeriesChart(props: &SeriesChartProps) -> Html {
    let hover = use_state(|| None::<usize>);
    let svg_ref = use_node_ref();
    let series = &props.series;
    let kpi = &props.kpi;
    let measure = kpi.measure;
    let n = series.points.len();

    let mut domain_values: Vec<f64> = series.points.iter().filter_map(|p| p.value).collect();
    if domain_values.iter().all(|v| !v.is_finite()) {
        return html! { <p class="empty chart-empty">{ t(Text::NoData) }</p> };
    }
    // The target in force at each period (it changes where a rule of targets.csv starts), or
    // the KPI file's own for a series without them (a preview).
    let targets: Vec<Option<f64>> = if series.targets.len() == n {
        series.targets.clone()
    } else {
        vec![kpi.target; n]
    };
    domain_values.extend(targets.iter().flatten());
    let Some((lo, hi)) = nice_domain(&domain_values, Y_TICKS) else {
        return html! { <p class="empty chart-empty">{ t(Text::NoData) }</p> };
    };
    let y = Scale::new((lo, hi), (HEIGHT - BOTTOM, TOP));
    let x = |i: usize| category_x(i, n, LEFT + INSET, WIDTH - RIGHT - INSET);

    let coords: Vec<Option<(f64, f64)>> = series
        .points
        .iter()
        .enumerate()
        .map(|(i, p)| p.value.filter(|v| v.is_finite()).map(|v| (x(i), y.map(v))))
        .collect();
    // Only points with a value can be hovered.
    let defined: Vec<(usize, f64)> = coords
        .iter()
        .enumerate()
        .filter_map(|(i, c)| c.map(|(cx, _)| (i, cx)))
        .collect();

    let onpointermove = {
        let hover = hover.clone();
        let svg_ref = svg_ref.clone();
        let positions: Vec<f64> = defined.iter().map(|(_, cx)| *cx).collect();
        let indices: Vec<usize> = defined.iter().map(|(i, _)| *i).collect();
        Callback::from(move |e: PointerEvent| {
            // Not `current_target`: yew delegates events, so that is the app's root, not the chart.
            let Some(svg) = svg_ref.cast::<Element>() else {
                return;
            };
            let rect = svg.get_bounding_client_rect();
            if rect.width() <= 0.0 {
                return;
            }
            // Pointer position in viewBox units (the SVG scales with its container).
            let view_x = (f64::from(e.client_x()) - rect.left()) * WIDTH / rect.width();
            // A right-to-left page mirrors the chart (see the style sheet): so is the pointer.
            let view_x = if crate::i18n::lang().rtl() {
                WIDTH - view_x
            } else {
                view_x
            };
            let next = nearest(&positions, view_x).map(|k| indices[k]);
            if *hover != next {
                hover.set(next);
            }
        })
    };
    let onpointerleave = {
        let hover = hover.clone();
        Callback::from(move |_: PointerEvent| hover.set(None))
    };

    let y_axis = nice_ticks(lo, hi, Y_TICKS).into_iter().map(|tick| {
        let ty = y.map(tick);
        html! {
            <g class="chart-y-tick">
                <line class="chart-grid-line" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(ty)} y2={px(ty)} />
                <text class="chart-y-label" x={px(LEFT - 8.0)} y={px(ty + 4.0)} text-anchor="end">
                    { format::value(Some(tick), measure) }
                </text>
            </g>
        }
    });
    let x_axis = label_indices(n, X_LABELS).into_iter().map(|i| {
        let tx = x(i);
        html! {
            <g class="chart-x-tick">
                <line class="chart-tick-mark" x1={px(tx)} x2={px(tx)} y1={px(HEIGHT - BOTTOM)} y2={px(HEIGHT - BOTTOM + 5.0)} />
                <text class="chart-x-label" x={px(tx)} y={px(HEIGHT - BOTTOM + 20.0)} text-anchor="middle">
                    { tick_label(series.points[i].period, series.grain) }
                </text>
            </g>
        }
    });
    // A step line through the targets: level within a period, a step where it changes.
    let target_path = {
        let half = if n > 1 {
            (x(1) - x(0)) / 2.0
        } else {
            (WIDTH - LEFT - RIGHT) / 2.0
        };
        let steps: Vec<Option<(f64, f64)>> = targets
            .iter()
            .enumerate()
            .flat_map(|(i, t)| {
                let left = if i == 0 { LEFT } else { x(i) - half };
                let right = if i + 1 == n {
                    WIDTH - RIGHT
                } else {
                    x(i) + half
                };
                let t = t.filter(|v| v.is_finite());
                [t.map(|v| (left, y.map(v))), t.map(|v| (right, y.map(v)))]
            })
            .collect();
        line_path(&steps)
    };
    let target = targets.iter().rev().flatten().next().map(|last| {
        let ty = y.map(*last);
        html! {
            <g class="chart-target-group">
                <path class="chart-target" d={target_path.clone()} fill="none" stroke-dasharray="6 4" />
                <text class="chart-target-label" x={px(WIDTH - RIGHT - 4.0)} y={px(ty - 6.0)} text-anchor="end">
                    { target_label(&format::value(Some(*last), measure)) }
                </text>
            </g>
        }
    });
    // A band spans the periods from the one its first day falls in to the one its last day
    // falls in (or the chart's end), half a step either side.
    let step = if n > 1 {
        x(1) - x(0)
    } else {
        WIDTH - LEFT - RIGHT
    };
    let covering = |day: chrono::NaiveDate| series.points.iter().rposition(|p| p.period <= day);
    let bands: Vec<(&Band, f64, f64)> = props
        .bands
        .iter()
        .filter_map(|b| {
            let last = series.points.last()?.period;
            let first_day = series.points.first()?.period;
            if b.from > last || b.to.is_some_and(|to| to < first_day) {
                return None;
            }
            let first = covering(b.from).unwrap_or(0);
            let end = b.to.and_then(covering).unwrap_or(n - 1);
            let left = (x(first) - step / 2.0).max(LEFT);
            let right = (x(end) + step / 2.0).min(WIDTH - RIGHT);
            Some((b, left, right))
        })
        .collect();
    let band_shapes = bands.iter().map(|(b, left, right)| {
        html! {
            <g class={if b.experiment.is_some() { "experiment-band" } else { "annotation-band" }} data-experiment={b.experiment.clone()}>
                <rect x={px(*left)} y={px(TOP)} width={px((right - left).max(1.0))} height={px(HEIGHT - BOTTOM - TOP)} />
                <title>{ band_label(&b.title, b.from, b.to) }</title>
            </g>
        }
    });
    let band_legend = (!bands.is_empty()).then(|| {
        html! {
            <ul class="band-legend">
                { for bands.iter().map(|(b, _, _)| html! {
                    <li data-experiment={b.experiment.clone()} class={b.experiment.is_none().then_some("annotation")}>
                        <span class="band-swatch" aria-hidden="true"></span>
                        if let Some(id) = &b.experiment {
                            <Link<Route> to={Route::Experiment { id: id.clone() }}>
                                { band_label(&b.title, b.from, b.to) }
                            </Link<Route>>
                        } else {
                            { band_label(&b.title, b.from, b.to) }
                        }
                    </li>
                }) }
            </ul>
        }
    });
    let dots = (n <= MAX_DOTS).then(|| {
        html! {
            <g class="chart-points">
                { for coords.iter().flatten().map(|(cx, cy)| html! {
                    <circle class="chart-point" cx={px(*cx)} cy={px(*cy)} r="3" />
                }) }
            </g>
        }
    });

    let hovered = (*hover).and_then(|i| {
        let point = series.points.get(i)?;
        let (cx, cy) = coords.get(i).copied().flatten()?;
        Some((i, point, cx, cy))
    });
    let tooltip = hovered.map(|(i, point, cx, cy)| {
        let period = period_label(point.period, series.grain);
        let value = format::value(point.value, measure);
        // Text is not measured in SVG before it is drawn; 7 units a character is a safe guess.
        let longest = period.chars().count().max(value.chars().count()) as f64;
        let box_width = longest * 7.0 + 20.0;
        let box_left = tooltip_left(cx, box_width, LEFT, WIDTH - RIGHT);
        let box_top = (cy - 52.0).clamp(TOP, HEIGHT - BOTTOM - 44.0);
        html! {
            <g class="chart-hover" data-index={i.to_string()}>
                <line class="chart-guide" x1={px(cx)} x2={px(cx)} y1={px(TOP)} y2={px(HEIGHT - BOTTOM)} />
                <circle class="chart-point-active" cx={px(cx)} cy={px(cy)} r="5" />
                <g class="chart-tooltip" transform={format!("translate({},{})", px(box_left), px(box_top))}>
                    <rect width={px(box_width)} height="44" rx="4" />
                    <text class="chart-tooltip-period" x="10" y="18">{ period }</text>
                    <text class="chart-tooltip-value" x="10" y="36">{ value }</text>
                </g>
            </g>
        }
    });
    let readout = match hovered {
        Some((_, point, _, _)) => html! {
            <>
                <span class="readout-period">{ period_label(point.period, series.grain) }</span>
                { t(Text::LabelSeparator) }
                <strong class="readout-value">{ format::value(point.value, measure) }</strong>
            </>
        },
        None => html! { { "\u{a0}" } },
    };

    html! {
        <figure class="chart">
            <svg
                class="series-chart"
                ref={svg_ref}
                viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
                role="img"
                aria-label={chart_label(&kpi.title)}
                {onpointermove}
                {onpointerleave}
            >
                <g class="experiment-bands">{ for band_shapes }</g>
                <g class="chart-y-axis">{ for y_axis }</g>
                <line class="chart-axis" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(HEIGHT - BOTTOM)} y2={px(HEIGHT - BOTTOM)} />
                <g class="chart-x-axis">{ for x_axis }</g>
                { for target }
                <path class="chart-line" d={line_path(&coords)} />
                { for dots }
                { for tooltip }
                // Catches the pointer over the whole plot, not just over the line.
                <rect class="chart-overlay" x="0" y="0" width={px(WIDTH)} height={px(HEIGHT)} fill="transparent" />
            </svg>
            <figcaption class="chart-readout" aria-live="polite">{ readout }</figcaption>
            { for band_legend }
        </figure>
    }
}
