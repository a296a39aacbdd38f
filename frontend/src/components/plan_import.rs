use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{signed_in, use_session};
use crate::i18n::{import_done, t, Text};

#[derive(Properties, PartialEq)]
pub struct PlanImportProps {
    /// Called after a file was imported, to show the plans again.
    pub on_imported: Callback<()>,
}

/// Imports a plans or check-ins file (`input.plan-import-file`) through `POST /api/imports`: what
/// it did shows in `.import-done`, a refusal with its file, line and column in `.form-error`, and
/// nothing stored before is lost either way.
#[component]
pub fn PlanImport(props: &PlanImportProps) -> Html {
    let session = use_session();
    let busy = use_state(|| false);
    let outcome = use_state(|| None::<Result<String, String>>);
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
                let answer = api::import_file(&csrf, &file.name(), &file).await;
                input.set_value("");
                busy.set(false);
                match answer {
                    Ok(report) => {
                        outcome.set(Some(Ok(import_done(&report))));
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
                <span class="field-label">{ t(if *busy { Text::Importing } else { Text::ImportPlans }) }</span>
                <input type="file" class="plan-import-file" accept=".csv,.parquet,text/csv" disabled={*busy} {onchange} />
            </label>
            { match &*outcome {
                Some(Ok(done)) => html! { <p class="import-done" role="status">{ done.clone() }</p> },
                Some(Err(message)) => html! { <p class="form-error" role="alert">{ message.clone() }</p> },
                None => Html::default(),
            } }
        </div>
    }
}
