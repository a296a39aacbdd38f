//! The OpenAPI 3.1 description of the API, served at `GET /api/openapi.json`. It is built from
//! [`OPERATIONS`], the one list of every route; a test requests each of them through the real
//! router, so the description cannot name a route the server does not answer.

use serde_json::{json, Value};

use crate::policy::Action;

/// Who may call an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Who {
    Anyone,
    SignedIn,
    /// The roles [`crate::policy`] gives the action (the one table of who may do what).
    Only(Action),
}

/// One route: method, path (OpenAPI `{param}` syntax), summary, who may call it, its query
/// parameters, its JSON body schema and its answer schema (names under `components/schemas`).
pub struct Operation {
    pub method: &'static str,
    pub path: &'static str,
    pub summary: &'static str,
    pub who: Who,
    pub query: &'static [(&'static str, &'static str, bool)],
    pub body: Option<&'static str>,
    pub answer: Option<&'static str>,
    pub status: u16,
}

const PERIOD: &[(&str, &str, bool)] = &[
    ("unit", "Org unit id, inside the caller's jurisdiction (or above it: then only the jurisdiction's rows count).", true),
    ("from", "First day, YYYY-MM-DD (default: the last full quarter with data).", false),
    ("to", "Last day, YYYY-MM-DD.", false),
    ("grain", "week, month, quarter or year (default week).", false),
    ("calendar", "gregorian (default: months, weeks from Monday) or persian (Solar Hijri months, quarters and years from Nowruz; weeks from Saturday): the buckets of series and sparklines.", false),
];

const PLAN_EXPORT: &[(&str, &str, bool)] = &[
    (
        "unit",
        "Org unit id inside the jurisdiction: the plans of the units under it.",
        false,
    ),
    ("plan", "One plan's id instead.", false),
];

pub const OPERATIONS: &[Operation] = &[
    Operation { method: "get", path: "/api/health", summary: "Server status and version; with a session, rows per table and the data's first and last day inside the jurisdiction; for admins, the result cache's figures (answers computed and from the cache, data and KPI catalogue versions).", who: Who::Anyone, query: &[], body: None, answer: Some("Health"), status: 200 },
    Operation { method: "post", path: "/api/login", summary: "Sign in (application/json). Sets the HttpOnly session cookie; answers the session with its CSRF token. 401 bad_credentials, 429 rate_limited (Retry-After).", who: Who::Anyone, query: &[], body: Some("LoginRequest"), answer: Some("SessionInfo"), status: 200 },
    Operation { method: "post", path: "/api/logout", summary: "Sign out: ends the session and clears the cookie.", who: Who::SignedIn, query: &[], body: None, answer: None, status: 204 },
    Operation { method: "get", path: "/api/session", summary: "Who is signed in, until when, and the CSRF token.", who: Who::SignedIn, query: &[], body: None, answer: Some("SessionInfo"), status: 200 },
    Operation { method: "get", path: "/api/openapi.json", summary: "This description.", who: Who::SignedIn, query: &[], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/units", summary: "The org units of the caller's jurisdiction, parents first.", who: Who::SignedIn, query: &[], body: None, answer: Some("Units"), status: 200 },
    Operation { method: "get", path: "/api/kpis", summary: "Every loaded KPI definition and every KPI file that failed to load.", who: Who::SignedIn, query: &[], body: None, answer: Some("KpiList"), status: 200 },
    Operation { method: "get", path: "/api/kpis/{id}/values", summary: "A KPI as a series at a grain, for a unit.", who: Who::SignedIn, query: PERIOD, body: None, answer: Some("Series"), status: 200 },
    Operation { method: "get", path: "/api/kpis/{id}/children", summary: "A KPI over the period for each child unit in the jurisdiction, with the unit's total.", who: Who::SignedIn, query: PERIOD, body: None, answer: Some("Children"), status: 200 },
    Operation { method: "get", path: "/api/kpis/{id}/league", summary: "A fair league table of the child units: each value with its 95% interval (Wilson for shares, exact Poisson for rates and per-head volumes, order statistics for medians), better or worse than the unit only when the interval says so, ranked best first, with funnel limits (95% and 99.8%) by size.", who: Who::SignedIn, query: PERIOD, body: None, answer: Some("League"), status: 200 },
    Operation { method: "get", path: "/api/kpis/{id}", summary: "The KPI's passport: definition, formula, the file's text, tables read, the freshest row inside the jurisdiction, the boards that show it, its current load error.", who: Who::SignedIn, query: &[], body: None, answer: Some("KpiPassport"), status: 200 },
    Operation { method: "put", path: "/api/kpis/{id}", summary: "Save a KPI file from the editor: validated, written to queries/{id}.sql and loaded; optionally appended to a board. 422 invalid_kpi with file, line and column.", who: Who::Only(Action::SaveKpi), query: &[], body: Some("KpiSave"), answer: None, status: 200 },
    Operation { method: "post", path: "/api/kpis/preview", summary: "Run a KPI file's text in the sandbox without saving: its series for a unit and period and its first rows, or its error at the text's line. Cancellable by run_id.", who: Who::Only(Action::PreviewKpi), query: &[], body: Some("KpiPreviewRequest"), answer: Some("KpiPreview"), status: 200 },
    Operation { method: "post", path: "/api/query/cancel", summary: "Stop the caller's own preview or query sent with this run_id.", who: Who::SignedIn, query: &[], body: Some("CancelRequest"), answer: None, status: 204 },
    Operation { method: "get", path: "/api/boards", summary: "The boards.", who: Who::SignedIn, query: &[], body: None, answer: Some("Boards"), status: 200 },
    Operation { method: "get", path: "/api/annotations", summary: "Dated events (queries/annotations.csv) that concern the unit: everywhere's, its own and its ancestors', for its charts.", who: Who::SignedIn, query: &[("unit", "The unit.", true)], body: None, answer: None, status: 200 },
    Operation { method: "post", path: "/api/annotations", summary: "Mark a dated event (from, optional to, a unit wholly inside the jurisdiction, a title of at most 200 characters) on every chart of the unit and the units under it. 201 with the event and its id; 400 naming the field; 403 outside the jurisdiction.", who: Who::SignedIn, query: &[], body: Some("NewAnnotation"), answer: None, status: 201 },
    Operation { method: "delete", path: "/api/annotations/{id}", summary: "Remove an event entered in the app: its author, or an admin. 204; 403 someone else's; 404 no such event.", who: Who::SignedIn, query: &[], body: None, answer: None, status: 204 },
    Operation { method: "get", path: "/api/agenda", summary: "A review meeting's agenda under a unit: every KPI, in the unit and each unit under it in the jurisdiction, that is red against the target in force or got worse than the period before; red first, furthest off target first.", who: Who::SignedIn, query: PERIOD, body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/evaluations", summary: "The evaluation schemes (queries/evaluations/*.json) the caller may open, each at the unit they read it at. Staff schemes are for governors, mayors, department heads and admins.", who: Who::SignedIn, query: &[], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/evaluations/{id}", summary: "A scheme's scorecards: the heads of the units under a unit, or the employees of its departments (from the appeals they answered), each KPI's value, rows, interval, target and its source, floor, score and points, the weighted total and the rank. Only units wholly inside the jurisdiction.", who: Who::SignedIn, query: &[("unit", "The scheme's unit or one under it, wholly inside the jurisdiction (default: the scheme's, or the caller's home).", false), ("from", "A day in the period wanted (default: the last whole period of the scheme's grain with data).", false)], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/boards/{id}", summary: "A board's tiles (value, the previous period's and the change, the same period a year before and the change, status, sparkline) for a unit and period.", who: Who::SignedIn, query: PERIOD, body: None, answer: Some("Board"), status: 200 },
    Operation { method: "post", path: "/api/imports", summary: "Import one export (CSV or Parquet) sent as the body; one transaction. Analysts import data rows of their jurisdiction's units, department heads the plans and check-ins of theirs (plans.csv, plan_checkins.csv), admins anything. 201 imported, 200 already imported, 422 refused with file, line and column.", who: Who::Only(Action::Import), query: &[("file", "The export's file name, e.g. appeals_2021.csv.", true)], body: Some("ExportFile"), answer: Some("ImportReport"), status: 201 },
    Operation { method: "get", path: "/api/imports", summary: "Imported files, newest first (analysts and department heads: their own).", who: Who::Only(Action::ImportHistory), query: &[], body: None, answer: None, status: 200 },
    Operation { method: "post", path: "/api/query", summary: "Run one SELECT in the sandbox over the jurisdiction's rows of a unit (tables appeals, service_cases, staffing, org_units, periods, groups). 422 query_refused / query_timeout / query_memory.", who: Who::Only(Action::RunSql), query: &[], body: Some("QueryRequest"), answer: Some("QueryResult"), status: 200 },
    Operation { method: "get", path: "/api/plans", summary: "The 12-week plans of the units under a unit (default: the whole jurisdiction), with this week's and the cumulative execution score.", who: Who::SignedIn, query: &[("unit", "Org unit id inside the jurisdiction.", false)], body: None, answer: Some("Plans"), status: 200 },
    Operation { method: "post", path: "/api/plans", summary: "Create a plan (department heads for their units, admins): a Monday start, 1-3 goals each with a lag KPI, a target and at least one tactic.", who: Who::SignedIn, query: &[], body: Some("NewPlan"), answer: Some("PlanView"), status: 201 },
    Operation { method: "get", path: "/api/plans/{id}", summary: "A plan with its goals, tactics (with their schedule history), check-ins and weekly scores.", who: Who::SignedIn, query: &[], body: None, answer: Some("PlanView"), status: 200 },
    Operation { method: "put", path: "/api/plans/{id}/checkins/{tactic}/{week}", summary: "Tick a tactic done or not for a week (late until the review week ends). `revision` is the answer the client saw: a newer one stored since is a 409 conflict.", who: Who::SignedIn, query: &[], body: Some("CheckInRequest"), answer: Some("CheckInRecord"), status: 200 },
    Operation { method: "post", path: "/api/plans/{id}/tactics", summary: "Add a tactic to a goal of a running plan; it is due from the current week on, past weeks keep their scores.", who: Who::SignedIn, query: &[], body: Some("TacticAdd"), answer: Some("PlanView"), status: 201 },
    Operation { method: "put", path: "/api/plans/{id}/tactics/{tactic}", summary: "Reschedule (or withdraw, due null) a tactic from the current week on. `versions` is how many schedule versions the client saw: a change made since is a 409 conflict.", who: Who::SignedIn, query: &[], body: Some("TacticChange"), answer: Some("PlanView"), status: 200 },
    Operation { method: "get", path: "/api/exports/plans", summary: "The plans under a unit (default: the whole jurisdiction), or one plan, as plans.csv: one row per version of a tactic's schedule. It imports back through POST /api/imports.", who: Who::SignedIn, query: PLAN_EXPORT, body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/exports/plan_checkins", summary: "The check-ins of the plans under a unit, or of one plan, as plan_checkins.csv: one row per tactic and week answered.", who: Who::SignedIn, query: PLAN_EXPORT, body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/experiments", summary: "Management experiments the caller may read (every unit inside the jurisdiction) that name a unit under `unit`.", who: Who::Anyone, query: &[("unit", "Only experiments naming a unit under this one.", false)], body: None, answer: None, status: 200 },
    Operation { method: "post", path: "/api/experiments", summary: "Define an experiment: treated units with their starts, comparison units, KPIs, week or month. 400 names the field; 403 for a unit outside the jurisdiction; 409 if the id is taken.", who: Who::Only(Action::EditExperiments), query: &[], body: Some("Experiment"), answer: None, status: 201 },
    Operation { method: "get", path: "/api/exports/experiments", summary: "The experiments the caller may read (under `unit`) as a JSON file that imports back.", who: Who::Anyone, query: &[("unit", "Only experiments naming a unit under this one.", false)], body: None, answer: None, status: 200 },
    Operation { method: "post", path: "/api/experiments/import", summary: "An experiments file (as exported): all checked first (400 names the experiment and field, 403 a foreign unit), then stored in one transaction; changed ones get a new revision. Answers how many were new, changed and unchanged.", who: Who::Only(Action::EditExperiments), query: &[], body: Some("ExperimentFile"), answer: None, status: 200 },
    Operation { method: "get", path: "/api/experiments/suggest", summary: "Units to compare with: those of the treated units' kind in the jurisdiction whose KPI moved most like theirs before the start, closest first.", who: Who::Anyone, query: &[("kpi", "The KPI.", true), ("treated", "The treated units, by commas.", true), ("start", "The first start, YYYY-MM-DD.", true), ("grain", "week or month (default).", false)], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/experiments/{id}", summary: "One experiment with its revision.", who: Who::Anyone, query: &[], body: None, answer: None, status: 200 },
    Operation { method: "put", path: "/api/experiments/{id}", summary: "Change an experiment, naming the revision it replaces (409 if it changed since); the earlier version stays in its history.", who: Who::Only(Action::EditExperiments), query: &[], body: Some("ExperimentEdit"), answer: None, status: 200 },
    Operation { method: "get", path: "/api/experiments/{id}/history", summary: "Every version of an experiment (who changed it, when, to what), newest first; versions that named a unit outside the jurisdiction are left out and counted in `hidden`.", who: Who::Anyone, query: &[], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/experiments/{id}/analysis", summary: "Did it work? The difference in differences of one KPI (default: the first watched) by unit and week or month, from the caller's rows: effect, randomisation interval, event study, pre-trend test and verdict in words. ETag and 304.", who: Who::Anyone, query: &[("kpi", "The KPI to analyse.", false)], body: None, answer: None, status: 200 },
    Operation { method: "get", path: "/api/users", summary: "Every user.", who: Who::Only(Action::ListUsers), query: &[], body: None, answer: Some("Users"), status: 200 },
    Operation { method: "post", path: "/api/users", summary: "Add a user (409 if the name exists).", who: Who::Only(Action::AddUser), query: &[], body: Some("NewUser"), answer: Some("UserInfo"), status: 201 },
    Operation { method: "post", path: "/api/users/{name}/password", summary: "Set a user's password; their sessions end.", who: Who::Only(Action::ResetPassword), query: &[], body: Some("PasswordReset"), answer: None, status: 204 },
    Operation { method: "get", path: "/api/audit", summary: "The audit log, newest first.", who: Who::Only(Action::AuditLog), query: &[("limit", "How many entries, 1 to 1000 (default 200).", false)], body: None, answer: Some("AuditLog"), status: 200 },
];

fn schema_ref(name: &str) -> Value {
    json!({ "$ref": format!("#/components/schemas/{name}") })
}

fn string() -> Value {
    json!({ "type": "string" })
}

fn nullable(t: &str) -> Value {
    json!({ "type": [t, "null"] })
}

fn object(required: &[&str], properties: Value) -> Value {
    json!({ "type": "object", "required": required, "properties": properties })
}

fn schemas() -> Value {
    let role = json!({ "type": "string", "enum": ["governor", "mayor", "department_head", "analyst", "admin"] });
    let unit = object(
        &["id", "kind", "name"],
        json!({ "id": string(), "parent_id": nullable("string"), "kind": { "type": "string", "enum": ["region", "city", "district", "department"] }, "name": string(), "population": nullable("integer") }),
    );
    let point = object(
        &["period"],
        json!({ "period": string(), "value": nullable("number") }),
    );
    let new_tactic = object(
        &["title", "owner", "due"],
        json!({ "title": string(), "owner": string(), "due": { "type": "object", "description": "{\"kind\": \"once\", \"week\": 3} | {\"kind\": \"weekly\"} | {\"kind\": \"weeks\", \"weeks\": [2, 4]}" } }),
    );
    let new_goal = object(
        &["title", "kpi", "target", "tactics"],
        json!({ "title": string(), "kpi": string(), "target": { "type": "number" }, "tactics": { "type": "array", "minItems": 1, "items": new_tactic } }),
    );
    let league_row = object(
        &["unit", "versus", "zone", "status"],
        json!({ "unit": schema_ref("Unit"), "value": nullable("number"), "low": nullable("number"), "high": nullable("number"), "volume": nullable("number"), "rank": nullable("integer"), "versus": { "type": "string", "enum": ["better", "worse", "alike", "unknown"] }, "zone": { "type": "string", "enum": ["inside", "better95", "worse95", "better998", "worse998", "unknown"] }, "status": string() }),
    );
    let number = json!({ "type": "number" });
    let funnel_point = object(
        &["volume", "low95", "high95", "low998", "high998"],
        json!({ "volume": number, "low95": number, "high95": number, "low998": number, "high998": number }),
    );
    let league = object(
        &[
            "kpi",
            "unit",
            "from",
            "to",
            "per_capita",
            "method",
            "rows",
            "funnel",
        ],
        json!({ "kpi": string(), "unit": schema_ref("Unit"), "from": string(), "to": string(), "parent_value": nullable("number"), "parent_volume": nullable("number"), "per_capita": { "type": "boolean" }, "method": { "type": "string", "enum": ["wilson", "poisson", "order_statistic", "none"] }, "volume_label": string(), "note": string(), "rows": { "type": "array", "items": league_row }, "funnel": { "type": "array", "items": funnel_point } }),
    );
    json!({
        "Error": object(&["code", "message"], json!({ "code": string(), "message": string() })),
        "Health": object(&["status", "version", "rows", "today"], json!({ "status": string(), "version": string(), "rows": { "type": "array", "items": object(&["table", "rows"], json!({ "table": string(), "rows": { "type": "integer" } })) }, "data_from": nullable("string"), "data_to": nullable("string"), "today": string(), "cache": { "type": ["object", "null"], "properties": { "computed": { "type": "integer" }, "from_cache": { "type": "integer" }, "data_version": { "type": "integer" }, "catalog_version": { "type": "integer" } } } })),
        "LoginRequest": object(&["user", "password"], json!({ "user": string(), "password": string() })),
        "SessionInfo": object(&["user", "display_name", "role", "csrf_token", "expires_at"], json!({ "user": string(), "display_name": string(), "role": role, "home_unit": nullable("string"), "csrf_token": string(), "expires_at": string() })),
        "Unit": unit,
        "Units": { "type": "array", "items": schema_ref("Unit") },
        "KpiList": object(&["kpis", "errors"], json!({ "kpis": { "type": "array", "items": { "type": "object" } }, "errors": { "type": "array", "items": object(&["file", "message"], json!({ "file": string(), "line": nullable("integer"), "column": nullable("integer"), "message": string() })) } })),
        "Series": object(&["kpi", "unit", "grain", "from", "to", "points"], json!({ "kpi": string(), "unit": string(), "grain": string(), "from": string(), "to": string(), "points": { "type": "array", "items": point } })),
        "League": league,
        "Children": object(&["kpi", "unit", "from", "to", "children"], json!({ "kpi": string(), "unit": string(), "from": string(), "to": string(), "total": nullable("number"), "children": { "type": "array", "items": object(&["unit", "status"], json!({ "unit": schema_ref("Unit"), "value": nullable("number"), "status": string() })) } })),
        "Boards": { "type": "array", "items": object(&["id", "title", "kpis"], json!({ "id": string(), "title": string(), "description": string(), "kpis": { "type": "array", "items": string() } })) },
        "Board": object(&["id", "title", "unit", "from", "to", "grain", "tiles"], json!({ "id": string(), "title": string(), "unit": schema_ref("Unit"), "from": string(), "to": string(), "grain": string(), "previous_from": string(), "previous_to": string(), "year_ago_from": string(), "year_ago_to": string(), "tiles": { "type": "array", "items": { "type": "object" } } })),
        "KpiPassport": object(&["def", "text", "tables", "boards"], json!({ "def": { "type": "object" }, "text": string(), "tables": { "type": "array", "items": string() }, "freshest": nullable("string"), "boards": { "type": "array", "items": { "type": "object" } }, "error": { "type": ["object", "null"] } })),
        "KpiSave": object(&["text"], json!({ "text": string(), "board": nullable("string") })),
        "KpiPreviewRequest": object(&["text", "unit"], json!({ "text": string(), "unit": string(), "from": nullable("string"), "to": nullable("string"), "grain": nullable("string"), "run_id": nullable("string") })),
        "KpiPreview": object(&["points", "millis"], json!({ "def": { "type": ["object", "null"] }, "error": { "type": ["object", "null"] }, "points": { "type": "array", "items": { "type": "object" } }, "rows": { "type": ["object", "null"] }, "millis": { "type": "integer" } })),
        "CancelRequest": object(&["run_id"], json!({ "run_id": string() })),
        "Plans": { "type": "array", "items": object(&["id", "unit", "owner", "title", "start"], json!({ "id": string(), "unit": string(), "owner": string(), "title": string(), "start": string(), "current_week": nullable("integer"), "week_score": nullable("number"), "cumulative": nullable("number") })) },
        "NewPlan": object(&["unit", "title", "start", "goals"], json!({ "unit": string(), "title": string(), "start": string(), "goals": { "type": "array", "minItems": 1, "maxItems": 3, "items": new_goal } })),
        "PlanView": object(&["id", "unit", "owner", "title", "start", "goals", "tactics", "checkins", "scores"], json!({ "id": string(), "unit": string(), "owner": string(), "title": string(), "start": string(), "goals": { "type": "array" }, "tactics": { "type": "array" }, "checkins": { "type": "array" }, "scores": { "type": "array", "items": object(&["week", "due", "done"], json!({ "week": { "type": "integer" }, "due": { "type": "integer" }, "done": { "type": "integer" }, "score": nullable("number"), "cumulative": nullable("number") })) }, "current_week": nullable("integer") })),
        "CheckInRequest": object(&["done", "revision"], json!({ "done": { "type": "boolean" }, "note": nullable("string"), "revision": { "type": "integer" } })),
        "CheckInRecord": object(&["tactic", "week", "done", "late", "revision", "by", "at"], json!({ "tactic": string(), "week": { "type": "integer" }, "done": { "type": "boolean" }, "note": nullable("string"), "late": { "type": "boolean" }, "revision": { "type": "integer" }, "by": string(), "at": string() })),
        "TacticAdd": object(&["goal", "title", "owner", "due"], json!({ "goal": { "type": "integer" }, "title": string(), "owner": string(), "due": { "type": "object" } })),
        "TacticChange": object(&["versions"], json!({ "due": { "type": ["object", "null"] }, "versions": { "type": "integer" } })),
        "ExportFile": { "type": "string", "format": "binary", "description": "The export's bytes: CSV with a header row, or Parquet." },
        "ImportReport": object(&["file", "table", "sha256", "rows_in_file", "inserted", "updated", "already_imported", "millis"], json!({ "file": string(), "table": string(), "sha256": string(), "rows_in_file": { "type": "integer" }, "inserted": { "type": "integer" }, "updated": { "type": "integer" }, "already_imported": { "type": "boolean" }, "millis": { "type": "integer" } })),
        "QueryRequest": object(&["sql", "unit"], json!({ "sql": string(), "unit": string(), "from": nullable("string"), "to": nullable("string"), "grain": nullable("string") })),
        "QueryResult": object(&["columns", "rows", "truncated", "row_limit", "millis"], json!({ "columns": { "type": "array", "items": string() }, "rows": { "type": "array", "items": { "type": "array" } }, "truncated": { "type": "boolean" }, "row_limit": { "type": "integer" }, "millis": { "type": "integer" } })),
        "UserInfo": object(&["name", "display_name", "role", "created_at", "password_changed_at"], json!({ "name": string(), "display_name": string(), "role": role, "home_unit": nullable("string"), "created_at": string(), "password_changed_at": string() })),
        "Users": { "type": "array", "items": schema_ref("UserInfo") },
        "NewUser": object(&["name", "role", "password"], json!({ "name": string(), "display_name": nullable("string"), "role": role, "home_unit": nullable("string"), "password": { "type": "string", "minLength": crate::auth::MIN_PASSWORD_CHARS } })),
        "NewAnnotation": object(&["from", "unit", "title"], json!({ "from": { "type": "string", "format": "date" }, "to": nullable("string"), "unit": string(), "title": { "type": "string", "maxLength": 200 } })),
        "PasswordReset": object(&["password"], json!({ "password": { "type": "string", "minLength": crate::auth::MIN_PASSWORD_CHARS } })),
        "AuditLog": { "type": "array", "items": object(&["id", "at", "action", "detail"], json!({ "id": { "type": "integer" }, "at": string(), "actor": nullable("string"), "action": string(), "detail": string(), "ip": nullable("string") })) },
    })
}

fn operation(op: &Operation) -> Value {
    let mut parameters: Vec<Value> = op
        .path
        .split('/')
        .filter_map(|s| s.strip_prefix('{').and_then(|s| s.strip_suffix('}')))
        .map(|name| json!({ "name": name, "in": "path", "required": true, "schema": string() }))
        .collect();
    parameters.extend(op.query.iter().map(|(name, description, required)| {
        json!({ "name": name, "in": "query", "required": required, "description": description, "schema": string() })
    }));
    let mut responses = serde_json::Map::new();
    let ok = match op.answer {
        Some(name) => {
            json!({ "description": "OK", "content": { "application/json": { "schema": schema_ref(name) } } })
        }
        None => json!({ "description": "OK" }),
    };
    responses.insert(op.status.to_string(), ok);
    let error = json!({ "content": { "application/json": { "schema": schema_ref("Error") } } });
    let mut add_error = |status: &str, description: &str| {
        let mut e = error.clone();
        e["description"] = json!(description);
        responses.insert(status.to_string(), e);
    };
    add_error(
        "400",
        "A parameter or the body is wrong; the message names it.",
    );
    if op.who != Who::Anyone {
        add_error("401", "No session, or it expired (code unauthenticated).");
        add_error(
            "403",
            "Outside the caller's jurisdiction or role (forbidden), or a state-changing request without the x-csrf-token header (csrf).",
        );
    }
    let mut value = json!({
        "summary": op.summary,
        "parameters": parameters,
        "responses": responses,
        "x-allowed": match op.who {
            Who::Anyone => "anyone".to_string(),
            Who::SignedIn => "any signed-in user".to_string(),
            Who::Only(action) => action
                .roles()
                .iter()
                .map(|r| r.as_str())
                .collect::<Vec<_>>()
                .join(", "),
        },
    });
    if op.who != Who::Anyone {
        value["security"] = json!([{ "session": [] }]);
    }
    if let Some(body) = op.body {
        let media = if body == "ExportFile" {
            "application/octet-stream"
        } else {
            "application/json"
        };
        value["requestBody"] =
            json!({ "required": true, "content": { media: { "schema": schema_ref(body) } } });
    }
    value
}

/// The whole description.
pub fn document() -> Value {
    let mut paths = serde_json::Map::new();
    for op in OPERATIONS {
        let entry = paths
            .entry(op.path.to_string())
            .or_insert_with(|| json!({}));
        entry[op.method] = operation(op);
    }
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "KPI boards",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "KPI boards for city and regional administrations. Every number is computed only from rows inside the caller's jurisdiction. State-changing requests need the session's CSRF token in the x-csrf-token header.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "session": { "type": "apiKey", "in": "cookie", "name": kpi_api::SESSION_COOKIE },
            },
        },
    })
}
