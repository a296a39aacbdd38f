//! What each version of an experiment changed against the one before it, for the history on the
//! experiment's page.

use chrono::NaiveDate;
use kpi_api::experiment::{Experiment, StoredExperiment};
use kpi_api::period::Grain;

/// One difference between two versions of an experiment.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// The first version.
    Created,
    Title(String),
    Hypothesis,
    Intervention,
    Owner(String),
    TreatedAdded {
        unit: String,
        start: NaiveDate,
    },
    TreatedRemoved(String),
    Start {
        unit: String,
        from: NaiveDate,
        to: NaiveDate,
    },
    ComparisonAdded(String),
    ComparisonRemoved(String),
    End(Option<NaiveDate>),
    KpiAdded(String),
    KpiRemoved(String),
    Grain(Grain),
}

/// What `after` changed against `before` (its previous version, `None` for the first), in the
/// order of the form's fields. Empty when nothing differs (a version saved unchanged).
pub fn changes(before: Option<&Experiment>, after: &Experiment) -> Vec<Change> {
    let Some(before) = before else {
        return vec![Change::Created];
    };
    let mut out = Vec::new();
    if before.title != after.title {
        out.push(Change::Title(after.title.clone()));
    }
    if before.hypothesis != after.hypothesis {
        out.push(Change::Hypothesis);
    }
    if before.intervention != after.intervention {
        out.push(Change::Intervention);
    }
    if before.owner != after.owner {
        out.push(Change::Owner(after.owner.clone()));
    }
    for t in &after.treated {
        match before.treated.iter().find(|b| b.unit == t.unit) {
            None => out.push(Change::TreatedAdded {
                unit: t.unit.clone(),
                start: t.start,
            }),
            Some(b) if b.start != t.start => out.push(Change::Start {
                unit: t.unit.clone(),
                from: b.start,
                to: t.start,
            }),
            Some(_) => {}
        }
    }
    for b in &before.treated {
        if !after.treated.iter().any(|t| t.unit == b.unit) {
            out.push(Change::TreatedRemoved(b.unit.clone()));
        }
    }
    let (added, removed) = set_changes(&before.comparison, &after.comparison);
    out.extend(added.into_iter().map(Change::ComparisonAdded));
    out.extend(removed.into_iter().map(Change::ComparisonRemoved));
    if before.end != after.end {
        out.push(Change::End(after.end));
    }
    let (added, removed) = set_changes(&before.kpis, &after.kpis);
    out.extend(added.into_iter().map(Change::KpiAdded));
    out.extend(removed.into_iter().map(Change::KpiRemoved));
    if before.grain != after.grain {
        out.push(Change::Grain(after.grain));
    }
    out
}

/// For each version of a history (newest first, as the server answers it), what it changed
/// against its previous revision; `None` when that revision is not in the list (it named a unit
/// outside the reader's jurisdiction, so there is nothing to compare with).
pub fn version_changes(versions: &[StoredExperiment]) -> Vec<Option<Vec<Change>>> {
    versions
        .iter()
        .map(|v| {
            if v.revision <= 1 {
                return Some(changes(None, &v.experiment));
            }
            versions
                .iter()
                .find(|b| b.revision + 1 == v.revision)
                .map(|b| changes(Some(&b.experiment), &v.experiment))
        })
        .collect()
}

/// The items of `after` not in `before`, and those of `before` not in `after`, each in its order.
fn set_changes(before: &[String], after: &[String]) -> (Vec<String>, Vec<String>) {
    let added = after
        .iter()
        .filter(|a| !before.contains(a))
        .cloned()
        .collect();
    let removed = before
        .iter()
        .filter(|b| !after.contains(b))
        .cloned()
        .collect();
    (added, removed)
}

#[cfg(test)]
mod tests {
    use kpi_api::experiment::TreatedUnit;

    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2019, m, d).unwrap()
    }

    fn experiment() -> Experiment {
        Experiment {
            id: "open-space".into(),
            title: "Open space".into(),
            hypothesis: "Faster answers".into(),
            intervention: "One reception desk".into(),
            owner: "mayor.shymkent".into(),
            treated: vec![
                TreatedUnit {
                    unit: "economy".into(),
                    start: day(4, 1),
                },
                TreatedUnit {
                    unit: "tourism".into(),
                    start: day(4, 1),
                },
            ],
            comparison: vec!["housing".into(), "land".into()],
            end: None,
            kpis: vec!["response".into()],
            grain: Grain::Week,
            translations: Default::default(),
        }
    }

    #[test]
    fn the_first_version_is_the_creation() {
        assert_eq!(changes(None, &experiment()), vec![Change::Created]);
    }

    #[test]
    fn an_unchanged_version_changes_nothing() {
        assert!(changes(Some(&experiment()), &experiment()).is_empty());
    }

    #[test]
    fn every_field_that_differs_is_named_in_the_forms_order() {
        let before = experiment();
        let mut after = experiment();
        after.title = "Open-space city hall".into();
        after.intervention = "Five departments, one desk".into();
        after.treated[0].start = day(5, 1);
        after.treated.remove(1);
        after.treated.push(TreatedUnit {
            unit: "industry".into(),
            start: day(4, 15),
        });
        after.comparison = vec!["land".into(), "transport".into()];
        after.end = Some(day(12, 31));
        after.kpis.push("satisfaction".into());
        after.grain = Grain::Month;
        assert_eq!(
            changes(Some(&before), &after),
            vec![
                Change::Title("Open-space city hall".into()),
                Change::Intervention,
                Change::Start {
                    unit: "economy".into(),
                    from: day(4, 1),
                    to: day(5, 1)
                },
                Change::TreatedAdded {
                    unit: "industry".into(),
                    start: day(4, 15)
                },
                Change::TreatedRemoved("tourism".into()),
                Change::ComparisonAdded("transport".into()),
                Change::ComparisonRemoved("housing".into()),
                Change::End(Some(day(12, 31))),
                Change::KpiAdded("satisfaction".into()),
                Change::Grain(Grain::Month),
            ]
        );
    }

    fn version(revision: u32, experiment: Experiment) -> StoredExperiment {
        StoredExperiment {
            experiment,
            revision,
            updated_by: "analyst".into(),
            updated_at: day(5, 1).and_hms_opt(9, 0, 0).unwrap(),
        }
    }

    #[test]
    fn each_version_is_compared_with_its_previous_revision_unless_that_is_hidden() {
        let first = experiment();
        let mut second = experiment();
        second.kpis.push("satisfaction".into());
        let mut fourth = second.clone();
        fourth.end = Some(day(9, 30));
        // Revision 3 named a unit outside the reader's jurisdiction: the server left it out.
        let history = [version(4, fourth), version(2, second), version(1, first)];
        assert_eq!(
            version_changes(&history),
            vec![
                None,
                Some(vec![Change::KpiAdded("satisfaction".into())]),
                Some(vec![Change::Created]),
            ]
        );
    }

    #[test]
    fn reordered_lists_are_no_change() {
        let before = experiment();
        let mut after = experiment();
        after.treated.reverse();
        after.comparison.reverse();
        assert!(changes(Some(&before), &after).is_empty());
    }
}
