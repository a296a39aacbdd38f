//! The server's errors in the interface's language. The server answers with a stable code, an
//! English sentence and the sentence's arguments (`kpi_api::ApiError`); here each code is worded
//! anew from its arguments. The `detail` argument (a file's line and column, the engine's message
//! on a SQL text) is technical and stays as the server wrote it, after the worded sentence.

use std::collections::BTreeMap;

use super::format;
use super::{lang, Lang};

/// What to tell a person about the server's error `code`; `message` is the server's English.
pub fn server_error(code: &str, args: &BTreeMap<String, String>, message: &str) -> String {
    let arg = |name: &str| args.get(name).map(String::as_str).unwrap_or_default();
    let detail = arg("detail");
    let with_detail = |head: String| {
        if detail.is_empty() {
            head
        } else {
            format!("{head}: {detail}")
        }
    };
    let seconds = arg("retry_after")
        .parse::<i64>()
        .map(format::int)
        .unwrap_or_default();
    match lang() {
        // The server's sentence is English already.
        Lang::En => message.to_string(),
        Lang::Ru => match code {
            "bad_parameter" => with_detail(format!("Неверный параметр «{}»", arg("param"))),
            "not_found" => with_detail("Не найдено".into()),
            "invalid_file" => with_detail("Файл не принят".into()),
            "too_large" => with_detail("Слишком большой объём".into()),
            "kpi_failed" => with_detail(format!("Показатель {} не удалось вычислить", arg("kpi"))),
            "unauthenticated" => "Сеанс завершён: войдите снова.".into(),
            "bad_credentials" => "Неверное имя пользователя или пароль.".into(),
            "rate_limited" => {
                format!("Слишком много неудачных попыток входа: повторите через {seconds} с.")
            }
            "too_many_queries" => {
                "Уже выполняется столько ваших запросов, сколько разрешено: дождитесь их.".into()
            }
            "forbidden" => with_detail("Нет доступа".into()),
            "csrf" => "Запрос отклонён защитой сеанса: обновите страницу.".into(),
            "conflict" => with_detail("Кто-то изменил это раньше вас".into()),
            "query_refused" => with_detail("Запрос не допущен".into()),
            "query_failed" => with_detail("Ошибка в SQL".into()),
            "query_timeout" => with_detail("Запрос не уложился в отведённое время".into()),
            "query_memory" => with_detail("Запросу не хватило памяти".into()),
            "query_cancelled" => "Запрос отменён.".into(),
            "invalid_kpi" => with_detail("Файл показателя не прошёл проверку".into()),
            "database" | "io" | "internal" => {
                "Сервер не смог ответить; причина записана в его журнал.".into()
            }
            _ => format!("Сервер отклонил запрос ({code}): {message}"),
        },
        Lang::Fa => match code {
            "bad_parameter" => with_detail(format!("پارامتر «{}» نادرست است", arg("param"))),
            "not_found" => with_detail("پیدا نشد".into()),
            "invalid_file" => with_detail("پرونده پذیرفته نشد".into()),
            "too_large" => with_detail("حجم بیش از اندازه است".into()),
            "kpi_failed" => with_detail(format!("شاخص {} محاسبه نشد", arg("kpi"))),
            "unauthenticated" => "نشست به پایان رسیده است؛ دوباره وارد شوید.".into(),
            "bad_credentials" => "نام کاربری یا گذرواژه نادرست است.".into(),
            "rate_limited" => {
                format!("تلاش‌های ناموفق ورود بیش از حد است؛ {seconds} ثانیهٔ دیگر دوباره تلاش کنید.")
            }
            "too_many_queries" => {
                "به اندازهٔ مجاز پرس‌وجوی در حال اجرا دارید؛ منتظر پایان آن‌ها بمانید.".into()
            }
            "forbidden" => with_detail("دسترسی ندارید".into()),
            "csrf" => "درخواست به دلیل حفاظت نشست رد شد؛ صفحه را دوباره بارگذاری کنید.".into(),
            "conflict" => with_detail("کس دیگری پیش از شما آن را تغییر داده است".into()),
            "query_refused" => with_detail("پرس‌وجو مجاز نیست".into()),
            "query_failed" => with_detail("خطا در SQL".into()),
            "query_timeout" => with_detail("پرس‌وجو در زمان مجاز تمام نشد".into()),
            "query_memory" => with_detail("حافظهٔ پرس‌وجو کافی نبود".into()),
            "query_cancelled" => "پرس‌وجو لغو شد.".into(),
            "invalid_kpi" => with_detail("پروندهٔ شاخص از بررسی رد شد".into()),
            "database" | "io" | "internal" => {
                "سرور نتوانست پاسخ دهد؛ علت در گزارش آن ثبت شده است.".into()
            }
            _ => format!("سرور درخواست را رد کرد ({code}): {message}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{set_lang, Lang};

    fn args(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn each_language_words_the_code_from_its_arguments() {
        let a = args(&[("param", "from"), ("detail", "not a date: 2021-13-01")]);
        let english = "from: not a date: 2021-13-01";
        set_lang(Lang::En);
        assert_eq!(server_error("bad_parameter", &a, english), english);
        set_lang(Lang::Ru);
        assert_eq!(
            server_error("bad_parameter", &a, english),
            "Неверный параметр «from»: not a date: 2021-13-01"
        );
        assert_eq!(
            server_error("rate_limited", &args(&[("retry_after", "300")]), ""),
            "Слишком много неудачных попыток входа: повторите через 300 с."
        );
        set_lang(Lang::Fa);
        assert_eq!(
            server_error("rate_limited", &args(&[("retry_after", "300")]), ""),
            "تلاش‌های ناموفق ورود بیش از حد است؛ ۳۰۰ ثانیهٔ دیگر دوباره تلاش کنید."
        );
        // A code this app does not know yet still says what the server said.
        assert!(server_error("new_code", &BTreeMap::new(), "why").contains("(new_code): why"));
        set_lang(Lang::En);
    }
}
