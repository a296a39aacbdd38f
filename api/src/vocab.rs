//! The closed vocabularies of the exports: what a channel, category, outcome or unit kind may be.
//! The importer checks against these, and the seed generator writes only these.

/// How a resident's appeal arrived.
pub const APPEAL_CHANNELS: [&str; 6] = [
    "portal",
    "feedback_platform",
    "social_network",
    "phone",
    "reception",
    "one_stop_centre",
];

/// What an appeal is about.
pub const APPEAL_CATEGORIES: [&str; 7] = [
    "housing",
    "roads",
    "improvement",
    "transport",
    "social",
    "permits",
    "other",
];

/// How a public-service application was submitted.
pub const SERVICE_CHANNELS: [&str; 3] = ["electronic", "one_stop_centre", "paper"];

/// How a public-service case ended (`pending` while it has not).
pub const SERVICE_OUTCOMES: [&str; 4] = ["granted", "refused", "withdrawn", "pending"];

/// The levels of the org tree.
pub const UNIT_KINDS: [&str; 4] = ["region", "city", "district", "department"];
