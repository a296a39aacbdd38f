//! The sandbox that analysts' SQL (KPI files, previews, validation and ad-hoc queries) runs in.
//! Four layers, each enough on its own for the escapes it covers:
//!
//! 1. **Which rows exist** ([`pool`]): the SQL runs in a worker process over a snapshot file that
//!    holds the caller's jurisdiction's rows and nothing else, never over the database itself.
//!    No plan DuckDB's optimiser picks, no error message and no function can reach a row that is
//!    not in the file. A KPI being validated runs over a snapshot with no rows at all.
//! 2. **What the text may say** ([`check`]): one SELECT, read from DuckDB's own syntax tree,
//!    reading only the scoped tables and its own CTEs, calling only the functions, table
//!    functions and types of the allow-lists in [`functions`], with no parameters.
//! 3. **What the engine may do**: the worker's engine opens its snapshot read-only with external
//!    access off (no files, no network, no extension installs or loads, no spilling), settings
//!    locked; the server's own engine is locked down the same way ([`crate::db::lock_down`]), files only in
//!    the import staging folder.
//! 4. **How long and how much** ([`pool`], [`worker`]): a worker runs one query at a time, is
//!    killed at the query's time limit (DuckDB cannot interrupt a function building one value),
//!    has its address space capped so an allocation past the memory limit fails inside it, and
//!    sends back at most a row cap and a byte cap.

pub mod check;
pub mod functions;
pub mod pool;
pub mod worker;

pub use check::check;
pub use pool::{Cancel, Launch, Rows, Sandbox, SandboxConfig};
pub use worker::{Request, Table};

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::NaiveDate;
    use kpi_api::Grain;

    use crate::auth::Jurisdiction;
    use crate::error::Error;
    use crate::kpi::{self, Ask, Periods};
    use crate::testkit::tiny_state;

    /// What only district 2's rows say (its units, appeals, service case, names and the values
    /// that only its rows hold); no query below writes any of them itself.
    const DISTRICT_2: &[&str] = &[
        "d2",
        "a4",
        "a5",
        "s2",
        "Department Y",
        "District 2",
        "reception",
        "social",
        "other",
        "paper",
        "pending",
        "200",
        "18",
    ];

    /// A small deterministic random stream (splitmix64).
    struct Stream(u64);

    impl Stream {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
            z ^ (z >> 31)
        }

        fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
            &items[(self.next() % items.len() as u64) as usize]
        }

        fn chance(&mut self, in_four: u64) -> bool {
            self.next() % 4 < in_four
        }
    }

    /// Each scoped table and its columns (text first).
    const TABLES: &[(&str, &[&str], &[&str])] = &[
        (
            "appeals",
            &["appeal_id", "unit_id", "channel", "category", "grp"],
            &["rating"],
        ),
        (
            "service_cases",
            &["case_id", "unit_id", "service_code", "channel", "outcome"],
            &[],
        ),
        (
            "staffing",
            &["unit_id", "grp"],
            &["headcount", "vacancies", "training_hours"],
        ),
        (
            "org_units",
            &["id", "parent_id", "name", "kind", "grp"],
            &["population"],
        ),
        ("groups", &["grp", "name"], &["population"]),
    ];

    /// A condition over column `c` that may throw on some rows.
    fn condition(r: &mut Stream, text: &str, number: Option<&str>, depth: u32) -> String {
        let leaf = match r.next() % 8 {
            0 => format!("{text} LIKE 'd1%'"),
            1 => format!("{text} <> 'x'"),
            2 => format!("CAST({text} AS INTEGER) > 0"),
            3 => format!("length({text}) > 2"),
            4 => format!(
                "1 // (CASE WHEN {text} LIKE 'd1%' OR {text} LIKE 'a%' THEN 1 ELSE 0 END) = 1"
            ),
            5 => format!("upper({text}) = lower({text})"),
            6 => match number {
                Some(n) => format!("{n} / ({n} - {n}) IS NULL"),
                None => format!("substring({text}, 1, 1) = 'D'"),
            },
            _ => {
                format!("CAST(CASE WHEN {text} LIKE 'd1%' THEN '1' ELSE {text} END AS INTEGER) = 1")
            }
        };
        if depth == 0 || r.chance(2) {
            return leaf;
        }
        let other = condition(r, text, number, depth - 1);
        match r.next() % 3 {
            0 => format!("({leaf}) AND ({other})"),
            1 => format!("({leaf}) OR ({other})"),
            _ => format!("NOT ({leaf})"),
        }
    }

    /// A random SELECT of the allowed grammar over one scoped table, maybe joined.
    fn select(r: &mut Stream) -> String {
        let (table, texts, numbers) = *r.pick(TABLES);
        let text = *r.pick(texts);
        let number = numbers.first().copied();
        let item = match r.next() % 10 {
            0 => text.to_string(),
            1 => format!("upper({text}) || '|' || lower({text})"),
            2 => format!("CAST({text} AS INTEGER)"),
            3 => "count(*)".to_string(),
            4 => format!("string_agg({text}, ',')"),
            5 => format!("list({text})"),
            6 => format!("max({text}) || min({text})"),
            7 => format!(
                "CASE WHEN {} THEN {text} ELSE 'z' END",
                condition(r, text, number, 1)
            ),
            8 => format!("concat_ws('-', {text}, {text})"),
            _ => number
                .map(|n| format!("sum({n}) / count(*)"))
                .unwrap_or_else(|| format!("length({text})")),
        };
        let joined = match r.next() % 4 {
            0 => " JOIN periods ON true".to_string(),
            1 => format!(" JOIN {table} AS again ON again.{text} = t.{text}"),
            _ => String::new(),
        };
        let mut sql = format!("SELECT {item} AS probe FROM {table} AS t{joined}");
        if r.chance(3) {
            sql.push_str(&format!(
                " WHERE {}",
                condition(
                    r,
                    &format!("t.{text}"),
                    number.map(|n| format!("t.{n}")).as_deref(),
                    2
                )
            ));
        }
        if item.contains('(')
            && (item.starts_with("count")
                || item.contains("agg")
                || item.starts_with("list")
                || item.starts_with("max")
                || item.starts_with("sum"))
        {
            if r.chance(2) {
                sql = format!("{sql} GROUP BY t.{text}");
                sql = sql.replacen("SELECT ", &format!("SELECT t.{text} AS g, "), 1);
            }
        } else if r.chance(2) {
            sql.push_str(" ORDER BY 1 LIMIT 3");
        }
        if r.chance(1) {
            sql = format!("WITH inner_rows AS ({sql}) SELECT * FROM inner_rows");
        }
        sql
    }

    /// For random SELECTs of the allowed grammar, a caller of district 1 sees, in every answer
    /// and every error, nothing of district 2's rows, asked for its own unit or for the city and
    /// region above it (where only its own part counts).
    #[test]
    fn random_selects_never_show_the_other_jurisdictions_rows() {
        let (state, _dir) = tiny_state();
        let jurisdiction = Jurisdiction::under("d1");
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let periods = Periods::grain(Grain::Week, day("2021-03-01"), day("2021-03-14"));
        let mut r = Stream(20211201);
        let (mut answered, mut failed) = (0, 0);
        for _ in 0..300 {
            let sql = select(&mut r);
            assert!(
                !DISTRICT_2.iter().any(|m| sql.contains(m)),
                "the grammar wrote a marker: {sql}"
            );
            let unit = *r.pick(&["d1", "c", "r"]);
            let answer = kpi::run_query(
                &state.sandbox,
                &sql,
                &periods,
                &Ask {
                    unit,
                    jurisdiction: &jurisdiction,
                    row_limit: 100,
                    limit: Duration::from_secs(5),
                    cancel: None,
                },
            );
            let text = match answer {
                Ok(result) => {
                    answered += 1;
                    serde_json::to_string(&(result.columns, result.rows)).unwrap()
                }
                Err(e @ (Error::Refused(_) | Error::Sql(_))) => {
                    failed += 1;
                    e.to_string()
                }
                Err(other) => panic!("{sql}: {other:?}"),
            };
            for marker in DISTRICT_2 {
                assert!(
                    !text.contains(marker),
                    "'{marker}' of district 2 in the answer to {sql} (unit {unit}): {text}"
                );
            }
        }
        // Both kinds of answer were exercised.
        assert!(
            answered > 50 && failed > 20,
            "{answered} answered, {failed} failed"
        );
    }

    fn week(
        state: &crate::AppState,
        kpi: &str,
        scope: kpi::Scope,
        j: &Jurisdiction,
    ) -> Vec<kpi::Cell> {
        let day = |s: &str| s.parse::<NaiveDate>().unwrap();
        let kpi = state
            .catalog()
            .kpis
            .get(kpi)
            .cloned()
            .expect("a shipped KPI");
        let periods = Periods::grain(Grain::Week, day("2021-03-01"), day("2021-03-07"));
        kpi::evaluate(
            &state.sandbox,
            &kpi,
            scope,
            &periods,
            j,
            Duration::from_secs(5),
        )
        .unwrap()
    }

    /// Every shipped KPI at every level, asked twice: the second answer comes from the cache and
    /// is the first one; after the data changes the engine computes it again, to the same.
    #[test]
    fn the_cache_answers_what_the_engine_answers_for_every_kpi_at_every_level() {
        let (state, _dir) = tiny_state();
        let everyone = Jurisdiction::operator();
        let ids: Vec<String> = state.catalog().kpis.keys().cloned().collect();
        let scopes = [
            kpi::Scope::Unit("r"),
            kpi::Scope::Unit("c"),
            kpi::Scope::Unit("d1"),
            kpi::Scope::Unit("d2-y"),
            kpi::Scope::ChildrenOf("c"),
            kpi::Scope::ChildrenOf("r"),
        ];
        for id in &ids {
            for scope in scopes {
                let before = state.sandbox.cache_stats();
                let computed = week(&state, id, scope, &everyone);
                let cached = week(&state, id, scope, &everyone);
                let after = state.sandbox.cache_stats();
                assert_eq!(computed, cached, "{id} {scope:?}");
                assert_eq!(
                    after.computed,
                    before.computed + 1,
                    "{id} {scope:?} computed once"
                );
                assert_eq!(after.hits, before.hits + 1, "{id} {scope:?} then cached");
            }
        }
        let first = week(
            &state,
            "appeal_on_time_share",
            kpi::Scope::ChildrenOf("c"),
            &everyone,
        );
        state.sandbox.data_changed();
        let computed = state.sandbox.cache_stats().computed;
        let again = week(
            &state,
            "appeal_on_time_share",
            kpi::Scope::ChildrenOf("c"),
            &everyone,
        );
        assert_eq!(
            state.sandbox.cache_stats().computed,
            computed + 1,
            "asked anew"
        );
        assert_eq!(first, again);
    }

    /// The same KPI for the same unit asked from two jurisdictions is two questions: neither gets
    /// the other's answer.
    #[test]
    fn callers_of_different_jurisdictions_never_share_an_answer() {
        let (state, _dir) = tiny_state();
        let share = |j: &Jurisdiction| {
            week(&state, "appeal_on_time_share", kpi::Scope::Unit("c"), j)[0].value
        };
        let before = state.sandbox.cache_stats().computed;
        // The city: 4 of 5 on time; district 1 alone: 3 of 3; district 2 alone: 1 of 2.
        assert_eq!(share(&Jurisdiction::operator()), Some(80.0));
        assert_eq!(share(&Jurisdiction::under("d1")), Some(100.0));
        assert_eq!(share(&Jurisdiction::under("d2")), Some(50.0));
        assert_eq!(share(&Jurisdiction::under("d1")), Some(100.0));
        assert_eq!(state.sandbox.cache_stats().computed, before + 3);
    }

    /// Eight callers asking the same new question at once get one computation between them.
    #[test]
    fn identical_questions_asked_at_once_are_computed_once() {
        let (state, _dir) = tiny_state();
        let everyone = Jurisdiction::operator();
        // The snapshot and a worker first, so that the eight race for the answer alone.
        week(&state, "vacancy_rate", kpi::Scope::Unit("c"), &everyone);
        let before = state.sandbox.cache_stats();
        let answers: Vec<_> = std::thread::scope(|s| {
            let asks: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        week(
                            &state,
                            "appeal_overdue_open",
                            kpi::Scope::ChildrenOf("r"),
                            &everyone,
                        )
                    })
                })
                .collect();
            asks.into_iter().map(|a| a.join().unwrap()).collect()
        });
        assert!(answers.windows(2).all(|w| w[0] == w[1]));
        let after = state.sandbox.cache_stats();
        assert_eq!(after.computed, before.computed + 1);
        assert_eq!(after.hits, before.hits + 7);
    }

    #[test]
    fn a_snapshot_slower_than_the_limit_does_not_stop_the_query_after_it() {
        let (state, dir) = tiny_state();
        // Two million more appeals: a snapshot of every row now takes a while to write.
        state
            .db
            .with(|c| {
                c.execute_batch(
                    "INSERT INTO appeals (appeal_id, unit_id, channel, category, received_at, due_at)
                     SELECT 'bulk-' || i, 'd1-x', 'portal', 'housing',
                            TIMESTAMP '2020-01-01' + INTERVAL (i % 500) DAY,
                            TIMESTAMP '2020-01-15' + INTERVAL (i % 500) DAY
                     FROM range(2000000) AS t(i)",
                )?;
                Ok(())
            })
            .unwrap();
        state.sandbox.data_changed();
        let started = std::time::Instant::now();
        crate::sandbox::Sandbox::write_snapshot_file(
            &state.db,
            &crate::sandbox::Rows::All,
            &state.db.staging_dir().join("timed.duckdb"),
        )
        .unwrap();
        let snapshot = started.elapsed();
        // A limit well under the snapshot's time, well over the query's (a small table).
        let limit = (snapshot / 3).max(Duration::from_millis(100));
        assert!(snapshot > limit, "the snapshot took {snapshot:?}");
        let kpi = state.catalog().kpis["vacancy_rate"].clone();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        let cells = kpi::evaluate(
            &state.sandbox,
            &kpi,
            kpi::Scope::Unit("c"),
            &Periods::grain(Grain::Month, d("2021-03-01"), d("2021-03-31")),
            &Jurisdiction::operator(),
            limit,
        )
        .unwrap_or_else(|e| panic!("limit {limit:?}, snapshot {snapshot:?}: {e}"));
        assert_eq!(cells.len(), 1);
        drop(dir);
    }
}
