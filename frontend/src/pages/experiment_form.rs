use std::rc::Rc;

use kpi_api::experiment::ComparisonSuggestion;
use kpi_api::Grain;
use web_sys::{HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement};
use yew::platform::spawn_local;
use yew::prelude::*;
use yew_router::prelude::*;

use crate::api;
use crate::components::{ErrorBox, ExperimentFrame, Loading};
use crate::hooks::{signed_in, use_fetch, use_session, FetchState};
use crate::i18n::{experiment_problem, grain_name, page_title, t, Text};
use crate::logic::experiment_form::{may_define, ExperimentAction, ExperimentDraft, Field};
use crate::logic::units::{qualified_name, tree_order};
use crate::Route;

impl Reducible for ExperimentDraft {
    type Action = ExperimentAction;

    fn reduce(self: Rc<Self>, action: ExperimentAction) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

#[derive(Properties, PartialEq)]
pub struct ExperimentFormProps {
    /// The experiment to change; None for a new one.
    #[prop_or_default]
    pub id: Option<AttrValue>,
}

/// Defines an experiment (`/experiments/new`) or changes one (`/experiments/{id}/edit`):
/// `form.experiment-form` with its id (new only), title, hypothesis, what changed, the units that
/// changed each with its start (`.treated-row`), the comparison units (`.comparison-choice`
/// checkboxes), the KPIs to watch (`.kpi-choice` checkboxes), week or month, and the last day. What
/// is missing is said before sending (`.form-error`); the server's refusal names the field.
#[component]
pub fn ExperimentFormPage(props: &ExperimentFormProps) -> Html {
    let session = use_session();
    let info = session.as_ref().and_then(|s| s.info());
    let user = info.as_ref().map(|i| i.user.clone()).unwrap_or_default();
    let draft = use_reducer(move || ExperimentDraft::new(&user));
    let revision = use_state(|| None::<u32>);
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);
    let navigator = use_navigator();
    let units = use_fetch((), |()| api::units());
    let kpis = use_fetch((), |()| api::kpis());
    let existing = use_fetch(props.id.clone(), |id| async move {
        match id {
            Some(id) => api::experiment_as_written(&id).await.map(Some),
            None => Ok(None),
        }
    });
    {
        let (draft, revision) = (draft.clone(), revision.clone());
        let stored = existing.state.data().and_then(|s| (**s).clone());
        use_effect_with(stored, move |stored| {
            if let Some(s) = stored {
                draft.dispatch(ExperimentAction::Replace(ExperimentDraft::of(
                    &s.experiment,
                )));
                revision.set(Some(s.revision));
            }
        });
    }
    let editing = props.id.is_some();
    use_effect_with(editing, |editing| {
        let title = if *editing {
            t(Text::EditExperiment)
        } else {
            t(Text::NewExperiment)
        };
        gloo::utils::document().set_title(&page_title(title));
    });

    let text = |field: Field| {
        let draft = draft.clone();
        Callback::from(move |e: InputEvent| {
            let value = e
                .target_dyn_into::<HtmlInputElement>()
                .map(|i| i.value())
                .or_else(|| {
                    e.target_dyn_into::<HtmlTextAreaElement>()
                        .map(|t| t.value())
                })
                .unwrap_or_default();
            draft.dispatch(ExperimentAction::Set(field, value));
        })
    };
    let onsubmit = {
        let (draft, busy, error, revision) =
            (draft.clone(), busy.clone(), error.clone(), revision.clone());
        let session = session.clone();
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if *busy {
                return;
            }
            let experiment = match draft.to_experiment() {
                Ok(x) => x,
                Err(problem) => {
                    error.set(Some(experiment_problem(problem)));
                    return;
                }
            };
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (busy, error, navigator, revision) =
                (busy.clone(), error.clone(), navigator.clone(), *revision);
            spawn_local(async move {
                let saved = match revision {
                    Some(revision) => api::edit_experiment(&csrf, &experiment, revision).await,
                    None => api::create_experiment(&csrf, &experiment).await,
                };
                match saved {
                    Ok(stored) => {
                        if let Some(navigator) = &navigator {
                            navigator.push(&Route::Experiment {
                                id: stored.experiment.id,
                            });
                        }
                    }
                    Err(e) => {
                        session.notice(&e);
                        busy.set(false);
                        error.set(Some(e.message()));
                    }
                }
            });
        })
    };

    // Suggested comparison units: the first KPI chosen, the treated units, the first start.
    let suggestions = use_state(|| None::<Result<Vec<ComparisonSuggestion>, String>>);
    let on_suggest = {
        let (draft, suggestions) = (draft.clone(), suggestions.clone());
        Callback::from(move |_: MouseEvent| {
            let treated: Vec<String> = draft
                .treated
                .iter()
                .filter(|(u, _)| !u.is_empty())
                .map(|(u, _)| u.clone())
                .collect();
            let start = draft
                .treated
                .iter()
                .map(|(_, s)| s.clone())
                .filter(|s| !s.is_empty())
                .min();
            let (Some(kpi), Some(start)) = (draft.kpis.first().cloned(), start) else {
                suggestions.set(Some(Err(t(Text::SuggestNeeds).to_string())));
                return;
            };
            if treated.is_empty() {
                suggestions.set(Some(Err(t(Text::SuggestNeeds).to_string())));
                return;
            }
            let (suggestions, grain) = (suggestions.clone(), draft.grain);
            spawn_local(async move {
                let answer = api::suggest_comparison(&kpi, &treated, &start, grain).await;
                suggestions.set(Some(answer.map_err(|e| e.message())));
            });
        })
    };
    let may = info.as_ref().is_some_and(|i| may_define(i.role));
    let body = match (&units.state, &kpis.state, &existing.state) {
        _ if !may => html! { <p class="empty">{ t(Text::DefinesExperiments) }</p> },
        (FetchState::Failed(e), _, _)
        | (_, FetchState::Failed(e), _)
        | (_, _, FetchState::Failed(e)) => {
            html! { <ErrorBox error={e.clone()} on_retry={existing.retry()} /> }
        }
        (FetchState::Ready(unit_list), FetchState::Ready(kpi_list), FetchState::Ready(_)) => {
            let ordered = tree_order(unit_list);
            let unit_options = |selected: &str| {
                html! {
                    <>
                        <option value="" selected={selected.is_empty()}>{ t(Text::ChooseUnit) }</option>
                        { for ordered.iter().map(|(depth, u)| html! {
                            <option value={u.id.clone()} selected={u.id == selected}>
                                { format!("{}{}", "\u{a0}\u{a0}".repeat(*depth), u.name) }
                            </option>
                        }) }
                    </>
                }
            };
            let rows = draft.treated.iter().enumerate().map(|(i, (unit, start))| {
                let on_unit = {
                    let draft = draft.clone();
                    Callback::from(move |e: Event| {
                        let s: HtmlSelectElement = e.target_unchecked_into();
                        draft.dispatch(ExperimentAction::TreatedUnit(i, s.value()));
                    })
                };
                let on_start = {
                    let draft = draft.clone();
                    Callback::from(move |e: InputEvent| {
                        let s: HtmlInputElement = e.target_unchecked_into();
                        draft.dispatch(ExperimentAction::TreatedStart(i, s.value()));
                    })
                };
                let on_remove = {
                    let draft = draft.clone();
                    Callback::from(move |_: MouseEvent| draft.dispatch(ExperimentAction::RemoveTreated(i)))
                };
                html! {
                    <div class="treated-row" data-row={i.to_string()}>
                        <select class="treated-unit" aria-label={t(Text::TreatedUnits)} onchange={on_unit}>{ unit_options(unit) }</select>
                        <label>{ t(Text::StartField) }
                            <input type="date" class="treated-start" value={start.clone()} oninput={on_start} />
                        </label>
                        <button type="button" class="button button-quiet remove-treated" onclick={on_remove}>{ t(Text::RemoveRow) }</button>
                    </div>
                }
            });
            let comparison = ordered
                .iter()
                .filter(|(_, u)| !draft.treated.iter().any(|(t, _)| *t == u.id))
                .map(|(depth, u)| {
                    let id = u.id.clone();
                    let onchange = {
                        let draft = draft.clone();
                        let id = id.clone();
                        Callback::from(move |_: Event| draft.dispatch(ExperimentAction::ToggleComparison(id.clone())))
                    };
                    html! {
                        // Indented as in the tree: many departments share a name.
                        <label class="comparison-choice" data-unit={id.clone()}
                            style={format!("padding-inline-start: {}rem", *depth as f64 * 1.2)}>
                            <input type="checkbox" checked={draft.comparison.contains(&id)} {onchange} />
                            { u.name.clone() }
                        </label>
                    }
                });
            let kpi_choices = kpi_list.kpis.iter().map(|k| {
                let id = k.id.clone();
                let onchange = {
                    let draft = draft.clone();
                    let id = id.clone();
                    Callback::from(move |_: Event| {
                        draft.dispatch(ExperimentAction::ToggleKpi(id.clone()))
                    })
                };
                html! {
                    <label class="kpi-choice" data-kpi={id.clone()}>
                        <input type="checkbox" checked={draft.kpis.contains(&id)} {onchange} />
                        { k.title.clone() }
                    </label>
                }
            });
            let on_grain = {
                let draft = draft.clone();
                Callback::from(move |e: Event| {
                    let s: HtmlSelectElement = e.target_unchecked_into();
                    let grain = if s.value() == "week" {
                        Grain::Week
                    } else {
                        Grain::Month
                    };
                    draft.dispatch(ExperimentAction::SetGrain(grain));
                })
            };
            let on_add = {
                let draft = draft.clone();
                Callback::from(move |_: MouseEvent| draft.dispatch(ExperimentAction::AddTreated))
            };
            html! {
                <form class="experiment-form" {onsubmit}>
                    if !editing {
                        <label>{ t(Text::ExperimentId) }
                            <input name="id" value={draft.id.clone()} oninput={text(Field::Id)} />
                        </label>
                    }
                    <label>{ t(Text::ExperimentTitleField) }
                        <input name="title" value={draft.title.clone()} oninput={text(Field::Title)} />
                    </label>
                    <label>{ t(Text::Hypothesis) }
                        <textarea name="hypothesis" value={draft.hypothesis.clone()} oninput={text(Field::Hypothesis)} />
                    </label>
                    <label>{ t(Text::Intervention) }
                        <textarea name="intervention" value={draft.intervention.clone()} oninput={text(Field::Intervention)} />
                    </label>
                    <fieldset class="treated-fields">
                        <legend>{ t(Text::TreatedUnits) }</legend>
                        { for rows }
                        <button type="button" class="button button-quiet add-treated" onclick={on_add}>{ t(Text::AddTreatedUnit) }</button>
                    </fieldset>
                    <fieldset class="comparison-fields">
                        <legend>{ t(Text::ComparisonUnits) }</legend>
                        <button type="button" class="button button-quiet suggest-comparison" onclick={on_suggest.clone()}>
                            { t(Text::SuggestComparison) }
                        </button>
                        { match &*suggestions {
                            None => Html::default(),
                            Some(Err(message)) => html! { <p class="form-error">{ message.clone() }</p> },
                            Some(Ok(list)) if list.is_empty() => html! { <p class="empty">{ t(Text::NoSuggestion) }</p> },
                            Some(Ok(list)) => html! {
                                <ol class="suggestions">
                                    { for list.iter().map(|s| {
                                        let id = s.unit.clone();
                                        let name = qualified_name(unit_list, &id);
                                        let onchange = {
                                            let draft = draft.clone();
                                            let id = id.clone();
                                            Callback::from(move |_: Event| draft.dispatch(ExperimentAction::ToggleComparison(id.clone())))
                                        };
                                        html! {
                                            <li class="suggestion" data-unit={id.clone()}>
                                                <label>
                                                    <input type="checkbox" checked={draft.comparison.contains(&id)} {onchange} />
                                                    { format!("{name} ({})", crate::i18n::format::decimal(s.distance, 2)) }
                                                </label>
                                            </li>
                                        }
                                    }) }
                                </ol>
                            },
                        } }
                        <div class="choice-list choice-tree">{ for comparison }</div>
                    </fieldset>
                    <fieldset class="kpi-fields">
                        <legend>{ t(Text::WatchedKpi) }</legend>
                        <div class="choice-list">{ for kpi_choices }</div>
                    </fieldset>
                    <label>{ t(Text::Grain) }
                        <select name="grain" onchange={on_grain}>
                            <option value="week" selected={draft.grain == Grain::Week}>{ grain_name(Grain::Week) }</option>
                            <option value="month" selected={draft.grain == Grain::Month}>{ grain_name(Grain::Month) }</option>
                        </select>
                    </label>
                    <label>{ t(Text::EndField) }
                        <input type="date" name="end" value={draft.end.clone()} oninput={text(Field::End)} />
                    </label>
                    if let Some(message) = &*error {
                        <p class="form-error" role="alert">{ message.clone() }</p>
                    }
                    <button type="submit" class="button save-experiment" disabled={*busy}>{ t(Text::SaveExperiment) }</button>
                </form>
            }
        }
        _ => html! { <Loading /> },
    };
    html! {
        <ExperimentFrame class="experiment-form-page">
            <h1>{ if editing { t(Text::EditExperiment) } else { t(Text::NewExperiment) } }</h1>
            { body }
        </ExperimentFrame>
    }
}
