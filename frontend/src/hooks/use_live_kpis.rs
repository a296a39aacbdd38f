use std::cell::{Cell, RefCell};
use std::rc::Rc;

use gloo::timers::callback::Interval;
use kpi_api::KpiList;
use yew::platform::spawn_local;
use yew::prelude::*;

use super::{use_session, FetchState};
use crate::api;
use crate::logic::live::{Seen, VersionWatch, POLL_MILLIS};

/// What [`use_live_kpis`] gives back.
pub struct LiveKpis {
    /// The KPI definitions as last loaded: Loading until the first answer, then the newest list.
    pub state: FetchState<KpiList>,
    /// How many times the server has loaded its KPI files again since the page opened; requests
    /// that depend on the definitions pass it to `use_live_fetch`.
    pub reloads: u64,
}

/// `GET /api/kpis` now and then every second while the calling component is shown, watching the
/// list's `version`. The page renders again only when it moves (or the first list arrives), and a
/// failed poll shows nothing: the next one tries again. A 401 still signs out, like any request.
#[hook]
pub fn use_live_kpis() -> LiveKpis {
    let list = use_state(|| None::<Rc<KpiList>>);
    let reloads = use_state(|| 0u64);
    let session = use_session();

    {
        let (list, reloads) = (list.clone(), reloads.clone());
        use_effect_with((), move |()| {
            let watch = Rc::new(RefCell::new(VersionWatch::default()));
            // One poll at a time: a slow server gets no pile of requests.
            let busy = Rc::new(Cell::new(false));
            // Answers that arrive after the page is left are dropped.
            let alive = Rc::new(Cell::new(true));
            let poll = {
                let alive = Rc::clone(&alive);
                move || {
                    if busy.replace(true) {
                        return;
                    }
                    let (watch, busy, alive) =
                        (Rc::clone(&watch), Rc::clone(&busy), Rc::clone(&alive));
                    let (list, reloads, session) = (list.clone(), reloads.clone(), session.clone());
                    spawn_local(async move {
                        let answer = api::kpis().await;
                        busy.set(false);
                        if !alive.get() {
                            return;
                        }
                        match answer {
                            Ok(answer) => {
                                let seen = watch.borrow_mut().observe(answer.version);
                                if seen != Seen::Same {
                                    list.set(Some(Rc::new(answer)));
                                }
                                if seen == Seen::Moved {
                                    reloads.set(watch.borrow().reloads());
                                }
                            }
                            Err(error) => {
                                if let Some(session) = &session {
                                    session.notice(&error);
                                }
                            }
                        }
                    });
                }
            };
            poll();
            let interval = Interval::new(POLL_MILLIS, poll);
            move || {
                alive.set(false);
                drop(interval);
            }
        });
    }

    LiveKpis {
        state: match &*list {
            Some(list) => FetchState::Ready(Rc::clone(list)),
            None => FetchState::Loading,
        },
        reloads: *reloads,
    }
}
