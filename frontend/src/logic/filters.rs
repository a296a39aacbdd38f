//! The board's filters and their place in the URL query, so a link reproduces a view exactly.
//!
//! Contract: `?unit={unit id}&from=YYYY-MM-DD&to=YYYY-MM-DD&grain=week|month|quarter|year[&kpi={kpi id}]`.
//! Every key is optional; a missing or unreadable value falls back to its default, and a range given
//! backwards is turned around.

use chrono::NaiveDate;
use kpi_api::calendar::Calendar;
use kpi_api::Grain;

use super::url::{build_query, parse_query};

/// The board shown at `/`.
pub const DEFAULT_BOARD: &str = "overview";
/// The unit a board opens on when the link names none and the user's jurisdiction is every unit
/// (administrators); everyone else opens on their home unit.
pub const DEFAULT_UNIT: &str = "perm";
/// The grain a board opens on when the link names none.
pub const DEFAULT_GRAIN: Grain = Grain::Week;

/// The first day of the seed data: the range used when the server reports none (an empty database).
pub const DATA_FIRST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2019, 1, 1) {
    Some(d) => d,
    None => panic!("a valid date"),
};
/// The last day of the seed data, likewise a fallback only.
pub const DATA_LAST_DAY: NaiveDate = match NaiveDate::from_ymd_opt(2021, 12, 31) {
    Some(d) => d,
    None => panic!("a valid date"),
};

/// The days the server has data for (`GET /api/health`): date inputs stay inside it, and presets
/// and the default period count back from its last day, so a newly imported month shows at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DataRange {
    pub first: NaiveDate,
    pub last: NaiveDate,
}

impl Default for DataRange {
    fn default() -> Self {
        DataRange {
            first: DATA_FIRST_DAY,
            last: DATA_LAST_DAY,
        }
    }
}

impl DataRange {
    /// The server's range, or the seed's where the server has no data yet.
    pub fn from_server(first: Option<NaiveDate>, last: Option<NaiveDate>) -> DataRange {
        match (first, last) {
            (Some(first), Some(last)) if first <= last => DataRange { first, last },
            _ => DataRange::default(),
        }
    }

    /// True for a day the data covers. A date input reports every intermediate value while a
    /// year is typed digit by digit (0002, 0020, 0202, 2021); only a day inside the data is worth
    /// a request.
    pub fn contains(&self, day: NaiveDate) -> bool {
        (self.first..=self.last).contains(&day)
    }
}

/// What a board shows: for which unit, over which period, at which grain, and which tile is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Filters {
    pub unit: String,
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub grain: Grain,
    /// The KPI whose detail panel is open.
    pub kpi: Option<String>,
}

impl Default for Filters {
    fn default() -> Self {
        Filters::defaults(DataRange::default(), None)
    }
}

impl Filters {
    /// What a board shows when the link names nothing: the user's home unit (the root of their
    /// jurisdiction; [`DEFAULT_UNIT`] when that is every unit) over the last full quarter of the data.
    pub fn defaults(range: DataRange, home_unit: Option<&str>) -> Filters {
        let (from, to) = last_full_quarter(crate::i18n::calendar(), range.last);
        Filters {
            unit: home_unit.unwrap_or(DEFAULT_UNIT).to_string(),
            from,
            to,
            grain: DEFAULT_GRAIN,
            kpi: None,
        }
    }

    /// Reads filters from a URL query (with or without the leading `?`); what it does not name
    /// comes from [`Filters::defaults`] for `range` and `home_unit`.
    pub fn from_query(query: &str, range: DataRange, home_unit: Option<&str>) -> Filters {
        let mut filters = Filters::defaults(range, home_unit);
        for (key, value) in parse_query(query) {
            let value = value.trim();
            match key.as_str() {
                "unit" if !value.is_empty() => filters.unit = value.to_string(),
                "from" => {
                    if let Some(d) = parse_date(value) {
                        filters.from = d;
                    }
                }
                "to" => {
                    if let Some(d) = parse_date(value) {
                        filters.to = d;
                    }
                }
                "grain" => {
                    if let Some(g) = Grain::parse(value) {
                        filters.grain = g;
                    }
                }
                "kpi" if !value.is_empty() => filters.kpi = Some(value.to_string()),
                _ => {}
            }
        }
        if filters.from > filters.to {
            std::mem::swap(&mut filters.from, &mut filters.to);
        }
        filters
    }

    /// The URL query (without `?`) that [`Filters::from_query`] reads back to these filters. Every
    /// filter is written, defaults included, so a shared link keeps its meaning if defaults change.
    pub fn to_query(&self) -> String {
        let from = iso(self.from);
        let to = iso(self.to);
        let mut pairs = vec![
            ("unit", self.unit.as_str()),
            ("from", from.as_str()),
            ("to", to.as_str()),
            ("grain", self.grain.as_str()),
        ];
        if let Some(kpi) = &self.kpi {
            pairs.push(("kpi", kpi.as_str()));
        }
        build_query(pairs)
    }

    /// The same view for another unit (a drill-down keeps the open KPI).
    pub fn with_unit(mut self, unit: &str) -> Filters {
        self.unit = unit.to_string();
        self
    }

    /// A new start; an end before it moves to the same day.
    pub fn with_from(mut self, from: NaiveDate) -> Filters {
        self.from = from;
        if self.to < from {
            self.to = from;
        }
        self
    }

    /// A new end; a start after it moves to the same day.
    pub fn with_to(mut self, to: NaiveDate) -> Filters {
        self.to = to;
        if self.from > to {
            self.from = to;
        }
        self
    }

    pub fn with_period(mut self, (from, to): (NaiveDate, NaiveDate)) -> Filters {
        self.from = from.min(to);
        self.to = from.max(to);
        self
    }

    pub fn with_grain(mut self, grain: Grain) -> Filters {
        self.grain = grain;
        self
    }

    pub fn with_kpi(mut self, kpi: Option<String>) -> Filters {
        self.kpi = kpi;
        self
    }
}

/// The query of a link that opens a page for `unit` and lets the rest of the filters default:
/// `unit=perm`.
pub fn unit_query(unit: &str) -> String {
    build_query([("unit", unit)])
}

/// The unit a page's query names (`unit=perm`), trimmed; None when it names none.
pub fn query_unit(query: &str) -> Option<String> {
    query_value(query, "unit")
}

/// The value a page's query gives `key`, trimmed; None when it gives none.
pub fn query_value(query: &str, key: &str) -> Option<String> {
    parse_query(query)
        .into_iter()
        .find(|(k, value)| k == key && !value.trim().is_empty())
        .map(|(_, value)| value.trim().to_string())
}

/// A date as the API and the URL write it: `2021-10-01`.
pub fn iso(day: NaiveDate) -> String {
    // NaiveDate's own Display is ISO 8601 (and, unlike a format string, adds no parser of
    // format strings to the web app).
    day.to_string()
}

/// Reads a `YYYY-MM-DD` date (what a date input gives and the URL carries).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // Exactly YYYY-MM-DD: FromStr alone would also take a signed or longer year.
    let shape = text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| match i {
            4 | 7 => b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape.then(|| text.parse().ok()).flatten()
}

/// The latest whole bucket of `grain` in `calendar` that ends on or before `last_day`: a Solar
/// Hijri quarter or month in Persian, a week from Saturday in Iran and from Monday elsewhere.
pub fn last_full(calendar: Calendar, grain: Grain, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    let next_day = last_day.succ_opt().unwrap_or(last_day);
    let this = calendar.start_of(grain, next_day);
    let end = this.pred_opt().unwrap_or(this);
    (calendar.start_of(grain, end), end)
}

/// The latest quarter of `calendar` that ends on or before `last_day`.
pub fn last_full_quarter(calendar: Calendar, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    last_full(calendar, Grain::Quarter, last_day)
}

/// The latest month of `calendar` that ends on or before `last_day`.
pub fn last_full_month(calendar: Calendar, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
    last_full(calendar, Grain::Month, last_day)
}

/// A one-click period, in the calendar of the interface's language.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preset {
    /// The last whole week (Monday to Sunday; Saturday to Friday in the Solar Hijri calendar).
    LastWeek,
    LastMonth,
    LastQuarter,
    /// From the first day of the year (1 January, or Nowruz) to the last day of data.
    YearToDate,
    /// A whole year of the calendar, by its number there (2021, or 1400).
    Year(i32),
}

impl Preset {
    /// The presets offered for data covering `first_day..=last_day`: the last full week, month
    /// and quarter, the year to date, then every year of `calendar`, newest first.
    pub fn offered(calendar: Calendar, first_day: NaiveDate, last_day: NaiveDate) -> Vec<Preset> {
        let mut presets = vec![
            Preset::LastWeek,
            Preset::LastMonth,
            Preset::LastQuarter,
            Preset::YearToDate,
        ];
        let (first, last) = (calendar.ymd(first_day).0, calendar.ymd(last_day).0);
        presets.extend((first..=last).rev().map(Preset::Year));
        presets
    }

    /// The period the preset stands for in `calendar`, counted back from the last day of data.
    pub fn range(self, calendar: Calendar, last_day: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            Preset::LastWeek => last_full(calendar, Grain::Week, last_day),
            Preset::YearToDate => calendar.year_to_date(last_day),
            Preset::LastMonth => last_full_month(calendar, last_day),
            Preset::LastQuarter => last_full_quarter(calendar, last_day),
            Preset::Year(year) => match calendar.date(year, 1, 1) {
                Some(start) => {
                    let next = calendar.next(Grain::Year, start);
                    (start, next.pred_opt().unwrap_or(start))
                }
                None => (last_day, last_day),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_query_names_its_unit_or_none() {
        assert_eq!(
            super::query_unit("unit=%20perm%20&x=1"),
            Some("perm".to_string())
        );
        assert_eq!(super::query_unit("unit=&x=1"), None);
        assert_eq!(super::query_unit(""), None);
    }

    use super::*;

    const G: Calendar = Calendar::Gregorian;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn an_empty_query_opens_perm_on_the_last_full_quarter_by_week() {
        let f = Filters::from_query("", DataRange::default(), None);
        assert_eq!(f.unit, "perm");
        assert_eq!((f.from, f.to), (d("2021-10-01"), d("2021-12-31")));
        assert_eq!(f.grain, Grain::Week);
        assert_eq!(f.kpi, None);
        assert_eq!(f, Filters::default());
    }

    #[test]
    fn a_query_is_read_back_to_the_same_filters() {
        let f = Filters {
            unit: "mashhad".to_string(),
            from: d("2020-01-01"),
            to: d("2020-12-31"),
            grain: Grain::Month,
            kpi: Some("appeal_on_time_share".to_string()),
        };
        let query = f.to_query();
        assert_eq!(
            query,
            "unit=mashhad&from=2020-01-01&to=2020-12-31&grain=month&kpi=appeal_on_time_share"
        );
        assert_eq!(Filters::from_query(&query, DataRange::default(), None), f);
        assert_eq!(
            Filters::from_query(&format!("?{query}"), DataRange::default(), None),
            f
        );
    }

    #[test]
    fn without_an_open_kpi_the_query_has_no_kpi_key() {
        assert!(!Filters::default().to_query().contains("kpi"));
    }

    #[test]
    fn unreadable_values_fall_back_to_defaults() {
        let f = Filters::from_query(
            "unit=&from=yesterday&to=2021-13-40&grain=day&kpi=",
            DataRange::default(),
            None,
        );
        assert_eq!(f, Filters::default());
    }

    #[test]
    fn without_a_unit_in_the_link_a_board_opens_on_the_users_home_unit() {
        let f = Filters::from_query("grain=month", DataRange::default(), Some("mashhad"));
        assert_eq!(f.unit, "mashhad");
        assert_eq!(f.grain, Grain::Month);
        let f = Filters::from_query(
            "unit=mashhad-district-8",
            DataRange::default(),
            Some("mashhad"),
        );
        assert_eq!(f.unit, "mashhad-district-8");
        assert_eq!(
            Filters::from_query("", DataRange::default(), None).unit,
            DEFAULT_UNIT
        );
    }

    #[test]
    fn a_unit_link_names_only_the_unit_escaped() {
        assert_eq!(unit_query("perm"), "unit=perm");
        assert_eq!(unit_query("a b"), "unit=a%20b");
        let f = Filters::from_query(&unit_query("mashhad"), DataRange::default(), Some("perm"));
        assert_eq!(f, Filters::defaults(DataRange::default(), Some("mashhad")));
    }

    #[test]
    fn a_backwards_range_is_turned_around() {
        let f = Filters::from_query("from=2021-03-31&to=2021-01-01", DataRange::default(), None);
        assert_eq!((f.from, f.to), (d("2021-01-01"), d("2021-03-31")));
    }

    #[test]
    fn moving_one_end_past_the_other_drags_the_other_along() {
        let f = Filters::default().with_from(d("2022-02-01"));
        assert_eq!((f.from, f.to), (d("2022-02-01"), d("2022-02-01")));
        let f = Filters::default().with_to(d("2021-01-15"));
        assert_eq!((f.from, f.to), (d("2021-01-15"), d("2021-01-15")));
        let f = Filters::default().with_period((d("2021-05-01"), d("2021-02-01")));
        assert_eq!((f.from, f.to), (d("2021-02-01"), d("2021-05-01")));
    }

    #[test]
    fn only_days_the_data_covers_are_in_range() {
        assert!(DataRange::default().contains(d("2019-01-01")));
        assert!(DataRange::default().contains(d("2021-12-31")));
        assert!(!DataRange::default().contains(d("0202-11-01")));
        assert!(!DataRange::default().contains(d("2022-01-01")));
    }

    #[test]
    fn the_last_full_quarter_and_month_end_on_or_before_the_last_day() {
        assert_eq!(
            last_full_quarter(G, d("2021-12-31")),
            (d("2021-10-01"), d("2021-12-31"))
        );
        assert_eq!(
            last_full_quarter(G, d("2021-12-30")),
            (d("2021-07-01"), d("2021-09-30"))
        );
        assert_eq!(
            last_full_month(G, d("2021-12-31")),
            (d("2021-12-01"), d("2021-12-31"))
        );
        assert_eq!(
            last_full_month(G, d("2020-03-15")),
            (d("2020-02-01"), d("2020-02-29"))
        );
    }

    #[test]
    fn presets_cover_the_last_week_month_quarter_the_year_to_date_and_each_year_newest_first() {
        let presets = Preset::offered(G, DATA_FIRST_DAY, DATA_LAST_DAY);
        assert_eq!(
            presets,
            vec![
                Preset::LastWeek,
                Preset::LastMonth,
                Preset::LastQuarter,
                Preset::YearToDate,
                Preset::Year(2021),
                Preset::Year(2020),
                Preset::Year(2019),
            ]
        );
        assert_eq!(
            Preset::Year(2020).range(G, DATA_LAST_DAY),
            (d("2020-01-01"), d("2020-12-31"))
        );
        assert_eq!(
            Preset::LastMonth.range(G, DATA_LAST_DAY),
            (d("2021-12-01"), d("2021-12-31"))
        );
        // 31 December 2021 is a Friday: the last whole week ended on Sunday the 26th.
        assert_eq!(
            Preset::LastWeek.range(G, DATA_LAST_DAY),
            (d("2021-12-20"), d("2021-12-26"))
        );
        // Data to Sunday 3 January 2021: that week (ISO 2020-W53) is whole.
        assert_eq!(
            Preset::LastWeek.range(G, d("2021-01-03")),
            (d("2020-12-28"), d("2021-01-03"))
        );
        assert_eq!(
            Preset::YearToDate.range(G, d("2021-05-17")),
            (d("2021-01-01"), d("2021-05-17"))
        );
    }

    #[test]
    fn in_the_solar_hijri_calendar_presets_are_its_weeks_months_quarters_and_years() {
        let p = Calendar::Persian;
        // 31 December 2021 is 10 Dey 1400, a Friday: the Saturday week ending on it is whole.
        assert_eq!(
            Preset::LastWeek.range(p, DATA_LAST_DAY),
            (d("2021-12-25"), d("2021-12-31"))
        );
        // The last whole month is Azar 1400 (22 Nov - 21 Dec), the last whole quarter autumn
        // (Mehr to Azar: 23 Sep - 21 Dec).
        assert_eq!(
            Preset::LastMonth.range(p, DATA_LAST_DAY),
            (d("2021-11-22"), d("2021-12-21"))
        );
        assert_eq!(
            last_full_quarter(p, DATA_LAST_DAY),
            (d("2021-09-23"), d("2021-12-21"))
        );
        // The year to date starts at Nowruz 1400 (21 March 2021).
        assert_eq!(
            Preset::YearToDate.range(p, DATA_LAST_DAY),
            (d("2021-03-21"), DATA_LAST_DAY)
        );
        // 1399 was a leap year: 20 March 2020 to 20 March 2021.
        assert_eq!(
            Preset::Year(1399).range(p, DATA_LAST_DAY),
            (d("2020-03-20"), d("2021-03-20"))
        );
        // The seed's days (1 Jan 2019 - 31 Dec 2021) fall in 1397 to 1400.
        let years: Vec<Preset> = Preset::offered(p, DATA_FIRST_DAY, DATA_LAST_DAY)
            .into_iter()
            .skip(4)
            .collect();
        assert_eq!(
            years,
            vec![
                Preset::Year(1400),
                Preset::Year(1399),
                Preset::Year(1398),
                Preset::Year(1397)
            ]
        );
    }

    #[test]
    fn defaults_follow_the_servers_last_day() {
        let range = DataRange::from_server(Some(d("2019-01-01")), Some(d("2022-03-31")));
        let f = Filters::from_query("unit=perm", range, None);
        assert_eq!((f.from, f.to), (d("2022-01-01"), d("2022-03-31")));
        assert!(range.contains(d("2022-02-15")));
        assert!(!DataRange::default().contains(d("2022-02-15")));
    }

    #[test]
    fn an_empty_database_falls_back_to_the_seed_range() {
        assert_eq!(DataRange::from_server(None, None), DataRange::default());
        assert_eq!(
            DataRange::from_server(Some(d("2022-01-02")), Some(d("2022-01-01"))),
            DataRange::default()
        );
    }
}
