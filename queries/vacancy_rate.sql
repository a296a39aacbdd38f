-- id: vacancy_rate
-- title: Vacant positions
-- description: Vacant positions as a share of all positions (filled plus vacant), over the staffing months that overlap the period.
-- title.ru: Вакантные должности
-- description.ru: Доля вакантных должностей среди всех (занятых и вакантных) за месяцы штатного расписания, пересекающиеся с периодом.
-- title.fa: پست‌های خالی
-- description.fa: سهم پست‌های خالی از همهٔ پست‌ها (پرشده و خالی) در ماه‌های تشکیلاتی که با این دوره هم‌پوشانی دارند.
-- unit: percent
-- direction: lower
-- target: 5
-- amber: 10
-- grain: month
-- role: lead
-- owner: Human resources department
-- source: HR staffing export (staffing)
-- tags: staff
-- expect: perm 2021-01-01..2021-03-31 = 6.31 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 7.53 ± 0.01

SELECT
    s.grp,
    p.period,
    sum(s.vacancies) AS numerator,
    sum(s.headcount + s.vacancies) AS denominator
FROM staffing AS s
JOIN periods AS p
  ON s.month >= date_trunc('month', p.period) AND s.month < p.period_end
GROUP BY s.grp, p.period
