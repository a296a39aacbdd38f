//! Users, passwords, sessions and jurisdictions.
//!
//! Passwords are stored as Argon2id hashes (PHC strings). A session is a random 256-bit token
//! in an HttpOnly, SameSite=Strict cookie; the database keeps only its SHA-256, with the user, an
//! expiry and a CSRF token that every state-changing request must send back in a header.
//! [`Access`] is what a request knows about its caller once the session is checked: every data
//! path takes it, and [`Access::reach`] decides which units it may see.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use chrono::{NaiveDateTime, Utc};
use duckdb::{Connection, OptionalExt};
use kpi_api::{NewUser, SessionInfo, Unit, UserInfo, UserRole};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};

/// How long a session lives unless the configuration says otherwise.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(8 * 3600);
/// The shortest password an admin may set.
pub const MIN_PASSWORD_CHARS: usize = 10;

/// The signed-in caller of a request.
#[derive(Debug, Clone, PartialEq)]
pub struct Access {
    pub user: String,
    pub display_name: String,
    pub role: UserRole,
    /// The root of the jurisdiction; None: every unit.
    pub home: Option<String>,
    pub csrf_token: String,
    pub expires_at: NaiveDateTime,
}

/// How a unit stands to a caller's jurisdiction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reach {
    /// The unit is the home unit or under it: all of its rows are in scope.
    Inside,
    /// The unit is above the home unit: its numbers are computed from the home subtree only.
    Above,
    /// Neither: the caller sees nothing of it.
    Outside,
}

impl Access {
    /// What the app is told of this session; `units` give the home unit's language.
    pub fn session_info(&self, units: &[Unit]) -> SessionInfo {
        SessionInfo {
            user: self.user.clone(),
            display_name: self.display_name.clone(),
            role: self.role,
            home_unit: self.home.clone(),
            lang: self
                .home
                .as_deref()
                .and_then(|home| kpi_api::unit_language(units, home)),
            csrf_token: self.csrf_token.clone(),
            expires_at: format!("{}Z", self.expires_at.format("%Y-%m-%dT%H:%M:%S")),
        }
    }

    /// Where `unit` stands to this caller, by walking the parents in `units`.
    pub fn reach(&self, units: &[Unit], unit: &str) -> Reach {
        self.reach_in(&Parents::of(units), unit)
    }

    fn reach_in(&self, parents: &Parents, unit: &str) -> Reach {
        let Some(home) = self.home.as_deref() else {
            return Reach::Inside;
        };
        if parents.is_within(unit, home) {
            Reach::Inside
        } else if parents.is_within(home, unit) {
            Reach::Above
        } else {
            Reach::Outside
        }
    }

    /// The units this caller may pick: the home unit's subtree (everything for admins).
    pub fn visible_units(&self, units: &[Unit]) -> Vec<Unit> {
        let parents = Parents::of(units);
        units
            .iter()
            .filter(|u| self.reach_in(&parents, &u.id) == Reach::Inside)
            .cloned()
            .collect()
    }

    /// The unit `id` if the caller may see numbers for it; 403 when it lies outside.
    pub fn unit(&self, units: &[Unit], id: &str) -> Result<Unit> {
        let unit = units
            .iter()
            .find(|u| u.id == id)
            .cloned()
            .ok_or_else(|| Error::bad_parameter("unit", format!("no unit with id '{id}'")))?;
        match self.reach(units, id) {
            Reach::Outside => Err(Error::Forbidden(format!(
                "unit '{id}' is outside your jurisdiction ({} and the units under it)",
                self.home.as_deref().unwrap_or_default()
            ))),
            _ => Ok(unit),
        }
    }

    /// The jurisdiction that scopes every query this caller runs.
    pub fn jurisdiction(&self) -> Jurisdiction {
        Jurisdiction(self.home.clone())
    }
}

/// Each unit's parent, to walk up the org tree.
pub struct Parents<'a>(HashMap<&'a str, Option<&'a str>>);

impl<'a> Parents<'a> {
    pub fn of(units: &'a [Unit]) -> Parents<'a> {
        Parents(
            units
                .iter()
                .map(|u| (u.id.as_str(), u.parent_id.as_deref()))
                .collect(),
        )
    }

    /// How many steps up from `unit` `ancestor` is (0: the unit itself), or None when it is not
    /// on the way up. The walk stops after 64 steps, like [`Parents::is_within`].
    pub fn depth_to(&self, unit: &str, ancestor: &str) -> Option<usize> {
        let mut at = Some(unit);
        for depth in 0..64 {
            match at {
                Some(id) if id == ancestor => return Some(depth),
                Some(id) => at = self.0.get(id).copied().flatten(),
                None => return None,
            }
        }
        None
    }

    /// Whether `unit` is `ancestor` or lies under it. The walk stops after 64 steps, so a cycle
    /// in broken data cannot hang it.
    pub fn is_within(&self, unit: &str, ancestor: &str) -> bool {
        let mut at = Some(unit);
        for _ in 0..64 {
            match at {
                Some(id) if id == ancestor => return true,
                Some(id) => at = self.0.get(id).copied().flatten(),
                None => return false,
            }
        }
        false
    }
}

/// The subtree a query may read. Only an [`Access`] (or the machine's operator, through
/// [`Jurisdiction::operator`]) makes one, and every KPI evaluation takes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jurisdiction(Option<String>);

impl Jurisdiction {
    /// Everything: the command line, start-up validation, the seed.
    pub fn operator() -> Jurisdiction {
        Jurisdiction(None)
    }

    /// The subtree of `home` (tests; the server makes jurisdictions from sessions).
    #[cfg(test)]
    pub(crate) fn under(home: &str) -> Jurisdiction {
        Jurisdiction(Some(home.to_string()))
    }

    /// The home unit bound as the query's jurisdiction parameter; None reads every unit.
    pub fn home(&self) -> Option<&str> {
        self.0.as_deref()
    }
}

/// A PHC string of the password's Argon2id hash with a fresh salt.
pub fn hash_password(password: &str) -> Result<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| Error::Internal(format!("cannot hash a password: {e}")))
}

fn verify_password(hash: &str, password: &str) -> bool {
    PasswordHash::new(hash)
        .map(|parsed| {
            Argon2::default()
                .verify_password(password.as_bytes(), &parsed)
                .is_ok()
        })
        .unwrap_or(false)
}

/// A hash no password matches, verified when the user does not exist so that a wrong name takes
/// as long as a wrong password.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| hash_password("no user has this password").unwrap_or_default())
}

fn random_hex(bytes: usize) -> String {
    let mut buf = vec![0u8; bytes];
    OsRng.fill_bytes(&mut buf);
    hex::encode(buf)
}

fn token_digest(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

fn check_password(password: &str) -> Result<()> {
    if password.chars().count() < MIN_PASSWORD_CHARS {
        return Err(Error::bad_parameter(
            "password",
            format!("at least {MIN_PASSWORD_CHARS} characters"),
        ));
    }
    if password.len() > 1024 {
        return Err(Error::bad_parameter("password", "at most 1024 bytes"));
    }
    Ok(())
}

/// Adds a user after checking the name, the role's home unit and the password.
pub fn add_user(conn: &Connection, new: &NewUser, units: &[Unit]) -> Result<UserInfo> {
    let name = new.name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c))
    {
        return Err(Error::bad_parameter(
            "name",
            "1 to 64 lower-case letters, digits, dots, dashes or underscores",
        ));
    }
    match (&new.home_unit, new.role) {
        (None, UserRole::Admin) => {}
        (None, role) => {
            return Err(Error::bad_parameter(
                "home_unit",
                format!("a {} needs a home unit", role.as_str()),
            ))
        }
        (Some(unit), _) => {
            if !units.iter().any(|u| &u.id == unit) {
                return Err(Error::bad_parameter(
                    "home_unit",
                    format!("no unit with id '{unit}'"),
                ));
            }
        }
    }
    check_password(&new.password)?;
    let exists: i64 = conn.query_row(
        "SELECT count(*) FROM main.users WHERE name = ?",
        [name],
        |r| r.get(0),
    )?;
    if exists > 0 {
        return Err(Error::Conflict(format!("a user named '{name}' exists")));
    }
    let display = new
        .display_name
        .as_deref()
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .unwrap_or(name);
    conn.execute(
        "INSERT INTO main.users VALUES (?, ?, ?, ?, ?, now(), now())",
        duckdb::params![
            name,
            display,
            new.role.as_str(),
            new.home_unit,
            hash_password(&new.password)?
        ],
    )?;
    user(conn, name)?.ok_or_else(|| Error::Internal("the new user vanished".into()))
}

/// Sets a new password and ends the user's sessions.
pub fn reset_password(conn: &Connection, name: &str, password: &str) -> Result<()> {
    check_password(password)?;
    let changed = conn.execute(
        "UPDATE main.users SET password_hash = ?, password_changed_at = now() WHERE name = ?",
        duckdb::params![hash_password(password)?, name],
    )?;
    if changed == 0 {
        return Err(Error::NotFound(format!("no user named '{name}'")));
    }
    conn.execute("DELETE FROM main.sessions WHERE user_name = ?", [name])?;
    Ok(())
}

fn user_from_row(r: &duckdb::Row) -> duckdb::Result<(UserInfo, String)> {
    let role: String = r.get(2)?;
    Ok((
        UserInfo {
            name: r.get(0)?,
            display_name: r.get(1)?,
            role: UserRole::parse(&role).unwrap_or(UserRole::Governor),
            home_unit: r.get(3)?,
            created_at: r.get(4)?,
            password_changed_at: r.get(5)?,
        },
        r.get(6)?,
    ))
}

const USER_COLUMNS: &str = "name, display_name, role, home_unit, strftime(created_at, '%Y-%m-%dT%H:%M:%SZ'), strftime(password_changed_at, '%Y-%m-%dT%H:%M:%SZ'), password_hash";

pub fn user(conn: &Connection, name: &str) -> Result<Option<UserInfo>> {
    Ok(conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM main.users WHERE name = ?"),
            [name],
            user_from_row,
        )
        .optional()?
        .map(|(u, _)| u))
}

pub fn list_users(conn: &Connection) -> Result<Vec<UserInfo>> {
    let mut stmt = conn.prepare(&format!(
        "SELECT {USER_COLUMNS} FROM main.users ORDER BY name"
    ))?;
    let users = stmt
        .query_map([], user_from_row)?
        .map(|r| r.map(|(u, _)| u))
        .collect::<duckdb::Result<Vec<_>>>()?;
    Ok(users)
}

/// A key several servers share: a session token it signs (a ticket naming the user, the CSRF
/// token and the session's end) is taken by every server that has the key, so that replicas
/// behind any load balancer know the caller. Each server still looks the user up in its own
/// users table (role, jurisdiction, a password changed since the ticket ends it). Signing out
/// ends the ticket on the server signed out of; the others take it until it expires.
#[derive(Clone)]
pub struct SessionKey(std::sync::Arc<[u8]>);

impl std::fmt::Debug for SessionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKey(..)")
    }
}

/// What marks a token as a signed ticket rather than a random one.
const TICKET: &str = "t1.";

impl SessionKey {
    pub fn new(bytes: &[u8]) -> SessionKey {
        SessionKey(bytes.into())
    }

    /// The key in `path` (64 hex digits); a new random one written there (readable by its
    /// owner only) when the file does not exist.
    pub fn load_or_create(path: &std::path::Path) -> Result<SessionKey> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let bytes = hex::decode(text.trim()).ok().filter(|b| b.len() >= 32);
                bytes.map(|b| SessionKey::new(&b)).ok_or_else(|| {
                    Error::bad_parameter(
                        "session-key",
                        format!("{}: not a key of 64 hex digits", path.display()),
                    )
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut bytes = [0u8; 32];
                OsRng.fill_bytes(&mut bytes);
                use std::io::Write;
                use std::os::unix::fs::OpenOptionsExt;
                let mut file = std::fs::OpenOptions::new()
                    .write(true)
                    .create_new(true)
                    .mode(0o600)
                    .open(path)?;
                file.write_all(hex::encode(bytes).as_bytes())?;
                Ok(SessionKey::new(&bytes))
            }
            Err(e) => Err(e.into()),
        }
    }

    /// HMAC-SHA256 (RFC 2104) of `message`.
    fn mac(&self, message: &[u8]) -> [u8; 32] {
        let mut block = [0u8; 64];
        if self.0.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(&self.0));
        } else {
            block[..self.0.len()].copy_from_slice(&self.0);
        }
        let pad = |byte: u8| block.map(|b| b ^ byte);
        let inner = Sha256::new()
            .chain_update(pad(0x36))
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(pad(0x5c))
            .chain_update(inner)
            .finalize()
            .into()
    }

    /// A signed ticket for `user`'s session.
    fn ticket(&self, user: &str, csrf: &str, issued_ms: i64, expires_ms: i64) -> String {
        let body = hex::encode(serde_json::json!([user, csrf, issued_ms, expires_ms]).to_string());
        let mac = hex::encode(self.mac(body.as_bytes()));
        format!("{TICKET}{body}.{mac}")
    }

    /// The user, CSRF token, issue and end (milliseconds) of a ticket this key signed.
    fn open(&self, token: &str) -> Option<(String, String, i64, i64)> {
        let (body, mac) = token.strip_prefix(TICKET)?.split_once('.')?;
        let expected = self.mac(body.as_bytes());
        let given = hex::decode(mac).ok()?;
        // Compared in constant time: a wrong ticket says nothing of the right one.
        if given.len() != expected.len()
            || given
                .iter()
                .zip(expected)
                .fold(0u8, |d, (a, b)| d | (a ^ b))
                != 0
        {
            return None;
        }
        let text = String::from_utf8(hex::decode(body).ok()?).ok()?;
        serde_json::from_str(&text).ok()
    }
}

/// Checks the password and opens a session: the cookie's token and what the caller learns.
/// With a [`SessionKey`] the token is a ticket every server with the key takes.
pub fn login(
    conn: &Connection,
    name: &str,
    password: &str,
    ttl: Duration,
    key: Option<&SessionKey>,
) -> Result<(String, Access)> {
    let found = conn
        .query_row(
            &format!("SELECT {USER_COLUMNS} FROM main.users WHERE name = ?"),
            [name],
            user_from_row,
        )
        .optional()?;
    let Some((user, hash)) = found else {
        verify_password(dummy_hash(), password);
        return Err(Error::BadCredentials);
    };
    if !verify_password(&hash, password) {
        return Err(Error::BadCredentials);
    }
    conn.execute("DELETE FROM main.sessions WHERE expires_at < now()", [])?;
    conn.execute(
        "DELETE FROM main.ended_sessions WHERE expires_at < now()",
        [],
    )?;
    let csrf = random_hex(16);
    let now = Utc::now();
    let expires = now + chrono::Duration::from_std(ttl).unwrap_or_default();
    let expires_at = expires.naive_utc();
    let token = match key {
        Some(key) => key.ticket(
            &user.name,
            &csrf,
            now.timestamp_millis(),
            expires.timestamp_millis(),
        ),
        None => random_hex(32),
    };
    conn.execute(
        "INSERT INTO main.sessions VALUES (?, ?, ?, now(), ?)",
        duckdb::params![token_digest(&token), user.name, csrf, expires_at],
    )?;
    Ok((
        token,
        Access {
            user: user.name,
            display_name: user.display_name,
            role: user.role,
            home: user.home_unit,
            csrf_token: csrf,
            expires_at,
        },
    ))
}

/// The caller behind a session token, if the session exists and has not expired: opened here,
/// or a ticket `key` signed on any server that has not ended here.
pub fn session(conn: &Connection, token: &str, key: Option<&SessionKey>) -> Result<Option<Access>> {
    if let Some(access) = local_session(conn, token)? {
        return Ok(Some(access));
    }
    let Some((user, csrf, issued_ms, expires_ms)) = key.and_then(|k| k.open(token)) else {
        return Ok(None);
    };
    let ended: i64 = conn.query_row(
        "SELECT count(*) FROM main.ended_sessions WHERE token_sha256 = ?",
        [token_digest(token)],
        |r| r.get(0),
    )?;
    let Some(expires_at) = chrono::DateTime::from_timestamp_millis(expires_ms) else {
        return Ok(None);
    };
    if ended > 0 || expires_ms <= Utc::now().timestamp_millis() {
        return Ok(None);
    }
    // The user as this server knows them; a password changed after the ticket ends it.
    let found = conn
        .query_row(
            "SELECT name, display_name, role, home_unit, CAST(? AS VARCHAR), CAST(? AS TIMESTAMP)
             FROM main.users WHERE name = ? AND epoch_ms(password_changed_at) <= ?",
            duckdb::params![csrf, expires_at.naive_utc(), user, issued_ms],
            access_row,
        )
        .optional()?;
    Ok(found)
}

/// An [`Access`] from a row of name, display name, role, home unit, CSRF token and expiry.
fn access_row(r: &duckdb::Row) -> duckdb::Result<Access> {
    let role: String = r.get(2)?;
    Ok(Access {
        user: r.get(0)?,
        display_name: r.get(1)?,
        role: UserRole::parse(&role).unwrap_or(UserRole::Governor),
        home: r.get(3)?,
        csrf_token: r.get(4)?,
        expires_at: r.get(5)?,
    })
}

/// A session opened on this server.
fn local_session(conn: &Connection, token: &str) -> Result<Option<Access>> {
    let found = conn
        .query_row(
            "SELECT u.name, u.display_name, u.role, u.home_unit, s.csrf_token, s.expires_at
             FROM main.sessions s JOIN main.users u ON u.name = s.user_name
             WHERE s.token_sha256 = ? AND s.expires_at > CAST(now() AS TIMESTAMP)",
            [token_digest(token)],
            access_row,
        )
        .optional()?;
    Ok(found)
}

pub fn logout(conn: &Connection, token: &str) -> Result<()> {
    let digest = token_digest(token);
    let expires: Option<NaiveDateTime> = conn
        .query_row(
            "SELECT expires_at FROM main.sessions WHERE token_sha256 = ?",
            [&digest],
            |r| r.get(0),
        )
        .optional()?;
    conn.execute(
        "DELETE FROM main.sessions WHERE token_sha256 = ?",
        [&digest],
    )?;
    // A ticket would still open: it is ended here for as long as it would have lasted.
    if token.starts_with(TICKET) {
        conn.execute(
            "INSERT INTO main.ended_sessions VALUES (?, ?) ON CONFLICT DO NOTHING",
            duckdb::params![
                digest,
                expires.unwrap_or_else(|| (Utc::now() + chrono::Duration::days(30)).naive_utc())
            ],
        )?;
    }
    Ok(())
}

/// Sessions already looked up, so that a request does not ask the database who sent it each time
/// (a lookup costs milliseconds; a board from the cache, about one). An entry is trusted for
/// [`SESSION_RECHECK`] at most and never past the session's end; signing out and a password reset
/// forget it at once.
#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, (Access, Instant)>>,
}

/// How long a looked-up session is taken without asking the database again.
pub const SESSION_RECHECK: Duration = Duration::from_secs(30);

impl SessionCache {
    /// The session behind `token` if it was looked up lately and has not ended.
    pub fn cached(&self, token: &str) -> Option<Access> {
        let now = Utc::now().naive_utc();
        let entries = self.entries.lock().expect("session cache");
        let (access, at) = entries.get(&token_digest(token))?;
        (at.elapsed() < SESSION_RECHECK && access.expires_at > now).then(|| access.clone())
    }

    /// What the database said of `token` just now.
    pub fn remember(&self, token: &str, found: Option<&Access>) {
        let digest = token_digest(token);
        let mut entries = self.entries.lock().expect("session cache");
        match found {
            Some(access) => {
                if entries.len() > 10_000 {
                    entries.retain(|_, (_, at)| at.elapsed() < SESSION_RECHECK);
                }
                entries.insert(digest, (access.clone(), Instant::now()));
            }
            None => {
                entries.remove(&digest);
            }
        }
    }

    /// The session behind `token` ended (signed out).
    pub fn forget(&self, token: &str) {
        self.entries
            .lock()
            .expect("session cache")
            .remove(&token_digest(token));
    }

    /// Every session of `user` ended (a password reset).
    pub fn forget_user(&self, user: &str) {
        self.entries
            .lock()
            .expect("session cache")
            .retain(|_, (access, _)| access.user != user);
    }
}

/// Failed sign-ins counted per user name and per address over a sliding window; past the limit,
/// sign-in is refused without looking at the password until the window has room again. A sign-in
/// in progress counts as a failure until it is known not to be one, and the check and that count
/// are one step under one lock: parallel guesses cannot all pass before the first is counted.
pub struct LoginLimiter {
    window: Duration,
    per_name: usize,
    per_address: usize,
    counts: Mutex<HashMap<String, Tries>>,
}

/// One key's failures in the window and its sign-ins still being checked.
#[derive(Default)]
struct Tries {
    failures: VecDeque<Instant>,
    pending: usize,
}

impl Default for LoginLimiter {
    fn default() -> Self {
        LoginLimiter::new(Duration::from_secs(300), 5, 20)
    }
}

/// The longest user name the limiter and the audit log keep (names are at most 64 characters;
/// a longer one is someone else's junk, kept as its first characters).
pub const MAX_NAME_CHARS: usize = 64;

/// `text` cut to `max` characters, marked with "…" when it was longer.
pub fn bounded(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        text.to_string()
    } else {
        let mut cut: String = text.chars().take(max).collect();
        cut.push('…');
        cut
    }
}

impl LoginLimiter {
    pub fn new(window: Duration, per_name: usize, per_address: usize) -> LoginLimiter {
        LoginLimiter {
            window,
            per_name,
            per_address,
            counts: Mutex::new(HashMap::new()),
        }
    }

    fn keys(name: &str, address: Option<&str>) -> [(String, bool); 2] {
        [
            (format!("user:{}", bounded(name, MAX_NAME_CHARS)), true),
            (format!("addr:{}", address.unwrap_or("unknown")), false),
        ]
    }

    /// Starts a sign-in: refused with the seconds to wait when the name or the address is at its
    /// limit, counting sign-ins still in progress; otherwise counted as in progress until the
    /// [`Attempt`] says how it went (dropped unsaid, it counts for nothing).
    pub fn begin<'a>(&'a self, name: &str, address: Option<&str>) -> Result<Attempt<'a>> {
        let now = Instant::now();
        let mut counts = self.counts.lock().expect("limiter lock");
        counts.retain(|_, t| {
            while t
                .failures
                .front()
                .is_some_and(|f| now.duration_since(*f) > self.window)
            {
                t.failures.pop_front();
            }
            t.pending > 0 || !t.failures.is_empty()
        });
        let keys = Self::keys(name, address);
        for (key, is_name) in &keys {
            let limit = if *is_name {
                self.per_name
            } else {
                self.per_address
            };
            if let Some(t) = counts.get(key) {
                if t.failures.len() + t.pending >= limit {
                    let wait = match t.failures.front() {
                        Some(oldest) => self.window.saturating_sub(now.duration_since(*oldest)),
                        None => Duration::from_secs(1),
                    };
                    return Err(Error::RateLimited {
                        retry_after: wait.as_secs().max(1),
                    });
                }
            }
        }
        for (key, _) in &keys {
            counts.entry(key.clone()).or_default().pending += 1;
        }
        Ok(Attempt {
            limiter: self,
            keys,
            settled: false,
        })
    }

    fn settle(&self, keys: &[(String, bool); 2], failed: bool) {
        let now = Instant::now();
        let mut counts = self.counts.lock().expect("limiter lock");
        for (key, is_name) in keys {
            let t = counts.entry(key.clone()).or_default();
            t.pending = t.pending.saturating_sub(1);
            if failed {
                t.failures.push_back(now);
            } else if *is_name {
                t.failures.clear();
            }
        }
    }
}

/// A sign-in in progress (see [`LoginLimiter::begin`]).
pub struct Attempt<'a> {
    limiter: &'a LoginLimiter,
    keys: [(String, bool); 2],
    settled: bool,
}

impl Attempt<'_> {
    /// The password was wrong (or the user unknown): one more failure.
    pub fn failed(mut self) {
        self.settled = true;
        self.limiter.settle(&self.keys, true);
    }

    /// Signed in: the name's failures are forgotten.
    pub fn succeeded(mut self) {
        self.settled = true;
        self.limiter.settle(&self.keys, false);
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.settled {
            let mut counts = self.limiter.counts.lock().expect("limiter lock");
            for (key, _) in &self.keys {
                if let Some(t) = counts.get_mut(key) {
                    t.pending = t.pending.saturating_sub(1);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kpi_api::UnitKind;

    fn unit(id: &str, parent: Option<&str>) -> Unit {
        Unit {
            id: id.to_string(),
            parent_id: parent.map(str::to_string),
            kind: UnitKind::City,
            name: id.to_string(),
            population: None,
            local_name: None,
        }
    }

    fn access(home: Option<&str>) -> Access {
        Access {
            user: "u".into(),
            display_name: "U".into(),
            role: UserRole::Mayor,
            home: home.map(str::to_string),
            csrf_token: "t".into(),
            expires_at: Utc::now().naive_utc(),
        }
    }

    /// A server's database with one user of a city.
    fn server() -> std::sync::Arc<crate::db::Db> {
        let db = crate::db::Db::open_in_memory().unwrap();
        db.with(|c| {
            add_user(
                c,
                &NewUser {
                    name: "mayor".into(),
                    display_name: None,
                    role: UserRole::Mayor,
                    home_unit: Some("c".into()),
                    password: "a-long-password".into(),
                },
                &[unit("r", None), unit("c", Some("r"))],
            )
        })
        .unwrap();
        db
    }

    #[test]
    fn a_ticket_signed_on_one_server_opens_a_session_on_every_server_with_the_key() {
        let (one, two) = (server(), server());
        let key = SessionKey::new(&[7u8; 32]);
        let hour = Duration::from_secs(3600);
        let (ticket, access) = one
            .with(|c| login(c, "mayor", "a-long-password", hour, Some(&key)))
            .unwrap();
        let on = |db: &crate::db::Db, token: &str, key: Option<&SessionKey>| {
            db.with(|c| session(c, token, key)).unwrap()
        };
        // The other server knows the caller, with the role and jurisdiction it holds for them.
        let there = on(&two, &ticket, Some(&key)).expect("the ticket opens on server two");
        assert_eq!(
            (there.user.as_str(), there.home.as_deref()),
            ("mayor", Some("c"))
        );
        assert_eq!(there.csrf_token, access.csrf_token);
        // Not without the key, not with another, not altered.
        assert!(on(&two, &ticket, None).is_none());
        assert!(on(&two, &ticket, Some(&SessionKey::new(&[8u8; 32]))).is_none());
        let (body, mac) = ticket.rsplit_once('.').unwrap();
        let forged = format!(
            "{TICKET}{}.{mac}",
            hex::encode(r#"["admin","x",0,99999999999999]"#)
        );
        assert!(on(&two, &forged, Some(&key)).is_none());
        let flipped = format!(
            "{body}.{}{}",
            &mac[..63],
            if mac.ends_with('0') { "1" } else { "0" }
        );
        assert!(on(&two, &flipped, Some(&key)).is_none());
        // A random token of one server means nothing to another.
        let (random, _) = one
            .with(|c| login(c, "mayor", "a-long-password", hour, None))
            .unwrap();
        assert!(on(&one, &random, Some(&key)).is_some());
        assert!(on(&two, &random, Some(&key)).is_none());
        // Signing out ends it where it is done; a new password ends it too.
        two.with(|c| logout(c, &ticket)).unwrap();
        assert!(on(&two, &ticket, Some(&key)).is_none());
        assert!(on(&one, &ticket, Some(&key)).is_some());
        one.with(|c| reset_password(c, "mayor", "another-long-password"))
            .unwrap();
        assert!(on(&one, &ticket, Some(&key)).is_none());
        // An expired ticket opens nowhere.
        let (short, _) = one
            .with(|c| {
                login(
                    c,
                    "mayor",
                    "another-long-password",
                    Duration::from_millis(1),
                    Some(&key),
                )
            })
            .unwrap();
        std::thread::sleep(Duration::from_millis(5));
        assert!(on(&two, &short, Some(&key)).is_none());
    }

    #[test]
    fn a_session_key_file_is_made_once_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("session.key");
        let made = SessionKey::load_or_create(&path).unwrap();
        let read = SessionKey::load_or_create(&path).unwrap();
        assert_eq!(made.mac(b"x"), read.mac(b"x"));
        use std::os::unix::fs::PermissionsExt;
        assert_eq!(
            std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
        std::fs::write(&path, "short").unwrap();
        assert!(SessionKey::load_or_create(&path).is_err());
    }

    #[test]
    fn hmac_matches_rfc_4231() {
        // Test case 2 of RFC 4231.
        let key = SessionKey::new(b"Jefe");
        assert_eq!(
            hex::encode(key.mac(b"what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn reach_is_inside_the_subtree_above_it_on_the_path_and_outside_elsewhere() {
        let units = vec![
            unit("r", None),
            unit("c", Some("r")),
            unit("d1", Some("c")),
            unit("d2", Some("c")),
            unit("d1-x", Some("d1")),
            unit("other", None),
        ];
        let a = access(Some("d1"));
        assert_eq!(a.reach(&units, "d1"), Reach::Inside);
        assert_eq!(a.reach(&units, "d1-x"), Reach::Inside);
        assert_eq!(a.reach(&units, "c"), Reach::Above);
        assert_eq!(a.reach(&units, "r"), Reach::Above);
        assert_eq!(a.reach(&units, "d2"), Reach::Outside);
        assert_eq!(a.reach(&units, "other"), Reach::Outside);
        let visible: Vec<String> = a.visible_units(&units).into_iter().map(|u| u.id).collect();
        assert_eq!(visible, vec!["d1", "d1-x"]);
        assert!(matches!(a.unit(&units, "d2"), Err(Error::Forbidden(_))));
        assert!(matches!(
            a.unit(&units, "nope"),
            Err(Error::BadParameter { .. })
        ));
        assert_eq!(access(None).visible_units(&units).len(), 6);
    }

    #[test]
    fn passwords_hash_with_argon2id_and_verify() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"), "{hash}");
        assert!(verify_password(&hash, "correct horse battery"));
        assert!(!verify_password(&hash, "correct horse battery!"));
        assert!(!verify_password("not a hash", "x"));
    }

    #[test]
    fn the_limiter_refuses_after_the_limit_and_forgets_after_the_window() {
        let limiter = LoginLimiter::new(Duration::from_millis(200), 2, 10);
        limiter.begin("a", None).unwrap().failed();
        limiter.begin("a", None).unwrap().failed();
        match limiter.begin("a", None) {
            Err(Error::RateLimited { retry_after }) => assert!(retry_after >= 1),
            Err(other) => panic!("{other:?}"),
            Ok(_) => panic!("a third try passed"),
        }
        // Another name from the same place is still allowed.
        limiter.begin("b", None).unwrap().succeeded();
        std::thread::sleep(Duration::from_millis(250));
        limiter.begin("a", None).unwrap().succeeded();
    }

    #[test]
    fn sign_ins_in_progress_count_against_the_limit() {
        let limiter = LoginLimiter::new(Duration::from_secs(60), 3, 100);
        // Three guesses under way at once: a fourth is refused before any has been answered.
        let attempts: Vec<_> = (0..3).map(|_| limiter.begin("a", None).unwrap()).collect();
        assert!(limiter.begin("a", None).is_err());
        // One turns out right: it frees its place; the wrong ones stay counted.
        let mut attempts = attempts.into_iter();
        attempts.next().unwrap().succeeded();
        attempts.for_each(Attempt::failed);
        assert!(limiter.begin("a", None).is_ok());
        // A sign-in dropped unanswered (a failed request) counts for nothing.
        drop(limiter.begin("a", None).unwrap());
        let kept = limiter.begin("a", None).unwrap();
        assert!(
            limiter.begin("a", None).is_err(),
            "two failures and one in progress"
        );
        kept.failed();
    }

    #[test]
    fn a_cached_session_ends_with_sign_out_a_password_reset_or_its_time() {
        let cache = SessionCache::default();
        let mut mayor = access(Some("c"));
        mayor.expires_at = Utc::now().naive_utc() + chrono::Duration::hours(1);
        cache.remember("t1", Some(&mayor));
        cache.remember("t2", Some(&mayor));
        assert_eq!(cache.cached("t1"), Some(mayor.clone()));
        cache.forget("t1");
        assert_eq!(cache.cached("t1"), None);
        assert!(cache.cached("t2").is_some());
        cache.forget_user(&mayor.user);
        assert_eq!(cache.cached("t2"), None);
        let mut ended = mayor.clone();
        ended.expires_at = Utc::now().naive_utc() - chrono::Duration::seconds(1);
        cache.remember("t3", Some(&ended));
        assert_eq!(
            cache.cached("t3"),
            None,
            "past its end, whatever the cache holds"
        );
        cache.remember("t4", Some(&mayor));
        cache.remember("t4", None);
        assert_eq!(cache.cached("t4"), None, "the database said it is gone");
    }

    #[test]
    fn a_name_of_any_length_is_kept_short() {
        let long = "x".repeat(250_000);
        assert_eq!(
            bounded(&long, MAX_NAME_CHARS).chars().count(),
            MAX_NAME_CHARS + 1
        );
        assert_eq!(bounded("admin", MAX_NAME_CHARS), "admin");
        let limiter = LoginLimiter::default();
        limiter.begin(&long, None).unwrap().failed();
        let counts = limiter.counts.lock().unwrap();
        assert!(counts.keys().all(|k| k.len() < 100));
    }
}
