//! A review meeting's agenda: under a unit, every KPI in every unit of its subtree that is red
//! against the target in force, or got worse than the period before; red first, the furthest off
//! target first. Each KPI is evaluated once for the whole subtree (each unit its own group).

use std::sync::Arc;

use chrono::NaiveDate;
use kpi_api::agenda::{Agenda, AgendaItem};
use kpi_api::status::{change_tone, Tone};
use kpi_api::{Direction, Status, Unit};

use crate::auth::{Access, Parents, Reach};
use crate::boards::{evaluate_groups, Groups};
use crate::error::Result;
use crate::kpi::{self, Periods};
use crate::state::AppState;

/// How far `value` misses `target`, as a share of the target: positive when worse.
fn off_target(value: f64, target: f64, direction: Direction) -> Option<f64> {
    if target == 0.0 {
        return None;
    }
    let miss = match direction {
        Direction::Higher => target - value,
        Direction::Lower => value - target,
    };
    (miss > 0.0).then(|| miss / target.abs())
}

/// The agenda under `unit` over `from..=to`, against the period before in `calendar`, from the
/// caller's rows.
pub async fn agenda(
    state: &Arc<AppState>,
    access: &Access,
    unit: Unit,
    (calendar, from, to): (kpi_api::calendar::Calendar, NaiveDate, NaiveDate),
) -> Result<Agenda> {
    let all = state.units();
    let parents = Parents::of(&all);
    let units: Vec<Unit> = all
        .iter()
        .filter(|u| parents.is_within(&u.id, &unit.id))
        .filter(|u| access.reach(&all, &u.id) != Reach::Outside)
        .cloned()
        .collect();
    let ids: Vec<String> = units.iter().map(|u| u.id.clone()).collect();
    let periods = Periods::previous_and_current(calendar, from, to);
    let (prev_start, current_start) = (periods.0[0].0, periods.0[1].0);
    let jurisdiction = access.jurisdiction();
    let catalog = state.catalog();
    let kpis: Vec<kpi::Kpi> = catalog.kpis.values().cloned().collect();
    let answers = futures_util::future::join_all(kpis.iter().map(|k| {
        evaluate_groups(
            state,
            k.clone(),
            Groups::EachOf(ids.clone()),
            periods.clone(),
            &jurisdiction,
        )
    }))
    .await;
    let mut items = Vec::new();
    let mut checked = 0;
    for (k, cells) in kpis.iter().zip(answers) {
        let cells = cells?;
        let def = &k.def;
        for u in &units {
            let at = |day: NaiveDate| {
                cells
                    .iter()
                    .find(|c| c.grp == u.id && c.period == day)
                    .and_then(|c| c.value)
            };
            let (value, previous) = (at(current_start), at(prev_start));
            if value.is_none() {
                continue;
            }
            checked += 1;
            let (status, in_force) = state.judge(def, &u.id, to, value);
            let change = value.zip(previous).map(|(v, p)| v - p);
            let worse = change_tone(change, def.measure, def.direction) == Tone::Bad;
            if status != Status::Red && !worse {
                continue;
            }
            items.push(AgendaItem {
                unit: u.clone(),
                kpi: def.id.clone(),
                kpi_title: def.title.clone(),
                kpi_translations: def.translations.clone(),
                measure: def.measure,
                direction: def.direction,
                value,
                previous,
                change,
                target: in_force.target,
                status,
                off_target: value
                    .zip(in_force.target)
                    .and_then(|(v, t)| off_target(v, t, def.direction)),
                worse,
                owner: def.owner.clone(),
            });
        }
    }
    // Red first, furthest off target first; then the worse ones by their relative change.
    let relative = |i: &AgendaItem| match (i.change, i.previous) {
        (Some(c), Some(p)) if p != 0.0 => (c / p).abs(),
        _ => 0.0,
    };
    items.sort_by(|a, b| {
        let red = |i: &AgendaItem| i.status == Status::Red;
        red(b)
            .cmp(&red(a))
            .then_with(|| {
                b.off_target
                    .unwrap_or(0.0)
                    .total_cmp(&a.off_target.unwrap_or(0.0))
            })
            .then_with(|| relative(b).total_cmp(&relative(a)))
            .then_with(|| a.unit.name.cmp(&b.unit.name))
            .then_with(|| a.kpi_title.cmp(&b.kpi_title))
    });
    let (previous_from, previous_to) = calendar.previous(from, to);
    Ok(Agenda {
        unit,
        from,
        to,
        previous_from,
        previous_to,
        items,
        checked,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_target_is_the_miss_as_a_share_of_the_target() {
        assert_eq!(off_target(90.0, 95.0, Direction::Higher), Some(5.0 / 95.0));
        assert_eq!(off_target(96.0, 95.0, Direction::Higher), None);
        assert_eq!(off_target(36.0, 24.0, Direction::Lower), Some(0.5));
        assert_eq!(off_target(20.0, 24.0, Direction::Lower), None);
        assert_eq!(off_target(1.0, 0.0, Direction::Lower), None);
    }
}
