//! Live boards: the server numbers each load of the KPI files (`KpiList::version`), and an open
//! board that sees the number move fetches itself again, so an added or edited KPI shows without
//! a reload of the page.

/// How often an open board asks for the KPI list's version, in milliseconds. The server notices a
/// changed file within about 0.6 s, so a change shows within two seconds.
pub const POLL_MILLIS: u32 = 1_000;

/// What one answer's version says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Seen {
    /// The first version this page has seen: the starting point.
    First,
    /// The same version as before: nothing changed.
    Same,
    /// Another version than before: the files were loaded again.
    Moved,
}

/// The versions a page has seen, and how many times the version moved since the first one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct VersionWatch {
    last: Option<u64>,
    reloads: u64,
}

impl VersionWatch {
    /// Notes the version an answer carried and says whether it moved.
    pub fn observe(&mut self, version: u64) -> Seen {
        let seen = match self.last.replace(version) {
            None => Seen::First,
            Some(last) if last == version => Seen::Same,
            Some(_) => Seen::Moved,
        };
        if seen == Seen::Moved {
            self.reloads += 1;
        }
        seen
    }

    /// How many times the version has moved since the first one seen.
    pub fn reloads(&self) -> u64 {
        self.reloads
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_version_seen_is_no_reload() {
        let mut watch = VersionWatch::default();
        assert_eq!(watch.observe(7), Seen::First);
        assert_eq!(watch.observe(7), Seen::Same);
        assert_eq!(watch.reloads(), 0);
    }

    #[test]
    fn each_move_of_the_version_counts_once() {
        let mut watch = VersionWatch::default();
        watch.observe(7);
        assert_eq!(watch.observe(8), Seen::Moved);
        assert_eq!(watch.observe(8), Seen::Same);
        assert_eq!(watch.observe(9), Seen::Moved);
        // A server restarted from zero has loaded the files again too.
        assert_eq!(watch.observe(0), Seen::Moved);
        assert_eq!(watch.reloads(), 3);
    }
}
