//! `kpiboard check`: every KPI file validated, and every `-- expect:` line of its header run
//! against the database, as one pass/fail table.

use std::fmt::Write;

use crate::auth::Jurisdiction;
use crate::kpi;
use crate::state::AppState;

/// The table as printed, and whether everything held.
pub struct Report {
    pub table: String,
    pub ok: bool,
    pub passed: usize,
    pub expectations: usize,
}

/// Checks every KPI of the state's catalog (loaded at start) and runs its expectations.
pub fn run(state: &AppState) -> Report {
    let catalog = state.catalog();
    let mut ok = catalog.errors.is_empty();
    let mut table = String::new();
    let _ = writeln!(table, "{:<6} {:<40} what", "", "file");
    for e in &catalog.errors {
        let at = match (e.line, e.column) {
            (Some(l), Some(c)) => format!(":{l}:{c}"),
            (Some(l), None) => format!(":{l}"),
            _ => String::new(),
        };
        let _ = writeln!(
            table,
            "{:<6} {:<40} {}",
            "BROKEN",
            format!("{}{at}", e.file),
            e.message
        );
    }
    let (mut passed, mut expectations) = (0, 0);
    for k in catalog.kpis.values() {
        if catalog.errors.iter().any(|e| e.file == k.def.file) {
            continue;
        }
        let _ = writeln!(table, "{:<6} {:<40} loads", "ok", k.def.file);
        let text =
            std::fs::read_to_string(state.config.queries.join(&k.def.file)).unwrap_or_default();
        for x in kpi::expectations(&text) {
            expectations += 1;
            let got = kpi::value_over(
                &state.sandbox,
                k,
                &x.unit,
                (x.from, x.to),
                &Jurisdiction::operator(),
                state.config.limits.query_time,
            );
            let (held, said) = match got {
                Ok(Some(v)) => ((v - x.value).abs() <= x.tolerance, format!("got {v:.4}")),
                Ok(None) => (
                    false,
                    "got no value (is the data loaded? kpiboard check --seed DIR)".to_string(),
                ),
                Err(e) => (false, format!("failed: {e}")),
            };
            if held {
                passed += 1;
            } else {
                ok = false;
            }
            let _ = writeln!(
                table,
                "{:<6} {:<40} {} {}..{} = {} ± {}: {said}",
                if held { "PASS" } else { "FAIL" },
                format!("{}:{}", k.def.file, x.line),
                x.unit,
                x.from,
                x.to,
                x.value,
                x.tolerance
            );
        }
    }
    let _ = writeln!(
        table,
        "{} KPIs loaded, {} broken; {passed} of {expectations} expectations hold",
        catalog.kpis.len(),
        catalog.errors.len()
    );
    Report {
        table,
        ok,
        passed,
        expectations,
    }
}
