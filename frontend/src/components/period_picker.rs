use chrono::NaiveDate;
use web_sys::HtmlInputElement;
use yew::prelude::*;

use crate::i18n::{calendar_note, t, year_label, Text};
use crate::logic::filters::{iso, parse_date, DataRange, Preset};

#[derive(Properties, PartialEq)]
pub struct PeriodPickerProps {
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub on_from: Callback<NaiveDate>,
    pub on_to: Callback<NaiveDate>,
    /// A preset was chosen: its whole period.
    pub on_period: Callback<(NaiveDate, NaiveDate)>,
}

fn date_input(
    value: NaiveDate,
    range: DataRange,
    class: &'static str,
    on_date: Callback<NaiveDate>,
) -> Html {
    let onchange = Callback::from(move |e: Event| {
        // A cleared or half-typed date is not a period; wait for a whole one.
        let value = e.target_unchecked_into::<HtmlInputElement>().value();
        if let Some(day) = parse_date(&value).filter(|day| range.contains(*day)) {
            on_date.emit(day);
        }
    });
    // The browser's date picker is Gregorian; in Persian the Solar Hijri day is written beside it.
    let note = calendar_note(value);
    html! {
        <>
            <input
                type="date"
                {class}
                min={iso(range.first)}
                max={iso(range.last)}
                value={iso(value)}
                {onchange}
            />
            if let Some(note) = note {
                <span class={classes!("date-calendar-note", class)}>{ note }</span>
            }
        </>
    }
}

/// From and to dates (`input.date-from`, `input.date-to`) and one-click presets
/// (`button.preset[data-preset=last-month|last-quarter|{year}]`, `.active` on the one shown).
#[component]
pub fn PeriodPicker(props: &PeriodPickerProps) -> Html {
    let range = use_context::<DataRange>().unwrap_or_default();
    let calendar = crate::i18n::calendar();
    let presets = Preset::offered(calendar, range.first, range.last);
    html! {
        <fieldset class="field field-period">
            <legend class="field-label">{ t(Text::Period) }</legend>
            <div class="period-dates">
                <label class="date-field">
                    <span class="sub-label">{ t(Text::From) }</span>
                    { date_input(props.from, range, "date-from", props.on_from.clone()) }
                </label>
                <label class="date-field">
                    <span class="sub-label">{ t(Text::To) }</span>
                    { date_input(props.to, range, "date-to", props.on_to.clone()) }
                </label>
            </div>
            <div class="presets" role="group" aria-label={t(Text::Presets)}>
                { for presets.into_iter().map(|preset| {
                    let period = preset.range(calendar, range.last);
                    let active = period == (props.from, props.to);
                    let (label, id) = match preset {
                        Preset::LastWeek => (t(Text::LastWeek).to_string(), "last-week".to_string()),
                        Preset::YearToDate => (t(Text::YearToDate).to_string(), "year-to-date".to_string()),
                        Preset::LastMonth => (t(Text::LastMonth).to_string(), "last-month".to_string()),
                        Preset::LastQuarter => (t(Text::LastQuarter).to_string(), "last-quarter".to_string()),
                        Preset::Year(year) => (year_label(year), year.to_string()),
                    };
                    let on_period = props.on_period.clone();
                    html! {
                        <button
                            type="button"
                            class={classes!("preset", active.then_some("active"))}
                            data-preset={id}
                            aria-pressed={active.to_string()}
                            onclick={move |_| on_period.emit(period)}
                        >
                            { label }
                        </button>
                    }
                }) }
            </div>
        </fieldset>
    }
}
