//! Scorecards for people: each line's computation in words and the whole evaluation as CSV for HR.

use crate::i18n::format;
use kpi_api::evaluation::{Evaluation, SchemeKpi, ScoreLine, Scorecard};

use crate::i18n::{points_formula, score_formula, t, unscored, unscored_reason, Text};
use crate::logic::export::{line, number};

/// Whom a scorecard is of: the employee's name, or the head of its unit in the language in use.
pub fn subject_name(card: &Scorecard) -> String {
    card.employee
        .clone()
        .unwrap_or_else(|| crate::i18n::head_of(&card.unit.name))
}

/// How `l` was scored, or why it was not: "(71.3% − 40%) ÷ (60% − 40%) = 1.57 → 100 of 100".
pub fn computation(k: &SchemeKpi, l: &ScoreLine) -> String {
    if let Some(reason) = &l.unscored {
        return unscored(&unscored_reason(l.unscored_why, reason, k.measure));
    }
    let (Some(value), Some(target), Some(score)) = (l.value, l.target, l.score) else {
        return String::new();
    };
    let floor = l.floor.unwrap_or(target);
    let ratio = if floor == target {
        0.0
    } else {
        (value - floor) / (target - floor)
    };
    let show = |v: f64| format::value(Some(v), k.measure);
    score_formula(
        k.scoring,
        &show(value),
        &show(floor),
        &show(target),
        ratio,
        score,
    )
}

/// What `l` adds to the card's total: "100 × 40% ÷ 100% = 40.0".
pub fn points(card: &Scorecard, l: &ScoreLine) -> String {
    match (l.score, l.points) {
        (Some(score), Some(points)) => points_formula(score, l.weight, card.scored_weight, points),
        _ => String::new(),
    }
}

/// The evaluation as CSV: one line per person (or head) and KPI, with every number the score
/// came from and the person's total and rank on each line.
pub fn evaluation_csv(e: &Evaluation) -> String {
    let mut out = line(&[
        t(Text::CsvRank),
        t(Text::CsvSubject),
        t(Text::CsvEmployee),
        t(Text::CsvUnitId),
        t(Text::CsvUnit),
        t(Text::CsvKpi),
        t(Text::CsvValue),
        t(Text::CsvRows),
        t(Text::CsvLow),
        t(Text::CsvHigh),
        t(Text::CsvTarget),
        t(Text::CsvTargetSource),
        t(Text::CsvFloor),
        t(Text::CsvScore),
        t(Text::CsvWeight),
        t(Text::CsvPoints),
        t(Text::CsvTotal),
    ]);
    for card in &e.cards {
        for l in &card.lines {
            out.push_str(&line(&[
                &card.rank.map(|r| r.to_string()).unwrap_or_default(),
                &subject_name(card),
                card.employee.as_deref().unwrap_or_default(),
                &card.unit.id,
                &card.unit.name,
                &l.kpi,
                &number(l.value),
                &number(l.rows),
                &number(l.low),
                &number(l.high),
                &number(l.target),
                &l.target_source,
                &number(l.floor),
                &number(l.score),
                &number(Some(l.weight)),
                &number(l.points),
                &number(card.total),
            ]));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::evaluation::{Scheme, Scoring, Subjects};
    use kpi_api::{Direction, Grain, Measure, Unit, UnitKind};

    fn kpi(measure: Measure, scoring: Scoring) -> SchemeKpi {
        SchemeKpi {
            kpi: "k".into(),
            title: "K".into(),
            measure,
            direction: Direction::Higher,
            weight: 40.0,
            scoring,
            floor: Some(40.0),
            target: None,
        }
    }

    fn scored(value: f64, score: f64, points: f64) -> ScoreLine {
        ScoreLine {
            kpi: "k".into(),
            value: Some(value),
            rows: Some(64.0),
            low: Some(63.2),
            high: Some(84.0),
            target: Some(60.0),
            target_source: "Federal rule, \"8 days\"".into(),
            floor: Some(40.0),
            score: Some(score),
            weight: 40.0,
            points: Some(points),
            unscored: None,
            unscored_why: None,
        }
    }

    fn card(lines: Vec<ScoreLine>) -> Scorecard {
        Scorecard {
            subject: "Karimi, A.".into(),
            unit: Unit {
                id: "rasht-d1".into(),
                parent_id: None,
                kind: UnitKind::Department,
                name: "Social".into(),
                population: None,
                local_name: None,
            },
            employee: Some("Karimi, A.".into()),
            lines,
            total: Some(50.0),
            scored_weight: 80.0,
            rank: Some(1),
        }
    }

    #[test]
    fn each_line_says_how_its_score_came_about() {
        let k = kpi(Measure::Percent, Scoring::Linear);
        let l = scored(50.0, 50.0, 25.0);
        assert_eq!(
            computation(&k, &l),
            "(50.0% − 40.0%) ÷ (60.0% − 40.0%) = 0.50 → 50 of 100"
        );
        assert_eq!(points(&card(vec![l.clone()]), &l), "50 × 40% ÷ 80% = 25.0");
        let pass = kpi(Measure::Percent, Scoring::Pass);
        assert_eq!(
            computation(&pass, &scored(61.0, 100.0, 50.0)),
            "target 60.0% met → 100 of 100"
        );
        let mut left_out = scored(50.0, 0.0, 0.0);
        left_out.score = None;
        left_out.points = None;
        left_out.unscored = Some("12 rows, fewer than the 20 the scheme asks for".into());
        assert_eq!(
            computation(&k, &left_out),
            "not scored: 12 rows, fewer than the 20 the scheme asks for"
        );
        assert_eq!(points(&card(vec![]), &left_out), "");
    }

    #[test]
    fn the_csv_has_a_line_per_person_and_kpi_with_every_number() {
        let e = Evaluation {
            scheme: Scheme {
                id: "s".into(),
                title: "S".into(),
                description: String::new(),
                subjects: Subjects::Staff,
                unit: Some("rasht".into()),
                period: Grain::Quarter,
                min_rows: 20,
                kpis: vec![kpi(Measure::Percent, Scoring::Linear)],
                translations: Default::default(),
            },
            unit: card(vec![]).unit,
            from: chrono::NaiveDate::from_ymd_opt(2021, 10, 1).unwrap(),
            to: chrono::NaiveDate::from_ymd_opt(2021, 12, 31).unwrap(),
            cards: vec![card(vec![scored(50.0, 50.0, 25.0)])],
        };
        let csv = evaluation_csv(&e);
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines.len(), 3);
        assert!(lines[0].starts_with("rank,subject,employee,unit_id,unit,kpi,value,rows"));
        assert_eq!(
            lines[1],
            "1,\"Karimi, A.\",\"Karimi, A.\",rasht-d1,Social,k,50,64,63.2,84,60,\"Federal rule, \"\"8 days\"\"\",40,50,40,25,50"
        );
    }
}
