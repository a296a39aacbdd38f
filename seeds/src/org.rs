//! The org tree: regions, cities, districts and their departments, with the populations and
//! rates that drive volumes, and the programme (planted effect) each department belongs to.

use crate::calendar::Country;
use crate::rng::{fnv1a, tag, Rng};

/// Appeals per resident per year (at scale 1): ~1.0 M appeals over three years in total.
pub const APPEALS_PER_RESIDENT: f64 = 0.053;
/// Service cases per resident per year (at scale 1).
pub const SERVICES_PER_RESIDENT: f64 = 0.025;
/// Share of Shymkent's volume handled by the city hall (akimat) departments.
const SHYMKENT_AKIMAT_SHARE: f64 = 0.30;

pub const CATEGORIES: [&str; 7] = kpi_api::vocab::APPEAL_CATEGORIES;

pub const SERVICES: [&str; 6] = [
    "residence-registration",
    "building-permit",
    "land-plot",
    "housing-queue",
    "social-benefit",
    "trade-permit",
];
const RESIDENCE: usize = 0;
pub const BUILDING: usize = 1;
pub const LAND: usize = 2;
const QUEUE: usize = 3;
const BENEFIT: usize = 4;
const TRADE: usize = 5;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Region,
    City,
    District,
    Department,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Region => "region",
            Kind::City => "city",
            Kind::District => "district",
            Kind::Department => "department",
        }
    }
}

/// Which planted effect a department takes part in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Program {
    None,
    /// A department of Perm city (effect 3).
    PermCity,
    /// A department of Mashhad district n (effect 2).
    Mashhad(u8),
    /// A department of a Krasnodar Krai municipality (effect 4).
    Krasnodar,
    /// A Shymkent akimat department moved to open space on 2019-04-01 (effect 1).
    ShymkentTreated,
    /// A comparable Shymkent akimat department that did not move (effect 1).
    ShymkentComparison,
}

/// A kind of department: what it is asked about and which public services it delivers.
pub struct DeptKind {
    pub slug: &'static str,
    pub name: &'static str,
    /// Relative share of its locality's appeals.
    pub appeal_weight: f64,
    /// Category mix of its appeals, in [`CATEGORIES`] order.
    pub categories: [f64; 7],
    /// Services it delivers (index into [`SERVICES`], weight).
    pub services: &'static [(usize, f64)],
    /// Relative share of its locality's service cases.
    pub service_weight: f64,
    /// Typical headcount in a locality of 150,000 residents.
    pub staff: f64,
}

const fn dk(
    slug: &'static str,
    name: &'static str,
    appeal_weight: f64,
    categories: [f64; 7],
    services: &'static [(usize, f64)],
    service_weight: f64,
    staff: f64,
) -> DeptKind {
    DeptKind {
        slug,
        name,
        appeal_weight,
        categories,
        services,
        service_weight,
        staff,
    }
}

// Russian and Kazakh district / small-city departments.
static HOUSING: DeptKind = dk(
    "housing",
    "Housing and utilities department",
    0.34,
    [0.78, 0.0, 0.08, 0.0, 0.0, 0.0, 0.14],
    &[(QUEUE, 0.55), (RESIDENCE, 0.45)],
    0.35,
    24.0,
);
static ROADS: DeptKind = dk(
    "roads",
    "Roads and transport department",
    0.16,
    [0.0, 0.60, 0.05, 0.27, 0.0, 0.0, 0.08],
    &[],
    0.0,
    16.0,
);
static IMPROVEMENT: DeptKind = dk(
    "improvement",
    "Urban improvement department",
    0.22,
    [0.04, 0.10, 0.76, 0.0, 0.0, 0.0, 0.10],
    &[],
    0.0,
    18.0,
);
static SOCIAL: DeptKind = dk(
    "social",
    "Social policy department",
    0.12,
    [0.05, 0.0, 0.0, 0.0, 0.83, 0.0, 0.12],
    &[(BENEFIT, 1.0)],
    0.35,
    20.0,
);
static PERMITS: DeptKind = dk(
    "permits",
    "Architecture and permits department",
    0.09,
    [0.0, 0.0, 0.12, 0.0, 0.0, 0.74, 0.14],
    &[(BUILDING, 0.55), (LAND, 0.45)],
    0.30,
    14.0,
);

// Iranian district municipality departments.
static URBAN_PLANNING: DeptKind = dk(
    "urban-planning",
    "Urban planning and architecture department",
    0.25,
    [0.05, 0.0, 0.05, 0.0, 0.0, 0.75, 0.15],
    &[(BUILDING, 0.7), (LAND, 0.3)],
    0.65,
    22.0,
);
static SERVICES_IR: DeptKind = dk(
    "services",
    "Urban services department",
    0.40,
    [0.05, 0.20, 0.60, 0.0, 0.0, 0.0, 0.15],
    &[(TRADE, 1.0)],
    0.15,
    30.0,
);
static TRANSPORT_IR: DeptKind = dk(
    "transport",
    "Transport and traffic department",
    0.20,
    [0.0, 0.35, 0.0, 0.55, 0.0, 0.0, 0.10],
    &[],
    0.0,
    14.0,
);
static SOCIAL_IR: DeptKind = dk(
    "social",
    "Social and cultural affairs department",
    0.15,
    [0.0, 0.0, 0.05, 0.0, 0.80, 0.0, 0.15],
    &[(BENEFIT, 1.0)],
    0.20,
    16.0,
);

// Shymkent city hall (akimat): five departments that move to open space on 2019-04-01 ...
static SHYMKENT_TREATED: [DeptKind; 5] = [
    dk(
        "entrepreneurship",
        "Entrepreneurship and industrial development department",
        1.2,
        [0.0, 0.0, 0.05, 0.0, 0.0, 0.45, 0.50],
        &[(TRADE, 1.0)],
        0.8,
        42.0,
    ),
    dk(
        "economy",
        "Economy and budget planning department",
        0.8,
        [0.05, 0.0, 0.0, 0.0, 0.20, 0.15, 0.60],
        &[],
        0.0,
        38.0,
    ),
    dk(
        "agriculture",
        "Agriculture and veterinary department",
        0.8,
        [0.0, 0.0, 0.10, 0.0, 0.0, 0.30, 0.60],
        &[(LAND, 1.0)],
        0.5,
        36.0,
    ),
    dk(
        "industry",
        "Industry and innovation department",
        0.7,
        [0.0, 0.0, 0.0, 0.0, 0.0, 0.40, 0.60],
        &[(TRADE, 1.0)],
        0.4,
        30.0,
    ),
    dk(
        "tourism",
        "Tourism department",
        0.5,
        [0.0, 0.0, 0.30, 0.05, 0.0, 0.15, 0.50],
        &[(TRADE, 1.0)],
        0.3,
        22.0,
    ),
];
// ... and five comparable ones that stay in offices.
static SHYMKENT_COMPARISON: [DeptKind; 5] = [
    dk(
        "housing",
        "Housing and utilities department",
        1.5,
        [0.85, 0.0, 0.05, 0.0, 0.0, 0.0, 0.10],
        &[(QUEUE, 0.6), (RESIDENCE, 0.4)],
        1.0,
        48.0,
    ),
    dk(
        "construction",
        "Construction department",
        1.0,
        [0.20, 0.05, 0.05, 0.0, 0.0, 0.45, 0.25],
        &[(BUILDING, 1.0)],
        0.7,
        40.0,
    ),
    dk(
        "land",
        "Land relations department",
        1.2,
        [0.0, 0.0, 0.05, 0.0, 0.0, 0.60, 0.35],
        &[(LAND, 1.0)],
        0.9,
        36.0,
    ),
    dk(
        "architecture",
        "Architecture and urban planning department",
        1.0,
        [0.0, 0.0, 0.20, 0.0, 0.0, 0.65, 0.15],
        &[(BUILDING, 1.0)],
        0.7,
        34.0,
    ),
    dk(
        "transport",
        "Passenger transport and roads department",
        1.2,
        [0.0, 0.35, 0.0, 0.55, 0.0, 0.0, 0.10],
        &[],
        0.0,
        32.0,
    ),
];

/// One row of org_units.csv plus what the generator needs to know about it.
pub struct Unit {
    pub id: String,
    pub parent: Option<usize>,
    pub kind: Kind,
    pub name: String,
    pub population: Option<u64>,
    pub country: Country,
    /// Index of the city this unit belongs to (itself for a city); regions point to themselves.
    pub city: usize,
    pub program: Program,
    pub dept: Option<&'static DeptKind>,
    /// Expected appeals per year at scale 1 (departments only).
    pub appeals_per_year: f64,
    /// Expected service cases per year at scale 1 (departments only).
    pub services_per_year: f64,
    /// Headcount at the start of 2019 (departments only).
    pub staff: u32,
    /// Stable hash of the id: the key of every random stream of this unit.
    pub hash: u64,
}

impl Unit {
    pub fn is_leaf(&self) -> bool {
        self.kind == Kind::Department
    }
}

pub struct OrgTree {
    pub units: Vec<Unit>,
}

impl OrgTree {
    /// Indices of the leaf departments, in tree order.
    pub fn leaves(&self) -> Vec<usize> {
        (0..self.units.len())
            .filter(|&i| self.units[i].is_leaf())
            .collect()
    }
}

struct Builder {
    units: Vec<Unit>,
    seed: u64,
}

impl Builder {
    fn add(
        &mut self,
        id: &str,
        parent: Option<usize>,
        kind: Kind,
        name: &str,
        population: u64,
        country: Country,
    ) -> usize {
        let idx = self.units.len();
        let city = match (kind, parent) {
            (Kind::City, _) | (Kind::Region, _) | (_, None) => idx,
            (_, Some(p)) => self.units[p].city,
        };
        self.units.push(Unit {
            id: id.to_string(),
            parent,
            kind,
            name: name.to_string(),
            population: Some(population),
            country,
            city,
            program: Program::None,
            dept: None,
            appeals_per_year: 0.0,
            services_per_year: 0.0,
            staff: 0,
            hash: fnv1a(id),
        });
        idx
    }

    /// Adds departments of `kinds` under `parent`, splitting the locality's yearly volumes
    /// (appeals, service cases) by the kinds' weights.
    fn add_depts(
        &mut self,
        parent: usize,
        kinds: &[&'static DeptKind],
        volume_population: f64,
        staff_size: f64,
        program: Program,
    ) {
        let aw: f64 = kinds.iter().map(|k| k.appeal_weight).sum();
        let sw: f64 = kinds.iter().map(|k| k.service_weight).sum();
        for &k in kinds {
            let id = format!("{}-{}", self.units[parent].id, k.slug);
            let idx = self.units.len();
            let country = self.units[parent].country;
            self.add(&id, Some(parent), Kind::Department, k.name, 0, country);
            let hash = self.units[idx].hash;
            let mut rng = Rng::stream(self.seed, &[tag::UNIT_PARAMS, hash, 0]);
            let u = &mut self.units[idx];
            u.population = None;
            u.dept = Some(k);
            u.program = program;
            u.appeals_per_year = volume_population * APPEALS_PER_RESIDENT * k.appeal_weight / aw;
            u.services_per_year = if sw > 0.0 {
                volume_population * SERVICES_PER_RESIDENT * k.service_weight / sw
            } else {
                0.0
            };
            u.staff = (k.staff * staff_size * rng.range(0.85, 1.15))
                .round()
                .max(3.0) as u32;
        }
    }
}

/// Headcount multiplier for a locality of `pop` residents.
fn staff_size(pop: u64) -> f64 {
    (pop as f64 / 150_000.0).sqrt().clamp(0.6, 1.8)
}

fn ru_district_depts(pop: u64) -> Vec<&'static DeptKind> {
    if pop >= 150_000 {
        vec![&HOUSING, &ROADS, &IMPROVEMENT, &SOCIAL, &PERMITS]
    } else if pop >= 100_000 {
        vec![&HOUSING, &IMPROVEMENT, &SOCIAL, &PERMITS]
    } else {
        vec![&HOUSING, &IMPROVEMENT, &PERMITS]
    }
}

fn small_city_depts(pop: u64) -> Vec<&'static DeptKind> {
    if pop >= 57_000 {
        vec![&HOUSING, &ROADS, &IMPROVEMENT, &SOCIAL, &PERMITS]
    } else {
        vec![&HOUSING, &IMPROVEMENT, &SOCIAL, &PERMITS]
    }
}

fn kz_district_depts(pop: u64) -> Vec<&'static DeptKind> {
    if pop >= 200_000 {
        vec![&HOUSING, &ROADS, &IMPROVEMENT, &SOCIAL, &PERMITS]
    } else {
        vec![&HOUSING, &IMPROVEMENT, &SOCIAL, &PERMITS]
    }
}

fn ir_district_depts(pop: u64, big: u64) -> Vec<&'static DeptKind> {
    if pop >= big {
        vec![&URBAN_PLANNING, &SERVICES_IR, &TRANSPORT_IR, &SOCIAL_IR]
    } else {
        vec![&URBAN_PLANNING, &SERVICES_IR, &SOCIAL_IR]
    }
}

/// The whole tree, parents before children.
pub fn build(seed: u64) -> OrgTree {
    use Country::*;
    use Kind::*;
    let mut b = Builder {
        units: Vec::new(),
        seed,
    };

    // Perm Krai: Perm with seven districts, plus Berezniki and Solikamsk.
    let krai = b.add("perm-krai", None, Region, "Perm Krai", 2_600_000, Russia);
    let perm = b.add("perm", Some(krai), City, "Perm", 1_050_000, Russia);
    for (slug, name, pop) in [
        ("dzerzhinsky", "Dzerzhinsky district", 160_000),
        ("industrialny", "Industrialny district", 165_000),
        ("kirovsky", "Kirovsky district", 126_000),
        ("leninsky", "Leninsky district", 57_000),
        ("motovilikhinsky", "Motovilikhinsky district", 185_000),
        ("ordzhonikidzevsky", "Ordzhonikidzevsky district", 120_000),
        ("sverdlovsky", "Sverdlovsky district", 237_000),
    ] {
        let d = b.add(
            &format!("perm-{slug}"),
            Some(perm),
            District,
            name,
            pop,
            Russia,
        );
        b.add_depts(
            d,
            &ru_district_depts(pop),
            pop as f64,
            staff_size(pop),
            Program::PermCity,
        );
    }
    for (slug, name, pop) in [
        ("berezniki", "Berezniki", 140_000),
        ("solikamsk", "Solikamsk", 92_000),
    ] {
        let c = b.add(slug, Some(krai), City, name, pop, Russia);
        b.add_depts(
            c,
            &small_city_depts(pop),
            pop as f64,
            staff_size(pop),
            Program::None,
        );
    }

    // Shymkent: a city of republican significance (no region above it).
    let shymkent_pop = 1_000_000;
    let shymkent = b.add("shymkent", None, City, "Shymkent", shymkent_pop, Kazakhstan);
    for (slug, name, pop) in [
        ("abay", "Abay district", 280_000),
        ("al-farabi", "Al-Farabi district", 190_000),
        ("enbekshi", "Enbekshi district", 260_000),
        ("karatau", "Karatau district", 180_000),
        ("turan", "Turan district", 90_000),
    ] {
        let d = b.add(
            &format!("shymkent-{slug}"),
            Some(shymkent),
            District,
            name,
            pop,
            Kazakhstan,
        );
        b.add_depts(
            d,
            &kz_district_depts(pop),
            pop as f64 * (1.0 - SHYMKENT_AKIMAT_SHARE),
            staff_size(pop),
            Program::None,
        );
    }
    // The akimat's ten departments share one volume; split it between the two groups first.
    let akimat = shymkent_pop as f64 * SHYMKENT_AKIMAT_SHARE;
    let wt: f64 = SHYMKENT_TREATED.iter().map(|k| k.appeal_weight).sum();
    let wc: f64 = SHYMKENT_COMPARISON.iter().map(|k| k.appeal_weight).sum();
    let treated: Vec<&'static DeptKind> = SHYMKENT_TREATED.iter().collect();
    let comparison: Vec<&'static DeptKind> = SHYMKENT_COMPARISON.iter().collect();
    b.add_depts(
        shymkent,
        &treated,
        akimat * wt / (wt + wc),
        1.0,
        Program::ShymkentTreated,
    );
    b.add_depts(
        shymkent,
        &comparison,
        akimat * wc / (wt + wc),
        1.0,
        Program::ShymkentComparison,
    );

    // Razavi Khorasan: Mashhad with 13 districts.
    let razavi = b.add(
        "razavi-khorasan",
        None,
        Region,
        "Razavi Khorasan Province",
        6_430_000,
        Iran,
    );
    let mashhad = b.add("mashhad", Some(razavi), City, "Mashhad", 3_000_000, Iran);
    let mashhad_pops: [u64; 13] = [
        210_000, 450_000, 380_000, 270_000, 170_000, 250_000, 290_000, 100_000, 330_000, 250_000,
        190_000, 60_000, 50_000,
    ];
    for (i, &pop) in mashhad_pops.iter().enumerate() {
        let n = i + 1;
        let d = b.add(
            &format!("mashhad-district-{n}"),
            Some(mashhad),
            District,
            &format!("District {n}"),
            pop,
            Iran,
        );
        b.add_depts(
            d,
            &ir_district_depts(pop, 250_000),
            pop as f64,
            staff_size(pop),
            Program::Mashhad(n as u8),
        );
    }

    // Gilan: Rasht with 5 districts.
    let gilan = b.add("gilan", None, Region, "Gilan Province", 2_530_000, Iran);
    let rasht = b.add("rasht", Some(gilan), City, "Rasht", 680_000, Iran);
    for (i, &pop) in [150_000u64, 160_000, 130_000, 140_000, 100_000]
        .iter()
        .enumerate()
    {
        let n = i + 1;
        let d = b.add(
            &format!("rasht-district-{n}"),
            Some(rasht),
            District,
            &format!("District {n}"),
            pop,
            Iran,
        );
        b.add_depts(
            d,
            &ir_district_depts(pop, 140_000),
            pop as f64,
            staff_size(pop),
            Program::None,
        );
    }

    // Krasnodar Krai: five municipalities of the Central economic zone.
    let kuban = b.add(
        "krasnodar-krai",
        None,
        Region,
        "Krasnodar Krai",
        5_650_000,
        Russia,
    );
    for (slug, name, pop) in [
        ("timashevsk", "Timashevsk", 53_000),
        ("belorechensk", "Belorechensk", 53_000),
        ("krymsk", "Krymsk", 57_000),
        ("labinsk", "Labinsk", 61_000),
        ("tikhoretsk", "Tikhoretsk", 59_000),
    ] {
        let c = b.add(slug, Some(kuban), City, name, pop, Russia);
        b.add_depts(
            c,
            &small_city_depts(pop),
            pop as f64,
            staff_size(pop),
            Program::Krasnodar,
        );
    }

    // A region's population is that of the cities in the tree: the data covers only them, so a
    // per-resident KPI for the region must divide by their residents, as its cities' KPIs do.
    let mut units = b.units;
    for i in 0..units.len() {
        if units[i].kind == Region {
            let sum: u64 = units
                .iter()
                .filter(|u| u.parent == Some(i))
                .filter_map(|u| u.population)
                .sum();
            units[i].population = Some(sum);
        }
    }
    OrgTree { units }
}
