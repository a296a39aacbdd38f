use crate::i18n::format;
use kpi_api::Tile;
use yew::prelude::*;

use super::{Sparkline, StatusMarker, UntranslatedMark};
use yew_router::prelude::*;

use crate::i18n::{
    experiment_headline, forecast_text, outlook_key, t, target_label, versus_label, Text,
};
use crate::logic::trend::change_tone;
use crate::Route;

/// An experiment's headline effect on a KPI, shown on its tile.
#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentHeadline {
    pub kpi: String,
    pub experiment: String,
    pub title: String,
    /// The effect as the tile says it (`−23.9%`, `+50.5 pp`), or None when the data cannot tell.
    pub effect: Option<String>,
}

#[derive(Properties, PartialEq)]
pub struct TileCardProps {
    pub tile: Tile,
    /// The previous period, already written for people (`vs ...` is added here).
    pub previous: AttrValue,
    /// The same period a year before, likewise.
    #[prop_or_default]
    pub year_ago: AttrValue,
    pub selected: bool,
    /// Called with the KPI id when the tile is clicked or activated from the keyboard.
    pub on_select: Callback<String>,
    /// Experiments under the board's unit that watch this KPI (`.tile-experiment`).
    #[prop_or_default]
    pub headlines: Vec<ExperimentHeadline>,
}

/// One KPI on a board: value, target, change against the previous period and against the same
/// period a year before (`.tile-change-year`), each coloured by the KPI's direction and signed, so
/// colour is never the only cue; sparkline and status.
/// The root is `.tile[data-kpi={id}]`; the value is `.tile-value`; a failed KPI shows `.tile-error`.
#[component]
pub fn TileCard(props: &TileCardProps) -> Html {
    let tile = &props.tile;
    let kpi = &tile.kpi;
    let select = {
        let on_select = props.on_select.clone();
        let id = kpi.id.clone();
        move || on_select.emit(id.clone())
    };
    let onclick = {
        let select = select.clone();
        Callback::from(move |_: MouseEvent| select())
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if e.key() == "Enter" || e.key() == " " {
            e.prevent_default();
            select();
        }
    });

    let body = match &tile.error {
        Some(error) => html! {
            <div class="tile-error" role="alert">
                <span class="tile-error-title">{ t(Text::TileFailed) }</span>
                <span class="tile-error-message">{ error.clone() }</span>
            </div>
        },
        None => {
            // The target in force for this unit and period (a rule of targets.csv, or the KPI's).
            let target = match tile.target {
                Some(target) => target_label(&format::value(Some(target), kpi.measure)),
                None => t(Text::NoTarget).to_string(),
            };
            let tone = change_tone(tile.change, kpi.measure, kpi.direction);
            let year_tone = change_tone(tile.change_year, kpi.measure, kpi.direction);
            html! {
                <>
                    <div class="tile-value">{ format::value(tile.value, kpi.measure) }</div>
                    <div class="tile-target" title={tile.target_note.clone()}>
                        { target }
                        if tile.target_note.is_some() {
                            <span class="tile-target-rule" aria-hidden="true">{ " *" }</span>
                        }
                    </div>
                    <div class={classes!("tile-change", tone.class())}>
                        <span class="tile-change-value">{ format::change(tile.change, kpi.measure) }</span>
                        { " " }
                        <span class="tile-change-period">{ versus_label(&props.previous) }</span>
                    </div>
                    <div class={classes!("tile-change", "tile-change-year", year_tone.class())}>
                        <span class="tile-change-value">{ format::change(tile.change_year, kpi.measure) }</span>
                        { " " }
                        <span class="tile-change-period">{ versus_label(&props.year_ago) }</span>
                    </div>
                    if let Some(f) = &tile.forecast {
                        <div class="tile-forecast" data-outlook={outlook_key(f.outlook)}>
                            { forecast_text(f, kpi.measure) }
                        </div>
                    }
                    <Sparkline points={tile.sparkline.clone()} />
                </>
            }
        }
    };

    html! {
        <article
            class={classes!("tile", props.selected.then_some("selected"), tile.error.is_some().then_some("tile-failed"))}
            data-kpi={kpi.id.clone()}
            data-status={tile.status.as_str()}
            role="button"
            tabindex="0"
            aria-pressed={props.selected.to_string()}
            title={t(if props.selected { Text::HideDetails } else { Text::ShowDetails })}
            {onclick}
            {onkeydown}
        >
            <header class="tile-header">
                <h3 class="tile-title" title={kpi.description.clone()}>{ kpi.title.clone() }<UntranslatedMark translations={kpi.translations.clone()} title={kpi.title.clone()} /></h3>
                <StatusMarker status={tile.status} />
            </header>
            { body }
            { for props.headlines.iter().map(|h| html! {
                // A link inside the tile: following it must not also open the tile's detail.
                <p class="tile-experiment" data-experiment={h.experiment.clone()}
                    onclick={Callback::from(|e: MouseEvent| e.stop_propagation())}>
                    <Link<Route> to={Route::Experiment { id: h.experiment.clone() }}>
                        { experiment_headline(&h.title, h.effect.as_deref()) }
                    </Link<Route>>
                </p>
            }) }
        </article>
    }
}
