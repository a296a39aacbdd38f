//! The org tree as the pickers show it: indented in tree order, and the path from the root down.

use kpi_api::Unit;

/// Every unit with its depth, each parent followed by its subtree (siblings keep the server's order).
/// A unit whose parent is missing from the list is shown as a root rather than hidden.
pub fn tree_order(units: &[Unit]) -> Vec<(usize, &Unit)> {
    let known = |id: &str| units.iter().any(|u| u.id == id);
    let mut out = Vec::with_capacity(units.len());
    let mut stack: Vec<(usize, &Unit)> = units
        .iter()
        .filter(|u| u.parent_id.as_deref().is_none_or(|p| !known(p)))
        .rev()
        .map(|u| (0, u))
        .collect();
    while let Some((depth, unit)) = stack.pop() {
        // A cycle in bad data must not loop forever.
        if out
            .iter()
            .any(|(_, seen): &(usize, &Unit)| seen.id == unit.id)
        {
            continue;
        }
        out.push((depth, unit));
        stack.extend(
            units
                .iter()
                .filter(|u| u.parent_id.as_deref() == Some(unit.id.as_str()))
                .rev()
                .map(|u| (depth + 1, u)),
        );
    }
    out
}

/// The units from the root down to `id` (inclusive); empty when `id` is unknown.
pub fn path_to<'a>(units: &'a [Unit], id: &str) -> Vec<&'a Unit> {
    let mut path = Vec::new();
    let mut current = units.iter().find(|u| u.id == id);
    while let Some(unit) = current {
        if path.iter().any(|seen: &&Unit| seen.id == unit.id) {
            break;
        }
        path.push(unit);
        current = unit
            .parent_id
            .as_deref()
            .and_then(|parent| units.iter().find(|u| u.id == parent));
    }
    path.reverse();
    path
}

/// A unit's name as a list of units from several parents shows it: a department with its
/// parent's name first (`Abay district · Housing department`), since many departments share
/// theirs; other units by their own name; an unknown id as it is.
pub fn qualified_name(units: &[Unit], id: &str) -> String {
    let Some(unit) = units.iter().find(|u| u.id == id) else {
        return id.to_string();
    };
    let parent = unit
        .parent_id
        .as_ref()
        .and_then(|p| units.iter().find(|u| &u.id == p));
    match (unit.kind, parent) {
        (kpi_api::UnitKind::Department, Some(parent)) => {
            format!("{} · {}", parent.name, unit.name)
        }
        _ => unit.name.clone(),
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
            name: id.to_uppercase(),
            population: None,
            local_name: None,
        }
    }

    fn ids(order: &[(usize, &Unit)]) -> Vec<(usize, String)> {
        order.iter().map(|(d, u)| (*d, u.id.clone())).collect()
    }

    #[test]
    fn children_follow_their_parent_even_when_listed_level_by_level() {
        let units = vec![
            unit("krai", None),
            unit("other", None),
            unit("perm", Some("krai")),
            unit("kungur", Some("krai")),
            unit("perm-1", Some("perm")),
        ];
        assert_eq!(
            ids(&tree_order(&units)),
            vec![
                (0, "krai".to_string()),
                (1, "perm".to_string()),
                (2, "perm-1".to_string()),
                (1, "kungur".to_string()),
                (0, "other".to_string()),
            ]
        );
    }

    #[test]
    fn a_unit_with_an_unknown_parent_shows_as_a_root() {
        let units = vec![unit("perm", Some("hidden")), unit("perm-1", Some("perm"))];
        assert_eq!(
            ids(&tree_order(&units)),
            vec![(0, "perm".to_string()), (1, "perm-1".to_string())]
        );
    }

    #[test]
    fn a_path_runs_from_the_root_down_to_the_unit() {
        let units = vec![
            unit("krai", None),
            unit("perm", Some("krai")),
            unit("perm-1", Some("perm")),
        ];
        let path: Vec<&str> = path_to(&units, "perm-1")
            .iter()
            .map(|u| u.id.as_str())
            .collect();
        assert_eq!(path, vec!["krai", "perm", "perm-1"]);
        assert!(path_to(&units, "nowhere").is_empty());
    }

    #[test]
    fn a_cycle_in_the_data_does_not_hang() {
        let units = vec![unit("a", Some("b")), unit("b", Some("a"))];
        assert_eq!(path_to(&units, "a").len(), 2);
        assert!(tree_order(&units).is_empty());
    }

    #[test]
    fn a_department_carries_its_parents_name_and_others_their_own() {
        let named = |id: &str, parent: Option<&str>, kind: UnitKind, name: &str| Unit {
            kind,
            name: name.into(),
            ..unit(id, parent)
        };
        let units = [
            named("c", None, UnitKind::City, "City"),
            named("d1", Some("c"), UnitKind::District, "District 1"),
            named(
                "d1-h",
                Some("d1"),
                UnitKind::Department,
                "Housing department",
            ),
        ];
        assert_eq!(
            qualified_name(&units, "d1-h"),
            "District 1 · Housing department"
        );
        assert_eq!(qualified_name(&units, "d1"), "District 1");
        assert_eq!(qualified_name(&units, "gone"), "gone");
    }
}
