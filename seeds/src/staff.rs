//! The employees who answer a department's appeals, named as a registry names them
//! ("Surname I."), and which of them gave each first response.
//!
//! One employee of each department is slower than the others: a late first response goes to them
//! two times in five, so staff scorecards have a real difference to find beside the noise.

use crate::calendar::Country;
use crate::org::Unit;
use crate::rng::{tag, Rng};

const RUSSIAN: [&str; 24] = [
    "Ivanova",
    "Smirnov",
    "Kuznetsova",
    "Popov",
    "Vasilieva",
    "Petrov",
    "Sokolova",
    "Mikhailov",
    "Novikova",
    "Fedorov",
    "Morozova",
    "Volkov",
    "Alekseeva",
    "Lebedev",
    "Semenova",
    "Egorov",
    "Pavlova",
    "Kozlov",
    "Stepanova",
    "Nikolaev",
    "Orlova",
    "Andreev",
    "Makarova",
    "Zakharov",
];
const KAZAKH: [&str; 20] = [
    "Akhmetova",
    "Nurlanov",
    "Seitkali",
    "Zhumabekova",
    "Omarov",
    "Abdrakhmanova",
    "Tulegenov",
    "Sarsenbayeva",
    "Iskakov",
    "Baimukhanova",
    "Kassymov",
    "Yessenova",
    "Mukhtarov",
    "Serikbayeva",
    "Dauletov",
    "Zhakupova",
    "Rakhimov",
    "Bekova",
    "Ospanov",
    "Tokhtarova",
];
const PERSIAN: [&str; 20] = [
    "Ahmadi",
    "Hosseini",
    "Karimi",
    "Mohammadi",
    "Rezaei",
    "Moradi",
    "Jafari",
    "Rahimi",
    "Sadeghi",
    "Hashemi",
    "Ghasemi",
    "Najafi",
    "Kazemi",
    "Mousavi",
    "Salehi",
    "Ebrahimi",
    "Zamani",
    "Abbasi",
    "Rostami",
    "Nouri",
];
const INITIALS: &str = "ABDEGIKLMNORSTVZ";

/// The employees who answer `unit`'s appeals: two to six, by headcount; unique names.
pub fn employees(seed: u64, unit: &Unit) -> Vec<String> {
    let surnames: &[&str] = match unit.country {
        Country::Russia => &RUSSIAN,
        Country::Kazakhstan => &KAZAKH,
        Country::Iran => &PERSIAN,
    };
    let n = (unit.staff / 4).clamp(2, 6) as usize;
    let mut rng = Rng::stream(seed, &[tag::EMPLOYEES, unit.hash]);
    let mut names: Vec<String> = Vec::with_capacity(n);
    while names.len() < n {
        let surname = surnames[rng.below(surnames.len() as u64) as usize];
        let initial = INITIALS.as_bytes()[rng.below(INITIALS.len() as u64) as usize] as char;
        let name = format!("{surname} {initial}.");
        if !names.contains(&name) {
            names.push(name);
        }
    }
    names
}

/// Which of `staff` gave the first response to an appeal; `late` if it came after the deadline.
/// The draw is keyed by the appeal itself, so it does not move any other draw of the seed.
pub fn answered_by<'a>(
    seed: u64,
    unit: &Unit,
    appeal: u64,
    late: bool,
    staff: &'a [String],
) -> &'a str {
    let mut rng = Rng::stream(seed, &[tag::ANSWERED_BY, unit.hash, appeal]);
    if late && rng.chance(0.4) {
        return &staff[0];
    }
    &staff[rng.below(staff.len() as u64) as usize]
}
