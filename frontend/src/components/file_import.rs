use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{signed_in, use_session};
use crate::i18n::{experiments_imported, import_done, t, Text};

/// Where a file goes: an export (plans, check-ins) through the import, or an experiments file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ImportTarget {
    #[default]
    Exports,
    Experiments,
}

#[derive(Properties, PartialEq)]
pub struct FileImportProps {
    /// Called after a file was imported, to show the plans again.
    pub on_imported: Callback<()>,
    #[prop_or_default]
    pub target: ImportTarget,
}

/// Imports a plans or check-ins file (`input.plan-import-file`) through `POST /api/imports`, or an
/// experiments file (`input.experiments-import-file`) through `POST /api/experiments/import`: what
/// it did shows in `.import-done`, a refusal with its file, line and column in `.form-error`, and
/// nothing stored before is lost either way.
#[component]
pub fn FileImport(props: &FileImportProps) -> Html {
    let session = use_session();
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<Result<String, String>>);
    let target = props.target;
    let onchange = {
        let (busy, outcome, on_imported) =
            (busy.clone(), outcome.clone(), props.on_imported.clone());
        Callback::from(move |e: Event| {
            let input = e.target_unchecked_into::<HtmlInputElement>();
            let Some(file) = input.files().and_then(|files| files.get(0)) else {
                return;
            };
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            outcome.set(None);
            let (busy, outcome, on_imported) = (busy.clone(), outcome.clone(), on_imported.clone());
            spawn_local(async move {
                let answer = match target {
                    ImportTarget::Exports => api::import_file(&csrf, &file.name(), &file)
                        .await
                        .map(|report| import_done(&report)),
                    ImportTarget::Experiments => {
                        api::import_experiments(&csrf, &file).await.map(|done| {
                            experiments_imported(done.created, done.changed, done.unchanged)
                        })
                    }
                };
                input.set_value("");
                busy.set(false);
                match answer {
                    Ok(done) => {
                        outcome.set(Some(Ok(done)));
                        on_imported.emit(());
                    }
                    Err(e) => {
                        session.notice(&e);
                        outcome.set(Some(Err(e.message())));
                    }
                }
            });
        })
    };
    html! {
        <div class="plan-import">
            <label class="field">
                <span class="field-label">{ t(match (*busy, target) {
                    (true, _) => Text::Importing,
                    (false, ImportTarget::Exports) => Text::ImportPlans,
                    (false, ImportTarget::Experiments) => Text::ImportExperiments,
                }) }</span>
                if target == ImportTarget::Experiments {
                    <input type="file" class="experiments-import-file" accept=".json,application/json" disabled={*busy} {onchange} />
                } else {
                    <input type="file" class="plan-import-file" accept=".csv,.parquet,text/csv" disabled={*busy} {onchange} />
                }
            </label>
            { match &*outcome {
                Some(Ok(done)) => html! { <p class="import-done" role="status">{ done.clone() }</p> },
                Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
                None => Html::default(),
            } }
        </div>
    }
}
