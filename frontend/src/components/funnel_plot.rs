use std::rc::Rc;

use crate::i18n::format;
use kpi_api::league::{FunnelZone, League};
use kpi_api::Measure;
use yew::prelude::*;

use crate::i18n::{t, Text};
use crate::logic::chart::{line_path, nice_domain, nice_ticks, px, Scale};
use crate::logic::league::LogScale;

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 320.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

#[derive(Properties, PartialEq)]
pub struct FunnelPlotProps {
    pub league: Rc<League>,
    pub measure: Measure,
    /// Opens a unit (its board) when its point is clicked.
    pub on_open: Callback<String>,
}

fn zone_class(zone: FunnelZone) -> &'static str {
    match zone {
        FunnelZone::Inside => "zone-inside",
        FunnelZone::Better95 | FunnelZone::Better998 => "zone-better",
        FunnelZone::Worse95 | FunnelZone::Worse998 => "zone-worse",
        FunnelZone::Unknown => "zone-unknown",
    }
}

/// Each unit's value against its size (`svg.funnel-plot`), with the parent's value as a line
/// and the limits chance alone gives a unit of each size: 95% dashed, 99.8% dotted. A point
/// (`circle.funnel-point[data-unit][data-zone]`) outside the funnel is marked by shape as well as
/// colour (a ring), and names its unit, value and size on hover; the table beside it has the
/// same numbers.
#[component]
pub fn FunnelPlot(props: &FunnelPlotProps) -> Html {
    let league = &props.league;
    let measure = props.measure;
    let points: Vec<(&kpi_api::league::LeagueRow, f64, f64)> = league
        .rows
        .iter()
        .filter_map(|r| Some((r, r.volume?, r.value?)))
        .filter(|(_, v, _)| *v > 0.0)
        .collect();
    let (Some(first), Some(last)) = (league.funnel.first(), league.funnel.last()) else {
        return Html::default();
    };
    if points.is_empty() {
        return Html::default();
    }
    let Some(x) = LogScale::new(
        (first.volume, last.volume),
        (LEFT + 8.0, WIDTH - RIGHT - 8.0),
    ) else {
        return Html::default();
    };
    let mut values: Vec<f64> = points.iter().map(|p| p.2).collect();
    values.extend(league.parent_value);
    values.extend(
        league
            .funnel
            .iter()
            .flat_map(|f| [f.low95, f.high95, f.low998, f.high998]),
    );
    let Some((lo, hi)) = nice_domain(&values, 5) else {
        return Html::default();
    };
    let y = Scale::new((lo, hi), (HEIGHT - BOTTOM, TOP));
    let clamp = |v: f64| v.clamp(lo, hi);
    let curve = |pick: &dyn Fn(&kpi_api::league::FunnelPoint) -> f64| {
        line_path(
            &league
                .funnel
                .iter()
                .map(|f| Some((x.map(f.volume), y.map(clamp(pick(f))))))
                .collect::<Vec<_>>(),
        )
    };
    let y_ticks = nice_ticks(lo, hi, 5).into_iter().map(|v| {
        html! {
            <g class="chart-y-tick">
                <line class="chart-grid-line" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(y.map(v))} y2={px(y.map(v))} />
                <text class="chart-y-label" x={px(LEFT - 6.0)} y={px(y.map(v) + 4.0)} text-anchor="end">{ format::value(Some(v), measure) }</text>
            </g>
        }
    });
    let x_ticks = x.ticks(6).into_iter().map(|v| {
        html! {
            <text class="chart-x-label" x={px(x.map(v))} y={px(HEIGHT - BOTTOM + 18.0)} text-anchor="middle">
                { format::decimal(v, 0) }
            </text>
        }
    });
    let dots = points.iter().map(|(r, volume, value)| {
        let id = r.unit.id.clone();
        let onclick = {
            let on_open = props.on_open.clone();
            let id = id.clone();
            Callback::from(move |_: MouseEvent| on_open.emit(id.clone()))
        };
        let outside = !matches!(r.zone, FunnelZone::Inside | FunnelZone::Unknown);
        html! {
            <g class={classes!("funnel-point-group", zone_class(r.zone))}>
                if outside {
                    <circle class="funnel-ring" cx={px(x.map(*volume))} cy={px(y.map(*value))} r="8" />
                }
                <circle class="funnel-point" data-unit={id} data-zone={format!("{:?}", r.zone).to_lowercase()}
                    cx={px(x.map(*volume))} cy={px(y.map(*value))} r="4.5" {onclick}>
                    <title>{ format!("{}: {} ({} {})", r.unit.name, format::value(Some(*value), measure), format::decimal(*volume, 0), league.volume_label) }</title>
                </circle>
            </g>
        }
    });
    let parent = league.parent_value.map(|v| {
        html! { <line class="funnel-parent" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(y.map(v))} y2={px(y.map(v))} /> }
    });
    html! {
        <figure class="funnel-figure">
            <svg class="funnel-plot" viewBox={format!("0 0 {WIDTH} {HEIGHT}")} role="img" aria-label={t(Text::LeagueFunnel)}>
                { for y_ticks }
                { for parent }
                <path class="funnel-limit funnel-95" d={curve(&|f| f.low95)} />
                <path class="funnel-limit funnel-95" d={curve(&|f| f.high95)} />
                <path class="funnel-limit funnel-998" d={curve(&|f| f.low998)} />
                <path class="funnel-limit funnel-998" d={curve(&|f| f.high998)} />
                { for dots }
                { for x_ticks }
                <text class="chart-x-title" x={px((LEFT + WIDTH - RIGHT) / 2.0)} y={px(HEIGHT - 4.0)} text-anchor="middle">{ league.volume_label.clone() }</text>
            </svg>
            <figcaption>{ t(Text::LeagueFunnelNote) }</figcaption>
        </figure>
    }
}
