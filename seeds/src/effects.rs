//! The planted effects and the other time-varying parameters, in one place so that the README
//! table and the code cannot drift apart. Every function here is a pure function of the unit
//! and the date: the effects are exact by construction (see README.md).

use crate::calendar::{days_from_civil, Country};
use crate::org::{Program, Unit};

/// Effect 1: response-time factor of the open-space departments from this date.
pub const OPEN_SPACE_START: (i64, u32, u32) = (2019, 4, 1);
pub const OPEN_SPACE_FACTOR: f64 = 0.80;

/// Effect 2: Mashhad e-municipality roll-out.
pub const MASHHAD_PILOT_DISTRICTS: [u8; 2] = [8, 12];
pub const MASHHAD_PILOT_START: (i64, u32, u32) = (2020, 4, 1);
pub const MASHHAD_REST_START: (i64, u32, u32) = (2020, 10, 1);
pub const MASHHAD_RAMP_DAYS: f64 = 56.0;
pub const MASHHAD_E_BEFORE: f64 = 0.15;
pub const MASHHAD_E_AFTER: f64 = 0.75;

/// Effect 3: Perm city vacancy rate (Jan 2019 -> Dec 2021) and electronic share (2019-01-01 ->
/// 2021-12-31), both linear.
pub const PERM_VACANCY_FROM: f64 = 0.12;
pub const PERM_VACANCY_TO: f64 = 0.04;
pub const PERM_E_FROM: f64 = 0.35;
pub const PERM_E_TO: f64 = 0.65;

/// Effect 4: Krasnodar Krai feedback platform share (flat in 2019, then linear from 2020-01-01
/// to 2021-12-31) and the factor on its messages' first-response time.
pub const KRASNODAR_FP_2019: f64 = 0.04;
pub const KRASNODAR_FP_END: f64 = 0.45;
pub const KRASNODAR_FP_RESPONSE_FACTOR: f64 = 0.35;

/// COVID-19: April-June 2020.
pub const COVID_FIRST_RESPONSE_FACTOR: f64 = 1.15;

pub fn day_of(d: (i64, u32, u32)) -> i64 {
    days_from_civil(d.0, d.1, d.2)
}

/// Linear interpolation of `from` -> `to` as `day` runs `start` -> `end` (clamped).
fn linear(day: i64, start: i64, end: i64, from: f64, to: f64) -> f64 {
    let x = ((day - start) as f64 / (end - start) as f64).clamp(0.0, 1.0);
    from + (to - from) * x
}

/// Probability that a service case submitted on `day` is electronic.
pub fn electronic_share(unit: &Unit, city_id: &str, day: i64) -> f64 {
    let y2019 = days_from_civil(2019, 1, 1);
    let y2021 = days_from_civil(2021, 12, 31);
    match unit.program {
        Program::Mashhad(n) => {
            let start = if MASHHAD_PILOT_DISTRICTS.contains(&n) {
                day_of(MASHHAD_PILOT_START)
            } else {
                day_of(MASHHAD_REST_START)
            };
            let ramp = ((day - start) as f64 / MASHHAD_RAMP_DAYS).clamp(0.0, 1.0);
            MASHHAD_E_BEFORE + (MASHHAD_E_AFTER - MASHHAD_E_BEFORE) * ramp
        }
        Program::PermCity => linear(day, y2019, y2021, PERM_E_FROM, PERM_E_TO),
        _ => match (unit.country, city_id) {
            (Country::Kazakhstan, _) => linear(day, y2019, y2021, 0.50, 0.60),
            (Country::Iran, _) => 0.20,
            (Country::Russia, "berezniki" | "solikamsk") => linear(day, y2019, y2021, 0.30, 0.40),
            (Country::Russia, _) => 0.35,
        },
    }
}

/// Of the non-electronic service cases, the share filed at a one-stop centre (rest: paper).
pub fn one_stop_share(country: Country) -> f64 {
    match country {
        Country::Russia => 0.75,
        Country::Kazakhstan => 0.80,
        Country::Iran => 0.55,
    }
}

/// Appeal channels, in output order.
pub const CHANNELS: [&str; 6] = kpi_api::vocab::APPEAL_CHANNELS;
pub const PORTAL: usize = 0;
pub const FEEDBACK: usize = 1;
pub const SOCIAL_NETWORK: usize = 2;
pub const PHONE: usize = 3;
pub const RECEPTION: usize = 4;
pub const ONE_STOP: usize = 5;

/// Base appeal channel mix per country.
fn base_channels(country: Country) -> [f64; 6] {
    match country {
        Country::Russia => [0.38, 0.04, 0.10, 0.22, 0.14, 0.12],
        Country::Kazakhstan => [0.42, 0.03, 0.15, 0.16, 0.14, 0.10],
        Country::Iran => [0.28, 0.04, 0.05, 0.40, 0.15, 0.08],
    }
}

/// Share of a unit's appeals that arrive through the feedback platform on `day`.
pub fn feedback_share(unit: &Unit, day: i64) -> f64 {
    if unit.program == Program::Krasnodar {
        linear(
            day,
            days_from_civil(2020, 1, 1),
            days_from_civil(2021, 12, 31),
            KRASNODAR_FP_2019,
            KRASNODAR_FP_END,
        )
    } else {
        base_channels(unit.country)[FEEDBACK]
    }
}

/// Appeal channel weights for `unit` on `day`. The feedback-platform share is exactly
/// [`feedback_share`]; rest days and COVID only move weight among the other channels.
pub fn appeal_channels(unit: &Unit, day: i64, working: bool) -> [f64; 6] {
    let mut w = base_channels(unit.country);
    w[FEEDBACK] = 0.0;
    if !working {
        w[PHONE] *= 0.4;
        w[RECEPTION] *= 0.05;
        w[ONE_STOP] *= 0.3;
    }
    let covid = covid_in_person_factor(day);
    if covid < 1.0 {
        let moved = (w[RECEPTION] + w[ONE_STOP]) * (1.0 - covid);
        w[RECEPTION] *= covid;
        w[ONE_STOP] *= covid;
        w[PORTAL] += moved;
    }
    let fp = feedback_share(unit, day);
    let rest: f64 = w.iter().sum();
    for x in &mut w {
        *x *= (1.0 - fp) / rest;
    }
    w[FEEDBACK] = fp;
    w
}

/// COVID-19: factor on in-person appeal channels (reception, one-stop centre).
pub fn covid_in_person_factor(day: i64) -> f64 {
    if day >= days_from_civil(2020, 4, 1) && day < days_from_civil(2020, 6, 1) {
        0.2
    } else if day >= days_from_civil(2020, 6, 1) && day < days_from_civil(2020, 7, 1) {
        0.5
    } else {
        1.0
    }
}

/// COVID-19: factor on service-case volume (all channels alike, so shares are unaffected).
pub fn covid_service_volume(day: i64) -> f64 {
    if day >= days_from_civil(2020, 4, 1) && day < days_from_civil(2020, 6, 1) {
        0.7
    } else if day >= days_from_civil(2020, 6, 1) && day < days_from_civil(2020, 7, 1) {
        0.85
    } else {
        1.0
    }
}

/// First-response class of an appeal channel and its factor on the unit's response time.
/// Matching of durations (see `appeals`) happens within a class.
pub fn response_class(unit: &Unit, channel: usize) -> (u8, f64) {
    match channel {
        FEEDBACK if unit.program == Program::Krasnodar => (2, KRASNODAR_FP_RESPONSE_FACTOR),
        FEEDBACK | PHONE | SOCIAL_NETWORK => (1, 0.6),
        _ => (0, 1.0),
    }
}

/// Periods of constant [`response_time_factor`], numbered in time order: the factor changes
/// only on these days.
const RESPONSE_FACTOR_CHANGES: [(i64, u32, u32); 3] =
    [OPEN_SPACE_START, (2020, 4, 1), (2020, 7, 1)];

pub fn response_period(day: i64) -> u8 {
    RESPONSE_FACTOR_CHANGES
        .iter()
        .filter(|&&d| day >= day_of(d))
        .count() as u8
}

/// Factor on first-response time of an appeal received on `day` (first responses are matched
/// within groups of equal factor, so each factor applies exactly).
pub fn response_time_factor(unit: &Unit, day: i64) -> f64 {
    let mut f = 1.0;
    if covid_in_person_factor(day) < 1.0 {
        f *= COVID_FIRST_RESPONSE_FACTOR;
    }
    if unit.program == Program::ShymkentTreated && day >= day_of(OPEN_SPACE_START) {
        f *= OPEN_SPACE_FACTOR;
    }
    f
}

/// Median first-response hours of a unit (before any factor).
pub fn base_response_hours(unit: &Unit, u: f64) -> f64 {
    match unit.program {
        // The two akimat groups: one level per group, so pooled medians are not moved by the
        // changing mix of departments over the seasons.
        Program::ShymkentTreated => 40.0,
        Program::ShymkentComparison => 52.0,
        _ => 24.0 * 3f64.powf(u),
    }
}

/// Perm city vacancy rate in month `m` (0 = Jan 2019 .. 35 = Dec 2021).
pub fn perm_vacancy_rate(m: u32) -> f64 {
    PERM_VACANCY_FROM + (PERM_VACANCY_TO - PERM_VACANCY_FROM) * f64::from(m) / 35.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_response_factor_is_constant_within_each_period() {
        use crate::org::build;
        let org = build(1);
        let first = days_from_civil(2019, 1, 1);
        for u in &org.units {
            for day in first..first + 3 * 365 {
                if response_period(day) == response_period(day + 1) {
                    assert_eq!(
                        response_time_factor(u, day),
                        response_time_factor(u, day + 1)
                    );
                }
            }
        }
    }

    #[test]
    fn the_open_space_start_is_a_monday() {
        use crate::calendar::weekday;
        assert_eq!(weekday(day_of(OPEN_SPACE_START)), 0);
    }
}
