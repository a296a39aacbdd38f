//! An experiment's analysis in words, in English, Russian or Persian: the verdict, what the reader
//! must know (the caveats) and how it was computed. The server writes the English into the
//! analysis it answers with; the web app words the same structured analysis in its reader's
//! language, so both say exactly the same thing.

use serde::{Deserialize, Serialize};

use crate::experiment::{Design, ExperimentAnalysis};
use crate::format::{decimal_in, value_in, Locale};
use crate::{Direction, Grain, Measure};

/// What the units that changed are compared with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Against {
    /// The experiment's comparison units (and treated units before their start).
    #[default]
    Comparison,
    /// No comparison units: a roll-out's units that start later, until they start.
    LaterStarters,
    /// Themselves before their start: not causal.
    Before,
}

/// Something the reader of an analysis must know.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Caveat {
    /// The data begin with the change: its first `periods` periods are the baseline.
    Baseline { periods: usize, grain: Grain },
    /// These units have no rows the reader may see, and are left out.
    NoData { units: Vec<String> },
    /// Treated observations with no untreated unit left to compare them with.
    Dropped { rows: usize },
    /// Too few units for any result to reach 5%.
    NeverSignificant {
        units: usize,
        treated: usize,
        smallest_p: f64,
    },
    /// No comparison units: a before/after comparison.
    NotCausal,
}

/// The verdict on `a` in `locale`, for a KPI of `direction` and `measure` whose treated units are
/// compared as `a.against` says; and whether the data can tell.
pub fn verdict(
    a: &ExperimentAnalysis,
    (direction, measure): (Direction, Measure),
    title: &str,
    locale: Locale,
) -> (String, bool) {
    let against = a.against;
    let (text, conclusive) = judged(a, (direction, measure), against, title, locale);
    match against {
        Against::Before => {
            let head = match locale {
                Locale::En => "Not a causal estimate.",
                Locale::Ru => "Это не причинная оценка.",
                Locale::Fa => "این برآورد علّی نیست.",
            };
            (format!("{head} {text}"), false)
        }
        _ => (text, conclusive),
    }
}

fn judged(
    a: &ExperimentAnalysis,
    (direction, measure): (Direction, Measure),
    against: Against,
    title: &str,
    locale: Locale,
) -> (String, bool) {
    // A share moves in points; a time or a volume in percent of what it was.
    let (effect, relative) = match a.relative {
        Some(r) if measure != Measure::Percent => (r, true),
        _ => (a.absolute, false),
    };
    let p2 = |p: f64| p_value(locale, p);
    if let Some(p) = a.pre_trend.filter(|p| !p.parallel) {
        let up = p.slope > 0.0;
        let others = others(against, locale);
        let text = match locale {
            Locale::En => format!(
                "The data cannot tell. Before the start, the treated units were already drifting {} against {others} (pre-trend test p = {}), so the difference after it need not come from the change.",
                if up { "up" } else { "down" },
                p2(p.p_value)
            ),
            Locale::Ru => format!(
                "Данные не позволяют судить. Ещё до старта подразделения с изменением смещались {} относительно {others} (тест предтренда: p = {}), поэтому разница после старта может быть вызвана не изменением.",
                if up { "вверх" } else { "вниз" },
                p2(p.p_value)
            ),
            Locale::Fa => format!(
                "داده‌ها پاسخ روشنی نمی‌دهند. پیش از شروع، واحدهای مشمول تغییر نسبت به {others} رو به {} می‌رفتند (آزمون روند پیشین: p = {})، پس تفاوت پس از شروع ممکن است از تغییر نباشد.",
                if up { "بالا" } else { "پایین" },
                p2(p.p_value)
            ),
        };
        return (text, false);
    }
    let (Some(low), Some(high)) = (effect.low, effect.high) else {
        let text = match locale {
            Locale::En => format!(
                "The data cannot tell whether {title} changed: with these units, even a large effect would not stand out from how the units differ anyway (the interval has no bound)."
            ),
            Locale::Ru => format!(
                "Данные не позволяют судить, изменился ли показатель «{title}»: при таких подразделениях даже большой эффект не выделился бы на фоне обычных различий между ними (у интервала нет границы)."
            ),
            Locale::Fa => format!(
                "داده‌ها نشان نمی‌دهند که «{title}» تغییر کرده است یا نه: با این واحدها حتی اثری بزرگ هم از تفاوت‌های معمول میان واحدها جدا نمی‌شود (بازه کران ندارد)."
            ),
        };
        return (text, false);
    };
    let amount = |v: f64| amount(v, measure, relative, locale);
    let span = |x: f64| {
        let sign = match (x < 0.0, locale) {
            (false, _) => "+",
            (true, Locale::En) => "-",
            (true, _) => "−",
        };
        format!("{sign}{}", amount(x))
    };
    if low <= 0.0 && 0.0 <= high {
        let (e, l, h) = (span(effect.estimate), span(low), span(high));
        let text = match locale {
            Locale::En => format!(
                "The data cannot tell whether {title} changed: the estimate is {e} but the 95% interval runs from {l} to {h}, which includes no change."
            ),
            Locale::Ru => format!(
                "Данные не позволяют судить, изменился ли показатель «{title}»: оценка {e}, но 95-процентный интервал — от {l} до {h}, то есть включает отсутствие изменений."
            ),
            Locale::Fa => format!(
                "داده‌ها نشان نمی‌دهند که «{title}» تغییر کرده است یا نه: برآورد {e} است، اما بازهٔ ۹۵٪ از {l} تا {h} است که «بدون تغییر» را هم در بر می‌گیرد."
            ),
        };
        return (text, false);
    }
    let fell = effect.estimate < 0.0;
    let better = fell == (direction == Direction::Lower);
    let lower = direction == Direction::Lower;
    let (by, lo, hi) = (
        amount(effect.estimate),
        amount(low.abs().min(high.abs())),
        amount(low.abs().max(high.abs())),
    );
    let trend = a.pre_trend.map(|p| {
        let others = others_alike(against, locale);
        match locale {
            Locale::En => format!(
                " Before the start, the units that made the change were on the same trend as {others} (pre-trend test p = {}).",
                p2(p.p_value)
            ),
            Locale::Ru => format!(
                " До старта подразделения с изменением шли тем же трендом, что и {others} (тест предтренда: p = {}).",
                p2(p.p_value)
            ),
            Locale::Fa => format!(
                " پیش از شروع، واحدهای مشمول تغییر هم‌روند با {others} بودند (آزمون روند پیشین: p = {}).",
                p2(p.p_value)
            ),
        }
    });
    let trend = trend.unwrap_or_default();
    let text = match locale {
        Locale::En => format!(
            "{title} {} by {by} (95% interval {lo} to {hi}) in the units that made the change, {}. {}{trend}",
            if fell { "fell" } else { "rose" },
            match against {
                Against::Comparison => "against the comparison units",
                Against::LaterStarters => "against the units that had not started yet",
                Against::Before => "after their start against before it",
            },
            match (better, lower) {
                (true, true) => "An improvement: lower is better for this KPI.",
                (true, false) => "An improvement: higher is better for this KPI.",
                (false, true) => "A deterioration: lower is better for this KPI.",
                (false, false) => "A deterioration: higher is better for this KPI.",
            },
        ),
        Locale::Ru => format!(
            "Показатель «{title}» {} на {by} (95-процентный интервал от {lo} до {hi}) в подразделениях с изменением {}. {}{trend}",
            if fell { "снизился" } else { "вырос" },
            match against {
                Against::Comparison => "по сравнению с контрольными подразделениями",
                Against::LaterStarters => "по сравнению с подразделениями, ещё не начавшими",
                Against::Before => "после старта по сравнению с периодом до него",
            },
            match (better, lower) {
                (true, true) => "Улучшение: для этого показателя лучше меньше.",
                (true, false) => "Улучшение: для этого показателя лучше больше.",
                (false, true) => "Ухудшение: для этого показателя лучше меньше.",
                (false, false) => "Ухудшение: для этого показателя лучше больше.",
            },
        ),
        Locale::Fa => format!(
            "«{title}» در واحدهای مشمول تغییر، {}، به اندازهٔ {by} {} یافت (بازهٔ ۹۵٪ از {lo} تا {hi}). {}{trend}",
            match against {
                Against::Comparison => "در مقایسه با واحدهای مقایسه",
                Against::LaterStarters => "در مقایسه با واحدهایی که هنوز شروع نکرده بودند",
                Against::Before => "پس از شروع در مقایسه با پیش از آن",
            },
            if fell { "کاهش" } else { "افزایش" },
            match (better, lower) {
                (true, true) => "بهبود: برای این شاخص کمتر بهتر است.",
                (true, false) => "بهبود: برای این شاخص بیشتر بهتر است.",
                (false, true) => "بدتر شدن: برای این شاخص کمتر بهتر است.",
                (false, false) => "بدتر شدن: برای این شاخص بیشتر بهتر است.",
            },
        ),
    };
    (text, true)
}

/// A p-value as the sentences write it: two decimals in the language's digits.
fn p_value(locale: Locale, p: f64) -> String {
    decimal_in(locale, p, 2)
}

/// Whom the treated units are said to drift against.
fn others(against: Against, locale: Locale) -> &'static str {
    match (locale, against) {
        (Locale::En, Against::LaterStarters) => "the units that started later",
        (Locale::En, _) => "the comparison units",
        (Locale::Ru, Against::LaterStarters) => "подразделений, начавших позже",
        (Locale::Ru, _) => "контрольных подразделений",
        (Locale::Fa, Against::LaterStarters) => "واحدهایی که دیرتر شروع کردند",
        (Locale::Fa, _) => "واحدهای مقایسه",
    }
}

/// Whom the treated units are said to move alike with.
fn others_alike(against: Against, locale: Locale) -> &'static str {
    match (locale, against) {
        (Locale::Ru, Against::LaterStarters) => "подразделения, начавшие позже",
        (Locale::Ru, _) => "контрольные подразделения",
        _ => others(against, locale),
    }
}

/// A number as the verdict writes it: the size of an effect, without its sign.
fn amount(value: f64, measure: Measure, relative: bool, locale: Locale) -> String {
    let v = value.abs();
    if locale == Locale::En {
        if relative {
            return format!("{v:.1}%");
        }
        return match measure {
            Measure::Percent => format!("{v:.1} percentage points"),
            Measure::Hours => format!("{v:.1} hours"),
            Measure::Days => format!("{v:.1} days"),
            Measure::Count => format!("{v:.1}"),
            Measure::Per1000 => format!("{v:.2} per 1,000 residents"),
        };
    }
    if relative {
        return value_in(locale, Some(v), Measure::Percent);
    }
    let n = |places| decimal_in(locale, v, places);
    match (locale, measure) {
        (Locale::Ru, Measure::Percent) => format!("{}\u{a0}п.\u{a0}п.", n(1)),
        (Locale::Ru, Measure::Hours) => format!("{}\u{a0}ч", n(1)),
        (Locale::Ru, Measure::Days) => format!("{}\u{a0}дн.", n(1)),
        (Locale::Ru, Measure::Per1000) => format!("{} на 1000 жителей", n(2)),
        (Locale::Fa, Measure::Percent) => format!("{} واحد درصد", n(1)),
        (Locale::Fa, Measure::Hours) => format!("{} ساعت", n(1)),
        (Locale::Fa, Measure::Days) => format!("{} روز", n(1)),
        (Locale::Fa, Measure::Per1000) => format!("{} به ازای هر ۱٬۰۰۰ نفر", n(2)),
        (_, _) => n(1),
    }
}

/// A caveat in `locale`.
pub fn caveat(c: &Caveat, locale: Locale) -> String {
    let int = |n: usize| match locale {
        Locale::En => n.to_string(),
        _ => decimal_in(locale, n as f64, 0),
    };
    match c {
        Caveat::Baseline { periods, grain } => {
            let n = int(*periods);
            match locale {
                Locale::En => format!(
                    "The data begin when the change began: the first {n} {}s serve as the baseline, so the effect is the change since then, not since before the change.",
                    grain.as_str()
                ),
                Locale::Ru => format!(
                    "Данные начинаются вместе с изменением: базой служат первые периоды ({n}, шаг — {}), поэтому эффект — это изменение с того момента, а не с времени до изменения.",
                    match grain {
                        Grain::Week => "неделя",
                        Grain::Month => "месяц",
                        Grain::Quarter => "квартал",
                        Grain::Year => "год",
                    }
                ),
                Locale::Fa => format!(
                    "داده‌ها هم‌زمان با تغییر آغاز می‌شوند: {n} {} نخست پایه قرار گرفته‌اند، پس اثر، تغییر از آن زمان است نه از پیش از تغییر.",
                    match grain {
                        Grain::Week => "هفتهٔ",
                        Grain::Month => "ماه",
                        Grain::Quarter => "فصل",
                        Grain::Year => "سال",
                    }
                ),
            }
        }
        Caveat::NoData { units } => {
            let units = units.join(", ");
            match locale {
                Locale::En => format!(
                    "No data for {units} (outside your jurisdiction, or no rows): left out."
                ),
                Locale::Ru => format!(
                    "Нет данных по {units} (вне вашей зоны ответственности или нет строк): исключены."
                ),
                Locale::Fa => format!(
                    "برای {units} داده‌ای نیست (بیرون از حوزهٔ شما، یا بدون ردیف): کنار گذاشته شدند."
                ),
            }
        }
        Caveat::Dropped { rows } => {
            let n = int(*rows);
            match locale {
                Locale::En => format!(
                    "{n} treated observations are left out: in their periods no unit was left without the change to compare them with."
                ),
                Locale::Ru => format!(
                    "Исключено наблюдений с изменением: {n}. В их периодах не осталось подразделений без изменения для сравнения."
                ),
                Locale::Fa => format!(
                    "{n} مشاهدهٔ مشمول تغییر کنار گذاشته شد: در دوره‌های آن‌ها واحدی بدون تغییر برای مقایسه نمانده بود."
                ),
            }
        }
        Caveat::NeverSignificant {
            units,
            treated,
            smallest_p,
        } => {
            let (u, t) = (int(*units), int(*treated));
            match locale {
                Locale::En => format!(
                    "With {u} units and {t} treated, no result can be significant at 5%: even the most extreme one has p = {}.",
                    p_value(locale, *smallest_p)
                ),
                Locale::Ru => format!(
                    "Подразделений — {u}, из них с изменением — {t}: ни один результат не может быть значимым на уровне 5\u{a0}%, даже у самого крайнего p = {}.",
                    p_value(locale, *smallest_p)
                ),
                Locale::Fa => format!(
                    "با {u} واحد که {t} واحد از آن‌ها تغییر کرده‌اند، هیچ نتیجه‌ای در سطح ۵٪ معنادار نمی‌شود: حتی حدی‌ترین نتیجه p = {} دارد.",
                    p_value(locale, *smallest_p)
                ),
            }
        }
        Caveat::NotCausal => match locale {
            Locale::En => "There are no comparison units: this is a before/after comparison, not a causal estimate. Anything else that changed at the same time (a season, a new rule, a shock) is in this number too.".to_string(),
            Locale::Ru => "Контрольных подразделений нет: это сравнение «до и после», а не причинная оценка. Всё, что менялось в то же время (сезон, новое правило, потрясение), тоже входит в это число.".to_string(),
            Locale::Fa => "واحد مقایسه‌ای وجود ندارد: این مقایسهٔ پیش و پس است، نه برآورد علّی. هر چیز دیگری که هم‌زمان تغییر کرده است (فصل، قاعده‌ای تازه، یک شوک) هم در این عدد هست.".to_string(),
        },
    }
}

/// How the analysis of `design` was computed, in `locale`.
pub fn method(design: &Design, locale: Locale) -> String {
    match design {
        Design::DifferenceInDifferences {
            units,
            assignments,
            exhaustive,
            possible,
            ..
        } => {
            let count = |n: f64| match locale {
                Locale::En if n < 1e6 => format!("{n:.0}"),
                Locale::En => format!("{n:.2e}"),
                _ if n < 1e9 => decimal_in(locale, n, 0),
                _ => {
                    let exp = n.log10().floor();
                    format!(
                        "{}·10^{}",
                        decimal_in(locale, n / 10f64.powf(exp), 2),
                        decimal_in(locale, exp, 0)
                    )
                }
            };
            let (u, possible, a) = (
                count(*units as f64),
                count(*possible),
                count(*assignments as f64),
            );
            match locale {
                Locale::En => format!(
                    "Difference in differences by imputation: what each treated unit would have shown without the change is predicted from the untreated units and periods, so units that started later are never compared with units already changed. The interval is from randomisation inference: with {u} units, unit-clustered standard errors are too narrow, so the same analysis was re-run {} the {possible} ways the same start dates could have been given to these units{}.",
                    if *exhaustive { "under all" } else { "under a fixed sample of" },
                    if *exhaustive { String::new() } else { format!(" ({a} of them)") }
                ),
                Locale::Ru => format!(
                    "Разность разностей через импутацию: значение, которое каждое подразделение с изменением показало бы без него, предсказывается по подразделениям и периодам без изменения, поэтому начавшие позже никогда не сравниваются с уже изменившимися. Интервал получен рандомизационным выводом: при {u} подразделениях кластеризованные стандартные ошибки слишком узки, поэтому тот же анализ повторён для {} {possible} способов распределить те же даты старта между этими подразделениями{}.",
                    if *exhaustive { "всех" } else { "фиксированной выборки из" },
                    if *exhaustive { String::new() } else { format!(" (в выборке {a})") }
                ),
                Locale::Fa => format!(
                    "تفاضل در تفاضل با جانهی: مقداری که هر واحد مشمول تغییر بدون تغییر نشان می‌داد، از واحدها و دوره‌های بدون تغییر پیش‌بینی می‌شود، پس واحدهایی که دیرتر شروع کرده‌اند هرگز با واحدهای تغییرکرده مقایسه نمی‌شوند. بازه از استنباط تصادفی‌سازی است: با {u} واحد، خطاهای معیار خوشه‌ای بیش از حد باریک‌اند، پس همین تحلیل برای {} {possible} راه ممکنِ دادن همین تاریخ‌های شروع به این واحدها دوباره اجرا شد{}.",
                    if *exhaustive { "همهٔ" } else { "نمونه‌ای ثابت از" },
                    if *exhaustive { String::new() } else { format!(" ({a} راه)") }
                ),
            }
        }
        Design::BeforeAfter { .. } => match locale {
            Locale::En => "Before and after: each treated unit's average after its start minus its average before, averaged over the units, with a t interval over units. Without comparison units nothing separates the change from whatever else happened at the same time.".to_string(),
            Locale::Ru => "До и после: для каждого подразделения с изменением — среднее после старта минус среднее до него, усреднённое по подразделениям, с t-интервалом по подразделениям. Без контрольных подразделений ничто не отделяет изменение от всего прочего, что происходило в то же время.".to_string(),
            Locale::Fa => "پیش و پس: برای هر واحد مشمول تغییر، میانگین پس از شروع منهای میانگین پیش از آن، میانگین‌گیری‌شده روی واحدها، با بازهٔ t روی واحدها. بدون واحد مقایسه، هیچ چیز تغییر را از دیگر رویدادهای هم‌زمان جدا نمی‌کند.".to_string(),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::experiment::{Estimate, PreTrendTest};

    fn analysis(estimate: f64, low: f64, high: f64) -> ExperimentAnalysis {
        let design = Design::BeforeAfter { units: 5 };
        ExperimentAnalysis {
            experiment: "e".into(),
            kpi: "k".into(),
            kpi_title: "Time to answer".into(),
            measure: "hours".into(),
            grain: Grain::Week,
            periods: Vec::new(),
            design,
            absolute: Estimate {
                estimate,
                low: Some(low),
                high: Some(high),
            },
            relative: None,
            p_value: None,
            clustered: None,
            naive: None,
            pre_trend: Some(PreTrendTest {
                p_value: 0.41,
                slope: 0.1,
                periods: 8,
                parallel: true,
            }),
            events: Vec::new(),
            verdict: String::new(),
            conclusive: false,
            warnings: Vec::new(),
            method: String::new(),
            direction: Some(Direction::Lower),
            against: Against::Comparison,
            caveats: Vec::new(),
            kpi_translations: Default::default(),
        }
    }

    const HOURS: (Direction, Measure) = (Direction::Lower, Measure::Hours);

    #[test]
    fn a_clear_effect_reads_alike_in_each_language() {
        let a = analysis(-8.1, -12.0, -4.2);
        let (en, sure) = verdict(&a, HOURS, "Time to answer", Locale::En);
        assert!(sure);
        assert_eq!(
            en,
            "Time to answer fell by 8.1 hours (95% interval 4.2 hours to 12.0 hours) in the units \
             that made the change, against the comparison units. An improvement: lower is better \
             for this KPI. Before the start, the units that made the change were on the same trend \
             as the comparison units (pre-trend test p = 0.41)."
        );
        let (ru, _) = verdict(&a, HOURS, "Время ответа", Locale::Ru);
        assert!(
            ru.starts_with("Показатель «Время ответа» снизился на 8,1\u{a0}ч"),
            "{ru}"
        );
        assert!(ru.contains("Улучшение") && ru.contains("p = 0,41"), "{ru}");
        let (fa, _) = verdict(&a, HOURS, "زمان پاسخ", Locale::Fa);
        assert!(
            fa.contains("۸٫۱ ساعت") && fa.contains("کاهش") && fa.contains("بهبود"),
            "{fa}"
        );
        assert!(!fa.chars().any(|c| c.is_ascii_digit()), "{fa}");
    }

    #[test]
    fn an_interval_across_zero_cannot_tell_and_a_before_after_says_it_is_not_causal() {
        let mut a = analysis(-1.0, -3.0, 1.0);
        a.against = Against::Before;
        let (ru, sure) = verdict(&a, HOURS, "Время ответа", Locale::Ru);
        assert!(!sure);
        assert!(
            ru.starts_with("Это не причинная оценка. Данные не позволяют судить"),
            "{ru}"
        );
        assert!(ru.contains("от −3,0\u{a0}ч до +1,0\u{a0}ч"), "{ru}");
        let (en, _) = verdict(&a, HOURS, "Time to answer", Locale::En);
        assert!(
            en.contains("from -3.0 hours to +1.0 hours, which includes no change"),
            "{en}"
        );
    }

    #[test]
    fn caveats_and_methods_carry_their_numbers_in_each_language() {
        let c = Caveat::NeverSignificant {
            units: 6,
            treated: 2,
            smallest_p: 0.0667,
        };
        assert_eq!(
            caveat(&c, Locale::En),
            "With 6 units and 2 treated, no result can be significant at 5%: even the most extreme one has p = 0.07."
        );
        assert!(caveat(&c, Locale::Fa).contains("۰٫۰۷"));
        assert!(caveat(&c, Locale::Ru).contains("0,07"));
        let design = Design::DifferenceInDifferences {
            units: 10,
            treated_units: 5,
            assignments: 2000,
            exhaustive: false,
            possible: 3_628_800.0,
            dropped_rows: 0,
        };
        assert!(method(&design, Locale::En).contains("under a fixed sample of the 3.63e6 ways"));
        assert!(method(&design, Locale::Ru).contains("3\u{a0}628\u{a0}800"));
        assert!(method(&design, Locale::Fa).contains("۲٬۰۰۰"));
    }
}
