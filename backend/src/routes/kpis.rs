//! KPIs: the list, a series, the comparison of the units below, the passport, the editor's
//! preview and save, and analysts' ad-hoc queries (with their cancel).

use super::*;

/// GET /api/kpis
///
/// Open boards ask for it every second to see whether the KPI files changed: it carries an ETag
/// of the load (this process and its load count), so a browser that has it gets an empty 304.
pub(super) async fn kpis(
    _: Access,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<warp::reply::Response, Rejection> {
    let catalog = state.catalog();
    let list = KpiList {
        kpis: catalog.kpis.values().map(|k| k.def.clone()).collect(),
        errors: catalog.errors.clone(),
        version: state.catalog_version(),
    };
    Ok(conditional.reply(&list))
}

pub(super) fn find_kpi(state: &AppState, id: &str) -> Result<kpi::Kpi> {
    state.catalog().kpis.get(id).cloned().ok_or_else(|| {
        let broken = state
            .catalog()
            .errors
            .iter()
            .any(|e| e.file == format!("{id}.sql"));
        if broken {
            Error::NotFound(format!(
                "KPI '{id}' failed to load; see GET /api/kpis for its error"
            ))
        } else {
            Error::NotFound(format!("no KPI with id '{id}'"))
        }
    })
}

/// GET /api/kpis/{id}/values
pub(super) async fn kpi_values(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let req = ViewParams::parse(&state, &access, &params).map_err(reject)?;
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let def = kpi.def.clone();
    let points = crate::boards::series(
        &state,
        kpi,
        &req.unit.id,
        (req.calendar, req.grain),
        req.from,
        req.to,
        &access.jurisdiction(),
    )
    .await
    .map_err(reject)?;
    // The target in force at each period's last day (within the range asked).
    let targets = points
        .iter()
        .map(|p| {
            let last = req
                .calendar
                .next(req.grain, p.period)
                .pred_opt()
                .unwrap_or(p.period)
                .min(req.to);
            state.judge(&def, &req.unit.id, last, None).1.target
        })
        .collect();
    let series = Series {
        targets,
        kpi: id,
        unit: req.unit.id,
        grain: req.grain,
        calendar: req.calendar,
        from: req.from,
        to: req.to,
        points,
    };
    Ok(conditional.reply(&series))
}

/// A KPI over a period for the children of a unit and for the unit itself.
struct Below {
    req: ViewParams,
    def: kpi_api::KpiDef,
    /// One per child with rows.
    cells: Vec<kpi::Cell>,
    /// The unit's own.
    total: Option<kpi::Cell>,
    /// The children the caller may see.
    children: Vec<Unit>,
}

/// KPI `id` over `?from=&to=` for each child of `?unit=` and for the unit itself, from the
/// caller's rows (from the cache when it has them).
async fn below(id: &str, state: &Arc<AppState>, access: &Access, params: &Params) -> Result<Below> {
    let req = ViewParams::parse(state, access, params)?;
    let kpi = find_kpi(state, id)?;
    let def = kpi.def.clone();
    let whole = Periods::whole(req.from, req.to);
    let unit_id = req.unit.id.clone();
    let jurisdiction: Jurisdiction = access.jurisdiction();
    let limit = state.config.limits.query_time;
    // The children's cells, then the unit's own.
    let cached: Option<Vec<Result<Vec<kpi::Cell>>>> =
        [Scope::ChildrenOf(&unit_id), Scope::Unit(&unit_id)]
            .into_iter()
            .map(|scope| kpi::evaluate_cached(&state.sandbox, &kpi, scope, &whole, &jurisdiction))
            .collect();
    let mut both = match cached {
        Some(both) => both.into_iter().collect::<Result<Vec<_>>>()?,
        None => {
            state
                .sandboxed(move |s| {
                    [Scope::ChildrenOf(&unit_id), Scope::Unit(&unit_id)]
                        .into_iter()
                        .map(|scope| kpi::evaluate(s, &kpi, scope, &whole, &jurisdiction, limit))
                        .collect::<Result<Vec<_>>>()
                })
                .await?
        }
    };
    let total = both.pop().unwrap_or_default();
    let cells = both.pop().unwrap_or_default();
    let units = state.units();
    let children = units
        .iter()
        .filter(|u| u.parent_id.as_deref() == Some(req.unit.id.as_str()))
        .filter(|u| access.reach(&units, &u.id) != Reach::Outside)
        .cloned()
        .collect();
    Ok(Below {
        req,
        def,
        cells,
        total: total.into_iter().next(),
        children,
    })
}

/// GET /api/kpis/{id}/children
pub(super) async fn kpi_children(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let Below {
        req,
        def,
        cells,
        total,
        children,
    } = below(&id, &state, &access, &params).await.map_err(reject)?;
    let children = children
        .into_iter()
        .map(|u| {
            let value = cells.iter().find(|c| c.grp == u.id).and_then(|c| c.value);
            ChildValue {
                status: state.judge(&def, &u.id, req.to, value).0,
                unit: u,
                value,
            }
        })
        .collect();
    let answer = Children {
        kpi: id,
        unit: req.unit.id,
        from: req.from,
        to: req.to,
        total: total.and_then(|t| t.value),
        children,
    };
    Ok(conditional.reply(&answer))
}

/// GET /api/kpis/{id}/league — the children of `unit` ranked fairly: intervals, per-head
/// volumes, better or worse than the parent only where the interval says so, and a funnel.
pub(super) async fn kpi_league(
    id: String,
    access: Access,
    params: Params,
    conditional: Conditional,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let b = below(&id, &state, &access, &params).await.map_err(reject)?;
    let to = b.req.to;
    let status = |unit: &str, value: Option<f64>| state.judge(&b.def, unit, to, value).0;
    let answer = crate::league::league(
        &b.def,
        &b.req.unit,
        &b.children,
        &b.cells,
        b.total.as_ref(),
        (b.req.from, b.req.to),
        &status,
    );
    Ok(conditional.reply(&answer))
}

/// POST /api/query — an analyst's SELECT over the jurisdiction, in the sandbox.
pub(super) async fn post_query(
    access: Access,
    addr: Option<SocketAddr>,
    request: QueryRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::RunSql).map_err(reject)?;
    let unit = state.unit_for(&access, &request.unit).map_err(reject)?;
    let (from, to) = period(&state, request.from, request.to).map_err(reject)?;
    let periods = Periods::grain(request.grain.unwrap_or(Grain::Week), from, to);
    let limits = state.config.limits.clone();
    let jurisdiction = access.jurisdiction();
    let sql = request.sql.clone();
    let result = state
        .analysts_query(&access.user, move |s| {
            kpi::run_query(
                s,
                &sql,
                &periods,
                &kpi::Ask {
                    unit: &unit.id,
                    jurisdiction: &jurisdiction,
                    row_limit: limits.query_rows,
                    limit: limits.query_time,
                    cancel: None,
                },
            )
        })
        .await;
    let excerpt: String = request.sql.chars().take(500).collect();
    let (action, detail) = match &result {
        Ok(r) => (
            "query_run",
            format!(
                "unit {}: {} rows in {} ms: {excerpt}",
                request.unit,
                r.rows.len(),
                r.millis
            ),
        ),
        Err(e) => (
            "query_refused",
            format!("unit {}: {e}: {excerpt}", request.unit),
        ),
    };
    record(&state, Some(access.user), action, detail, client_ip(addr)).await;
    Ok(json(&result.map_err(reject)?))
}

/// GET /api/kpis/{id} — the KPI's passport.
pub(super) async fn kpi_passport(
    id: String,
    access: Access,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let kpi = find_kpi(&state, &id).map_err(reject)?;
    let path = state.config.queries.join(&kpi.def.file);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|_| kpi.def.sql.clone());
    let error = state
        .catalog()
        .errors
        .iter()
        .find(|e| e.file == kpi.def.file)
        .cloned();
    let boards = state
        .boards()
        .iter()
        .filter(|b| b.kpis.contains(&id))
        .cloned()
        .collect();
    let home = access.jurisdiction().home().map(str::to_string);
    let def = kpi.def.clone();
    let (tables, freshest) = state
        .db
        .run_limited(state.config.limits.query_time, move |c| {
            let tables = kpi::tables_read(c, &kpi)?;
            let freshest = crate::tables::freshest(c, &tables, home.as_deref())?;
            Ok((tables, freshest))
        })
        .await
        .map_err(reject)?;
    Ok(json(&KpiPassport {
        def,
        text,
        tables,
        freshest,
        boards,
        error,
    }))
}

/// Where a text's error points, as one line: "FILE, line N, column C: message".
pub(super) fn located(e: &kpi_api::KpiLoadError) -> String {
    let mut at = e.file.clone();
    if let Some(line) = e.line {
        at.push_str(&format!(", line {line}"));
    }
    if let Some(column) = e.column {
        at.push_str(&format!(", column {column}"));
    }
    format!("{at}: {}", e.message)
}

/// PUT /api/kpis/{id} — the editor's Save: validate, write queries/{id}.sql, load.
pub(super) async fn save_kpi(
    id: String,
    access: Access,
    addr: Option<SocketAddr>,
    save: KpiSave,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::SaveKpi).map_err(reject)?;
    match kpi::header_id(&save.text) {
        Some(given) if given == id => {}
        Some(given) => {
            return Err(reject(Error::bad_parameter(
                "id",
                format!("the address names '{id}' but the header says '-- id: {given}'"),
            )))
        }
        None => {
            return Err(reject(Error::bad_parameter(
                "text",
                "the header needs an '-- id:' line",
            )))
        }
    }
    let existed = state.catalog().kpis.contains_key(&id);
    let file = format!("{id}.sql");
    let text = save.text.clone();
    let limit = state.config.limits.query_time;
    let loaded = state
        .sandboxed(move |s| Ok(kpi::load_text(s, &file, &text, limit)))
        .await
        .map_err(reject)?;
    let kpi = match loaded {
        Ok(kpi) => kpi,
        Err(e) => {
            let message = located(&e);
            record(
                &state,
                Some(access.user),
                "kpi_refused",
                message.clone(),
                client_ip(addr),
            )
            .await;
            return Err(reject(Error::InvalidKpi(message)));
        }
    };
    let def = kpi.def.clone();
    {
        let state = Arc::clone(&state);
        let board = save.board.clone();
        tokio::task::spawn_blocking(move || state.save_kpi(&kpi, &save.text, board.as_deref()))
            .await
            .map_err(|e| reject(Error::Internal(e.to_string())))?
            .map_err(reject)?;
    }
    record(
        &state,
        Some(access.user),
        "kpi_saved",
        format!(
            "{} {} from the editor{}",
            if existed { "changed" } else { "added" },
            def.file,
            save.board
                .as_deref()
                .map(|b| format!(", on board {b}"))
                .unwrap_or_default()
        ),
        client_ip(addr),
    )
    .await;
    Ok(json(&def))
}

/// POST /api/kpis/preview — a KPI file's text run in the sandbox, not saved.
pub(super) async fn preview_kpi(
    access: Access,
    request: KpiPreviewRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    access.may(Action::PreviewKpi).map_err(reject)?;
    let unit = state.unit_for(&access, &request.unit).map_err(reject)?;
    let (from, to) = period(&state, request.from, request.to).map_err(reject)?;
    let grain = request.grain.unwrap_or(Grain::Week);
    let limits = state.config.limits.clone();
    let jurisdiction = access.jurisdiction();
    let key = request.run_id.clone().map(|run| (access.user.clone(), run));
    let cancel = key.as_ref().map(|key| {
        let cancel = Cancel::new();
        state
            .running
            .lock()
            .expect("running lock")
            .insert(key.clone(), Arc::clone(&cancel));
        cancel
    });
    let text = request.text.clone();
    let result = state
        .analysts_query(&access.user, move |s| {
            kpi::preview(
                s,
                &text,
                grain,
                (from, to),
                &kpi::Ask {
                    unit: &unit.id,
                    jurisdiction: &jurisdiction,
                    row_limit: limits.query_rows.min(200),
                    limit: limits.query_time,
                    cancel: cancel.as_deref(),
                },
            )
        })
        .await;
    if let Some(key) = key {
        state.running.lock().expect("running lock").remove(&key);
    }
    Ok(json(&result.map_err(reject)?))
}

/// POST /api/query/cancel — stops the caller's own run with this id.
pub(super) async fn cancel_query(
    access: Access,
    request: CancelRequest,
    state: Arc<AppState>,
) -> Result<impl Reply, Rejection> {
    let running = state
        .running
        .lock()
        .expect("running lock")
        .get(&(access.user.clone(), request.run_id.clone()))
        .cloned();
    match running {
        Some(cancel) => {
            cancel.cancel();
            Ok(warp::reply::with_status(
                warp::reply(),
                StatusCode::NO_CONTENT,
            ))
        }
        None => Err(reject(Error::NotFound(format!(
            "nothing of yours is running as '{}'",
            request.run_id
        )))),
    }
}
