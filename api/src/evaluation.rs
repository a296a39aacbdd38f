//! Evaluations of unit heads and staff on the wire: a scheme (which KPIs, their weights, the
//! period, how a value is scored against its target) and the scorecards it gives, each showing
//! how every score was computed from the data.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::{Direction, Grain, Measure, Unit};

/// Who a scheme evaluates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subjects {
    /// The head of each unit directly under the scheme's unit, judged on their unit's KPIs.
    Heads,
    /// Every employee of the departments under the unit, judged on the appeals they answered.
    Staff,
}

/// How a value becomes a score from 0 to 100.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum Scoring {
    /// 100 at the target or better, 0 at the floor or worse, in a straight line between.
    #[default]
    Linear,
    /// 100 when the target is met, else 0.
    Pass,
}

/// One KPI of a scheme.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeKpi {
    pub kpi: String,
    pub title: String,
    pub measure: Measure,
    pub direction: Direction,
    /// Its share of the total, in percent of the scheme's weights.
    pub weight: f64,
    pub scoring: Scoring,
    /// The value that scores 0 (linear scoring).
    pub floor: Option<f64>,
    /// The scheme's own target; None: the target in force for the unit (targets.csv, the KPI).
    pub target: Option<f64>,
}

/// An evaluation scheme, from `queries/evaluations/<id>.json`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scheme {
    pub id: String,
    pub title: String,
    pub description: String,
    pub subjects: Subjects,
    /// The unit whose heads (or staff) it evaluates; None: each reader's own unit (the scheme
    /// list gives the unit a reader opens it at).
    pub unit: Option<String>,
    /// The period it covers: a month, a quarter or a year.
    pub period: Grain,
    /// A KPI value resting on fewer rows than this (appeals due, answers rated) is not scored:
    /// nobody is judged on a handful of cases.
    pub min_rows: u32,
    pub kpis: Vec<SchemeKpi>,
    /// Title and description in other languages.
    #[serde(default, skip_serializing_if = "crate::Translations::is_empty")]
    pub translations: crate::Translations,
}

/// How one KPI of one scorecard was scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoreLine {
    pub kpi: String,
    pub value: Option<f64>,
    /// The rows behind the value (appeals due, answers rated...), when the KPI says.
    pub rows: Option<f64>,
    /// The 95% interval of the value, when the KPI gives one.
    pub low: Option<f64>,
    pub high: Option<f64>,
    /// The target it was scored against, and where that target comes from.
    pub target: Option<f64>,
    pub target_source: String,
    pub floor: Option<f64>,
    /// 0-100; None when not scored (see `unscored`).
    pub score: Option<f64>,
    /// The KPI's weight in percent of the scheme.
    pub weight: f64,
    /// score x the weight among the scored KPIs: what this line adds to the total.
    pub points: Option<f64>,
    /// Why there is no score: no data, too few rows, no target.
    pub unscored: Option<String>,
    /// The same reason, for an app to word in its reader's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unscored_why: Option<Unscored>,
}

/// Why a scorecard's line has no score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Unscored {
    NoData,
    /// The value rests on `rows`, fewer than the scheme's `min_rows`.
    TooFewRows {
        rows: f64,
        min_rows: u32,
    },
    NoTarget,
    /// A linear scoring's floor is not on the worse side of the target.
    FloorNotWorse {
        floor: f64,
        target: f64,
    },
}

impl Unscored {
    /// The reason in English, as `ScoreLine::unscored` gives it.
    pub fn english(self) -> String {
        match self {
            Unscored::NoData => "no data in the period".to_string(),
            Unscored::TooFewRows { rows, min_rows } => {
                format!("{rows} rows, fewer than the {min_rows} the scheme asks for")
            }
            Unscored::NoTarget => "no target".to_string(),
            Unscored::FloorNotWorse { floor, target } => {
                format!("the floor {floor} is not worse than the target {target}")
            }
        }
    }
}

/// One person's (or one unit head's) scorecard.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scorecard {
    /// The employee's name, or "Head of <unit>".
    pub subject: String,
    /// The unit they head, or the department they work in.
    pub unit: Unit,
    pub employee: Option<String>,
    pub lines: Vec<ScoreLine>,
    /// The weighted mean of the scored lines, 0-100; None when under half the weight is scored.
    pub total: Option<f64>,
    /// The weight behind the total, in percent (100 when every KPI was scored).
    pub scored_weight: f64,
    /// 1 = best total; none without a total.
    pub rank: Option<u32>,
}

/// `GET /api/evaluations/{id}?unit=&from=`
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    pub scheme: Scheme,
    /// The unit evaluated: the scheme's, or one under it that the reader asked for.
    pub unit: Unit,
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// Best total first; those without a total last, by name.
    pub cards: Vec<Scorecard>,
}

/// `GET /api/evaluations`: the schemes the reader may open, each with the unit it is read at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchemeList {
    pub schemes: Vec<Scheme>,
}

/// A linear or pass score of `value` against `target` (see [`Scoring`]), 0-100.
pub fn score(
    scoring: Scoring,
    direction: Direction,
    value: f64,
    target: f64,
    floor: Option<f64>,
) -> Option<f64> {
    let meets = direction.meets(value, target);
    match scoring {
        Scoring::Pass => Some(if meets { 100.0 } else { 0.0 }),
        Scoring::Linear => {
            let floor = floor?;
            if floor == target {
                return None;
            }
            Some(((value - floor) / (target - floor)).clamp(0.0, 1.0) * 100.0)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn linear_scores_run_from_the_floor_to_the_target_either_way() {
        let up = |v| score(Scoring::Linear, Direction::Higher, v, 60.0, Some(40.0));
        assert_eq!(up(60.0), Some(100.0));
        assert_eq!(up(75.0), Some(100.0));
        assert_eq!(up(50.0), Some(50.0));
        assert_eq!(up(30.0), Some(0.0));
        let down = |v| score(Scoring::Linear, Direction::Lower, v, 192.0, Some(384.0));
        assert_eq!(down(96.0), Some(100.0));
        assert_eq!(down(288.0), Some(50.0));
        assert_eq!(down(400.0), Some(0.0));
        assert_eq!(
            score(Scoring::Linear, Direction::Lower, 1.0, 2.0, None),
            None
        );
        assert_eq!(
            score(Scoring::Pass, Direction::Lower, 2.0, 2.0, None),
            Some(100.0)
        );
        assert_eq!(
            score(Scoring::Pass, Direction::Higher, 1.9, 2.0, None),
            Some(0.0)
        );
    }
}
