//! A review meeting's agenda on the wire: under a unit, every KPI that is red or got worse this
//! period, where, who answers for it, and how far off target it is.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Direction, Measure, Status, Unit};

/// One item: a KPI in one unit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgendaItem {
    pub unit: Unit,
    pub kpi: String,
    pub kpi_title: String,
    /// The KPI's titles in other languages (its file's `title.ru:` ...).
    #[serde(default, skip_serializing_if = "crate::Translations::is_empty")]
    pub kpi_translations: crate::Translations,
    pub measure: Measure,
    pub direction: Direction,
    pub value: Option<f64>,
    pub previous: Option<f64>,
    /// value - previous, in the KPI's measure.
    pub change: Option<f64>,
    /// The target in force for the unit at the period's end.
    pub target: Option<f64>,
    pub status: Status,
    /// How far the value misses its target, as a share of the target (0.1: 10% worse than it);
    /// None without a target or when it is met.
    pub off_target: Option<f64>,
    /// The KPI moved the wrong way against the period before (beyond what its display rounds).
    pub worse: bool,
    /// Who answers for the KPI (its file's `owner`).
    pub owner: Option<String>,
}

/// `GET /api/agenda?unit=&from=&to=`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Agenda {
    pub unit: Unit,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub previous_from: NaiveDate,
    pub previous_to: NaiveDate,
    /// Red first, the furthest off target first; then those only worse than before, by how
    /// much (relative to the value before).
    pub items: Vec<AgendaItem>,
    /// How many KPI values under the unit were looked at.
    pub checked: usize,
}
