//! The experiment form's state: what is typed, and the definition it makes.

use chrono::NaiveDate;
use kpi_api::experiment::{Experiment, TreatedUnit};
use kpi_api::Grain;

/// Whether a role defines experiments (the server's rule: mayors, governors, analysts, admins).
pub fn may_define(role: kpi_api::UserRole) -> bool {
    use kpi_api::UserRole::*;
    matches!(role, Mayor | Governor | Analyst | Admin)
}

/// What is wrong with a draft before it goes to the server (which checks the rest).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExperimentProblem {
    NoId,
    NoTitle,
    NoTreated,
    /// The treated row (from 1) has no unit or no start date.
    TreatedIncomplete(usize),
    NoKpi,
    BadEnd,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ExperimentDraft {
    pub id: String,
    pub title: String,
    pub hypothesis: String,
    pub intervention: String,
    pub owner: String,
    /// Unit and start date (`YYYY-MM-DD`, as a date input gives it), by row.
    pub treated: Vec<(String, String)>,
    pub comparison: Vec<String>,
    pub end: String,
    pub kpis: Vec<String>,
    pub grain: Grain,
    /// The experiment's translations, kept as they are: the form edits the default texts only.
    pub translations: kpi_api::Translations,
}

impl ExperimentDraft {
    pub fn new(owner: &str) -> ExperimentDraft {
        ExperimentDraft {
            id: String::new(),
            title: String::new(),
            hypothesis: String::new(),
            intervention: String::new(),
            owner: owner.to_string(),
            treated: vec![(String::new(), String::new())],
            comparison: Vec::new(),
            end: String::new(),
            kpis: Vec::new(),
            grain: Grain::Month,
            translations: Default::default(),
        }
    }

    /// A stored experiment, to change.
    pub fn of(e: &Experiment) -> ExperimentDraft {
        ExperimentDraft {
            id: e.id.clone(),
            title: e.title.clone(),
            hypothesis: e.hypothesis.clone(),
            intervention: e.intervention.clone(),
            owner: e.owner.clone(),
            treated: e
                .treated
                .iter()
                .map(|t| (t.unit.clone(), t.start.to_string()))
                .collect(),
            comparison: e.comparison.clone(),
            end: e.end.map(|d| d.to_string()).unwrap_or_default(),
            kpis: e.kpis.clone(),
            grain: e.grain,
            translations: e.translations.clone(),
        }
    }

    /// The definition, or the first thing missing.
    pub fn to_experiment(&self) -> Result<Experiment, ExperimentProblem> {
        if self.id.trim().is_empty() {
            return Err(ExperimentProblem::NoId);
        }
        if self.title.trim().is_empty() {
            return Err(ExperimentProblem::NoTitle);
        }
        let rows: Vec<&(String, String)> = self
            .treated
            .iter()
            .filter(|(unit, start)| !unit.is_empty() || !start.is_empty())
            .collect();
        if rows.is_empty() {
            return Err(ExperimentProblem::NoTreated);
        }
        let mut treated = Vec::new();
        for (i, (unit, start)) in rows.iter().enumerate() {
            match start.parse::<NaiveDate>() {
                Ok(start) if !unit.is_empty() => treated.push(TreatedUnit {
                    unit: unit.clone(),
                    start,
                }),
                _ => return Err(ExperimentProblem::TreatedIncomplete(i + 1)),
            }
        }
        if self.kpis.is_empty() {
            return Err(ExperimentProblem::NoKpi);
        }
        let end = match self.end.trim() {
            "" => None,
            text => Some(
                text.parse::<NaiveDate>()
                    .map_err(|_| ExperimentProblem::BadEnd)?,
            ),
        };
        Ok(Experiment {
            id: self.id.trim().to_string(),
            title: self.title.trim().to_string(),
            hypothesis: self.hypothesis.trim().to_string(),
            intervention: self.intervention.trim().to_string(),
            owner: self.owner.clone(),
            treated,
            comparison: self
                .comparison
                .iter()
                .filter(|c| !self.treated.iter().any(|(t, _)| t == *c))
                .cloned()
                .collect(),
            end,
            kpis: self.kpis.clone(),
            grain: self.grain,
            translations: self.translations.clone(),
        })
    }
}

/// A text field of the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Field {
    Id,
    Title,
    Hypothesis,
    Intervention,
    End,
}

pub enum ExperimentAction {
    Set(Field, String),
    SetGrain(Grain),
    AddTreated,
    RemoveTreated(usize),
    TreatedUnit(usize, String),
    TreatedStart(usize, String),
    ToggleComparison(String),
    ToggleKpi(String),
    Replace(ExperimentDraft),
}

fn toggle(list: &mut Vec<String>, item: String) {
    match list.iter().position(|x| *x == item) {
        Some(i) => {
            list.remove(i);
        }
        None => list.push(item),
    }
}

impl ExperimentDraft {
    pub fn apply(&mut self, action: ExperimentAction) {
        let d = self;
        match action {
            ExperimentAction::Set(field, value) => match field {
                Field::Id => d.id = value,
                Field::Title => d.title = value,
                Field::Hypothesis => d.hypothesis = value,
                Field::Intervention => d.intervention = value,
                Field::End => d.end = value,
            },
            ExperimentAction::SetGrain(grain) => d.grain = grain,
            ExperimentAction::AddTreated => {
                // A new row starts when the last one did: a roll-out adds units at one date.
                let start = d.treated.last().map(|t| t.1.clone()).unwrap_or_default();
                d.treated.push((String::new(), start));
            }
            ExperimentAction::RemoveTreated(i) if i < d.treated.len() => {
                d.treated.remove(i);
            }
            ExperimentAction::RemoveTreated(_) => {}
            ExperimentAction::TreatedUnit(i, unit) => {
                if let Some(row) = d.treated.get_mut(i) {
                    d.comparison.retain(|c| *c != unit);
                    row.0 = unit;
                }
            }
            ExperimentAction::TreatedStart(i, start) => {
                if let Some(row) = d.treated.get_mut(i) {
                    row.1 = start;
                }
            }
            ExperimentAction::ToggleComparison(unit) => toggle(&mut d.comparison, unit),
            ExperimentAction::ToggleKpi(kpi) => toggle(&mut d.kpis, kpi),
            ExperimentAction::Replace(draft) => *d = draft,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(mut d: ExperimentDraft, actions: Vec<ExperimentAction>) -> ExperimentDraft {
        for a in actions {
            d.apply(a);
        }
        d
    }

    #[test]
    fn a_filled_draft_makes_the_definition_and_a_unit_is_never_both_treated_and_compared() {
        use ExperimentAction::*;
        let d = apply(
            ExperimentDraft::new("mayor.shymkent"),
            vec![
                Set(Field::Id, "open-space".into()),
                Set(Field::Title, " Open space ".into()),
                ToggleComparison("b".into()),
                ToggleComparison("c".into()),
                TreatedUnit(0, "a".into()),
                TreatedStart(0, "2019-04-01".into()),
                AddTreated,
                TreatedUnit(1, "b".into()),
                ToggleKpi("appeal_response_hours_median".into()),
                SetGrain(Grain::Week),
            ],
        );
        let e = d.to_experiment().unwrap();
        assert_eq!(e.title, "Open space");
        assert_eq!(e.treated.len(), 2);
        assert_eq!(
            e.treated[1].start, e.treated[0].start,
            "a new row starts with the last"
        );
        assert_eq!(e.comparison, ["c"]);
        assert_eq!(e.grain, Grain::Week);
        assert_eq!(ExperimentDraft::of(&e).to_experiment().unwrap(), e);
    }

    #[test]
    fn a_draft_names_what_is_missing_first() {
        use ExperimentAction::*;
        let d = ExperimentDraft::new("x");
        assert_eq!(d.to_experiment(), Err(ExperimentProblem::NoId));
        let d = apply(
            d,
            vec![Set(Field::Id, "e".into()), Set(Field::Title, "E".into())],
        );
        assert_eq!(d.to_experiment(), Err(ExperimentProblem::NoTreated));
        let d = apply(d, vec![TreatedUnit(0, "a".into())]);
        assert_eq!(
            d.to_experiment(),
            Err(ExperimentProblem::TreatedIncomplete(1))
        );
        let d = apply(d, vec![TreatedStart(0, "2020-01-01".into())]);
        assert_eq!(d.to_experiment(), Err(ExperimentProblem::NoKpi));
        let d = apply(
            d,
            vec![ToggleKpi("k".into()), Set(Field::End, "soon".into())],
        );
        assert_eq!(d.to_experiment(), Err(ExperimentProblem::BadEnd));
        let d = apply(d, vec![ToggleKpi("k".into())]);
        assert_eq!(
            d.to_experiment(),
            Err(ExperimentProblem::NoKpi),
            "toggled off again"
        );
    }
}
