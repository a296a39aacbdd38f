use kpi_api::experiment::{
    AnalysisAnswer, ExperimentAnalysis, ExperimentHistory, StoredExperiment,
};
use kpi_api::Measure;
use web_sys::HtmlSelectElement;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{
    ErrorBox, EventStudyChart, ExperimentFrame, Loading, OutsideJurisdiction, UntranslatedMark,
};
use crate::hooks::{use_fetch, use_live_fetch, use_session, FetchState};
use crate::i18n::{
    analysis_running, analysis_words, effect_label, experiment_change_label, page_title,
    pre_trend_label, t, treated_label, version_label, Text,
};
use crate::logic::experiment_form::may_define;
use crate::logic::experiment_history::version_changes;
use crate::logic::units::qualified_name;
use crate::Route;

#[derive(Properties, PartialEq)]
pub struct ExperimentPageProps {
    pub id: AttrValue,
}

fn measure_of(analysis: &ExperimentAnalysis) -> Option<Measure> {
    Measure::ALL
        .into_iter()
        .find(|m| m.as_str() == analysis.measure)
}

/// The analysis of one KPI: the verdict (`.verdict`, `data-conclusive`), warnings, the effect with
/// its interval, the event study, the pre-trend test and how it was computed.
fn analysis_view(a: &ExperimentAnalysis) -> Html {
    let measure = measure_of(a);
    let (verdict, warnings, method) = analysis_words(a);
    let label = Callback::from(move |v: f64| match measure {
        Some(m) => crate::i18n::format::change(Some(v), m),
        None => crate::i18n::format::decimal(v, 2),
    });
    html! {
        <section class="analysis" data-kpi={a.kpi.clone()}>
            <h2>{ t(Text::Verdict) }</h2>
            <p class="verdict" data-conclusive={a.conclusive.to_string()}>{ verdict }</p>
            if !warnings.is_empty() {
                <ul class="analysis-warnings" role="note">
                    { for warnings.into_iter().map(|w| html! { <li>{ w }</li> }) }
                </ul>
            }
            <dl class="effects">
                <dt>{ t(Text::EffectAbsolute) }</dt>
                <dd class="effect-absolute">{ effect_label(&a.absolute, measure) }</dd>
                if let Some(r) = &a.relative {
                    <dt>{ t(Text::EffectRelative) }</dt>
                    <dd class="effect-relative">{ effect_label(r, None) }</dd>
                }
                if let Some(p) = &a.pre_trend {
                    <dt>{ t(Text::PreTrendTitle) }</dt>
                    <dd class="pre-trend" data-parallel={p.parallel.to_string()}>{ pre_trend_label(p) }</dd>
                }
            </dl>
            <h3>{ t(Text::EventStudy) }</h3>
            <EventStudyChart events={a.events.clone()} grain={a.grain} {label} />
            <details class="method">
                <summary>{ t(Text::HowItWasComputed) }</summary>
                <p>{ method }</p>
                <dl>
                    if let Some(c) = &a.clustered {
                        <dt>{ t(Text::ClusteredInterval) }</dt>
                        <dd class="effect-clustered">{ effect_label(c, measure) }</dd>
                    }
                    if let Some(n) = a.naive {
                        <dt>{ t(Text::NaiveEstimate) }</dt>
                        <dd class="effect-naive">{ crate::i18n::format::change(Some(n), measure.unwrap_or(Measure::Count)) }</dd>
                    }
                </dl>
            </details>
        </section>
    }
}

/// The versions of an experiment, newest first (`details.experiment-history`, one
/// `li.version[data-revision]` each), and what each changed against the one before it.
fn history_view(history: &ExperimentHistory, name: &dyn Fn(&str) -> String) -> Html {
    let versions = &history.versions;
    let changed = version_changes(versions);
    html! {
        <details class="experiment-history">
            <summary>{ format!("{} ({})", t(Text::ExperimentHistory), versions.len()) }</summary>
            <ol class="versions">
                { for versions.iter().zip(changed).map(|(v, changed)| html! {
                    <li class="version" data-revision={v.revision.to_string()}>
                        <span class="version-label">{ version_label(v.revision, &v.updated_by, v.updated_at) }</span>
                        <ul class="version-changes">{ match changed {
                            None => html! { <li>{ t(Text::PreviousVersionHidden) }</li> },
                            Some(list) if list.is_empty() => html! { <li>{ t(Text::NothingChanged) }</li> },
                            Some(list) => html! {
                                { for list.iter().map(|c| html! { <li>{ experiment_change_label(c, name) }</li> }) }
                            },
                        } }</ul>
                    </li>
                }) }
            </ol>
            if history.hidden > 0 {
                <p class="hidden-versions">{ t(Text::HiddenVersions) }</p>
            }
        </details>
    }
}

/// A management experiment (`/experiments/{id}`, `.experiment-page[data-experiment]`): what
/// changed, where and from when, the comparison units, and for the chosen KPI (`select.kpi-choice`)
/// whether it worked, in words first, then the numbers, the event study and the method.
#[component]
pub fn ExperimentPage(props: &ExperimentPageProps) -> Html {
    let kpi = use_state(|| None::<String>);
    let defines = use_session()
        .and_then(|s| s.info())
        .is_some_and(|info| may_define(info.role));
    let stored = use_fetch(
        props.id.clone(),
        |id| async move { api::experiment(&id).await },
    );
    let history = use_fetch(props.id.clone(), |id| async move {
        api::experiment_history(&id).await
    });
    let units = use_fetch((), |()| api::units());
    let name = |id: &str| -> String {
        units
            .state
            .data()
            .map_or_else(|| id.to_string(), |list| qualified_name(list, id))
    };
    let chosen: Option<String> = (*kpi).clone().or_else(|| {
        stored
            .state
            .data()
            .and_then(|s| s.experiment.kpis.first().cloned())
    });
    // A long analysis answers its progress: asked again every 700 ms until it is done.
    let polls = use_state(|| 0u64);
    let analysis = use_live_fetch(
        (props.id.clone(), chosen.clone()),
        *polls,
        |(id, kpi)| async move {
            match kpi {
                Some(kpi) => api::experiment_analysis(&id, &kpi).await.map(Some),
                None => Ok(None),
            }
        },
    );
    {
        let running = matches!(
            analysis.state.data().map(|a| a.as_ref()),
            Some(Some(AnalysisAnswer::Running(_)))
        );
        let polls = polls.clone();
        use_effect_with((running, *polls), move |(running, n)| {
            let timer = running.then(|| {
                let (polls, n) = (polls.clone(), *n);
                gloo::timers::callback::Timeout::new(700, move || polls.set(n + 1))
            });
            move || drop(timer)
        });
    }
    {
        let title = stored.state.data().map(|s| s.experiment.title.clone());
        use_effect_with(title, |title| {
            let title = title
                .clone()
                .unwrap_or_else(|| t(Text::ExperimentsTitle).to_string());
            gloo::utils::document().set_title(&page_title(&title));
        });
    }
    let on_kpi = {
        let kpi = kpi.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            kpi.set(Some(select.value()));
        })
    };
    let header = |s: &StoredExperiment| {
        let e = &s.experiment;
        html! {
            <>
                <h1 class="experiment-title">{ e.title.clone() }<UntranslatedMark translations={e.translations.clone()} title={e.title.clone()} /></h1>
                if defines {
                    <Link<Route> to={Route::EditExperiment { id: e.id.clone() }} classes="button button-quiet edit-experiment">
                        { t(Text::EditExperiment) }
                    </Link<Route>>
                }
                <dl class="experiment-facts">
                    <dt>{ t(Text::Hypothesis) }</dt><dd>{ e.hypothesis.clone() }</dd>
                    <dt>{ t(Text::Intervention) }</dt><dd>{ e.intervention.clone() }</dd>
                    <dt>{ t(Text::TreatedUnits) }</dt>
                    <dd><ul class="treated-units">
                        { for e.treated.iter().map(|u| html! { <li data-unit={u.unit.clone()}>{ treated_label(&name(&u.unit), u.start) }</li> }) }
                    </ul></dd>
                    <dt>{ t(Text::ComparisonUnits) }</dt>
                    <dd class="comparison-units">{
                        if e.comparison.is_empty() && e.treated.iter().any(|u| Some(u.start) != e.first_start()) {
                            t(Text::LaterStartersCompare).to_string()
                        } else if e.comparison.is_empty() {
                            t(Text::NoComparisonUnits).to_string()
                        } else {
                            e.comparison.iter().map(|u| name(u)).collect::<Vec<_>>().join(", ")
                        }
                    }</dd>
                </dl>
                if e.kpis.len() > 1 {
                    <label class="kpi-choice-label">{ t(Text::WatchedKpi) }
                        <select class="kpi-choice" onchange={on_kpi.clone()}>
                            { for e.kpis.iter().map(|k| html! {
                                <option value={k.clone()} selected={chosen.as_deref() == Some(k.as_str())}>{ k.clone() }</option>
                            }) }
                        </select>
                    </label>
                }
            </>
        }
    };
    let body = match &stored.state {
        FetchState::Loading => html! { <Loading /> },
        FetchState::Failed(error) if error.is_forbidden() => html! {
            <OutsideJurisdiction error={error.clone()} home={Route::Experiments} home_query={AttrValue::from("")} />
        },
        FetchState::Failed(error) => {
            html! { <ErrorBox error={error.clone()} on_retry={stored.retry()} /> }
        }
        FetchState::Ready(s) => html! {
            <>
                { header(s) }
                { match &analysis.state {
                    FetchState::Loading => html! { <Loading /> },
                    FetchState::Failed(error) => html! { <ErrorBox error={error.clone()} on_retry={analysis.retry()} /> },
                    FetchState::Ready(a) => match a.as_ref() {
                        Some(AnalysisAnswer::Ready(a)) => analysis_view(a),
                        Some(AnalysisAnswer::Running(p)) => html! {
                            <div class="analysis-running" role="status">
                                <p>{ analysis_running(p.done, p.total) }</p>
                                <progress class="analysis-progress" value={p.done.to_string()} max={p.total.max(1).to_string()} />
                            </div>
                        },
                        None => html! {},
                    },
                } }
                if let Some(history) = history.state.data() {
                    { history_view(history, &name) }
                }
            </>
        },
    };
    html! {
        <ExperimentFrame class="experiment-page" experiment={props.id.clone()}>{ body }</ExperimentFrame>
    }
}
