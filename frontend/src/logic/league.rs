//! The league table's plain logic: sorting by a column, the funnel plot's logarithmic size axis,
//! and the table as CSV.

use kpi_api::league::{League, LeagueRow, Versus};

use super::export::{line, number};

/// A column the table can be sorted by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SortKey {
    /// Best first (the server's order).
    Rank,
    Name,
    Volume,
}

/// The rows in the order `key` asks for; `descending` turns it round. Units without a value stay
/// last whatever the order, and ties keep the server's order.
pub fn sorted(rows: &[LeagueRow], key: SortKey, descending: bool) -> Vec<LeagueRow> {
    let mut out = rows.to_vec();
    let rank = |r: &LeagueRow| r.rank.unwrap_or(u32::MAX);
    out.sort_by(|a, b| {
        let order = match key {
            SortKey::Rank => rank(a).cmp(&rank(b)),
            SortKey::Name => a.unit.name.to_lowercase().cmp(&b.unit.name.to_lowercase()),
            SortKey::Volume => a
                .volume
                .unwrap_or(f64::NEG_INFINITY)
                .total_cmp(&b.volume.unwrap_or(f64::NEG_INFINITY)),
        };
        let order = if descending { order.reverse() } else { order };
        // Without a value, last either way.
        match (a.value.is_some(), b.value.is_some()) {
            (true, false) => std::cmp::Ordering::Less,
            (false, true) => std::cmp::Ordering::Greater,
            _ => order,
        }
    });
    out
}

/// Which rows to mark as best and worst: the first and last ranked, each only when it differs
/// from the parent in its favour or against it (never on noise).
pub fn highlights(rows: &[LeagueRow]) -> (Option<String>, Option<String>) {
    let ranked: Vec<&LeagueRow> = rows.iter().filter(|r| r.rank.is_some()).collect();
    let best = ranked
        .iter()
        .min_by_key(|r| r.rank)
        .filter(|r| r.versus == Versus::Better)
        .map(|r| r.unit.id.clone());
    let worst = ranked
        .iter()
        .max_by_key(|r| r.rank)
        .filter(|r| r.versus == Versus::Worse)
        .map(|r| r.unit.id.clone());
    (best, worst)
}

/// A logarithmic axis from `domain` (both ends positive) onto `range`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LogScale {
    lo: f64,
    hi: f64,
    range: (f64, f64),
}

impl LogScale {
    pub fn new(domain: (f64, f64), range: (f64, f64)) -> Option<LogScale> {
        let (lo, hi) = domain;
        (lo > 0.0 && hi > lo).then(|| LogScale {
            lo: lo.ln(),
            hi: hi.ln(),
            range,
        })
    }

    pub fn map(&self, value: f64) -> f64 {
        let t = (value.max(f64::MIN_POSITIVE).ln() - self.lo) / (self.hi - self.lo);
        self.range.0 + t * (self.range.1 - self.range.0)
    }

    /// Ticks at 1, 2 and 5 times the powers of ten inside the domain (at most `max` of them:
    /// the 2s and 5s go first); within one decade, where those are too few, evenly spaced
    /// round values.
    pub fn ticks(&self, max: usize) -> Vec<f64> {
        let decades = self.decade_ticks(max);
        if decades.len() >= 2 {
            return decades;
        }
        let (lo, hi) = (self.lo.exp(), self.hi.exp());
        super::chart::nice_ticks(lo, hi, max.clamp(2, 5))
            .into_iter()
            .filter(|v| *v >= lo * 0.999 && *v <= hi * 1.001)
            .collect()
    }

    fn decade_ticks(&self, max: usize) -> Vec<f64> {
        let (lo, hi) = (self.lo.exp(), self.hi.exp());
        let mut decade = 10f64.powf(lo.log10().floor());
        let mut all = Vec::new();
        while decade <= hi * 1.001 {
            for m in [1.0, 2.0, 5.0] {
                let v = decade * m;
                if v >= lo * 0.999 && v <= hi * 1.001 {
                    all.push(v);
                }
            }
            decade *= 10.0;
        }
        if all.len() > max {
            all.retain(|v| (v.log10() - v.log10().round()).abs() < 1e-9);
        }
        all
    }
}

/// The league table as CSV: rank, unit id and name, value, interval, volume, against the parent,
/// status; the parent's own value last, named `parent_label`.
pub fn league_csv(league: &League, header: [&str; 9], parent_label: &str) -> String {
    let mut out = line(&header);
    for r in &league.rows {
        out.push_str(&line(&[
            &r.rank.map(|n| n.to_string()).unwrap_or_default(),
            &r.unit.id,
            &r.unit.name,
            &number(r.value),
            &number(r.low),
            &number(r.high),
            &number(r.volume),
            versus_code(r.versus),
            r.status.as_str(),
        ]));
    }
    out.push_str(&line(&[
        "",
        &league.unit.id,
        parent_label,
        &number(league.parent_value),
        "",
        "",
        &number(league.parent_volume),
        "",
        "",
    ]));
    out
}

/// The stable word for a verdict in files and attributes.
pub fn versus_code(v: Versus) -> &'static str {
    match v {
        Versus::Better => "better",
        Versus::Worse => "worse",
        Versus::Alike => "alike",
        Versus::Unknown => "unknown",
    }
}

#[cfg(test)]
mod tests {
    use chrono::NaiveDate;
    use kpi_api::league::{FunnelZone, IntervalMethod};
    use kpi_api::{Status, Unit, UnitKind};

    use super::*;

    fn row(id: &str, rank: Option<u32>, volume: f64, versus: Versus) -> LeagueRow {
        LeagueRow {
            unit: Unit {
                id: id.into(),
                parent_id: Some("krai".into()),
                kind: UnitKind::City,
                name: id.to_uppercase(),
                population: None,
                local_name: None,
            },
            value: rank.map(|r| 100.0 - f64::from(r)),
            low: None,
            high: None,
            volume: Some(volume),
            rank,
            versus,
            zone: FunnelZone::Inside,
            status: Status::None,
        }
    }

    fn rows() -> Vec<LeagueRow> {
        vec![
            row("b", Some(1), 50.0, Versus::Alike),
            row("c", Some(2), 900.0, Versus::Alike),
            row("a", Some(3), 200.0, Versus::Worse),
            row("z", None, 10.0, Versus::Unknown),
        ]
    }

    fn ids(rows: &[LeagueRow]) -> Vec<&str> {
        rows.iter().map(|r| r.unit.id.as_str()).collect()
    }

    #[test]
    fn sorting_by_a_column_keeps_units_without_a_value_last() {
        assert_eq!(
            ids(&sorted(&rows(), SortKey::Rank, false)),
            ["b", "c", "a", "z"]
        );
        assert_eq!(
            ids(&sorted(&rows(), SortKey::Rank, true)),
            ["a", "c", "b", "z"]
        );
        assert_eq!(
            ids(&sorted(&rows(), SortKey::Name, false)),
            ["a", "b", "c", "z"]
        );
        assert_eq!(
            ids(&sorted(&rows(), SortKey::Volume, true)),
            ["c", "a", "b", "z"]
        );
    }

    #[test]
    fn only_a_real_difference_is_highlighted() {
        // The first is no better than the parent: not marked; the last is worse: marked.
        assert_eq!(highlights(&rows()), (None, Some("a".to_string())));
        let mut r = rows();
        r[0].versus = Versus::Better;
        r[2].versus = Versus::Alike;
        assert_eq!(highlights(&r), (Some("b".to_string()), None));
    }

    #[test]
    fn the_size_axis_is_logarithmic_with_round_ticks() {
        let s = LogScale::new((10.0, 1000.0), (0.0, 200.0)).unwrap();
        assert!((s.map(10.0) - 0.0).abs() < 1e-9);
        assert!((s.map(100.0) - 100.0).abs() < 1e-9);
        assert!((s.map(1000.0) - 200.0).abs() < 1e-9);
        assert_eq!(s.ticks(10), [10.0, 20.0, 50.0, 100.0, 200.0, 500.0, 1000.0]);
        assert_eq!(s.ticks(4), [10.0, 100.0, 1000.0]);
        assert_eq!(LogScale::new((0.0, 10.0), (0.0, 1.0)), None);
        // Within one decade: round values between the ends.
        let narrow = LogScale::new((520.0, 970.0), (0.0, 1.0)).unwrap().ticks(6);
        assert!(narrow.len() >= 2, "{narrow:?}");
        assert!(
            narrow
                .iter()
                .all(|v| (520.0..=970.0).contains(v) && v % 50.0 == 0.0),
            "{narrow:?}"
        );
    }

    #[test]
    fn the_csv_has_a_line_per_unit_and_the_parent_last() {
        let league = League {
            kpi: "k".into(),
            unit: Unit {
                id: "krai".into(),
                parent_id: None,
                kind: UnitKind::Region,
                name: "Krai".into(),
                population: None,
                local_name: None,
            },
            from: NaiveDate::from_ymd_opt(2021, 1, 1).unwrap(),
            to: NaiveDate::from_ymd_opt(2021, 3, 31).unwrap(),
            parent_value: Some(97.5),
            parent_volume: Some(1160.0),
            per_capita: false,
            method: IntervalMethod::Wilson,
            volume_label: "cases counted".into(),
            note: String::new(),
            rows: rows(),
            funnel: Vec::new(),
        };
        let csv = league_csv(
            &league,
            ["r", "id", "n", "v", "l", "h", "vol", "vs", "s"],
            "All",
        );
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 6);
        assert_eq!(lines[1], "1,b,B,99,,,50,alike,none");
        assert_eq!(lines[4], ",z,Z,,,,10,unknown,none");
        assert_eq!(lines[5], ",krai,All,97.5,,,1160,,");
    }
}
