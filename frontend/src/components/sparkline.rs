use kpi_api::Point;
use yew::prelude::*;

use crate::logic::chart::{line_path, sparkline_points};

const WIDTH: f64 = 120.0;
const HEIGHT: f64 = 32.0;
const PAD: f64 = 2.0;

#[derive(Properties, PartialEq)]
pub struct SparklineProps {
    pub points: Vec<Point>,
}

/// A small line of the KPI across the period, scaled to its own range; gaps stay gaps.
#[component]
pub fn Sparkline(props: &SparklineProps) -> Html {
    let values: Vec<Option<f64>> = props.points.iter().map(|p| p.value).collect();
    let path = line_path(&sparkline_points(&values, WIDTH, HEIGHT, PAD));
    html! {
        <svg
            class="sparkline"
            viewBox={format!("0 0 {WIDTH} {HEIGHT}")}
            preserveAspectRatio="none"
            aria-hidden="true"
            focusable="false"
        >
            <path class="sparkline-line" d={path} vector-effect="non-scaling-stroke" />
        </svg>
    }
}
