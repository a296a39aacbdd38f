-- id: resident_satisfaction_share
-- title: Residents satisfied with the answer
-- description: Of the appeals closed in the period that the resident rated, the share rated 4 or 5 out of 5.
-- title.ru: Жители, довольные ответом
-- description.ru: Из закрытых в периоде обращений, которые житель оценил, доля оценок 4 или 5 из 5.
-- title.fa: شهروندان راضی از پاسخ
-- description.fa: از درخواست‌های بسته‌شده در این دوره که شهروند به آن‌ها نمره داد، سهم نمره‌های ۴ یا ۵ از ۵.
-- unit: percent
-- direction: higher
-- target: 80
-- amber: 70
-- grain: week
-- role: lag
-- owner: Head of the appeals office
-- source: appeals registry export (appeals.rating)
-- tags: appeals, satisfaction
-- expect: perm 2021-01-01..2021-03-31 = 72.24 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 63.79 ± 0.01

SELECT
    a.grp,
    p.period,
    count(*) FILTER (WHERE a.rating >= 4) AS numerator,
    count(a.rating) AS denominator
FROM appeals AS a
JOIN periods AS p
  ON a.closed_at >= p.period AND a.closed_at < p.period_end
GROUP BY a.grp, p.period
