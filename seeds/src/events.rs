//! Appeals and service cases, one year file at a time, generated in two-week batches (every
//! other Monday, and the year's ends): every unit's rows of the batch are drawn, first
//! responses are assigned, the batch is sorted by receipt time and streamed out. Memory holds
//! one batch of rows.
//!
//! Determinism: the draws of a unit on a day come from a stream keyed by (seed, unit, day), the
//! response assignment of a group from one keyed by (seed, pool, batch, class, level). A few
//! per-unit sequences (below) run through the days in calendar order, which is fixed. Nothing
//! depends on hash maps, threads or the clock.
//!
//! Exact shares. Appeal channels, the "very late" flag and service-case channels are chosen by
//! per-unit golden-ratio (Weyl) sequences instead of independent draws, so the share of any run
//! of rows matches the planted probability almost exactly.
//!
//! First responses. Appeals are grouped by response pool (a department, or one of the two
//! Shymkent akimat groups), response class (channel group), time factor and batch. Each group
//! gets a low-discrepancy lognormal sample of durations (quantiles from a Weyl sequence that
//! continues across batches, so any run of batches - e.g. the months before an experiment - is
//! an almost exact sample). The durations are then *matched* to the group's receipts (greedy,
//! then augmenting paths) so that every answer falls on a working day, preferably in office
//! hours. Matching only permutes durations: the multiset of response times is untouched, so a
//! multiplicative factor (the Shymkent open-space effect, the Krasnodar feedback platform)
//! shows up exactly in every quantile. Receipts that no remaining duration fits (long
//! holidays) move to the nearer working time ("fallbacks", ~0.25% at scale 1).

use std::io;
use std::path::{Path, PathBuf};

use crate::calendar::{data_end, days_from_civil, Calendar, Calendars, Country, DAY, HOUR};
use crate::csvout::CsvOut;
use crate::effects::{self, FEEDBACK, ONE_STOP, PHONE, RECEPTION, SOCIAL_NETWORK};
use crate::org::{OrgTree, Program, Unit, BUILDING, CATEGORIES, LAND, SERVICES};
use crate::rng::{cumulate, inv_norm, tag, Rng};

pub const APPEALS_HEADER: &str =
    "appeal_id,unit_id,channel,category,received_at,first_response_at,closed_at,due_at,rating,employee";
pub const SERVICES_HEADER: &str =
    "case_id,unit_id,service_code,channel,submitted_at,completed_at,due_at,outcome";

/// Log-sd of first-response time within a unit and class.
const RESPONSE_SIGMA: f64 = 0.8;
/// Log-sd of resolution time (first response -> closed).
const RESOLUTION_SIGMA: f64 = 0.8;
/// Share of appeals answered very late (after the deadline by 5-330 days).
const LATE_SHARE: f64 = 0.005;
/// Share of closed appeals the resident rates.
const RATED_SHARE: f64 = 0.4;
/// Share of service cases stuck for 60-400 days.
const STUCK_SHARE: f64 = 0.003;

/// Yearly volume trend (sums to 3 over the three years).
const APPEAL_TREND: [f64; 3] = [0.96, 1.0, 1.04];
const SERVICE_TREND: [f64; 3] = [0.97, 1.0, 1.03];

/// Monthly seasonality per appeal category (normalised to mean 1 at use).
const SEASON: [[f64; 12]; 7] = [
    // housing: heating season
    [
        1.35, 1.3, 1.1, 0.9, 0.75, 0.7, 0.75, 0.8, 1.0, 1.2, 1.3, 1.4,
    ],
    // roads: spring thaw, potholes
    [
        0.9, 0.9, 1.1, 1.35, 1.3, 1.1, 1.0, 0.95, 0.9, 0.85, 0.8, 0.85,
    ],
    // improvement: spring-summer
    [
        0.6, 0.6, 0.8, 1.2, 1.45, 1.5, 1.4, 1.3, 1.1, 0.85, 0.65, 0.55,
    ],
    // transport: school year
    [
        0.95, 0.95, 1.0, 1.0, 1.0, 0.95, 0.9, 0.95, 1.15, 1.1, 1.05, 1.0,
    ],
    // social
    [
        1.1, 1.0, 1.0, 1.0, 0.95, 0.9, 0.85, 0.9, 1.05, 1.05, 1.05, 1.15,
    ],
    // permits: construction season
    [0.7, 0.8, 1.0, 1.15, 1.2, 1.2, 1.1, 1.1, 1.1, 1.0, 0.85, 0.8],
    // other
    [1.0; 12],
];
const PERMITS_CATEGORY: usize = 5;

/// Median resolution days (first response -> closed) per category.
const RESOLUTION_DAYS: [f64; 7] = [6.0, 9.0, 8.0, 5.0, 7.0, 10.0, 4.0];
/// Share of appeals closed by the first response itself, per channel.
const CLOSED_AT_FIRST: [f64; 6] = [0.2, 0.3, 0.35, 0.45, 0.25, 0.2];
/// Rating distributions (1..5) by (closed - received) / (due - received).
const RATINGS: [(f64, [f64; 5]); 4] = [
    (0.25, [0.03, 0.04, 0.10, 0.28, 0.55]),
    (0.6, [0.05, 0.07, 0.18, 0.35, 0.35]),
    (1.0, [0.10, 0.12, 0.25, 0.30, 0.23]),
    (f64::INFINITY, [0.35, 0.25, 0.20, 0.12, 0.08]),
];

pub const SERVICE_CHANNELS: [&str; 3] = kpi_api::vocab::SERVICE_CHANNELS;
/// Median completion days per service channel.
const SERVICE_CHANNEL_DAYS: [f64; 3] = [3.0, 7.0, 12.0];
/// Completion-time factor and regulatory deadline (calendar days) per service, in
/// [`SERVICES`] order.
const SERVICE_FACTOR: [f64; 6] = [0.5, 1.3, 1.8, 1.2, 0.8, 1.0];
const SERVICE_DUE_DAYS: [i64; 6] = [8, 14, 30, 30, 10, 15];
const SERVICE_SIGMA: f64 = 0.7;
/// Withdrawn and refused shares per service channel.
const WITHDRAWN: [f64; 3] = [0.04, 0.06, 0.08];
const REFUSED: [f64; 3] = [0.10, 0.12, 0.15];
pub const OUTCOMES: [&str; 4] = ["granted", "refused", "withdrawn", "pending"];

/// Hour-of-day weights: online channels, phone, offices; per country.
const ONLINE_HOURS: [f64; 24] = [
    0.5, 0.3, 0.2, 0.15, 0.15, 0.25, 0.6, 1.2, 2.2, 3.0, 3.4, 3.4, 3.2, 3.1, 3.2, 3.1, 3.0, 2.8,
    2.6, 2.6, 2.5, 2.1, 1.5, 0.9,
];

fn hour_weights(country: Country, group: usize) -> [f64; 24] {
    let mut w = [0.0; 24];
    let (first, ws): (usize, &[f64]) = match (country, group) {
        (_, 0) => return ONLINE_HOURS,
        (Country::Iran, 1) => (
            7,
            &[
                1.5, 3.0, 4.0, 4.0, 3.5, 3.0, 2.5, 2.0, 1.8, 1.6, 1.5, 1.2, 1.0, 0.6,
            ],
        ),
        (Country::Iran, _) => (7, &[2.0, 3.5, 4.0, 4.0, 3.5, 3.0, 2.0, 0.8]),
        (_, 1) => (
            8,
            &[1.5, 3.5, 4.0, 4.0, 3.2, 2.8, 3.6, 3.5, 3.2, 2.6, 1.2, 0.6],
        ),
        (_, _) => (9, &[3.0, 4.0, 4.0, 3.0, 2.0, 3.5, 3.5, 3.0, 2.0, 0.5]),
    };
    w[first..first + ws.len()].copy_from_slice(ws);
    w
}

/// Cumulative hour tables [country][group] (0 online, 1 phone, 2 office).
struct Hours([[[f64; 24]; 3]; 3]);

impl Hours {
    fn new() -> Hours {
        let mut t = [[[0.0; 24]; 3]; 3];
        for c in Country::ALL {
            for (g, slot) in t[c.index()].iter_mut().enumerate() {
                cumulate(&hour_weights(c, g), slot);
            }
        }
        Hours(t)
    }

    /// A random second of the day.
    fn draw(&self, country: Country, group: usize, rng: &mut Rng) -> i64 {
        let hour = rng.pick(&self.0[country.index()][group]) as i64;
        hour * HOUR + rng.below(HOUR as u64) as i64
    }
}

/// Seasonal factor of each category on each day of `year` (linear between mid-months).
fn season_table(year: i64) -> Vec<[f64; 7]> {
    let mut norm = SEASON;
    for row in &mut norm {
        let mean = row.iter().sum::<f64>() / 12.0;
        for v in row.iter_mut() {
            *v /= mean;
        }
    }
    let first = days_from_civil(year, 1, 1);
    let last = days_from_civil(year, 12, 31);
    (first..=last)
        .map(|day| {
            let (y, m, d) = crate::calendar::civil_from_days(day);
            let dim = crate::calendar::days_in_month(y, m);
            let pos = f64::from(m - 1) + (f64::from(d) - 0.5) / f64::from(dim) - 0.5;
            let lo = pos.floor();
            let frac = pos - lo;
            let i0 = (lo as i64).rem_euclid(12) as usize;
            let i1 = (i0 + 1) % 12;
            let mut out = [0.0; 7];
            for (c, o) in out.iter_mut().enumerate() {
                *o = norm[c][i0] * (1.0 - frac) + norm[c][i1] * frac;
            }
            out
        })
        .collect()
}

/// Golden-ratio (Weyl) sequences per leaf for the channel and the "very late" flag: the shares
/// of any run of appeals match the set probabilities almost exactly, so group medians are not
/// moved by a chance channel mix. State runs through the whole generation in day order.
#[derive(Clone, Copy)]
pub struct UnitSeq {
    channel: f64,
    late: f64,
    service_channel: f64,
}

/// Per-leaf [`UnitSeq`]s, and per response pool (indexed by org unit) and class the phase of
/// the Weyl sequence that gives the quantiles of first-response durations: consecutive
/// batches continue one low-discrepancy sequence, so any run of batches (the months before
/// an experiment, say) is an almost exact sample of the response-time distribution.
pub struct Sequences(Vec<UnitSeq>, Vec<[f64; 3]>);

impl Sequences {
    pub fn new(org: &OrgTree, seed: u64) -> Sequences {
        let leaves = org
            .leaves()
            .iter()
            .map(|&u| {
                let mut rng = Rng::stream(seed, &[tag::UNIT_PARAMS, org.units[u].hash, 4]);
                UnitSeq {
                    channel: rng.f64(),
                    late: rng.f64(),
                    service_channel: rng.f64(),
                }
            })
            .collect();
        let pools = org
            .units
            .iter()
            .map(|u| {
                let mut rng = Rng::stream(seed, &[tag::UNIT_PARAMS, u.hash, 5]);
                [rng.f64(), rng.f64(), rng.f64()]
            })
            .collect();
        Sequences(leaves, pools)
    }
}

/// Weyl steps: the golden ratio (best one-dimensional spread) and sqrt(2) - 1.
const WEYL_GOLDEN: f64 = 0.618_033_988_749_894_9;
const WEYL_LATE: f64 = 0.414_213_562_373_095_1;

fn weyl(x: &mut f64, step: f64) -> f64 {
    *x += step;
    *x -= x.floor();
    *x
}

/// Index of the cumulative weight interval containing `u` x total.
fn pick_at(cum: &[f64], u: f64) -> usize {
    let x = u * cum[cum.len() - 1];
    cum.iter().position(|&c| x < c).unwrap_or(cum.len() - 1)
}

/// Per-unit constants drawn once.
struct UnitParams {
    response_u: f64,
    resolution_factor: f64,
    service_factor: f64,
}

fn unit_params(unit: &Unit, seed: u64) -> UnitParams {
    let mut rng = Rng::stream(seed, &[tag::UNIT_PARAMS, unit.hash, 1]);
    UnitParams {
        response_u: rng.f64(),
        resolution_factor: rng.range(0.7, 1.4),
        service_factor: rng.range(0.8, 1.25),
    }
}

const NONE: i64 = i64::MAX;

struct Appeal {
    received: i64,
    first: i64,
    closed: i64,
    due: i64,
    /// Resolution seconds after the first response; 0 = closed by the first response.
    resolution: f64,
    late_days: f64,
    rate_u: f64,
    unit: u32,
    seq: u32,
    channel: u8,
    category: u8,
    class: u8,
    late: bool,
    rated: bool,
    rating: u8,
}

struct Case {
    submitted: i64,
    completed: i64,
    due: i64,
    unit: u32,
    seq: u32,
    service: u8,
    channel: u8,
    outcome: u8,
}

pub struct Ctx<'a> {
    pub org: &'a OrgTree,
    pub cals: &'a Calendars,
    pub scale: f64,
    pub seed: u64,
}

#[derive(Default, Debug, Clone, Copy)]
pub struct YearStats {
    pub appeals: u64,
    pub services: u64,
    /// Appeals whose first response no drawn duration fitted (moved to the nearer working time).
    pub fallbacks: u64,
}

/// Writes `appeals_<year>.csv` and `service_cases_<year>.csv` into `dir`.
pub fn write_year(
    ctx: &Ctx,
    dir: &Path,
    year: i64,
    seqs: &mut Sequences,
    files: &mut Vec<PathBuf>,
) -> io::Result<YearStats> {
    let org = ctx.org;
    let leaves = org.leaves();
    let first = days_from_civil(year, 1, 1);
    let last = days_from_civil(year, 12, 31);
    let yi = (year - 2019) as usize;
    let season = season_table(year);
    let hours = Hours::new();
    let params: Vec<UnitParams> = leaves
        .iter()
        .map(|&u| unit_params(&org.units[u], ctx.seed))
        .collect();
    let pools = response_pools(org);
    let mut leaf_of = vec![usize::MAX; org.units.len()];
    for (li, &u) in leaves.iter().enumerate() {
        leaf_of[u] = li;
    }

    // Expected counts per leaf and day.
    let mut appeal_lambda = Vec::with_capacity(leaves.len());
    let mut service_lambda = Vec::with_capacity(leaves.len());
    for &u in &leaves {
        let unit = &org.units[u];
        let dept = unit.dept.expect("leaves are departments");
        let cal = ctx.cals.of(unit.country);
        let aw: Vec<f64> = (first..=last)
            .map(|day| {
                let s = &season[(day - first) as usize];
                let mix: f64 = dept.categories.iter().zip(s).map(|(m, s)| m * s).sum();
                cal.appeal_intake(day) * mix
            })
            .collect();
        let total: f64 = aw.iter().sum();
        let annual = unit.appeals_per_year * ctx.scale * APPEAL_TREND[yi];
        appeal_lambda.push(aw.iter().map(|w| annual * w / total).collect::<Vec<f64>>());

        let construction = dept
            .services
            .iter()
            .any(|&(s, _)| s == BUILDING || s == LAND);
        let sw: Vec<f64> = (first..=last)
            .map(|day| {
                let s = if construction {
                    season[(day - first) as usize][PERMITS_CATEGORY]
                } else {
                    1.0
                };
                cal.service_intake(day) * s
            })
            .collect();
        let total: f64 = sw.iter().sum();
        let annual = unit.services_per_year * ctx.scale * SERVICE_TREND[yi];
        service_lambda.push(
            (first..=last)
                .zip(&sw)
                .map(|(day, w)| annual * w / total * effects::covid_service_volume(day))
                .collect::<Vec<f64>>(),
        );
    }

    let mut appeals_out = CsvOut::create(&dir.join(format!("appeals_{year}.csv")), APPEALS_HEADER)?;
    let mut services_out = CsvOut::create(
        &dir.join(format!("service_cases_{year}.csv")),
        SERVICES_HEADER,
    )?;
    let mut appeal_seq = vec![0u64; org.units.len()];
    let staff: Vec<Vec<String>> = org
        .units
        .iter()
        .map(|u| match u.is_leaf() {
            true => crate::staff::employees(ctx.seed, u),
            false => Vec::new(),
        })
        .collect();
    let mut case_seq = vec![0u64; org.units.len()];
    let mut stats = YearStats::default();
    let end = data_end();

    let mut batch_start = first;
    let mut batch: Vec<Appeal> = Vec::new();
    let mut cases: Vec<Case> = Vec::new();
    while batch_start <= last {
        let batch_end = next_batch_boundary(batch_start).min(last + 1);
        batch.clear();
        cases.clear();
        let mut ranges = Vec::with_capacity(leaves.len());
        for (li, &u) in leaves.iter().enumerate() {
            let unit = &org.units[u];
            let cal = ctx.cals.of(unit.country);
            let from = batch.len();
            for day in batch_start..batch_end {
                let lambda = appeal_lambda[li][(day - first) as usize];
                draw_appeals(
                    ctx,
                    unit,
                    u,
                    cal,
                    &params[li],
                    &mut seqs.0[li],
                    &season,
                    first,
                    day,
                    lambda,
                    &hours,
                    &mut batch,
                );
                let lambda = service_lambda[li][(day - first) as usize];
                draw_cases(
                    ctx,
                    unit,
                    u,
                    cal,
                    &params[li],
                    &mut seqs.0[li],
                    day,
                    lambda,
                    &hours,
                    &mut cases,
                );
            }
            ranges.push((u, from, batch.len()));
        }
        // First responses: per response pool, class and factor period, in time order.
        let mut keys: Vec<(usize, u8, u8, usize)> = batch
            .iter()
            .enumerate()
            .filter(|(_, a)| !a.late)
            .map(|(i, a)| {
                let day = a.received.div_euclid(DAY);
                (
                    pools[a.unit as usize],
                    a.class,
                    effects::response_period(day),
                    i,
                )
            })
            .collect();
        keys.sort_unstable();
        let mut idx = Vec::new();
        for group in keys.chunk_by(|a, b| (a.0, a.1, a.2) == (b.0, b.1, b.2)) {
            let (pool, class, _, first) = group[0];
            idx.clear();
            idx.extend(group.iter().map(|g| g.3));
            let pool_unit = &org.units[pool];
            let base = effects::base_response_hours(pool_unit, params[leaf_of[pool]].response_u);
            let day = batch[first].received.div_euclid(DAY);
            let g = Group {
                unit: pool_unit,
                median_hours: base * effects::response_time_factor(pool_unit, day),
                batch_start,
                class,
            };
            let phase = &mut seqs.1[pool][class as usize];
            stats.fallbacks += match_group(ctx, &g, phase, &mut idx, &mut batch);
        }
        for &(u, from, to) in &ranges {
            close_and_rate(ctx, &org.units[u], batch_start, &mut batch[from..to]);
        }

        batch.sort_unstable_by_key(|a| (a.received, a.unit, a.seq));
        for a in &batch {
            let unit = &org.units[a.unit as usize];
            let city = &org.units[unit.city].id;
            appeal_seq[unit.city] += 1;
            let first_response = (a.first <= end).then_some(a.first);
            let closed = (first_response.is_some() && a.closed <= end).then_some(a.closed);
            let w = &mut appeals_out;
            w.id("A", city, year, appeal_seq[unit.city])
                .raw(unit.id.as_bytes())
                .raw(effects::CHANNELS[a.channel as usize].as_bytes())
                .raw(CATEGORIES[a.category as usize].as_bytes())
                .datetime(a.received)
                .opt_datetime(first_response)
                .opt_datetime(closed);
            w.datetime(a.due);
            if closed.is_some() && a.rating > 0 {
                w.u64(u64::from(a.rating));
            } else {
                w.empty();
            }
            match first_response {
                Some(first) => {
                    let key = ((year as u64) << 40) | appeal_seq[unit.city];
                    let late = first > a.due;
                    w.str(crate::staff::answered_by(
                        ctx.seed,
                        unit,
                        key,
                        late,
                        &staff[a.unit as usize],
                    ))
                }
                None => w.empty(),
            };
            w.end_row()?;
        }
        stats.appeals += batch.len() as u64;

        cases.sort_unstable_by_key(|c| (c.submitted, c.unit, c.seq));
        for c in &cases {
            let unit = &org.units[c.unit as usize];
            let city = &org.units[unit.city].id;
            case_seq[unit.city] += 1;
            let completed = c.completed <= end;
            let w = &mut services_out;
            w.id("S", city, year, case_seq[unit.city])
                .raw(unit.id.as_bytes())
                .raw(SERVICES[c.service as usize].as_bytes())
                .raw(SERVICE_CHANNELS[c.channel as usize].as_bytes())
                .datetime(c.submitted)
                .opt_datetime(completed.then_some(c.completed))
                .datetime(c.due);
            let outcome = if completed { c.outcome as usize } else { 3 };
            w.raw(OUTCOMES[outcome].as_bytes());
            w.end_row()?;
        }
        stats.services += cases.len() as u64;

        batch_start = batch_end;
    }
    files.push(appeals_out.finish()?.0);
    files.push(services_out.finish()?.0);
    Ok(stats)
}

/// The statutory deadline of an appeal received on `day` through `channel`.
fn appeal_due(cal: &Calendar, channel: usize, day: i64) -> i64 {
    let fp = channel == FEEDBACK;
    let due_day = match cal.country {
        // Russia: 30 days (federal law 59-FZ); feedback platform messages 10 days.
        Country::Russia => cal.working_on_or_after(day + if fp { 10 } else { 30 }),
        // Kazakhstan: 15 working days; feedback platform messages 10 working days.
        Country::Kazakhstan => cal.add_working_days(day, if fp { 10 } else { 15 }),
        // Iran: 10 days; feedback platform messages 7 days.
        Country::Iran => cal.working_on_or_after(day + if fp { 7 } else { 10 }),
    };
    due_day * DAY + cal.deadline_time()
}

fn country_resolution_factor(c: Country) -> f64 {
    match c {
        Country::Russia => 1.0,
        Country::Kazakhstan => 0.8,
        Country::Iran => 0.45,
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_appeals(
    ctx: &Ctx,
    unit: &Unit,
    unit_idx: usize,
    cal: &Calendar,
    params: &UnitParams,
    seq: &mut UnitSeq,
    season: &[[f64; 7]],
    year_first: i64,
    day: i64,
    lambda: f64,
    hours: &Hours,
    out: &mut Vec<Appeal>,
) {
    let mut rng = Rng::stream(ctx.seed, &[tag::APPEAL_DAY, unit.hash, day as u64]);
    let n = rng.poisson(lambda);
    if n == 0 {
        return;
    }
    let dept = unit.dept.expect("leaves are departments");
    let mut channel_cum = [0.0; 6];
    cumulate(
        &effects::appeal_channels(unit, day, cal.is_working(day)),
        &mut channel_cum,
    );
    let s = &season[(day - year_first) as usize];
    let mut cat_w = [0.0; 7];
    for (c, w) in cat_w.iter_mut().enumerate() {
        *w = dept.categories[c] * s[c];
    }
    let mut cat_cum = [0.0; 7];
    cumulate(&cat_w, &mut cat_cum);
    let due_fp = appeal_due(cal, FEEDBACK, day);
    let due_other = appeal_due(cal, 0, day);
    let res_base = country_resolution_factor(unit.country) * params.resolution_factor;
    for k in 0..n {
        let channel = pick_at(&channel_cum, weyl(&mut seq.channel, WEYL_GOLDEN));
        let category = rng.pick(&cat_cum);
        let group = match channel {
            PHONE => 1,
            RECEPTION | ONE_STOP => 2,
            _ => 0,
        };
        let received = day * DAY + hours.draw(unit.country, group, &mut rng);
        let late = weyl(&mut seq.late, WEYL_LATE) < LATE_SHARE;
        let late_days = rng.range(5.0, 330.0);
        let closes_at_first = rng.chance(CLOSED_AT_FIRST[channel]);
        let z = rng.normal();
        let resolution = if closes_at_first {
            0.0
        } else {
            RESOLUTION_DAYS[category] * res_base * (RESOLUTION_SIGMA * z).exp() * DAY as f64
        };
        let rated = rng.chance(RATED_SHARE);
        let rate_u = rng.f64();
        let (class, _) = effects::response_class(unit, channel);
        debug_assert!(channel != SOCIAL_NETWORK || class == 1);
        out.push(Appeal {
            received,
            first: NONE,
            closed: NONE,
            due: if channel == FEEDBACK {
                due_fp
            } else {
                due_other
            },
            resolution,
            late_days,
            rate_u,
            unit: unit_idx as u32,
            seq: k as u32,
            channel: channel as u8,
            category: category as u8,
            class,
            late,
            rated,
            rating: 0,
        });
    }
}

/// Path-halving "next free slot" lookup; `next[n] == n` is the sentinel.
fn next_free(next: &mut [u32], mut i: usize) -> usize {
    while next[i] as usize != i {
        let p = next[i] as usize;
        next[i] = next[p];
        i = p;
    }
    i
}

/// How many working-day candidates outside office hours are passed over while looking for one
/// inside them.
const OFFICE_TRIES: usize = 12;

/// Finds a free duration index `k` such that `r + d[k]` falls on a working day, preferring
/// one within office hours. Scans from `start` with wrap-around, jumping over closed days.
fn find_slot(
    cal: &Calendar,
    r: i64,
    d: &[i64],
    next: &mut [u32],
    start: usize,
    rng: &mut Rng,
) -> Option<usize> {
    let n = d.len();
    let mut j = start;
    let mut wrapped = false;
    let mut fallback = None;
    let mut passed = 0;
    for _ in 0..64 {
        let k = next_free(next, j);
        if k == n {
            if wrapped {
                break;
            }
            wrapped = true;
            j = 0;
            continue;
        }
        if wrapped && k >= start {
            break;
        }
        let t = r + d[k];
        let day = t.div_euclid(DAY);
        if !cal.is_working(day) {
            // Jump over the closed days.
            let open = cal.working_on_or_after(day) * DAY;
            j = d.partition_point(|&x| r + x < open).max(k + 1);
            continue;
        }
        if cal.answerable(t) {
            return Some(k);
        }
        fallback.get_or_insert(k);
        passed += 1;
        if passed > OFFICE_TRIES {
            break;
        }
        // Try a random duration landing within the next office hours.
        let w = cal.next_open(t);
        let close = w.div_euclid(DAY) * DAY + cal.hours().1;
        let lo = d.partition_point(|&x| r + x < w).max(k + 1);
        let hi = d.partition_point(|&x| r + x < close);
        j = if hi > lo {
            lo + rng.below((hi - lo) as u64) as usize
        } else {
            lo
        };
    }
    fallback
}

/// The unit whose response pool a leaf shares: the five open-space departments form one pool
/// and the five comparison departments another (each group has one response level, so pooling
/// keeps every group an almost exact sample); every other leaf is its own pool.
pub fn response_pools(org: &OrgTree) -> Vec<usize> {
    let mut pool: Vec<usize> = (0..org.units.len()).collect();
    let mut first_of = [None, None];
    for (i, u) in org.units.iter().enumerate() {
        let g = match u.program {
            Program::ShymkentTreated => 0,
            Program::ShymkentComparison => 1,
            _ => continue,
        };
        pool[i] = *first_of[g].get_or_insert(i);
    }
    pool
}

/// Two-week batches: boundaries on every other Monday (counted from 2018-12-31).
fn next_batch_boundary(day: i64) -> i64 {
    let anchor = days_from_civil(2018, 12, 31);
    anchor + ((day - anchor).div_euclid(14) + 1) * 14
}

/// One matching group: the appeals of one response pool, class and time factor in one batch.
struct Group<'a> {
    unit: &'a Unit,
    /// Median first-response hours of the group (unit level x time factor), before the class
    /// factor.
    median_hours: f64,
    batch_start: i64,
    class: u8,
}

/// Assigns first responses to the appeals `idx` of `batch` (one [`Group`]): a low-discrepancy
/// lognormal sample of durations, permuted so that answers fall on working days.
/// Returns the number of fallbacks.
fn match_group(
    ctx: &Ctx,
    g: &Group,
    phase: &mut f64,
    idx: &mut [usize],
    batch: &mut [Appeal],
) -> u64 {
    let cal = ctx.cals.of(g.unit.country);
    let mut rng = Rng::stream(
        ctx.seed,
        &[
            tag::APPEAL_MATCH,
            g.unit.hash,
            g.batch_start as u64,
            u64::from(g.class),
            g.median_hours.to_bits(),
        ],
    );
    let factor = effects::response_class(g.unit, batch[idx[0]].channel as usize).1;
    let scale = g.median_hours * HOUR as f64 * factor;
    let n = idx.len();
    let mut durations: Vec<i64> = (0..n)
        .map(|_| {
            let u = weyl(phase, WEYL_GOLDEN).clamp(1e-9, 1.0 - 1e-9);
            (scale * (RESPONSE_SIGMA * inv_norm(u)).exp())
                .round()
                .max(60.0) as i64
        })
        .collect();
    durations.sort_unstable();
    // Receipts on closed days and just before them are the most constrained: serve them first.
    rng.shuffle(idx);
    idx.sort_by_key(|&i| {
        let day = batch[i].received.div_euclid(DAY);
        u8::from(cal.is_working(day)) + u8::from(cal.is_working(day + 1))
    });
    let mut m = Matcher {
        cal,
        d: &durations,
        received: idx.iter().map(|&i| batch[i].received).collect(),
        owner: vec![FREE; n],
        assign: vec![FREE; n],
        visited: vec![false; n],
        budget: (40 * n as i64).max(20_000),
    };
    // Greedy: a random free duration landing on a working day, preferably in office hours.
    let mut next: Vec<u32> = (0..=n as u32).collect();
    let mut failed = Vec::new();
    for p in 0..n {
        let start = rng.below(n as u64) as usize;
        match find_slot(cal, m.received[p], &durations, &mut next, start, &mut rng) {
            Some(k) => {
                next[k] = k as u32 + 1;
                m.owner[k] = p as u32;
                m.assign[p] = k as u32;
            }
            None => failed.push(p),
        }
    }
    // Augmenting paths (Kuhn) for the receipts the greedy pass could not serve.
    let mut left = Vec::new();
    for &p in &failed {
        if m.budget > 0 && m.augment(p, 0, &mut rng) {
            m.visited.iter_mut().for_each(|v| *v = false);
        } else {
            left.push(p);
        }
    }
    // What is still unserved takes a free duration and moves to the nearer working time (end
    // of the previous working day or the next working morning), so as not to bias upward.
    let mut free = (0..n).filter(|&k| m.owner[k] == FREE);
    for &p in &left {
        let k = free.next().expect("as many durations as receipts");
        m.assign[p] = k as u32;
    }
    for (p, &i) in idx.iter().enumerate() {
        batch[i].first = batch[i].received + durations[m.assign[p] as usize];
    }
    for &p in &left {
        let a = &mut batch[idx[p]];
        a.first = cal.nearest_working(a.first, a.received + 60, &mut rng);
    }
    left.len() as u64
}

const FREE: u32 = u32::MAX;

/// Bipartite matching of receipts to durations: receipt p may take duration k when
/// `received[p] + d[k]` falls on a working day.
struct Matcher<'a> {
    cal: &'a Calendar,
    d: &'a [i64],
    received: Vec<i64>,
    owner: Vec<u32>,
    assign: Vec<u32>,
    visited: Vec<bool>,
    /// Durations examined before giving up (keeps hopeless holiday cases cheap).
    budget: i64,
}

impl Matcher<'_> {
    fn works(&self, p: usize, k: usize) -> bool {
        self.cal
            .is_working((self.received[p] + self.d[k]).div_euclid(DAY))
    }

    /// Kuhn's augmenting path from receipt `p`.
    fn augment(&mut self, p: usize, depth: u32, rng: &mut Rng) -> bool {
        if depth > 48 {
            return false;
        }
        let n = self.d.len();
        let offset = rng.below(n as u64) as usize;
        for t in 0..n {
            self.budget -= 1;
            if self.budget <= 0 {
                return false;
            }
            let k = (t + offset) % n;
            if self.visited[k] || !self.works(p, k) {
                continue;
            }
            self.visited[k] = true;
            let q = self.owner[k];
            if q == FREE || self.augment(q as usize, depth + 1, rng) {
                self.owner[k] = p as u32;
                self.assign[p] = k as u32;
                return true;
            }
        }
        false
    }
}

/// Closures and ratings of one unit's appeals of one batch (first responses already set for
/// all but the very late ones).
fn close_and_rate(ctx: &Ctx, unit: &Unit, batch_start: i64, appeals: &mut [Appeal]) {
    let cal = ctx.cals.of(unit.country);
    let mut rng = Rng::stream(
        ctx.seed,
        &[tag::APPEAL_CLOSE, unit.hash, batch_start as u64],
    );
    for a in appeals.iter_mut() {
        if a.late {
            a.first = cal.snap(a.due + (a.late_days * DAY as f64) as i64, &mut rng);
            let extra = rng.below(3 * DAY as u64) as i64;
            a.closed = cal.snap(a.first + extra, &mut rng);
        } else if a.resolution <= 0.0 {
            a.closed = a.first;
        } else {
            a.closed = cal.snap(a.first + a.resolution as i64, &mut rng);
        }
        if a.rated {
            let x = (a.closed - a.received) as f64 / (a.due - a.received) as f64;
            let probs = RATINGS
                .iter()
                .find(|(limit, _)| x <= *limit)
                .map(|(_, p)| p)
                .unwrap_or(&RATINGS[3].1);
            let mut acc = 0.0;
            a.rating = 5;
            for (s, p) in probs.iter().enumerate() {
                acc += p;
                if a.rate_u < acc {
                    a.rating = s as u8 + 1;
                    break;
                }
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn draw_cases(
    ctx: &Ctx,
    unit: &Unit,
    unit_idx: usize,
    cal: &Calendar,
    params: &UnitParams,
    seq: &mut UnitSeq,
    day: i64,
    lambda: f64,
    hours: &Hours,
    out: &mut Vec<Case>,
) {
    let mut rng = Rng::stream(ctx.seed, &[tag::SERVICE_DAY, unit.hash, day as u64]);
    let n = rng.poisson(lambda);
    if n == 0 {
        return;
    }
    let dept = unit.dept.expect("leaves are departments");
    let weights: Vec<f64> = dept.services.iter().map(|&(_, w)| w).collect();
    let mut cum = vec![0.0; weights.len()];
    cumulate(&weights, &mut cum);
    let city = &ctx.org.units[unit.city].id;
    let pe = effects::electronic_share(unit, city, day);
    let os = effects::one_stop_share(unit.country);
    for k in 0..n {
        let service = dept.services[rng.pick(&cum)].0;
        let x = weyl(&mut seq.service_channel, WEYL_GOLDEN);
        let channel = if x < pe {
            0
        } else if x < pe + (1.0 - pe) * os {
            1
        } else {
            2
        };
        let group = if channel == 0 { 0 } else { 2 };
        let submitted = day * DAY + hours.draw(unit.country, group, &mut rng);
        let due_day = cal.working_on_or_after(day + SERVICE_DUE_DAYS[service]);
        let due = due_day * DAY + cal.deadline_time();
        let stuck = rng.chance(STUCK_SHARE);
        let z = rng.normal();
        let days = if stuck {
            rng.range(60.0, 400.0)
        } else {
            SERVICE_CHANNEL_DAYS[channel]
                * SERVICE_FACTOR[service]
                * params.service_factor
                * (SERVICE_SIGMA * z).exp()
        };
        let completed = cal.snap(submitted + (days * DAY as f64) as i64, &mut rng);
        let y = rng.f64();
        let outcome = if y < WITHDRAWN[channel] {
            2
        } else if y < WITHDRAWN[channel] + REFUSED[channel] {
            1
        } else {
            0
        };
        out.push(Case {
            submitted,
            completed,
            due,
            unit: unit_idx as u32,
            seq: k as u32,
            service: service as u8,
            channel: channel as u8,
            outcome,
        });
    }
}
