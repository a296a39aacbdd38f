//! Sentences that carry values, and the names of the API's enums, in each language. Every
//! `match` on [`Lang`] names all three languages: no wildcard, so a language missing here does
//! not compile. Numbers inside a sentence go through [`super::format`] (Persian digits), days
//! through [`super::dates`].

use chrono::NaiveDate;
use kpi_api::evaluation::{Scoring, Subjects};
use kpi_api::{Direction, Forecast, Grain, Measure, Outlook, Role, Status, UnitKind, UserRole};

use super::dates::{date_label, range_label, timestamp_label};
use super::format;
use super::{lang, t, Lang, Text};

/// The Russian form of a noun after the number `n`: `one` after 1, 21, 101 (строка), `few` after
/// 2–4, 22–24 (строки), `many` after 0, 5–20, 25–30, 111 (строк).
fn ru_plural<'a>(n: u64, one: &'a str, few: &'a str, many: &'a str) -> &'a str {
    let (last, last_two) = (n % 10, n % 100);
    if last == 1 && last_two != 11 {
        one
    } else if (2..=4).contains(&last) && !(12..=14).contains(&last_two) {
        few
    } else {
        many
    }
}

/// How a grain is offered in the picker.
pub fn grain_name(grain: Grain) -> &'static str {
    match lang() {
        Lang::En => match grain {
            Grain::Week => "Weekly",
            Grain::Month => "Monthly",
            Grain::Quarter => "Quarterly",
            Grain::Year => "Yearly",
        },
        Lang::Ru => match grain {
            Grain::Week => "По неделям",
            Grain::Month => "По месяцам",
            Grain::Quarter => "По кварталам",
            Grain::Year => "По годам",
        },
        Lang::Fa => match grain {
            Grain::Week => "هفتگی",
            Grain::Month => "ماهانه",
            Grain::Quarter => "سه‌ماهه",
            Grain::Year => "سالانه",
        },
    }
}

/// What a status marker means, for its tooltip and screen readers.
pub fn status_name(status: Status) -> &'static str {
    match lang() {
        Lang::En => match status {
            Status::Green => "On target",
            Status::Amber => "Close to target",
            Status::Red => "Off target",
            Status::None => "No status",
        },
        Lang::Ru => match status {
            Status::Green => "В норме",
            Status::Amber => "Близко к цели",
            Status::Red => "Не в норме",
            Status::None => "Без статуса",
        },
        Lang::Fa => match status {
            Status::Green => "در حد هدف",
            Status::Amber => "نزدیک به هدف",
            Status::Red => "دور از هدف",
            Status::None => "بدون وضعیت",
        },
    }
}

/// The level of a unit in the tree.
pub fn kind_name(kind: UnitKind) -> &'static str {
    match lang() {
        Lang::En => match kind {
            UnitKind::Region => "Region",
            UnitKind::City => "City",
            UnitKind::District => "District",
            UnitKind::Department => "Department",
        },
        Lang::Ru => match kind {
            UnitKind::Region => "Регион",
            UnitKind::City => "Город",
            UnitKind::District => "Район",
            UnitKind::Department => "Отдел",
        },
        Lang::Fa => match kind {
            UnitKind::Region => "استان",
            UnitKind::City => "شهر",
            UnitKind::District => "منطقه",
            UnitKind::Department => "اداره",
        },
    }
}

/// What a user may do, as their badge and the users table name it.
pub fn role_name(role: UserRole) -> &'static str {
    match lang() {
        Lang::En => match role {
            UserRole::Governor => "Governor",
            UserRole::Mayor => "Mayor",
            UserRole::DepartmentHead => "Department head",
            UserRole::Analyst => "Analyst",
            UserRole::Admin => "Administrator",
        },
        Lang::Ru => match role {
            UserRole::Governor => "Губернатор",
            UserRole::Mayor => "Мэр",
            UserRole::DepartmentHead => "Руководитель отдела",
            UserRole::Analyst => "Аналитик",
            UserRole::Admin => "Администратор",
        },
        Lang::Fa => match role {
            UserRole::Governor => "استاندار",
            UserRole::Mayor => "شهردار",
            UserRole::DepartmentHead => "مدیر اداره",
            UserRole::Analyst => "تحلیلگر",
            UserRole::Admin => "مدیر سامانه",
        },
    }
}

/// An audit entry's action (`GET /api/audit`) for people; an action this app does not know yet is
/// shown as the server wrote it.
pub fn audit_action_name(action: &str) -> String {
    let known = match lang() {
        Lang::En => match action {
            "login" => Some("Signed in"),
            "login_failed" => Some("Sign-in failed"),
            "login_refused" => Some("Sign-in refused: too many attempts"),
            "logout" => Some("Signed out"),
            "import" => Some("Imported an export"),
            "import_failed" => Some("Import failed"),
            "user_added" => Some("Added a user"),
            "password_reset" => Some("Set a password"),
            "queries_loaded" => Some("Loaded the KPI definitions"),
            "query_run" => Some("Ran a query"),
            "query_refused" => Some("Query refused"),
            "kpi_saved" => Some("Saved a KPI in the editor"),
            "kpi_refused" => Some("KPI refused: it does not load"),
            _ => None,
        },
        Lang::Ru => match action {
            "login" => Some("Вход в систему"),
            "login_failed" => Some("Неудачная попытка входа"),
            "login_refused" => Some("Вход отклонён: слишком много попыток"),
            "logout" => Some("Выход из системы"),
            "import" => Some("Импорт выгрузки"),
            "import_failed" => Some("Ошибка импорта"),
            "user_added" => Some("Добавлен пользователь"),
            "password_reset" => Some("Задан пароль"),
            "queries_loaded" => Some("Загружены описания показателей"),
            "query_run" => Some("Выполнен запрос"),
            "query_refused" => Some("Запрос отклонён"),
            "kpi_saved" => Some("Показатель сохранён в редакторе"),
            "kpi_refused" => Some("Показатель отклонён: он не загружается"),
            _ => None,
        },
        Lang::Fa => match action {
            "login" => Some("ورود به سامانه"),
            "login_failed" => Some("ورود ناموفق"),
            "login_refused" => Some("ورود رد شد: تلاش‌ها بیش از حد مجاز است"),
            "logout" => Some("خروج از سامانه"),
            "import" => Some("وارد کردن فایل خروجی"),
            "import_failed" => Some("وارد کردن ناموفق بود"),
            "user_added" => Some("افزودن کاربر"),
            "password_reset" => Some("تعیین رمز عبور"),
            "queries_loaded" => Some("بارگذاری تعریف‌های شاخص‌ها"),
            "query_run" => Some("اجرای پرس‌وجو"),
            "query_refused" => Some("پرس‌وجو رد شد"),
            "kpi_saved" => Some("ذخیرهٔ شاخص در ویرایشگر"),
            "kpi_refused" => Some("شاخص رد شد: بارگذاری نمی‌شود"),
            _ => None,
        },
    };
    known.map_or_else(|| action.to_string(), str::to_string)
}

/// What a KPI's value is measured in, as its passport says.
pub fn measure_name(measure: Measure) -> &'static str {
    match lang() {
        Lang::En => match measure {
            Measure::Percent => "Percent",
            Measure::Hours => "Hours",
            Measure::Days => "Days",
            Measure::Count => "Count",
            Measure::Per1000 => "Per 1,000 residents",
        },
        Lang::Ru => match measure {
            Measure::Percent => "Проценты",
            Measure::Hours => "Часы",
            Measure::Days => "Дни",
            Measure::Count => "Количество",
            Measure::Per1000 => "На 1000 жителей",
        },
        Lang::Fa => match measure {
            Measure::Percent => "درصد",
            Measure::Hours => "ساعت",
            Measure::Days => "روز",
            Measure::Count => "تعداد",
            Measure::Per1000 => "به ازای هر ۱٬۰۰۰ نفر",
        },
    }
}

/// Whether a KPI is a result or an action that should move one.
pub fn kpi_role_name(role: Role) -> &'static str {
    match lang() {
        Lang::En => match role {
            Role::Lag => "Lag: a result",
            Role::Lead => "Lead: an action that moves a result",
        },
        Lang::Ru => match role {
            Role::Lag => "Запаздывающий: результат",
            Role::Lead => "Опережающий: действие, которое влияет на результат",
        },
        Lang::Fa => match role {
            Role::Lag => "پیامد: یک نتیجه",
            Role::Lead => "پیشران: اقدامی که نتیجه را جابه‌جا می‌کند",
        },
    }
}

pub fn direction_name(direction: Direction) -> &'static str {
    match direction {
        Direction::Higher => t(Text::HigherIsBetter),
        Direction::Lower => t(Text::LowerIsBetter),
    }
}

/// `Target 90.0%`, given the target already formatted.
pub fn target_label(target: &str) -> String {
    match lang() {
        Lang::En => format!("Target {target}"),
        Lang::Ru => format!("Цель: {target}"),
        Lang::Fa => format!("هدف: {target}"),
    }
}

/// `vs 1 Jul 2021 – 30 Sep 2021`, given the previous period already written.
pub fn versus_label(previous: &str) -> String {
    match lang() {
        Lang::En => format!("vs {previous}"),
        Lang::Ru => format!("к периоду {previous}"),
        Lang::Fa => format!("نسبت به {previous}"),
    }
}

/// The accessible name of a KPI's chart.
pub fn chart_label(kpi_title: &str) -> String {
    match lang() {
        Lang::En => format!("{kpi_title} over time"),
        Lang::Ru => format!("{kpi_title}: динамика"),
        Lang::Fa => format!("روند {kpi_title} در طول زمان"),
    }
}

/// The browser tab's title for a board: `Overview · Perm · KPI boards`.
pub fn document_title(board: &str, unit: &str) -> String {
    match lang() {
        Lang::En => format!("{board} · {unit} · {}", t(Text::AppTitle)),
        Lang::Ru => format!("{board} · {unit} · {}", t(Text::AppTitle)),
        Lang::Fa => format!("{board} · {unit} · {}", t(Text::AppTitle)),
    }
}

/// The browser tab's title for a page other than a board: `Sign in · KPI boards`.
pub fn page_title(page: &str) -> String {
    match lang() {
        Lang::En => format!("{page} · {}", t(Text::AppTitle)),
        Lang::Ru => format!("{page} · {}", t(Text::AppTitle)),
        Lang::Fa => format!("{page} · {}", t(Text::AppTitle)),
    }
}

/// The user badge's tooltip.
pub fn signed_in_as(user: &str) -> String {
    match lang() {
        Lang::En => format!("Signed in as {user}"),
        Lang::Ru => format!("Вы вошли как {user}"),
        Lang::Fa => format!("با نام کاربری {user} وارد شده‌اید"),
    }
}

/// The note after adding a user.
pub fn user_added(name: &str) -> String {
    match lang() {
        Lang::En => format!("User {name} added."),
        Lang::Ru => format!("Пользователь {name} добавлен."),
        Lang::Fa => format!("کاربر {name} افزوده شد."),
    }
}

/// The note after setting a user's password.
pub fn password_set(name: &str) -> String {
    match lang() {
        Lang::En => format!("The password of {name} is changed."),
        Lang::Ru => format!("Пароль пользователя {name} изменён."),
        Lang::Fa => format!("رمز عبور {name} تغییر کرد."),
    }
}

/// The footer's note of the server version.
pub fn server_version(version: &str) -> String {
    match lang() {
        Lang::En => format!("Server {version}"),
        Lang::Ru => format!("Версия сервера: {version}"),
        Lang::Fa => format!("نسخهٔ سرور: {version}"),
    }
}

/// The heading of the editor for an existing KPI.
pub fn edit_title(id: &str) -> String {
    match lang() {
        Lang::En => format!("Edit {id}"),
        Lang::Ru => format!("Редактирование: {id}"),
        Lang::Fa => format!("ویرایش {id}"),
    }
}

/// Where a plan stands: `Week 3 of 12`, `Review week`, or that it is not running.
pub fn plan_week_label(current: Option<u32>) -> String {
    let weeks = kpi_api::plan::PLAN_WEEKS;
    match (lang(), current) {
        (Lang::En, Some(week)) if week <= kpi_api::plan::PLAN_WEEKS => {
            format!("Week {week} of {}", kpi_api::plan::PLAN_WEEKS)
        }
        (Lang::En, Some(_)) => "Review week".to_string(),
        (Lang::En, None) => "Not running".to_string(),
        (Lang::Ru, Some(week)) if week <= weeks => {
            format!("Неделя {} из {}", format::int(week), format::int(weeks))
        }
        (Lang::Ru, Some(_)) => "Неделя подведения итогов".to_string(),
        (Lang::Ru, None) => "Не действует".to_string(),
        (Lang::Fa, Some(week)) if week <= weeks => {
            format!("هفتهٔ {} از {}", format::int(week), format::int(weeks))
        }
        (Lang::Fa, Some(_)) => "هفتهٔ بازبینی".to_string(),
        (Lang::Fa, None) => "در جریان نیست".to_string(),
    }
}

/// A week in the week picker: `Week 3 (this week)`, `Week 2 (late)`.
pub fn tick_week_option(week: u32, this_week: bool) -> String {
    match lang() {
        Lang::En if this_week => format!("Week {week} (this week)"),
        Lang::En => format!("Week {week} (late)"),
        Lang::Ru if this_week => format!("Неделя {} (текущая)", format::int(week)),
        Lang::Ru => format!("Неделя {} (с опозданием)", format::int(week)),
        Lang::Fa if this_week => format!("هفتهٔ {} (هفتهٔ جاری)", format::int(week)),
        Lang::Fa => format!("هفتهٔ {} (با تأخیر)", format::int(week)),
    }
}

/// A tactic's schedule: `Every week`, `Week 5`, `Weeks 2, 4, 6`, `Withdrawn`.
pub fn schedule_label(due: Option<&kpi_api::plan::Due>) -> String {
    use kpi_api::plan::Due;
    let list = |weeks: &[u32], separator: &str| {
        weeks
            .iter()
            .map(|&week| format::int(week))
            .collect::<Vec<String>>()
            .join(separator)
    };
    match (lang(), due) {
        (Lang::En, None) => "Withdrawn".to_string(),
        (Lang::En, Some(Due::Weekly)) => "Every week".to_string(),
        (Lang::En, Some(Due::Once { week })) => format!("Week {week}"),
        (Lang::En, Some(Due::Weeks { weeks })) => {
            let list: Vec<String> = weeks.iter().map(u32::to_string).collect();
            format!("Weeks {}", list.join(", "))
        }
        (Lang::Ru, None) => "Снята с плана".to_string(),
        (Lang::Ru, Some(Due::Weekly)) => "Каждую неделю".to_string(),
        (Lang::Ru, Some(Due::Once { week })) => format!("Неделя {}", format::int(*week)),
        (Lang::Ru, Some(Due::Weeks { weeks })) => format!("Недели {}", list(weeks, ", ")),
        (Lang::Fa, None) => "کنار گذاشته شده".to_string(),
        (Lang::Fa, Some(Due::Weekly)) => "هر هفته".to_string(),
        (Lang::Fa, Some(Due::Once { week })) => format!("هفتهٔ {}", format::int(*week)),
        (Lang::Fa, Some(Due::Weeks { weeks })) => format!("هفته‌های {}", list(weeks, "، ")),
    }
}

/// A schedule in force from a later week: `From week 7: Weeks 8, 10, 12`.
pub fn schedule_from(week: u32, schedule: &str) -> String {
    match lang() {
        Lang::En => format!("From week {week}: {schedule}"),
        Lang::Ru => format!("С {}-й недели: {schedule}", format::int(week)),
        Lang::Fa => format!("از هفتهٔ {}: {schedule}", format::int(week)),
    }
}

/// A goal's heading in the plan form: `Goal 2`.
pub fn goal_heading(goal: usize) -> String {
    match lang() {
        Lang::En => format!("Goal {goal}"),
        Lang::Ru => format!("Цель {}", format::int(goal as i64)),
        Lang::Fa => format!("هدف {}", format::int(goal as i64)),
    }
}

/// A Monday a plan may start on: `30 Nov 2026 (this week)`.
pub fn start_option(day: NaiveDate, this_week: bool) -> String {
    match lang() {
        Lang::En if this_week => format!("{} (this week)", date_label(day)),
        Lang::En => date_label(day),
        Lang::Ru if this_week => format!("{} (текущая неделя)", date_label(day)),
        Lang::Ru => date_label(day),
        Lang::Fa if this_week => format!("{} (هفتهٔ جاری)", date_label(day)),
        Lang::Fa => date_label(day),
    }
}

/// An earlier plan to start from: `Q3 2026: answers on time (from 7 Sep 2026)`.
pub fn plan_option(title: &str, start: NaiveDate) -> String {
    match lang() {
        Lang::En => format!("{title} (from {})", date_label(start)),
        Lang::Ru => format!("{title} (с {})", date_label(start)),
        Lang::Fa => format!("{title} (از {})", date_label(start)),
    }
}

/// What a plan form lacks, as a sentence.
pub fn draft_problem(problem: crate::logic::plan_form::DraftProblem) -> String {
    use crate::logic::plan_form::DraftProblem as P;
    // In a form of one tactic there is no goal or tactic to name.
    let at = |g: usize, t: usize, rest: &str| match g {
        0 => {
            let mut chars = rest.chars();
            chars
                .next()
                .map(|first| first.to_uppercase().chain(chars).collect())
                .unwrap_or_default()
        }
        _ => match lang() {
            Lang::En => format!("Goal {g}, tactic {t}: {rest}"),
            Lang::Ru => format!(
                "Цель {}, тактика {}: {rest}",
                format::int(g as i64),
                format::int(t as i64)
            ),
            Lang::Fa => format!(
                "هدف {}، اقدام {}: {rest}",
                format::int(g as i64),
                format::int(t as i64)
            ),
        },
    };
    let goal = |g: usize| format::int(g as i64);
    match (lang(), problem) {
        (Lang::En, P::UnitMissing) => "Choose the unit the plan is for.".to_string(),
        (Lang::En, P::TitleMissing) => "Give the plan a title.".to_string(),
        (Lang::En, P::StartNotWeekStart) => {
            "A plan starts on the first day of a week: a Monday, or a Saturday in Iran.".to_string()
        }
        (Lang::En, P::GoalTitleMissing(g)) => format!("Goal {g}: say what the goal is."),
        (Lang::En, P::KpiMissing(g)) => format!("Goal {g}: choose the KPI it should move."),
        (Lang::En, P::TargetNotNumber(g)) => {
            format!("Goal {g}: the target is a number, such as 95 or 12.5.")
        }
        (Lang::En, P::TacticTitleMissing(g, t)) => at(g, t, "say what will be done."),
        (Lang::En, P::TacticOwnerMissing(g, t)) => at(g, t, "say who does it."),
        (Lang::En, P::WeeksMissing(g, t)) => at(g, t, "choose at least one week."),
        (Lang::Ru, P::UnitMissing) => {
            "Выберите подразделение, для которого составляется план.".to_string()
        }
        (Lang::Ru, P::TitleMissing) => "Укажите название плана.".to_string(),
        (Lang::Ru, P::StartNotWeekStart) => {
            "План начинается с первого дня недели: с понедельника, в Иране — с субботы.".to_string()
        }
        (Lang::Ru, P::GoalTitleMissing(g)) => format!("Цель {}: сформулируйте цель.", goal(g)),
        (Lang::Ru, P::KpiMissing(g)) => format!(
            "Цель {}: выберите показатель, на который она должна повлиять.",
            goal(g)
        ),
        (Lang::Ru, P::TargetNotNumber(g)) => format!(
            "Цель {}: целевое значение должно быть числом, например {} или {}.",
            goal(g),
            format::int(95),
            format::decimal(12.5, 1)
        ),
        (Lang::Ru, P::TacticTitleMissing(g, t)) => at(g, t, "укажите, что будет сделано."),
        (Lang::Ru, P::TacticOwnerMissing(g, t)) => at(g, t, "укажите исполнителя."),
        (Lang::Ru, P::WeeksMissing(g, t)) => at(g, t, "выберите хотя бы одну неделю."),
        (Lang::Fa, P::UnitMissing) => "واحدی را که برنامه برای آن است انتخاب کنید.".to_string(),
        (Lang::Fa, P::TitleMissing) => "برای برنامه عنوانی بنویسید.".to_string(),
        (Lang::Fa, P::StartNotWeekStart) => {
            "برنامه از نخستین روز هفته شروع می‌شود: در ایران شنبه، و در جاهای دیگر دوشنبه."
                .to_string()
        }
        (Lang::Fa, P::GoalTitleMissing(g)) => format!("هدف {}: بنویسید هدف چیست.", goal(g)),
        (Lang::Fa, P::KpiMissing(g)) => format!(
            "هدف {}: شاخصی را که این هدف باید جابه‌جا کند انتخاب کنید.",
            goal(g)
        ),
        (Lang::Fa, P::TargetNotNumber(g)) => format!(
            "هدف {}: مقدار هدف باید یک عدد باشد، مانند {} یا {}.",
            goal(g),
            format::int(95),
            format::decimal(12.5, 1)
        ),
        (Lang::Fa, P::TacticTitleMissing(g, t)) => at(g, t, "بنویسید چه کاری انجام می‌شود."),
        (Lang::Fa, P::TacticOwnerMissing(g, t)) => at(g, t, "بنویسید چه کسی آن را انجام می‌دهد."),
        (Lang::Fa, P::WeeksMissing(g, t)) => at(g, t, "دست‌کم یک هفته را انتخاب کنید."),
    }
}

/// What an import did: `plans.csv: 12 rows into plans (8 new, 4 replaced).`
pub fn import_done(report: &kpi_api::ImportReport) -> String {
    let count = |n: u64| format::int(n as i64);
    match lang() {
        Lang::En if report.already_imported => {
            format!("{}: already imported; nothing changed.", report.file)
        }
        Lang::En => format!(
            "{}: {} rows into {} ({} new, {} replaced).",
            report.file, report.rows_in_file, report.table, report.inserted, report.updated
        ),
        Lang::Ru if report.already_imported => {
            format!(
                "{}: файл уже импортирован; ничего не изменилось.",
                report.file
            )
        }
        Lang::Ru => format!(
            "{}: в таблицу {} загружено строк: {} (новых: {}, заменено: {}).",
            report.file,
            report.table,
            count(report.rows_in_file),
            count(report.inserted),
            count(report.updated)
        ),
        Lang::Fa if report.already_imported => {
            format!("{}: پیش‌تر وارد شده است؛ چیزی تغییر نکرد.", report.file)
        }
        Lang::Fa => format!(
            "{}: {} ردیف در جدول {} ({} ردیف جدید، {} ردیف جایگزین‌شده).",
            report.file,
            count(report.rows_in_file),
            report.table,
            count(report.inserted),
            count(report.updated)
        ),
    }
}

/// The benchmark line's label: `Benchmark 85.0%`, given the percentage already written.
pub fn benchmark_label(percent: &str) -> String {
    match lang() {
        Lang::En => format!("Benchmark {percent}"),
        Lang::Ru => format!("Ориентир: {percent}"),
        Lang::Fa => format!("معیار: {percent}"),
    }
}

/// A short week for the chart's axis: `W3`.
pub fn week_short(week: u32) -> String {
    match lang() {
        Lang::En => format!("W{week}"),
        Lang::Ru => format!("Нед.\u{a0}{}", format::int(week)),
        Lang::Fa => format!("هفتهٔ {}", format::int(week)),
    }
}

/// The accessible name of a tactic's tick box.
pub fn tactic_done_label(tactic: &str, week: u32) -> String {
    match lang() {
        Lang::En => format!("{tactic}: done in week {week}"),
        Lang::Ru => format!("{tactic}: выполнено на {}-й неделе", format::int(week)),
        Lang::Fa => format!("{tactic}: انجام‌شده در هفتهٔ {}", format::int(week)),
    }
}

/// Where in a KPI file an error points: `line 3, column 5`, `line 3`; None when it cannot say.
pub fn location_label(line: Option<u32>, column: Option<u32>) -> Option<String> {
    match lang() {
        Lang::En => match (line, column) {
            (Some(line), Some(column)) => Some(format!("line {line}, column {column}")),
            (Some(line), None) => Some(format!("line {line}")),
            (None, _) => None,
        },
        Lang::Ru => match (line, column) {
            (Some(line), Some(column)) => Some(format!(
                "строка {}, столбец {}",
                format::int(line),
                format::int(column)
            )),
            (Some(line), None) => Some(format!("строка {}", format::int(line))),
            (None, _) => None,
        },
        Lang::Fa => match (line, column) {
            (Some(line), Some(column)) => Some(format!(
                "خط {}، ستون {}",
                format::int(line),
                format::int(column)
            )),
            (Some(line), None) => Some(format!("خط {}", format::int(line))),
            (None, _) => None,
        },
    }
}

/// A short time: `245 ms` below a second, else `1.2 s`.
pub fn duration_label(millis: f64) -> String {
    let millis = millis.max(0.0);
    match lang() {
        Lang::En if millis < 1000.0 => format!("{millis:.0} ms"),
        Lang::En => format!("{:.1} s", millis / 1000.0),
        Lang::Ru if millis < 1000.0 => format!("{} мс", format::decimal(millis, 0)),
        Lang::Ru => format!("{} с", format::decimal(millis / 1000.0, 1)),
        Lang::Fa if millis < 1000.0 => format!("{} میلی‌ثانیه", format::decimal(millis, 0)),
        Lang::Fa => format!("{} ثانیه", format::decimal(millis / 1000.0, 1)),
    }
}

/// A preview under way and how long it has run.
pub fn elapsed_label(millis: f64) -> String {
    match lang() {
        Lang::En => format!("Running… {}", duration_label(millis)),
        Lang::Ru => format!("Выполняется… {}", duration_label(millis)),
        Lang::Fa => format!("در حال اجرا… {}", duration_label(millis)),
    }
}

/// How long a preview took on the server.
pub fn took_label(millis: u64) -> String {
    match lang() {
        Lang::En => format!("Took {}", duration_label(millis as f64)),
        Lang::Ru => format!("Выполнено за {}", duration_label(millis as f64)),
        Lang::Fa => format!("مدت اجرا: {}", duration_label(millis as f64)),
    }
}

/// The note after saving a KPI.
pub fn kpi_saved(title: &str) -> String {
    match lang() {
        Lang::En => format!("Saved “{title}”."),
        Lang::Ru => format!("Показатель «{title}» сохранён."),
        Lang::Fa => format!("شاخص «{title}» ذخیره شد."),
    }
}

/// How many rows a preview's table has.
pub fn rows_label(rows: usize) -> String {
    match lang() {
        Lang::En if rows == 1 => "1 row".to_string(),
        Lang::En => format!("{rows} rows"),
        Lang::Ru => format!(
            "{} {}",
            format::int(rows as i64),
            ru_plural(rows as u64, "строка", "строки", "строк")
        ),
        Lang::Fa => format!("{} ردیف", format::int(rows as i64)),
    }
}

/// Said under a preview's table when the SELECT returned more rows than it shows.
pub fn rows_cut_label(shown: usize) -> String {
    match lang() {
        Lang::En => format!(
            "Only the first {} are shown; the SELECT returned more.",
            rows_label(shown)
        ),
        Lang::Ru => format!(
            "SELECT вернул больше строк; показаны только первые {}.",
            format::int(shown as i64)
        ),
        Lang::Fa => format!(
            "فقط {} نخست نمایش داده شده است؛ SELECT ردیف‌های بیشتری برگرداند.",
            rows_label(shown)
        ),
    }
}

/// A new KPI file that loads as it is: the header the README's "Add a KPI" documents, then a
/// SELECT over the scoped `appeals` and the `periods` buckets. The words in it are the user's to
/// change, so they are in the interface's language.
pub fn new_kpi_template() -> &'static str {
    match lang() {
        Lang::En => {
            "\
-- id: my_kpi
-- title: Appeals received
-- description: Appeals received in the period.
-- unit: count
-- direction: higher
-- grain: week
-- role: lead

SELECT
    a.grp,
    p.period,
    count(*) AS value
FROM appeals AS a
JOIN periods AS p
  ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY a.grp, p.period
"
        }
        Lang::Ru => {
            "\
-- id: my_kpi
-- title: Поступившие обращения
-- description: Обращения граждан, поступившие за период.
-- unit: count
-- direction: higher
-- grain: week
-- role: lead

SELECT
    a.grp,
    p.period,
    count(*) AS value
FROM appeals AS a
JOIN periods AS p
  ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY a.grp, p.period
"
        }
        Lang::Fa => {
            "\
-- id: my_kpi
-- title: درخواست‌های دریافت‌شده
-- description: درخواست‌های شهروندان که در این دوره دریافت شده‌اند.
-- unit: count
-- direction: higher
-- grain: week
-- role: lead

SELECT
    a.grp,
    p.period,
    count(*) AS value
FROM appeals AS a
JOIN periods AS p
  ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY a.grp, p.period
"
        }
    }
}

pub fn network_error(detail: &str) -> String {
    match lang() {
        Lang::En => format!("The server could not be reached ({detail})."),
        Lang::Ru => format!("Не удалось связаться с сервером ({detail})."),
        Lang::Fa => format!("ارتباط با سرور برقرار نشد ({detail})."),
    }
}

pub fn http_error(status: u16) -> String {
    match lang() {
        Lang::En => format!("The server answered with status {status}."),
        Lang::Ru => format!("Сервер ответил с кодом {}.", format::int(status)),
        Lang::Fa => format!("سرور با کد وضعیت {} پاسخ داد.", format::int(status)),
    }
}

pub fn decode_error(detail: &str) -> String {
    match lang() {
        Lang::En => format!("The server's answer could not be read ({detail})."),
        Lang::Ru => format!("Не удалось прочитать ответ сервера ({detail})."),
        Lang::Fa => format!("پاسخ سرور خوانده نشد ({detail})."),
    }
}

/// An effect and its 95% interval: `−8.1 h (95% interval −12.0 h to −4.2 h)`; a relative one in
/// percent (`measure` None). An end the data cannot bound says so.
pub fn effect_label(effect: &kpi_api::experiment::Estimate, measure: Option<Measure>) -> String {
    let number = |v: f64| match measure {
        Some(m) => format::change(Some(v), m),
        None => {
            // As `format::change` writes a sign: in Persian a left-to-right mark keeps the minus
            // before the number.
            let sign = match (v < 0.0, lang()) {
                (true, Lang::Fa) => "\u{200e}−",
                (true, Lang::En | Lang::Ru) => "−",
                (false, Lang::En | Lang::Ru | Lang::Fa) => "+",
            };
            format!("{sign}{}", format::value(Some(v.abs()), Measure::Percent))
        }
    };
    let end = |v: Option<f64>| v.map_or_else(|| t(Text::Unbounded).to_string(), number);
    match lang() {
        Lang::En => format!(
            "{} (95% interval {} to {})",
            number(effect.estimate),
            end(effect.low),
            end(effect.high)
        ),
        Lang::Ru => format!(
            "{} (интервал 95%: от {} до {})",
            number(effect.estimate),
            end(effect.low),
            end(effect.high)
        ),
        Lang::Fa => format!(
            "{} (بازهٔ ۹۵٪: از {} تا {})",
            number(effect.estimate),
            end(effect.low),
            end(effect.high)
        ),
    }
}

/// A period relative to an experiment's start: `start`, `week 3`, `month −2`.
pub fn event_label(event: i64, grain: Grain) -> String {
    let sign = if event < 0 { "−" } else { "+" };
    match lang() {
        Lang::En if event == 0 => "start".to_string(),
        Lang::En => format!(
            "{} {}{}",
            match grain {
                Grain::Week => "week",
                Grain::Month => "month",
                Grain::Quarter => "quarter",
                Grain::Year => "year",
            },
            if event < 0 { "−" } else { "+" },
            event.abs()
        ),
        Lang::Ru if event == 0 => "старт".to_string(),
        Lang::Ru => format!(
            "{} {sign}{}",
            match grain {
                Grain::Week => "неделя",
                Grain::Month => "месяц",
                Grain::Quarter => "квартал",
                Grain::Year => "год",
            },
            format::int(event.abs())
        ),
        Lang::Fa if event == 0 => "شروع".to_string(),
        // A left-to-right mark keeps the sign before the number inside right-to-left text.
        Lang::Fa => format!(
            "{} \u{200e}{sign}{}",
            match grain {
                Grain::Week => "هفته",
                Grain::Month => "ماه",
                Grain::Quarter => "فصل",
                Grain::Year => "سال",
            },
            format::int(event.abs())
        ),
    }
}

/// The pre-trend test in words.
pub fn pre_trend_label(test: &kpi_api::experiment::PreTrendTest) -> String {
    let periods = format::int(test.periods as i64);
    let p = format::decimal(test.p_value, 2);
    let ru_periods = ru_plural(test.periods as u64, "период", "периода", "периодов");
    match lang() {
        Lang::En if test.parallel => format!(
            "Treated and comparison units moved alike in the {} periods before the start (test p = {:.2}).",
            test.periods, test.p_value
        ),
        Lang::En => format!(
            "Treated units were already drifting {} against the comparison units in the {} periods before the start (test p = {:.2}): the estimate is not to be trusted.",
            if test.slope > 0.0 { "up" } else { "down" },
            test.periods,
            test.p_value
        ),
        Lang::Ru if test.parallel => format!(
            "За {periods} {ru_periods} до старта подразделения с изменением и контрольные подразделения менялись одинаково (проверка: p = {p})."
        ),
        Lang::Ru => format!(
            "Ещё за {periods} {ru_periods} до старта подразделения с изменением смещались {} относительно контрольных (проверка: p = {p}): этой оценке нельзя доверять.",
            if test.slope > 0.0 { "вверх" } else { "вниз" }
        ),
        Lang::Fa if test.parallel => format!(
            "واحدهای مشمول تغییر و واحدهای مقایسه در {periods} دورهٔ پیش از شروع، همسان حرکت کردند (آزمون: p = {p})."
        ),
        Lang::Fa => format!(
            "واحدهای مشمول تغییر در {periods} دورهٔ پیش از شروع، از پیش نسبت به واحدهای مقایسه رو به {} می‌رفتند (آزمون: p = {p})؛ به این برآورد نمی‌توان اعتماد کرد.",
            if test.slope > 0.0 { "بالا" } else { "پایین" }
        ),
    }
}

/// A treated unit and its start: `Economy department, from 1 Apr 2019`.
pub fn treated_label(unit: &str, start: NaiveDate) -> String {
    match lang() {
        Lang::En => format!("{unit}, from {}", date_label(start)),
        Lang::Ru => format!("{unit}, с {}", date_label(start)),
        Lang::Fa => format!("{unit}، از {}", date_label(start)),
    }
}

/// One version of an experiment in its history: `Revision 2, by mayor.shymkent, 4 Oct 2021, 14:03 UTC`.
pub fn version_label(revision: u32, by: &str, at: chrono::NaiveDateTime) -> String {
    let utc = at.and_utc().to_rfc3339();
    match lang() {
        Lang::En => format!("Revision {revision}, by {by}, {}", timestamp_label(&utc)),
        Lang::Ru => format!(
            "Версия {}, автор: {by}, {}",
            format::int(revision),
            timestamp_label(&utc)
        ),
        Lang::Fa => format!(
            "نسخهٔ {}، توسط {by}، {}",
            format::int(revision),
            timestamp_label(&utc)
        ),
    }
}

/// How many items an agenda has of how many values looked at.
pub fn agenda_count(items: usize, checked: usize) -> String {
    match lang() {
        Lang::En => format!("{items} items of {checked} KPI values under this unit."),
        Lang::Ru => format!(
            "{} {} из {} {} показателей в этом подразделении и подчинённых.",
            format::int(items as i64),
            ru_plural(items as u64, "пункт", "пункта", "пунктов"),
            format::int(checked as i64),
            ru_plural(checked as u64, "значения", "значений", "значений")
        ),
        Lang::Fa => format!(
            "{} مورد از {} مقدار شاخص در این واحد و زیرمجموعه‌های آن.",
            format::int(items as i64),
            format::int(checked as i64)
        ),
    }
}

/// A unit against the one above it in a league table, in words (never by colour alone).
pub fn versus_name(versus: kpi_api::league::Versus) -> &'static str {
    use kpi_api::league::Versus;
    match lang() {
        Lang::En => match versus {
            Versus::Better => "Better",
            Versus::Worse => "Worse",
            Versus::Alike => "No clear difference",
            Versus::Unknown => "Cannot tell",
        },
        Lang::Ru => match versus {
            Versus::Better => "Лучше",
            Versus::Worse => "Хуже",
            Versus::Alike => "Явной разницы нет",
            Versus::Unknown => "Определить нельзя",
        },
        Lang::Fa => match versus {
            Versus::Better => "بهتر",
            Versus::Worse => "بدتر",
            Versus::Alike => "بدون تفاوت آشکار",
            Versus::Unknown => "قابل تشخیص نیست",
        },
    }
}

/// How a league table's intervals were made, in words.
pub fn interval_method_name(method: kpi_api::league::IntervalMethod) -> &'static str {
    use kpi_api::league::IntervalMethod;
    match lang() {
        Lang::En => match method {
            IntervalMethod::Wilson => "Wilson score intervals",
            IntervalMethod::Poisson => "exact Poisson intervals",
            IntervalMethod::OrderStatistic => "order-statistic intervals of the median",
            IntervalMethod::None => "no intervals",
        },
        Lang::Ru => match method {
            IntervalMethod::Wilson => "интервалы Уилсона",
            IntervalMethod::Poisson => "точные пуассоновские интервалы",
            IntervalMethod::OrderStatistic => "интервалы медианы по порядковым статистикам",
            IntervalMethod::None => "без интервалов",
        },
        Lang::Fa => match method {
            IntervalMethod::Wilson => "بازه‌های امتیاز ویلسون",
            IntervalMethod::Poisson => "بازه‌های دقیق پواسون",
            IntervalMethod::OrderStatistic => "بازه‌های آمارهٔ ترتیبی برای میانه",
            IntervalMethod::None => "بدون بازه",
        },
    }
}

/// An event's days: one day, or the first and last.
pub fn event_span(from: NaiveDate, to: NaiveDate) -> String {
    if from == to {
        date_label(from)
    } else {
        range_label(from, to)
    }
}

/// The outlook as a stable key for styles and tests.
pub fn outlook_key(outlook: Outlook) -> &'static str {
    match outlook {
        Outlook::OnCourse => "on_course",
        Outlook::NeedsMore => "needs_more",
        Outlook::OutOfReach => "out_of_reach",
        Outlook::Unknown => "unknown",
    }
}

/// A tile's forecast in words: "By 31 Dec 2021: 93.1% at the rate so far; 97.4% needed in each of
/// the 6.7 weeks left (about 120 rows a week)".
pub fn forecast_text(f: &Forecast, measure: Measure) -> String {
    let end = date_label(f.to);
    let landing = format::value(f.landing, measure);
    let weeks = format!("{:.1}", f.weeks_left);
    match lang() {
        Lang::En => {
            let head = format!("By {end}: {landing} at the rate so far");
            match (f.outlook, f.needed) {
                (Outlook::OnCourse, _) => format!("{head}, on target."),
                (Outlook::OutOfReach, _) => {
                    format!("{head}; the target is out of reach in the {weeks} weeks left.")
                }
                (Outlook::NeedsMore, Some(needed)) => {
                    let rows = f
                        .rows_per_week
                        .map(|r| {
                            format!(
                                " (about {} cases a week so far)",
                                format::value(Some(r), Measure::Count)
                            )
                        })
                        .unwrap_or_default();
                    let needed = match measure {
                        Measure::Per1000 => {
                            format!("{} a week", format::value(Some(needed), measure))
                        }
                        _ => format::value(Some(needed), measure),
                    };
                    format!("{head}; the target needs {needed} in each of the {weeks} weeks left{rows}.")
                }
                (Outlook::NeedsMore, None) => {
                    let target = format::value(f.target, measure);
                    format!("{head}, short of the target of {target}.")
                }
                _ => format!("{head}."),
            }
        }
        Lang::Ru => {
            let weeks = format::decimal(f.weeks_left, 1);
            let head = format!("К {end}: {landing} при нынешнем темпе");
            match (f.outlook, f.needed) {
                (Outlook::OnCourse, _) => format!("{head}, цель будет достигнута."),
                (Outlook::OutOfReach, _) => {
                    format!("{head}; за оставшиеся {weeks} недели цель недостижима.")
                }
                (Outlook::NeedsMore, Some(needed)) => {
                    let rows = f
                        .rows_per_week
                        .map(|r| {
                            let cases = ru_plural(
                                r.max(0.0).round() as u64,
                                "случая",
                                "случаев",
                                "случаев",
                            );
                            format!(
                                " (пока около {} {cases} в неделю)",
                                format::value(Some(r), Measure::Count)
                            )
                        })
                        .unwrap_or_default();
                    let needed = match measure {
                        Measure::Per1000 => {
                            format!("{} в неделю", format::value(Some(needed), measure))
                        }
                        _ => format::value(Some(needed), measure),
                    };
                    format!(
                        "{head}; для достижения цели нужно {needed} в каждую из оставшихся {weeks} недели{rows}."
                    )
                }
                (Outlook::NeedsMore, None) => {
                    let target = format::value(f.target, measure);
                    format!("{head}, что не достигает цели {target}.")
                }
                _ => format!("{head}."),
            }
        }
        Lang::Fa => {
            let weeks = format::decimal(f.weeks_left, 1);
            let head = format!("تا {end}: {landing} با روند کنونی");
            match (f.outlook, f.needed) {
                (Outlook::OnCourse, _) => format!("{head}؛ هدف محقق می‌شود."),
                (Outlook::OutOfReach, _) => {
                    format!("{head}؛ در {weeks} هفتهٔ باقی‌مانده، هدف دست‌یافتنی نیست.")
                }
                (Outlook::NeedsMore, Some(needed)) => {
                    let rows = f
                        .rows_per_week
                        .map(|r| {
                            format!(
                                " (تاکنون حدود {} مورد در هفته)",
                                format::value(Some(r), Measure::Count)
                            )
                        })
                        .unwrap_or_default();
                    let needed = match measure {
                        Measure::Per1000 => {
                            format!("{} در هفته", format::value(Some(needed), measure))
                        }
                        _ => format::value(Some(needed), measure),
                    };
                    format!(
                        "{head}؛ برای رسیدن به هدف، در هر یک از {weeks} هفتهٔ باقی‌مانده {needed} لازم است{rows}."
                    )
                }
                (Outlook::NeedsMore, None) => {
                    let target = format::value(f.target, measure);
                    format!("{head}، که به هدف {target} نمی‌رسد.")
                }
                _ => format!("{head}."),
            }
        }
    }
}

/// Whom a scheme evaluates, at which unit, over which grain.
pub fn scheme_scope(subjects: Subjects, unit: &str, grain: Grain) -> String {
    let every = match grain {
        Grain::Year => "a year",
        Grain::Quarter => "a quarter",
        Grain::Month => "a month",
        Grain::Week => "a week",
    };
    let ru_every = match grain {
        Grain::Year => "года",
        Grain::Quarter => "квартала",
        Grain::Month => "месяца",
        Grain::Week => "недели",
    };
    let fa_every = match grain {
        Grain::Year => "سال",
        Grain::Quarter => "فصل",
        Grain::Month => "ماه",
        Grain::Week => "هفته",
    };
    match (lang(), subjects) {
        (Lang::En, Subjects::Heads) => {
            format!("The heads of the units under {unit}, over {every}")
        }
        (Lang::En, Subjects::Staff) => {
            format!("The staff of the departments under {unit}, on the appeals they answered, over {every}")
        }
        (Lang::Ru, Subjects::Heads) => {
            format!("{unit}: руководители подчинённых подразделений, по итогам {ru_every}")
        }
        (Lang::Ru, Subjects::Staff) => {
            format!("{unit}: сотрудники подчинённых отделов — по обращениям, на которые они ответили, по итогам {ru_every}")
        }
        (Lang::Fa, Subjects::Heads) => {
            format!("مدیران واحدهای زیرمجموعهٔ {unit}، برای هر {fa_every}")
        }
        (Lang::Fa, Subjects::Staff) => {
            format!("کارکنان ادارات زیرمجموعهٔ {unit}، بر پایهٔ درخواست‌هایی که پاسخ داده‌اند، برای هر {fa_every}")
        }
    }
}

/// How a line's score came about, its numbers already written in the KPI's measure.
pub fn score_formula(
    scoring: Scoring,
    value: &str,
    floor: &str,
    target: &str,
    ratio: f64,
    score: f64,
) -> String {
    let r = format::decimal(ratio, 2);
    let s = format::decimal(score, 0);
    match (lang(), scoring) {
        (Lang::En, Scoring::Linear) => {
            format!("({value} − {floor}) ÷ ({target} − {floor}) = {ratio:.2} → {score:.0} of 100")
        }
        (Lang::En, Scoring::Pass) => {
            let met = if score > 0.0 { "met" } else { "not met" };
            format!("target {target} {met} → {score:.0} of 100")
        }
        (Lang::Ru, Scoring::Linear) => {
            format!("({value} − {floor}) ÷ ({target} − {floor}) = {r} → {s} из 100")
        }
        (Lang::Ru, Scoring::Pass) => {
            let met = if score > 0.0 {
                "достигнута"
            } else {
                "не достигнута"
            };
            format!("цель {target} {met} → {s} из 100")
        }
        // Read right to left, so the arrow points left.
        (Lang::Fa, Scoring::Linear) => {
            format!("({value} − {floor}) ÷ ({target} − {floor}) = {r} ← {s} از ۱۰۰")
        }
        (Lang::Fa, Scoring::Pass) => {
            let met = if score > 0.0 {
                "محقق شد"
            } else {
                "محقق نشد"
            };
            format!("هدف {target} {met} ← {s} از ۱۰۰")
        }
    }
}

/// A line's share of the total: its score times its weight among the scored lines.
pub fn points_formula(score: f64, weight: f64, scored: f64, points: f64) -> String {
    let s = format::decimal(score, 0);
    let p = format::decimal(points, 1);
    match lang() {
        Lang::En => format!("{score:.0} × {weight:.0}% ÷ {scored:.0}% = {points:.1}"),
        Lang::Ru => format!(
            "{s} × {}\u{a0}% ÷ {}\u{a0}% = {p}",
            format::decimal(weight, 0),
            format::decimal(scored, 0)
        ),
        Lang::Fa => format!(
            "{s} × {}٪ ÷ {}٪ = {p}",
            format::decimal(weight, 0),
            format::decimal(scored, 0)
        ),
    }
}

/// A line left out of the total, and why.
pub fn unscored(reason: &str) -> String {
    match lang() {
        Lang::En => format!("not scored: {reason}"),
        Lang::Ru => format!("не оценивается: {reason}"),
        Lang::Fa => format!("امتیاز داده نشد: {reason}"),
    }
}

/// The league page's heading: `Appeals closed on time: Krasnodar Krai's municipalities`.
pub fn league_heading(kpi: &str, unit: &str) -> String {
    match lang() {
        Lang::En => format!("{kpi}: the units of {unit}"),
        Lang::Ru => format!("{kpi}: подчинённые подразделения ({unit})"),
        Lang::Fa => format!("{kpi}: واحدهای زیرمجموعهٔ {unit}"),
    }
}

/// The parent's line under a league table: `Krasnodar Krai: 97.5%`.
pub fn league_parent(unit: &str, value: &str) -> String {
    match lang() {
        Lang::En => format!("{unit} as a whole: {value}"),
        Lang::Ru => format!("{unit} в целом: {value}"),
        Lang::Fa => format!("{unit} در مجموع: {value}"),
    }
}

/// What one version of an experiment changed, with units by their names (`name`).
pub fn experiment_change_label(
    change: &crate::logic::experiment_history::Change,
    name: &dyn Fn(&str) -> String,
) -> String {
    use crate::logic::experiment_history::Change;
    match lang() {
        Lang::En => match change {
            Change::Created => "Defined.".to_string(),
            Change::Title(title) => format!("Title now \u{201c}{title}\u{201d}."),
            Change::Hypothesis => "Hypothesis reworded.".to_string(),
            Change::Intervention => "Intervention reworded.".to_string(),
            Change::Owner(owner) => format!("Owner now {owner}."),
            Change::TreatedAdded { unit, start } => {
                format!(
                    "{} added to the units that changed, from {}.",
                    name(unit),
                    date_label(*start)
                )
            }
            Change::TreatedRemoved(unit) => {
                format!("{} removed from the units that changed.", name(unit))
            }
            Change::Start { unit, from, to } => format!(
                "{} starts {} instead of {}.",
                name(unit),
                date_label(*to),
                date_label(*from)
            ),
            Change::ComparisonAdded(unit) => format!("{} added to the comparison.", name(unit)),
            Change::ComparisonRemoved(unit) => {
                format!("{} removed from the comparison.", name(unit))
            }
            Change::End(Some(end)) => format!("Ends {}.", date_label(*end)),
            Change::End(None) => "No longer has an end.".to_string(),
            Change::KpiAdded(kpi) => format!("Watches {kpi}."),
            Change::KpiRemoved(kpi) => format!("No longer watches {kpi}."),
            Change::Grain(grain) => format!("Compared {}.", grain_name(*grain).to_lowercase()),
        },
        Lang::Ru => match change {
            Change::Created => "Эксперимент создан.".to_string(),
            Change::Title(title) => format!("Новое название: «{title}»."),
            Change::Hypothesis => "Гипотеза переформулирована.".to_string(),
            Change::Intervention => "Описание изменения переформулировано.".to_string(),
            Change::Owner(owner) => format!("Новый ответственный: {owner}."),
            Change::TreatedAdded { unit, start } => format!(
                "Добавлено в подразделения с изменением: {}, с {}.",
                name(unit),
                date_label(*start)
            ),
            Change::TreatedRemoved(unit) => {
                format!("Исключено из подразделений с изменением: {}.", name(unit))
            }
            Change::Start { unit, from, to } => format!(
                "{}: старт {} вместо {}.",
                name(unit),
                date_label(*to),
                date_label(*from)
            ),
            Change::ComparisonAdded(unit) => {
                format!("Добавлено в контрольные подразделения: {}.", name(unit))
            }
            Change::ComparisonRemoved(unit) => {
                format!("Исключено из контрольных подразделений: {}.", name(unit))
            }
            Change::End(Some(end)) => format!("Окончание: {}.", date_label(*end)),
            Change::End(None) => "Дата окончания снята.".to_string(),
            Change::KpiAdded(kpi) => format!("Отслеживается показатель: {kpi}."),
            Change::KpiRemoved(kpi) => format!("Больше не отслеживается показатель: {kpi}."),
            Change::Grain(grain) => format!("Сравнение {}.", grain_name(*grain).to_lowercase()),
        },
        Lang::Fa => match change {
            Change::Created => "تعریف شد.".to_string(),
            Change::Title(title) => format!("عنوان جدید: «{title}»."),
            Change::Hypothesis => "متن فرضیه بازنویسی شد.".to_string(),
            Change::Intervention => "شرح تغییر بازنویسی شد.".to_string(),
            Change::Owner(owner) => format!("مسئول جدید: {owner}."),
            Change::TreatedAdded { unit, start } => format!(
                "{} از {} به واحدهای مشمول تغییر افزوده شد.",
                name(unit),
                date_label(*start)
            ),
            Change::TreatedRemoved(unit) => {
                format!("{} از واحدهای مشمول تغییر حذف شد.", name(unit))
            }
            Change::Start { unit, from, to } => format!(
                "شروع {} به‌جای {}، {} است.",
                name(unit),
                date_label(*from),
                date_label(*to)
            ),
            Change::ComparisonAdded(unit) => {
                format!("{} به واحدهای مقایسه افزوده شد.", name(unit))
            }
            Change::ComparisonRemoved(unit) => {
                format!("{} از واحدهای مقایسه حذف شد.", name(unit))
            }
            Change::End(Some(end)) => format!("تاریخ پایان: {}.", date_label(*end)),
            Change::End(None) => "دیگر تاریخ پایان ندارد.".to_string(),
            Change::KpiAdded(kpi) => format!("شاخص {kpi} پایش می‌شود."),
            Change::KpiRemoved(kpi) => format!("شاخص {kpi} دیگر پایش نمی‌شود."),
            Change::Grain(grain) => {
                format!("مقایسه به‌صورت {} انجام می‌شود.", grain_name(*grain))
            }
        },
    }
}

/// An experiment's window on a chart: `Open-space city hall, from 1 Apr 2019`.
pub fn band_label(title: &str, from: NaiveDate, to: Option<NaiveDate>) -> String {
    match (lang(), to) {
        (Lang::En, None) => format!("{title}, from {}", date_label(from)),
        (Lang::En, Some(to)) => format!("{title}, {} to {}", date_label(from), date_label(to)),
        (Lang::Ru, None) => format!("{title}, с {}", date_label(from)),
        (Lang::Ru, Some(to)) => format!("{title}, {}", range_label(from, to)),
        (Lang::Fa, None) => format!("{title}، از {}", date_label(from)),
        (Lang::Fa, Some(to)) => {
            format!("{title}، از {} تا {}", date_label(from), date_label(to))
        }
    }
}

/// What the experiment form still needs.
pub fn experiment_problem(problem: crate::logic::experiment_form::ExperimentProblem) -> String {
    use crate::logic::experiment_form::ExperimentProblem as P;
    match (lang(), problem) {
        (Lang::En, P::NoId) => "Give the experiment an id: it becomes part of its address.".into(),
        (Lang::En, P::NoTitle) => "Give the experiment a title.".into(),
        (Lang::En, P::NoTreated) => "Name at least one unit that made the change.".into(),
        (Lang::En, P::TreatedIncomplete(row)) => {
            format!("Unit {row} that changed needs both the unit and the day it started.")
        }
        (Lang::En, P::NoKpi) => "Choose at least one KPI to watch.".into(),
        (Lang::En, P::BadEnd) => "The last day is a date, or empty while it runs.".into(),
        (Lang::Ru, P::NoId) => "Задайте идентификатор эксперимента: он войдёт в его адрес.".into(),
        (Lang::Ru, P::NoTitle) => "Задайте название эксперимента.".into(),
        (Lang::Ru, P::NoTreated) => {
            "Укажите хотя бы одно подразделение, в котором произошло изменение.".into()
        }
        (Lang::Ru, P::TreatedIncomplete(row)) => format!(
            "Подразделение с изменением №\u{a0}{}: укажите и подразделение, и дату старта.",
            format::int(row as i64)
        ),
        (Lang::Ru, P::NoKpi) => "Выберите хотя бы один показатель для отслеживания.".into(),
        (Lang::Ru, P::BadEnd) => {
            "Последний день — это дата; пока эксперимент идёт, оставьте поле пустым.".into()
        }
        (Lang::Fa, P::NoId) => {
            "برای آزمایش شناسه‌ای تعیین کنید: این شناسه بخشی از نشانی آن می‌شود.".into()
        }
        (Lang::Fa, P::NoTitle) => "برای آزمایش عنوانی بنویسید.".into(),
        (Lang::Fa, P::NoTreated) => "دست‌کم یک واحد را که تغییر را اجرا کرده است نام ببرید.".into(),
        (Lang::Fa, P::TreatedIncomplete(row)) => format!(
            "ردیف {} واحدهای مشمول تغییر: هم واحد و هم روز شروع را تعیین کنید.",
            format::int(row as i64)
        ),
        (Lang::Fa, P::NoKpi) => "دست‌کم یک شاخص را برای پایش انتخاب کنید.".into(),
        (Lang::Fa, P::BadEnd) => {
            "آخرین روز باید یک تاریخ باشد، یا تا وقتی آزمایش ادامه دارد خالی بماند.".into()
        }
    }
}

/// What an experiments file did.
pub fn experiments_imported(created: usize, changed: usize, unchanged: usize) -> String {
    match lang() {
        Lang::En => format!("Imported: {created} new, {changed} changed, {unchanged} unchanged."),
        Lang::Ru => format!(
            "Импортировано: новых — {}, изменённых — {}, без изменений — {}.",
            format::int(created as i64),
            format::int(changed as i64),
            format::int(unchanged as i64)
        ),
        Lang::Fa => format!(
            "وارد شد: {} مورد جدید، {} مورد تغییریافته، {} مورد بدون تغییر.",
            format::int(created as i64),
            format::int(changed as i64),
            format::int(unchanged as i64)
        ),
    }
}

/// An experiment on a tile: `Open-space city hall: −23.9%`, or that the data cannot tell.
pub fn experiment_headline(title: &str, effect: Option<&str>) -> String {
    match (lang(), effect) {
        (Lang::En, Some(effect)) => format!("{title}: {effect}"),
        (Lang::En, None) => format!("{title}: the data cannot tell"),
        (Lang::Ru, Some(effect)) => format!("{title}: {effect}"),
        (Lang::Ru, None) => format!("{title}: по данным нельзя сделать вывод"),
        (Lang::Fa, Some(effect)) => format!("{title}: {effect}"),
        (Lang::Fa, None) => format!("{title}: داده‌ها برای نتیجه‌گیری کافی نیست"),
    }
}

/// A long analysis under way: how many of its re-runs are done.
pub fn analysis_running(done: usize, total: usize) -> String {
    match lang() {
        Lang::En if total == 0 => {
            "Starting the analysis: with this many units it re-runs under 2,000 sampled assignments.".to_string()
        }
        Lang::En => format!(
            "Re-running the analysis under other assignments of the change: {} of {}.",
            format::decimal(done as f64, 0),
            format::decimal(total as f64, 0)
        ),
        Lang::Ru if total == 0 => format!(
            "Запуск анализа: при таком числе подразделений он будет повторён для {} случайных распределений изменения.",
            format::int(2000)
        ),
        Lang::Ru => format!(
            "Повторный расчёт при других распределениях изменения: {} из {}.",
            format::int(done as i64),
            format::int(total as i64)
        ),
        Lang::Fa if total == 0 => format!(
            "آغاز تحلیل: با این تعداد واحد، تحلیل برای {} تخصیص تصادفی دوباره اجرا می‌شود.",
            format::int(2000)
        ),
        Lang::Fa => format!(
            "اجرای دوبارهٔ تحلیل با تخصیص‌های دیگر تغییر: {} از {}.",
            format::int(done as i64),
            format::int(total as i64)
        ),
    }
}

/// An experiment's analysis in words: its verdict, its caveats and its method, in the language in
/// use (from the analysis's numbers, with `kpi_api::verdict`); the server's English as it came
/// when the language is English or the server did not say what the words need.
pub fn analysis_words(
    a: &kpi_api::experiment::ExperimentAnalysis,
) -> (String, Vec<String>, String) {
    use kpi_api::verdict;
    let locale = lang().locale();
    let measure = Measure::ALL.into_iter().find(|m| m.as_str() == a.measure);
    match (lang(), a.direction, measure) {
        (Lang::Ru | Lang::Fa, Some(direction), Some(measure)) => {
            // `kpi_title` is in the reader's language already (`logic::localize`).
            let (text, _) = verdict::verdict(a, (direction, measure), &a.kpi_title, locale);
            let caveats = a
                .caveats
                .iter()
                .map(|c| verdict::caveat(c, locale))
                .collect();
            (text, caveats, verdict::method(&a.design, locale))
        }
        _ => (a.verdict.clone(), a.warnings.clone(), a.method.clone()),
    }
}

/// Why a scorecard's line has no score, worded from `why` in the language in use; the server's
/// English (`english`) when it is English or the server did not say why.
pub fn unscored_reason(
    why: Option<kpi_api::evaluation::Unscored>,
    english: &str,
    measure: Measure,
) -> String {
    use kpi_api::evaluation::Unscored as U;
    let Some(why) = why else {
        return english.to_string();
    };
    let value = |v: f64| format::value(Some(v), measure);
    match (lang(), why) {
        (Lang::En, _) => english.to_string(),
        (Lang::Ru, U::NoData) => "нет данных за период".to_string(),
        (Lang::Ru, U::TooFewRows { rows, min_rows }) => format!(
            "случаев {}, меньше {} по правилам схемы",
            format::decimal(rows, 0),
            format::int(min_rows)
        ),
        (Lang::Ru, U::NoTarget) => "нет цели".to_string(),
        (Lang::Ru, U::FloorNotWorse { floor, target }) => {
            format!("порог {} не хуже цели {}", value(floor), value(target))
        }
        (Lang::Fa, U::NoData) => "در این دوره داده‌ای نیست".to_string(),
        (Lang::Fa, U::TooFewRows { rows, min_rows }) => format!(
            "{} مورد، کمتر از {} موردی که طرح می‌خواهد",
            format::decimal(rows, 0),
            format::int(min_rows)
        ),
        (Lang::Fa, U::NoTarget) => "هدفی تعیین نشده است".to_string(),
        (Lang::Fa, U::FloorNotWorse { floor, target }) => {
            format!("کف {} بدتر از هدف {} نیست", value(floor), value(target))
        }
    }
}

/// A unit head's scorecard's name: `Head of Perm`.
pub fn head_of(unit: &str) -> String {
    match lang() {
        Lang::En => format!("Head of {unit}"),
        Lang::Ru => format!("Руководитель: {unit}"),
        Lang::Fa => format!("مدیر {unit}"),
    }
}
