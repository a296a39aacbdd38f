use kpi_api::plan::{WeekScore, BENCHMARK, PLAN_WEEKS};
use yew::prelude::*;

use crate::i18n::{benchmark_label, t, week_short, Text};
use crate::logic::chart::{category_x, line_path, px, Scale};
use crate::logic::plans::{percent, score_class};

const WIDTH: f64 = 720.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 14.0;
const BOTTOM: f64 = 30.0;
const INSET: f64 = 24.0;

#[derive(Properties, PartialEq)]
pub struct ExecutionChartProps {
    pub scores: Vec<WeekScore>,
    /// The week to mark as this one.
    #[prop_or_default]
    pub current: Option<u32>,
}

/// The execution score week by week (`svg.execution-chart`): a bar per week
/// (`rect.execution-bar[data-week]`, `.below-benchmark` under 85%), the cumulative score as a line
/// (`.execution-cumulative`) and the 85% benchmark as a dashed line (`.execution-benchmark`).
#[component]
pub fn ExecutionChart(props: &ExecutionChartProps) -> Html {
    let y = Scale::new((0.0, 1.0), (HEIGHT - BOTTOM, TOP));
    let n = PLAN_WEEKS as usize;
    let x = |i: usize| category_x(i, n, LEFT + INSET, WIDTH - RIGHT - INSET);
    let bar = ((WIDTH - LEFT - RIGHT) / n as f64 * 0.6).max(4.0);

    let ticks = [0.0, 0.25, 0.5, 0.75, 1.0].into_iter().map(|tick| {
        let ty = y.map(tick);
        html! {
            <g class="chart-y-tick">
                <line class="chart-grid-line" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(ty)} y2={px(ty)} />
                <text class="chart-y-label" x={px(LEFT - 6.0)} y={px(ty + 4.0)} text-anchor="end">
                    { percent(Some(tick)) }
                </text>
            </g>
        }
    });
    let bars = props.scores.iter().enumerate().map(|(i, s)| {
        let cx = x(i);
        let label = html! {
            <text
                class={classes!("chart-x-label", (props.current == Some(s.week)).then_some("is-current"))}
                x={px(cx)}
                y={px(HEIGHT - BOTTOM + 18.0)}
                text-anchor="middle"
            >
                { week_short(s.week) }
            </text>
        };
        let rect = s.score.map(|score| {
            let top = y.map(score);
            html! {
                <rect
                    class={classes!("execution-bar", score_class(Some(score)))}
                    data-week={s.week.to_string()}
                    x={px(cx - bar / 2.0)}
                    y={px(top)}
                    width={px(bar)}
                    height={px((HEIGHT - BOTTOM - top).max(0.0))}
                >
                    <title>{ format!("{}: {}", week_short(s.week), percent(Some(score))) }</title>
                </rect>
            }
        });
        html! { <g class="execution-week">{ for rect }{ label }</g> }
    });
    let cumulative: Vec<Option<(f64, f64)>> = props
        .scores
        .iter()
        .enumerate()
        .map(|(i, s)| s.cumulative.map(|c| (x(i), y.map(c))))
        .collect();
    let by = y.map(BENCHMARK);

    html! {
        <figure class="chart execution">
            <svg
                class="execution-chart"
                viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
                role="img"
                aria-label={t(Text::ExecutionByWeek)}
            >
                <g class="chart-y-axis">{ for ticks }</g>
                <line class="chart-axis" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(HEIGHT - BOTTOM)} y2={px(HEIGHT - BOTTOM)} />
                { for bars }
                <path class="chart-line execution-cumulative" d={line_path(&cumulative)} />
                <g class="chart-target-group">
                    <line class="chart-target execution-benchmark" x1={px(LEFT)} x2={px(WIDTH - RIGHT)} y1={px(by)} y2={px(by)} stroke-dasharray="6 4" />
                    <text class="chart-target-label" x={px(WIDTH - RIGHT - 4.0)} y={px(by - 6.0)} text-anchor="end">
                        { benchmark_label(&percent(Some(BENCHMARK))) }
                    </text>
                </g>
            </svg>
            <figcaption class="chart-legend">
                <span class="legend-bar">{ t(Text::ColumnScore) }</span>
                <span class="legend-line">{ t(Text::ColumnCumulative) }</span>
            </figcaption>
        </figure>
    }
}
