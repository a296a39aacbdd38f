//! Management experiments on the wire: what changed where and from when, and the analysis of
//! whether a KPI moved because of it.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::period::Grain;

/// A unit that changed, from its own start (a staggered roll-out gives units different dates).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TreatedUnit {
    pub unit: String,
    pub start: NaiveDate,
}

/// A management experiment: the change, the units that made it and those to compare them with,
/// and the KPIs that should show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Experiment {
    pub id: String,
    pub title: String,
    /// What should happen, in words ("answers come faster").
    pub hypothesis: String,
    /// What was changed ("five departments in open space, one reception desk").
    pub intervention: String,
    pub owner: String,
    pub treated: Vec<TreatedUnit>,
    /// Units that did not change; empty means a before/after comparison only, which is not
    /// causal.
    pub comparison: Vec<String>,
    /// The last day of the change, if it ended.
    pub end: Option<NaiveDate>,
    /// The KPIs to watch (ids of KPI files).
    pub kpis: Vec<String>,
    /// Week or month: the periods the KPIs are compared by.
    pub grain: Grain,
    /// Title, hypothesis and intervention in other languages (`{"fa": {"title": ...}}`).
    #[serde(default, skip_serializing_if = "crate::Translations::is_empty")]
    pub translations: crate::Translations,
}

impl Experiment {
    /// The first start of any treated unit.
    pub fn first_start(&self) -> Option<NaiveDate> {
        self.treated.iter().map(|t| t.start).min()
    }
}

/// An estimate and its 95% interval; an end is `None` when the data cannot bound it.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Estimate {
    pub estimate: f64,
    pub low: Option<f64>,
    pub high: Option<f64>,
}

/// The effect at one period relative to the start (0: the first period of the change; negative:
/// before it).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct EventEffect {
    pub event: i64,
    pub effect: Estimate,
    /// Treated observations behind it.
    pub rows: usize,
}

/// How the effect was estimated, and why that way.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Design {
    /// Treated against comparison units, before against after.
    DifferenceInDifferences {
        units: usize,
        treated_units: usize,
        /// Assignments of the start dates to the units the analysis was re-run under, whether
        /// that was every possible one, and how many there are.
        assignments: usize,
        exhaustive: bool,
        possible: f64,
        /// Treated observations left out: no unit was left untreated to compare them with.
        dropped_rows: usize,
    },
    /// The treated units before against after, with no comparison: not causal.
    BeforeAfter { units: usize },
}

/// Whether the groups moved alike before the start.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PreTrendTest {
    pub p_value: f64,
    /// The placebo effects' drift per period.
    pub slope: f64,
    pub periods: usize,
    /// p-value at least 0.05: nothing says the trends differed.
    pub parallel: bool,
}

/// The analysis of one KPI for one experiment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentAnalysis {
    pub experiment: String,
    pub kpi: String,
    pub kpi_title: String,
    /// The KPI's unit of measure ("hours", "percent", ...), for the absolute effect.
    pub measure: String,
    pub grain: Grain,
    /// The first day of each period analysed, by index; event `e` of a unit starting in period
    /// `s` is period `s + e`.
    pub periods: Vec<NaiveDate>,
    pub design: Design,
    /// The average effect on the treated, in the KPI's unit, with the randomisation interval.
    pub absolute: Estimate,
    /// The same as a share of what the treated would have shown (from the logarithm of the
    /// KPI), when the KPI is always positive.
    pub relative: Option<Estimate>,
    /// The randomisation p-value of "no effect".
    pub p_value: Option<f64>,
    /// The plain unit-clustered interval of the absolute effect, shown for comparison.
    pub clustered: Option<Estimate>,
    /// The naive two-way fixed-effects estimate, shown for comparison.
    pub naive: Option<f64>,
    pub pre_trend: Option<PreTrendTest>,
    pub events: Vec<EventEffect>,
    /// The answer in words, and whether the data can tell.
    pub verdict: String,
    pub conclusive: bool,
    /// What the reader must know: no comparison, diverging trends, too few units, ...
    pub warnings: Vec<String>,
    /// Which inference was used and why, in words.
    pub method: String,
    /// What an app needs to word `verdict`, `warnings` and `method` in its reader's language
    /// (see [`crate::verdict`]): the KPI's direction, what the treated units are compared with,
    /// the caveats behind `warnings`, and the KPI's translated titles.
    #[serde(default)]
    pub direction: Option<crate::Direction>,
    #[serde(default)]
    pub against: crate::verdict::Against,
    #[serde(default)]
    pub caveats: Vec<crate::verdict::Caveat>,
    #[serde(default, skip_serializing_if = "crate::Translations::is_empty")]
    pub kpi_translations: crate::Translations,
}

/// An experiment as stored: its definition, revision (a change must name the revision it
/// changes), and who changed it last, when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredExperiment {
    pub experiment: Experiment,
    pub revision: u32,
    pub updated_by: String,
    pub updated_at: chrono::NaiveDateTime,
}

/// `GET /api/experiments/{id}/history`: every version the caller may read, newest first, and how
/// many earlier versions named a unit outside the caller's jurisdiction and are left out.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentHistory {
    pub versions: Vec<StoredExperiment>,
    pub hidden: u32,
}

/// `PUT /api/experiments/{id}`: the new definition and the revision it replaces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExperimentEdit {
    pub experiment: Experiment,
    pub revision: u32,
}

/// A unit proposed for comparison: how far its KPI moved from the treated units' before their
/// start (root mean square gap of the two paths, each less its own average, in the KPI's unit).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComparisonSuggestion {
    pub unit: String,
    pub distance: f64,
    /// Periods both have a value in.
    pub periods: usize,
}

/// An analysis still running in the background (`202 Accepted`): re-runs done of all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalysisProgress {
    pub done: usize,
    pub total: usize,
}

/// What `GET /api/experiments/{id}/analysis` answers: the analysis, or how far it has come.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnalysisAnswer {
    Ready(Box<ExperimentAnalysis>),
    Running(AnalysisProgress),
}
