//! Each unit's name in its own language: Russian for Russia and Kazakhstan (Пермь, Шымкент),
//! Persian for Iran (مشهد, رشت). The English name stays the unit's `name`.

use crate::calendar::Country;
use crate::org::{Kind, Unit};

/// Regions, cities and named districts, by id.
const PLACES: &[(&str, &str)] = &[
    ("perm-krai", "Пермский край"),
    ("perm", "Пермь"),
    ("perm-dzerzhinsky", "Дзержинский район"),
    ("perm-industrialny", "Индустриальный район"),
    ("perm-kirovsky", "Кировский район"),
    ("perm-leninsky", "Ленинский район"),
    ("perm-motovilikhinsky", "Мотовилихинский район"),
    ("perm-ordzhonikidzevsky", "Орджоникидзевский район"),
    ("perm-sverdlovsky", "Свердловский район"),
    ("berezniki", "Березники"),
    ("solikamsk", "Соликамск"),
    ("shymkent", "Шымкент"),
    ("shymkent-abay", "Абайский район"),
    ("shymkent-al-farabi", "Аль-Фарабийский район"),
    ("shymkent-enbekshi", "Енбекшинский район"),
    ("shymkent-karatau", "Каратауский район"),
    ("shymkent-turan", "Туранский район"),
    ("razavi-khorasan", "استان خراسان رضوی"),
    ("mashhad", "مشهد"),
    ("gilan", "استان گیلان"),
    ("rasht", "رشت"),
    ("krasnodar-krai", "Краснодарский край"),
    ("timashevsk", "Тимашевск"),
    ("belorechensk", "Белореченск"),
    ("krymsk", "Крымск"),
    ("labinsk", "Лабинск"),
    ("tikhoretsk", "Тихорецк"),
];

/// Departments, by their English name.
const DEPARTMENTS: &[(&str, &str)] = &[
    (
        "Agriculture and veterinary department",
        "Отдел сельского хозяйства и ветеринарии",
    ),
    (
        "Architecture and permits department",
        "Отдел архитектуры и разрешений",
    ),
    (
        "Architecture and urban planning department",
        "Отдел архитектуры и градостроительства",
    ),
    ("Construction department", "Отдел строительства"),
    (
        "Economy and budget planning department",
        "Отдел экономики и бюджетного планирования",
    ),
    (
        "Entrepreneurship and industrial development department",
        "Отдел предпринимательства и индустриального развития",
    ),
    (
        "Housing and utilities department",
        "Отдел жилищно-коммунального хозяйства",
    ),
    (
        "Industry and innovation department",
        "Отдел промышленности и инноваций",
    ),
    ("Land relations department", "Отдел земельных отношений"),
    (
        "Passenger transport and roads department",
        "Отдел пассажирского транспорта и автомобильных дорог",
    ),
    ("Roads and transport department", "Отдел дорог и транспорта"),
    ("Social policy department", "Отдел социальной политики"),
    ("Tourism department", "Отдел туризма"),
    ("Urban improvement department", "Отдел благоустройства"),
    (
        "Urban planning and architecture department",
        "معاونت شهرسازی و معماری",
    ),
    ("Urban services department", "معاونت خدمات شهری"),
    (
        "Transport and traffic department",
        "معاونت حمل و نقل و ترافیک",
    ),
    (
        "Social and cultural affairs department",
        "معاونت فرهنگی و اجتماعی",
    ),
];

/// `unit`'s name in its own language; None where none is known.
pub fn local_name(unit: &Unit) -> Option<String> {
    if let Some((_, name)) = PLACES.iter().find(|(id, _)| *id == unit.id) {
        return Some(name.to_string());
    }
    match unit.kind {
        Kind::Department => DEPARTMENTS
            .iter()
            .find(|(english, _)| *english == unit.name)
            .map(|(_, local)| local.to_string()),
        // Iran's numbered districts: "District 8" is منطقه ۸.
        Kind::District if unit.country == Country::Iran => {
            let n = unit.name.strip_prefix("District ")?;
            let digits: String = n
                .chars()
                .map(|c| match c.to_digit(10) {
                    Some(d) => char::from_u32(0x06F0 + d).unwrap_or(c),
                    None => c,
                })
                .collect();
            Some(format!("منطقه {digits}"))
        }
        _ => None,
    }
}
