//! Where signing in leads: the `next` address the sign-in page returns to, and the user's home board
//! when there is none.
//!
//! Contract: `/login?next={path and query, escaped}`. `next` is followed only when it is a path on
//! this site, so a crafted link cannot send someone who just signed in to another site.

use super::filters::DEFAULT_BOARD;
use super::url::{build_query, parse_query};

/// The sign-in page's path (`Route::Login`).
pub const LOGIN_PATH: &str = "/login";

/// `next` when it is a path inside this app other than the sign-in page itself, else None.
///
/// It must start with one `/`: `//host` and `/\host` are addresses on another site to a browser,
/// which also drops tabs and line breaks before reading a URL, so no control character or space
/// passes either.
pub fn safe_next(next: &str) -> Option<&str> {
    let rest = next.strip_prefix('/')?;
    if rest.starts_with(['/', '\\']) || next.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return None;
    }
    let (path, _) = split_target(next);
    if path.trim_end_matches('/') == LOGIN_PATH {
        return None;
    }
    Some(next)
}

/// The sign-in page's query for someone who was on `here` (path and query): `next=...`, or empty
/// when `here` is not worth returning to.
pub fn login_query(here: &str) -> String {
    match safe_next(here) {
        Some(next) if next != "/" => build_query([("next", next)]),
        _ => String::new(),
    }
}

/// The user's own board: the overview of their home unit, or of the default unit when their
/// jurisdiction is every unit (`home_unit` None, administrators).
pub fn home_board(home_unit: Option<&str>) -> String {
    let path = format!("/boards/{DEFAULT_BOARD}");
    match home_unit {
        Some(unit) => format!("{path}?{}", build_query([("unit", unit)])),
        None => path,
    }
}

/// Where to go after signing in on a page whose query is `login_query`: its `next` when safe, else
/// the home board.
pub fn landing(login_query: &str, home_unit: Option<&str>) -> String {
    parse_query(login_query)
        .into_iter()
        .find(|(key, _)| key == "next")
        .and_then(|(_, next)| safe_next(&next).map(str::to_string))
        .unwrap_or_else(|| home_board(home_unit))
}

/// A target's path and its query (without `?`); a `#fragment` is dropped.
pub fn split_target(target: &str) -> (&str, &str) {
    let target = target.split_once('#').map_or(target, |(before, _)| before);
    target.split_once('?').unwrap_or((target, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_path_on_this_site_is_followed() {
        assert_eq!(safe_next("/"), Some("/"));
        assert_eq!(
            safe_next("/boards/overview?unit=perm&kpi=a"),
            Some("/boards/overview?unit=perm&kpi=a")
        );
        assert_eq!(safe_next("/admin"), Some("/admin"));
        assert_eq!(safe_next("/loginx"), Some("/loginx"));
    }

    #[test]
    fn another_site_is_never_followed() {
        for next in [
            "",
            "boards/overview",
            "https://evil.example/",
            "//evil.example/x",
            "/\\evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "javascript:alert(1)",
        ] {
            assert_eq!(safe_next(next), None, "{next:?}");
        }
    }

    #[test]
    fn the_sign_in_page_is_not_a_place_to_return_to() {
        for next in ["/login", "/login/", "/login?next=/admin", "/login#top"] {
            assert_eq!(safe_next(next), None, "{next:?}");
        }
    }

    #[test]
    fn the_sign_in_query_carries_the_page_left_escaped() {
        assert_eq!(
            login_query("/boards/overview?unit=perm&grain=week"),
            "next=%2Fboards%2Foverview%3Funit%3Dperm%26grain%3Dweek"
        );
        assert_eq!(login_query("/"), "");
        assert_eq!(login_query("/login?next=/admin"), "");
    }

    #[test]
    fn signing_in_returns_to_next_and_reads_back_what_login_query_wrote() {
        let here = "/boards/overview?unit=perm&grain=week";
        assert_eq!(landing(&login_query(here), Some("krai")), here);
        assert_eq!(landing("?next=%2Fadmin", None), "/admin");
    }

    #[test]
    fn without_a_safe_next_signing_in_opens_the_home_board() {
        assert_eq!(landing("", Some("perm")), "/boards/overview?unit=perm");
        assert_eq!(
            landing("next=%2F%2Fevil.example", Some("perm")),
            "/boards/overview?unit=perm"
        );
        assert_eq!(landing("next=%2Flogin", None), "/boards/overview");
        assert_eq!(
            home_board(Some("mashhad district")),
            "/boards/overview?unit=mashhad%20district"
        );
    }

    #[test]
    fn a_target_splits_into_path_and_query() {
        assert_eq!(
            split_target("/boards/x?unit=perm#top"),
            ("/boards/x", "unit=perm")
        );
        assert_eq!(split_target("/admin"), ("/admin", ""));
        assert_eq!(split_target("/admin#users"), ("/admin", ""));
    }
}
