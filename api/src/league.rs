//! A fair league table on the wire: the children of a unit ranked on one KPI, each with its 95%
//! interval, whether it differs from the parent (only when the interval says so), and a funnel
//! of the limits that chance alone would give a unit of its size.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Status, Unit};

/// How the values' intervals were computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IntervalMethod {
    /// A share: the Wilson score interval of numerator of denominator.
    Wilson,
    /// A count per population: the exact Poisson interval of the count.
    Poisson,
    /// A median: the order-statistic interval the KPI file returns (`low`, `high`, `n`).
    OrderStatistic,
    /// The KPI gives nothing to bound its value by: no unit is called better or worse.
    None,
}

/// A unit against its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Versus {
    /// Its interval lies wholly on the better side of the parent's value.
    Better,
    Worse,
    /// The interval holds the parent's value: the data show no difference.
    Alike,
    /// No interval (or no value) to judge by.
    Unknown,
}

/// Where a unit falls in the funnel around the parent's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelZone {
    /// Within the 95% limits: what chance gives a unit of its size.
    Inside,
    /// Beyond the 95% limits (an alert), on the better or worse side.
    Better95,
    Worse95,
    /// Beyond the 99.8% limits (an alarm).
    Better998,
    Worse998,
    /// No size or no limits for it.
    Unknown,
}

/// One row of the league table.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeagueRow {
    pub unit: Unit,
    /// The value as ranked: per 1,000 residents when the table is per head.
    pub value: Option<f64>,
    /// The 95% interval of `value`.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The size behind the value: appeals due, residents, answered appeals.
    pub volume: Option<f64>,
    /// 1 = best; units without a value have none.
    pub rank: Option<u32>,
    pub versus: Versus,
    pub zone: FunnelZone,
    pub status: Status,
}

/// The funnel's limits at one size.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct FunnelPoint {
    pub volume: f64,
    pub low95: f64,
    pub high95: f64,
    pub low998: f64,
    pub high998: f64,
}

/// `GET /api/kpis/{id}/league?unit=&from=&to=`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct League {
    pub kpi: String,
    pub unit: Unit,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// The parent's own value (per head when the table is), which the children are judged
    /// against, with its volume.
    pub parent_value: Option<f64>,
    pub parent_volume: Option<f64>,
    /// True when a volume KPI is shown per 1,000 residents so that sizes compare.
    pub per_capita: bool,
    pub method: IntervalMethod,
    /// What the volume counts ("appeals due", "residents", ...), for the funnel's axis.
    pub volume_label: String,
    /// How the table was made fair, in words.
    pub note: String,
    /// Best first; units without a value last.
    pub rows: Vec<LeagueRow>,
    /// The limits over the children's range of sizes, smallest first; empty without a funnel.
    pub funnel: Vec<FunnelPoint>,
}
