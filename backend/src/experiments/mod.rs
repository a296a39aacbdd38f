//! Management experiments: did the change move the KPI? A KPI is evaluated by the engine for
//! each unit of the experiment and each week or month, from the caller's rows only, and the
//! panel is analysed by [`kpi_stats`]: the imputation difference in differences with
//! randomisation inference, an event study and a pre-trend test, put into words.

use chrono::{Datelike, NaiveDate};
use kpi_api::experiment::{
    Design, Estimate, EventEffect, Experiment, ExperimentAnalysis, PreTrendTest,
};
use kpi_api::format::Locale;
use kpi_api::verdict::{self, Against, Caveat};
use kpi_api::{Grain, Translated};
use kpi_stats::{Obs, Panel};

pub mod store;

use crate::auth::Jurisdiction;
use crate::error::{Error, Result};
use crate::kpi::{self, Kpi, Periods, Scope};
use crate::state::AppState;

/// Periods used as the baseline when the data begin no earlier than the change.
const BASELINE_WEEKS: usize = 13;
const BASELINE_MONTHS: usize = 3;

/// The KPI's values for each unit of `experiment` by period, and which period each treated unit
/// starts in.
struct Data {
    periods: Vec<(NaiveDate, NaiveDate)>,
    panel: Panel,
    starts: Vec<Option<usize>>,
    treated_units: usize,
    caveats: Vec<Caveat>,
}

/// `kpi` for each of `units` (with what is under it) in each of `periods`, from the rows inside
/// `jurisdiction`.
fn each_unit(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    kpi: &Kpi,
    units: &[String],
    periods: &[(NaiveDate, NaiveDate)],
) -> Result<Vec<kpi::Cell>> {
    kpi::evaluate(
        &state.sandbox,
        kpi,
        Scope::EachOf(units),
        &Periods(periods.to_vec()),
        jurisdiction,
        state.config.limits.query_time,
    )
}

/// Evaluates `kpi` for every unit of `experiment` by its grain, within `jurisdiction`.
fn data(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi: &Kpi,
) -> Result<Data> {
    let (data_from, data_to) = state.data_range();
    let (Some(data_from), Some(data_to)) = (data_from, data_to) else {
        return Err(Error::Refused("there is no data to analyse yet".into()));
    };
    let to = experiment.end.map_or(data_to, |e| e.min(data_to));
    let grain = experiment.grain;
    let periods = grain.buckets(data_from, to);
    let mut units: Vec<String> = experiment.treated.iter().map(|t| t.unit.clone()).collect();
    let treated_units = units.len();
    units.extend(experiment.comparison.iter().cloned());
    let cells = each_unit(state, jurisdiction, kpi, &units, &periods)?;
    let mut caveats = Vec::new();
    // A unit's start in period index terms; a period the start falls inside is neither before
    // nor after, and is left out for that unit.
    let mut starts: Vec<Option<usize>> = vec![None; units.len()];
    let mut split: Vec<Option<usize>> = vec![None; units.len()];
    let baseline = match grain {
        Grain::Week => BASELINE_WEEKS,
        _ => BASELINE_MONTHS,
    };
    let mut baselined = false;
    for (i, t) in experiment.treated.iter().enumerate() {
        let first = periods.iter().position(|(from, _)| *from >= t.start);
        split[i] = periods
            .iter()
            .position(|(from, until)| *from < t.start && t.start < *until);
        starts[i] = match first {
            Some(0) if periods.len() > baseline => {
                baselined = true;
                Some(baseline)
            }
            // A start after the data: only its before is known.
            None => Some(periods.len()),
            other => other,
        };
    }
    if baselined {
        caveats.push(Caveat::Baseline {
            periods: baseline,
            grain,
        });
    }
    let index: std::collections::HashMap<&str, usize> = units
        .iter()
        .enumerate()
        .map(|(i, u)| (u.as_str(), i))
        .collect();
    let period_index: std::collections::HashMap<NaiveDate, usize> = periods
        .iter()
        .enumerate()
        .map(|(i, (from, _))| (*from, i))
        .collect();
    let obs: Vec<Obs> = cells
        .iter()
        .filter_map(|c| {
            let unit = *index.get(c.grp.as_str())?;
            let period = *period_index.get(&c.period)?;
            let y = c.value?;
            (split[unit] != Some(period)).then_some(Obs { unit, period, y })
        })
        .collect();
    let missing: Vec<&str> = units
        .iter()
        .enumerate()
        .filter(|(i, _)| !obs.iter().any(|o| o.unit == *i))
        .map(|(_, u)| u.as_str())
        .collect();
    if !missing.is_empty() {
        caveats.push(Caveat::NoData {
            units: missing.iter().map(|u| u.to_string()).collect(),
        });
    }
    let panel = Panel::new(obs, units.len(), periods.len()).map_err(Error::Internal)?;
    Ok(Data {
        periods,
        panel,
        starts,
        treated_units,
        caveats,
    })
}

fn estimate(i: &kpi_stats::Interval) -> Estimate {
    Estimate {
        estimate: i.estimate,
        low: i.low,
        high: i.high,
    }
}

/// The relative effect from an effect on the logarithm: `exp(x) - 1`, in percent.
fn relative(i: &kpi_stats::Interval) -> Estimate {
    let pct = |x: f64| (x.exp() - 1.0) * 100.0;
    Estimate {
        estimate: pct(i.estimate),
        low: i.low.map(pct),
        high: i.high.map(pct),
    }
}

/// What makes two analyses the same: the experiment as defined, the KPI's SQL, whose rows
/// (jurisdiction and data version).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct AnalysisKey {
    experiment: String,
    kpi: String,
    sql: String,
    rows: crate::sandbox::Rows,
    data_version: u64,
}

/// An analysis running in the background: re-runs done of all, or why it failed.
#[derive(Default)]
struct Job {
    done: std::sync::atomic::AtomicUsize,
    total: std::sync::atomic::AtomicUsize,
    failed: std::sync::Mutex<Option<String>>,
}

/// Analyses already made: asked again, an analysis costs nothing until the data, the KPI file or
/// the experiment changes (each is part of the key). Long ones run in the background.
pub struct Analyses {
    done: quick_cache::sync::Cache<AnalysisKey, std::sync::Arc<ExperimentAnalysis>>,
    running: std::sync::Mutex<std::collections::HashMap<AnalysisKey, std::sync::Arc<Job>>>,
}

impl Default for Analyses {
    fn default() -> Analyses {
        Analyses {
            done: quick_cache::sync::Cache::new(512),
            running: Default::default(),
        }
    }
}

/// An analysis, or how far the one running has come.
pub enum Answer {
    Ready(std::sync::Arc<ExperimentAnalysis>),
    Running { done: usize, total: usize },
}

/// Whether the analysis samples its assignments (too many to take them all): then it takes
/// seconds and runs in the background.
fn samples(experiment: &Experiment) -> bool {
    let starts: Vec<Option<usize>> = experiment
        .treated
        .iter()
        .map(|t| Some(t.start.num_days_from_ce() as usize))
        .chain(experiment.comparison.iter().map(|_| None))
        .collect();
    kpi_stats::inference::count_assignments(&starts)
        > kpi_stats::Options::default().max_assignments as f64
}

/// The analysis if it is made; otherwise a short one is made now, and a long one (sampled
/// assignments) is started in the background and its progress answered until it is done.
pub fn analyse_or_start(
    state: &std::sync::Arc<AppState>,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi_id: &str,
) -> Result<Answer> {
    if !samples(experiment) {
        return analyse_cached(state, jurisdiction, experiment, kpi_id).map(Answer::Ready);
    }
    let key = analysis_key(state, jurisdiction, experiment, kpi_id)?;
    if let Some(done) = state.analyses.done.get(&key) {
        return Ok(Answer::Ready(done));
    }
    use std::sync::atomic::Ordering::Relaxed;
    let mut running = state.analyses.running.lock().expect("jobs lock");
    if let Some(job) = running.get(&key).cloned() {
        if let Some(message) = job.failed.lock().expect("job lock").take() {
            running.remove(&key);
            return Err(Error::Refused(message));
        }
        return Ok(Answer::Running {
            done: job.done.load(Relaxed),
            total: job.total.load(Relaxed),
        });
    }
    let job = std::sync::Arc::new(Job::default());
    running.insert(key.clone(), std::sync::Arc::clone(&job));
    drop(running);
    let (state, jurisdiction, experiment, kpi_id) = (
        std::sync::Arc::clone(state),
        jurisdiction.clone(),
        experiment.clone(),
        kpi_id.to_string(),
    );
    std::thread::spawn(move || {
        let report = |done: usize, total: usize| {
            job.done.store(done, Relaxed);
            job.total.store(total, Relaxed);
        };
        match analyse_reporting(&state, &jurisdiction, &experiment, &kpi_id, &report) {
            Ok(analysis) => {
                state
                    .analyses
                    .done
                    .insert(key.clone(), std::sync::Arc::new(analysis));
                state
                    .analyses
                    .running
                    .lock()
                    .expect("jobs lock")
                    .remove(&key);
            }
            Err(e) => *job.failed.lock().expect("job lock") = Some(e.to_string()),
        }
    });
    Ok(Answer::Running { done: 0, total: 0 })
}

fn analysis_key(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi_id: &str,
) -> Result<AnalysisKey> {
    let catalog = state.catalog();
    let sql = catalog
        .kpis
        .get(kpi_id)
        .map(|k| k.def.sql.clone())
        .ok_or_else(|| Error::NotFound(format!("no KPI '{kpi_id}'")))?;
    Ok(AnalysisKey {
        experiment: serde_json::to_string(experiment).unwrap_or_default(),
        kpi: kpi_id.to_string(),
        sql,
        rows: crate::sandbox::Rows::of(jurisdiction),
        data_version: state.sandbox.data_version(),
    })
}

/// [`analyse`] through the cache of `state`; identical analyses asked at once are made once.
pub fn analyse_cached(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi_id: &str,
) -> Result<std::sync::Arc<ExperimentAnalysis>> {
    let key = analysis_key(state, jurisdiction, experiment, kpi_id)?;
    state.analyses.done.get_or_insert_with(&key, || {
        analyse(state, jurisdiction, experiment, kpi_id).map(std::sync::Arc::new)
    })
}

/// Analyses `kpi_id` for `experiment`, from the rows inside `jurisdiction`.
pub fn analyse(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi_id: &str,
) -> Result<ExperimentAnalysis> {
    analyse_reporting(state, jurisdiction, experiment, kpi_id, &|_, _| {})
}

/// [`analyse`], telling `progress` (re-runs done, re-runs in all) as it goes.
fn analyse_reporting(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    experiment: &Experiment,
    kpi_id: &str,
    progress: &dyn Fn(usize, usize),
) -> Result<ExperimentAnalysis> {
    let catalog = state.catalog();
    let kpi = catalog
        .kpis
        .get(kpi_id)
        .ok_or_else(|| Error::NotFound(format!("no KPI '{kpi_id}'")))?;
    let data = data(state, jurisdiction, experiment, kpi)?;
    let options = kpi_stats::Options::default();
    let mut caveats = data.caveats.clone();
    let positive = data.panel.obs.iter().all(|o| o.y > 0.0);
    let logged = positive.then(|| data.panel.with_values(|_, o| o.y.ln()));
    let def = &kpi.def;
    let base = ExperimentAnalysis {
        experiment: experiment.id.clone(),
        kpi: def.id.clone(),
        kpi_title: def.title.clone(),
        measure: def.measure.as_str().to_string(),
        grain: experiment.grain,
        periods: data.periods.iter().map(|(from, _)| *from).collect(),
        design: Design::BeforeAfter { units: 0 },
        absolute: Estimate {
            estimate: f64::NAN,
            low: None,
            high: None,
        },
        relative: None,
        p_value: None,
        clustered: None,
        naive: None,
        pre_trend: None,
        events: Vec::new(),
        verdict: String::new(),
        conclusive: false,
        warnings: Vec::new(),
        method: String::new(),
        direction: Some(def.direction),
        against: Against::Before,
        caveats: Vec::new(),
        kpi_translations: def.translations.clone(),
    };

    // Without comparison units, a staggered roll-out still compares units that started later
    // (until they start) with those that started earlier; one start for all leaves nothing.
    let one_start = experiment
        .treated
        .iter()
        .all(|t| Some(t.start) == experiment.first_start());
    if experiment.comparison.is_empty() && one_start {
        return before_after(base, &data, logged.as_ref(), def, caveats);
    }
    // The level first, then the logarithm: two equal stages of the progress.
    let stages = if logged.is_some() { 2 } else { 1 };
    let level = kpi_stats::analyse_with_progress(&data.panel, &data.starts, &options, &|d, t| {
        progress(d, t * stages)
    })
    .map_err(|r| Error::Refused(format!("the experiment cannot be analysed: {r}")))?;
    let log = logged.as_ref().and_then(|p| {
        kpi_stats::analyse_with_progress(p, &data.starts, &options, &|d, t| progress(t + d, 2 * t))
            .ok()
    });
    let pre_trend = level.pre_trend.map(|p| PreTrendTest {
        p_value: p.p_value,
        slope: p.slope,
        periods: p.periods,
        parallel: p.p_value >= 0.05,
    });
    if level.dropped_rows > 0 {
        caveats.push(Caveat::Dropped {
            rows: level.dropped_rows,
        });
    }
    let m = &level.method;
    if m.smallest_p > 0.05 {
        caveats.push(Caveat::NeverSignificant {
            units: m.units,
            treated: m.treated_units,
            smallest_p: m.smallest_p,
        });
    }
    let relative_effect = log.as_ref().map(|l| relative(&l.effect));
    let mut analysis = ExperimentAnalysis {
        design: Design::DifferenceInDifferences {
            units: m.units,
            treated_units: m.treated_units,
            assignments: m.assignments,
            exhaustive: m.exhaustive,
            possible: m.possible,
            dropped_rows: level.dropped_rows,
        },
        absolute: estimate(&level.effect),
        relative: relative_effect,
        p_value: Some(level.p_value),
        clustered: Some(estimate(&level.clustered)),
        naive: level.naive,
        pre_trend,
        events: level
            .events
            .iter()
            .map(|e| EventEffect {
                event: e.event,
                effect: estimate(&e.effect),
                rows: e.rows,
            })
            .collect(),
        against: if experiment.comparison.is_empty() {
            Against::LaterStarters
        } else {
            Against::Comparison
        },
        caveats,
        ..base
    };
    worded(&mut analysis, def);
    Ok(analysis)
}

/// An event time's average and the observations behind it.
type EventMean = (i64, f64, usize);

/// Treated units before against after, with no comparison: each unit's mean after minus its
/// mean before, averaged, with a t interval over units. Not causal, and said so.
fn before_after(
    mut analysis: ExperimentAnalysis,
    data: &Data,
    logged: Option<&Panel>,
    def: &kpi_api::KpiDef,
    mut caveats: Vec<Caveat>,
) -> Result<ExperimentAnalysis> {
    let change = |panel: &Panel| -> Option<(kpi_stats::Interval, Vec<EventMean>)> {
        let mut per_unit = Vec::new();
        let mut by_event: std::collections::BTreeMap<i64, (f64, usize)> = Default::default();
        for (u, start) in data.starts.iter().enumerate() {
            let Some(start) = start else { continue };
            let values: Vec<(usize, f64)> = panel
                .obs
                .iter()
                .filter(|o| o.unit == u)
                .map(|o| (o.period, o.y))
                .collect();
            let mean = |after: bool| {
                let v: Vec<f64> = values
                    .iter()
                    .filter(|(p, _)| (*p >= *start) == after)
                    .map(|(_, y)| *y)
                    .collect();
                (!v.is_empty()).then(|| v.iter().sum::<f64>() / v.len() as f64)
            };
            if let (Some(before), Some(after)) = (mean(false), mean(true)) {
                per_unit.push(after - before);
                for (p, y) in &values {
                    let e = by_event.entry(*p as i64 - *start as i64).or_default();
                    e.0 += y - before;
                    e.1 += 1;
                }
            }
        }
        let n = per_unit.len();
        if n == 0 {
            return None;
        }
        let mean = per_unit.iter().sum::<f64>() / n as f64;
        let half = (n >= 2).then(|| {
            let var = per_unit.iter().map(|d| (d - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
            let t = kpi_stats::t_quantile(n - 1, 0.95);
            t * (var / n as f64).sqrt()
        });
        Some((
            kpi_stats::Interval {
                estimate: mean,
                low: half.map(|h| mean - h),
                high: half.map(|h| mean + h),
            },
            by_event
                .into_iter()
                .map(|(e, (s, k))| (e, s / k as f64, k))
                .collect(),
        ))
    };
    let (level, events) = change(&data.panel).ok_or_else(|| {
        Error::Refused("the experiment cannot be analysed: no treated unit has data both before and after its start".into())
    })?;
    caveats.insert(0, Caveat::NotCausal);
    analysis.design = Design::BeforeAfter {
        units: data.treated_units,
    };
    analysis.absolute = estimate(&level);
    analysis.relative = logged.and_then(change).map(|(l, _)| relative(&l));
    analysis.events = events
        .into_iter()
        .map(|(event, value, rows)| EventEffect {
            event,
            effect: Estimate {
                estimate: value,
                low: None,
                high: None,
            },
            rows,
        })
        .collect();
    analysis.against = Against::Before;
    analysis.caveats = caveats;
    worded(&mut analysis, def);
    Ok(analysis)
}

/// Fills the analysis's words in English from its numbers, caveats and design (an app words the
/// same in its reader's language: [`kpi_api::verdict`]).
fn worded(analysis: &mut ExperimentAnalysis, def: &kpi_api::KpiDef) {
    let (text, conclusive) = verdict::verdict(
        analysis,
        (def.direction, def.measure),
        &def.title,
        Locale::En,
    );
    analysis.verdict = text;
    analysis.conclusive = conclusive;
    analysis.warnings = analysis
        .caveats
        .iter()
        .map(|c| verdict::caveat(c, Locale::En))
        .collect();
    analysis.method = verdict::method(&analysis.design, Locale::En);
}

/// The experiments the seed's planted effects come from (`seeds/README.md`, "Planted effects").
pub fn seeded() -> Vec<Experiment> {
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).expect("a date");
    let treated = |units: &[&str], start: NaiveDate| -> Vec<kpi_api::experiment::TreatedUnit> {
        units
            .iter()
            .map(|u| kpi_api::experiment::TreatedUnit {
                unit: u.to_string(),
                start,
            })
            .collect()
    };
    let ids = |units: &[&str]| units.iter().map(|u| u.to_string()).collect::<Vec<_>>();
    let perm_districts = [
        "perm-dzerzhinsky",
        "perm-industrialny",
        "perm-kirovsky",
        "perm-leninsky",
        "perm-motovilikhinsky",
        "perm-ordzhonikidzevsky",
        "perm-sverdlovsky",
    ];
    let mashhad_first = ["mashhad-district-8", "mashhad-district-12"];
    let mashhad_rest: Vec<String> = (1..=13)
        .filter(|n| *n != 8 && *n != 12)
        .map(|n| format!("mashhad-district-{n}"))
        .collect();
    let mashhad_rest: Vec<&str> = mashhad_rest.iter().map(String::as_str).collect();
    vec![
        Experiment {
            id: "shymkent-open-space".into(),
            title: "Open-space city hall".into(),
            hypothesis: "Residents get their first answer sooner when departments sit together behind one reception desk.".into(),
            intervention: "Five akimat departments move into open space with one reception desk instead of six secretaries, and plan in 12-week cycles.".into(),
            owner: "mayor.shymkent".into(),
            treated: treated(
                &[
                    "shymkent-entrepreneurship",
                    "shymkent-economy",
                    "shymkent-agriculture",
                    "shymkent-industry",
                    "shymkent-tourism",
                ],
                day(2019, 4, 1),
            ),
            comparison: ids(&[
                "shymkent-housing",
                "shymkent-construction",
                "shymkent-land",
                "shymkent-architecture",
                "shymkent-transport",
            ]),
            end: None,
            kpis: vec!["appeal_response_hours_median".into()],
            grain: Grain::Week,
            translations: translated(
                Locale::Ru,
                "Открытое пространство в акимате",
                "Жители быстрее получают первый ответ, когда отделы сидят вместе за одной стойкой приёма.",
                "Пять отделов акимата переезжают в открытое пространство с одной стойкой приёма вместо шести секретарей и планируют 12-недельными циклами.",
            ),
        },
        Experiment {
            id: "mashhad-e-municipality".into(),
            title: "Electronic municipality, district by district".into(),
            hypothesis: "Residents apply for services electronically once their district's services are online.".into(),
            intervention: "Districts 8 and 12 take their services online first (April 2020), the other eleven districts in October 2020.".into(),
            owner: "analyst.mashhad".into(),
            treated: treated(&mashhad_first, day(2020, 4, 1))
                .into_iter()
                .chain(treated(&mashhad_rest, day(2020, 10, 1)))
                .collect(),
            comparison: Vec::new(),
            end: None,
            kpis: vec!["e_service_share".into()],
            grain: Grain::Month,
            translations: translated(
                Locale::Fa,
                "شهرداری الکترونیک، منطقه به منطقه",
                "شهروندان پس از برخط شدن خدمات منطقه‌شان، خدمات را به‌صورت الکترونیکی درخواست می‌کنند.",
                "مناطق ۸ و ۱۲ نخست خدمات خود را برخط می‌کنند (فروردین ۱۳۹۹) و یازده منطقهٔ دیگر در مهر ۱۳۹۹.",
            ),
        },
        Experiment {
            id: "perm-portal-and-posts".into(),
            title: "Fewer vacant posts, more services online".into(),
            hypothesis: "Cutting vacant posts while moving services to the portal and one-stop centres lowers the vacancy rate without losing service.".into(),
            intervention: "Perm's districts cut vacant posts and move services to the state portal from January 2019; Berezniki and Solikamsk do not.".into(),
            owner: "governor.perm".into(),
            treated: treated(&perm_districts, day(2019, 1, 1)),
            comparison: ids(&["berezniki", "solikamsk"]),
            end: None,
            kpis: vec!["vacancy_rate".into(), "e_service_share".into()],
            grain: Grain::Month,
            translations: translated(
                Locale::Ru,
                "Меньше вакансий, больше услуг онлайн",
                "Сокращение вакантных ставок вместе с переводом услуг на портал и в МФЦ снижает долю вакансий без потерь в обслуживании.",
                "Районы Перми с января 2019 года сокращают вакантные ставки и переводят услуги на портал госуслуг; Березники и Соликамск — нет.",
            ),
        },
        Experiment {
            id: "krasnodar-feedback-platform".into(),
            title: "Appeals through the regional feedback platform".into(),
            hypothesis: "Residents move to the feedback platform, where they are answered faster.".into(),
            intervention: "From January 2020 the five municipalities route residents' appeals to the regional feedback platform.".into(),
            owner: "governor.krasnodar".into(),
            treated: treated(
                &["timashevsk", "belorechensk", "krymsk", "labinsk", "tikhoretsk"],
                day(2020, 1, 1),
            ),
            comparison: Vec::new(),
            end: None,
            kpis: vec!["feedback_platform_share".into()],
            grain: Grain::Month,
            translations: translated(
                Locale::Ru,
                "Обращения через региональную платформу обратной связи",
                "Жители переходят на платформу обратной связи, где им отвечают быстрее.",
                "С января 2020 года пять муниципалитетов направляют обращения жителей на региональную платформу обратной связи.",
            ),
        },
    ]
}

/// An experiment's title, hypothesis and intervention in the language of its units.
fn translated(
    locale: Locale,
    title: &str,
    hypothesis: &str,
    intervention: &str,
) -> kpi_api::Translations {
    let text = Translated {
        title: Some(title.to_string()),
        hypothesis: Some(hypothesis.to_string()),
        intervention: Some(intervention.to_string()),
        ..Translated::default()
    };
    [(locale, text)].into_iter().collect()
}

/// Every unit an experiment names, treated first.
pub fn units(e: &Experiment) -> impl Iterator<Item = &str> {
    e.treated
        .iter()
        .map(|t| t.unit.as_str())
        .chain(e.comparison.iter().map(String::as_str))
}

/// Refuses an experiment the caller may not read: one that names a unit outside their
/// jurisdiction (its numbers would mix in rows they may not see).
pub fn readable(state: &AppState, access: &crate::auth::Access, e: &Experiment) -> Result<()> {
    for unit in units(e) {
        state.unit_for(access, unit)?;
    }
    Ok(())
}

/// Refuses a definition that cannot be analysed as it says, naming the field: a bad id, a
/// missing title, no treated unit, an unknown or repeated unit, an unknown KPI, a grain other
/// than week or month, an end before the first start.
pub fn validate(state: &AppState, e: &Experiment) -> Result<()> {
    let bad = |param: &str, message: String| Error::BadParameter {
        param: param.to_string(),
        message,
    };
    if e.id.is_empty()
        || e.id.len() > 80
        || !e
            .id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    {
        return Err(bad(
            "id",
            "use 1 to 80 lowercase letters, digits and hyphens".into(),
        ));
    }
    for (field, text, max) in [
        ("title", &e.title, 200),
        ("hypothesis", &e.hypothesis, 2000),
        ("intervention", &e.intervention, 2000),
        ("owner", &e.owner, 100),
    ] {
        if text.chars().count() > max {
            return Err(bad(field, format!("at most {max} characters")));
        }
    }
    if e.title.trim().is_empty() {
        return Err(bad("title", "say what the experiment is".into()));
    }
    if e.treated.is_empty() {
        return Err(bad("treated", "name at least one unit that changed".into()));
    }
    let known = state.units();
    let mut seen = std::collections::HashSet::new();
    for (i, unit) in units(e).enumerate() {
        let field = if i < e.treated.len() {
            format!("treated[{i}].unit")
        } else {
            format!("comparison[{}]", i - e.treated.len())
        };
        if !known.iter().any(|u| u.id == unit) {
            return Err(bad(&field, format!("no unit '{unit}'")));
        }
        if !seen.insert(unit) {
            return Err(bad(
                &field,
                format!("'{unit}' is named twice: a unit is treated once or compared once"),
            ));
        }
    }
    if e.kpis.is_empty() {
        return Err(bad("kpis", "name at least one KPI to watch".into()));
    }
    let catalog = state.catalog();
    for (i, kpi) in e.kpis.iter().enumerate() {
        if !catalog.kpis.contains_key(kpi) {
            return Err(bad(&format!("kpis[{i}]"), format!("no KPI '{kpi}'")));
        }
    }
    if !matches!(e.grain, Grain::Week | Grain::Month) {
        return Err(bad(
            "grain",
            "week or month: experiments compare units period by period".into(),
        ));
    }
    if let (Some(end), Some(first)) = (e.end, e.first_start()) {
        if end < first {
            return Err(bad(
                "end",
                format!("{end} is before the first start, {first}"),
            ));
        }
    }
    Ok(())
}

/// The most units [`suggest`] proposes.
const SUGGESTIONS: usize = 10;

/// Units to compare `treated` with: those of the same kind (departments with departments,
/// districts with districts) inside `visible`, not treated, whose `kpi` moved most like the
/// treated units' average before `start`, closest first. Levels may differ (each path is taken
/// less its own average); what counts is that they went up and down together.
pub fn suggest(
    state: &AppState,
    jurisdiction: &Jurisdiction,
    visible: &[kpi_api::Unit],
    kpi_id: &str,
    treated: &[String],
    start: NaiveDate,
    grain: Grain,
) -> Result<Vec<kpi_api::experiment::ComparisonSuggestion>> {
    let catalog = state.catalog();
    let kpi = catalog
        .kpis
        .get(kpi_id)
        .ok_or_else(|| Error::NotFound(format!("no KPI '{kpi_id}'")))?;
    let kinds: Vec<kpi_api::UnitKind> = visible
        .iter()
        .filter(|u| treated.contains(&u.id))
        .map(|u| u.kind)
        .collect();
    if kinds.is_empty() {
        return Err(Error::BadParameter {
            param: "treated".into(),
            message: "name the units that changed, inside your jurisdiction".into(),
        });
    }
    let candidates: Vec<String> = visible
        .iter()
        .filter(|u| kinds.contains(&u.kind) && !treated.contains(&u.id))
        .map(|u| u.id.clone())
        .collect();
    let (Some(data_from), _) = state.data_range() else {
        return Ok(Vec::new());
    };
    let before = start.pred_opt().unwrap_or(start);
    if before < data_from {
        return Ok(Vec::new());
    }
    let periods = grain.buckets(data_from, before);
    // Only whole periods before the start.
    let periods: Vec<(NaiveDate, NaiveDate)> = periods
        .into_iter()
        .filter(|(_, end)| *end <= start)
        .collect();
    let mut units = treated.to_vec();
    units.extend(candidates.iter().cloned());
    let cells = each_unit(state, jurisdiction, kpi, &units, &periods)?;
    let path = |unit: &str| -> std::collections::BTreeMap<NaiveDate, f64> {
        cells
            .iter()
            .filter(|c| c.grp == unit)
            .filter_map(|c| c.value.map(|v| (c.period, v)))
            .collect()
    };
    // The treated units' average path, by period.
    let mut sums: std::collections::BTreeMap<NaiveDate, (f64, usize)> = Default::default();
    for t in treated {
        for (period, v) in path(t) {
            let s = sums.entry(period).or_default();
            s.0 += v;
            s.1 += 1;
        }
    }
    let target: std::collections::BTreeMap<NaiveDate, f64> = sums
        .into_iter()
        .map(|(p, (s, n))| (p, s / n as f64))
        .collect();
    let mut out: Vec<kpi_api::experiment::ComparisonSuggestion> = candidates
        .iter()
        .filter_map(|unit| {
            let own = path(unit);
            let common: Vec<(f64, f64)> = target
                .iter()
                .filter_map(|(p, t)| own.get(p).map(|v| (*t, *v)))
                .collect();
            if common.len() < 3 {
                return None;
            }
            let n = common.len() as f64;
            let (mt, mv) = common
                .iter()
                .fold((0.0, 0.0), |(a, b), (t, v)| (a + t / n, b + v / n));
            let distance = (common
                .iter()
                .map(|(t, v)| ((t - mt) - (v - mv)).powi(2))
                .sum::<f64>()
                / n)
                .sqrt();
            Some(kpi_api::experiment::ComparisonSuggestion {
                unit: unit.clone(),
                distance,
                periods: common.len(),
            })
        })
        .collect();
    out.sort_by(|a, b| a.distance.total_cmp(&b.distance));
    out.truncate(SUGGESTIONS);
    Ok(out)
}
