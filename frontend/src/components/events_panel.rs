use std::rc::Rc;

use chrono::NaiveDate;
use kpi_api::{Annotation, NewAnnotation, UserRole};
use web_sys::HtmlInputElement;
use yew::platform::spawn_local;
use yew::prelude::*;

use crate::api;
use crate::hooks::{signed_in, use_session};
use crate::i18n::{event_span, t, Text};
use crate::logic::filters::parse_date;

#[derive(Properties, PartialEq)]
pub struct EventsPanelProps {
    /// The board's unit: new events are marked for it.
    pub unit: AttrValue,
    /// The events that concern the unit (`GET /api/annotations`).
    pub events: Rc<Vec<Annotation>>,
    /// The day the form starts on (the board's last day).
    pub day: NaiveDate,
    /// Called after an event is added or removed, to fetch the list again.
    pub on_change: Callback<()>,
}

/// The dated events shaded on the unit's charts (`section.events-panel`, one `li.event` each)
/// and a form to mark one (`form.event-form` with `input[name=from]`, `input[name=to]` and
/// `input[name=title]`). An event entered in the app can be removed by its author or an admin
/// (`button.event-remove`); the server's refusal shows in `.form-error`.
#[component]
pub fn EventsPanel(props: &EventsPanelProps) -> Html {
    let session = use_session();
    let me = session.as_ref().and_then(|s| s.info());
    let from = use_node_ref();
    let to = use_node_ref();
    let title = use_node_ref();
    let busy = use_state(|| false);
    let error = use_state(|| None::<String>);

    let onsubmit = {
        let (from, to, title) = (from.clone(), to.clone(), title.clone());
        let (busy, error, session) = (busy.clone(), error.clone(), session.clone());
        let (unit, on_change) = (props.unit.to_string(), props.on_change.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            let value = |field: &NodeRef| {
                field
                    .cast::<HtmlInputElement>()
                    .map(|input| input.value())
                    .unwrap_or_default()
            };
            let Some(start) = parse_date(&value(&from)) else {
                error.set(Some(t(Text::EventNeedsDay).to_string()));
                return;
            };
            let event = NewAnnotation {
                from: start,
                to: parse_date(&value(&to)),
                unit: unit.clone(),
                title: value(&title),
            };
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            busy.set(true);
            error.set(None);
            let (busy, error, on_change, title) = (
                busy.clone(),
                error.clone(),
                on_change.clone(),
                title.clone(),
            );
            spawn_local(async move {
                match api::add_annotation(&csrf, &event).await {
                    Ok(_) => {
                        if let Some(input) = title.cast::<HtmlInputElement>() {
                            input.set_value("");
                        }
                        on_change.emit(());
                    }
                    Err(e) => {
                        session.notice(&e);
                        error.set(Some(e.message()));
                    }
                }
                busy.set(false);
            });
        })
    };

    let remove = |id: String| {
        let (error, session, on_change) = (error.clone(), session.clone(), props.on_change.clone());
        Callback::from(move |_: MouseEvent| {
            let Some((session, csrf)) = signed_in(&session) else {
                return;
            };
            let (id, error, on_change) = (id.clone(), error.clone(), on_change.clone());
            spawn_local(async move {
                match api::remove_annotation(&csrf, &id).await {
                    Ok(()) => on_change.emit(()),
                    Err(e) => {
                        session.notice(&e);
                        error.set(Some(e.message()));
                    }
                }
            });
        })
    };
    let may_remove = |a: &Annotation| {
        a.id.is_some()
            && me.as_ref().is_some_and(|me| {
                me.role == UserRole::Admin || a.by.as_deref() == Some(me.user.as_str())
            })
    };
    // The first day starts on the board's last day, set once: bound as a value, every render of
    // the board would put it back over what the person chose.
    {
        let (from, day) = (from.clone(), crate::logic::filters::iso(props.day));
        use_effect_with((), move |()| {
            if let Some(input) = from.cast::<HtmlInputElement>() {
                input.set_value(&day);
            }
        });
    }
    html! {
        <section class="events-panel" aria-labelledby="events-heading">
            <h2 id="events-heading">{ t(Text::EventsTitle) }</h2>
            if props.events.is_empty() {
                <p class="empty">{ t(Text::EventsNone) }</p>
            } else {
                <ul class="events">
                    { for props.events.iter().map(|a| html! {
                        <li class="event" data-event={a.id.clone().unwrap_or_default()}>
                            <span class="event-days">{ event_span(a.from, a.to) }</span>
                            { " " }
                            <span class="event-title">{ a.title.clone() }</span>
                            if let Some(by) = &a.by {
                                <span class="event-by">{ format!(" · {by}") }</span>
                            }
                            if may_remove(a) {
                                { " " }
                                <button type="button" class="event-remove"
                                    onclick={remove(a.id.clone().unwrap_or_default())}>
                                    { t(Text::EventRemove) }
                                </button>
                            }
                        </li>
                    }) }
                </ul>
            }
            <form class="event-form" {onsubmit} novalidate=true>
                <label class="field">
                    <span class="field-label">{ t(Text::From) }</span>
                    <input type="date" name="from" required=true ref={from} />
                </label>
                <label class="field">
                    <span class="field-label">{ t(Text::To) }</span>
                    <input type="date" name="to" ref={to} />
                </label>
                <label class="field field-wide">
                    <span class="field-label">{ t(Text::EventTitle) }</span>
                    <input type="text" name="title" maxlength="200" required=true ref={title} />
                </label>
                <button type="submit" disabled={*busy}>{ t(Text::EventAdd) }</button>
                if let Some(message) = &*error {
                    <p class="form-error" role="alert">{ message.clone() }</p>
                }
            </form>
        </section>
    }
}
