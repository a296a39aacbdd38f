-- id: appeal_on_time_share
-- title: Appeals closed on time
-- description: Of the appeals whose statutory deadline fell in the period, the share closed by the deadline. An appeal still open after its deadline counts as late.
-- title.ru: Обращения, закрытые в срок
-- description.ru: Из обращений, чей установленный законом срок истёк в периоде, доля закрытых к сроку. Обращение, открытое после срока, считается просроченным.
-- title.fa: درخواست‌های پاسخ‌داده‌شده در مهلت
-- description.fa: از درخواست‌هایی که مهلت قانونی آن‌ها در این دوره به پایان رسید، سهم درخواست‌هایی که تا مهلت بسته شدند. درخواستی که پس از مهلت هنوز باز است، دیرکرد به شمار می‌آید.
-- unit: percent
-- direction: higher
-- target: 95
-- amber: 90
-- grain: week
-- role: lag
-- owner: Head of the appeals office
-- source: appeals registry export (appeals)
-- tags: appeals, deadlines
-- expect: perm 2021-01-01..2021-03-31 = 95.37 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 86.86 ± 0.01

SELECT
    a.grp,
    p.period,
    count(*) FILTER (WHERE a.closed_at IS NOT NULL AND a.closed_at <= a.due_at) AS numerator,
    count(*) AS denominator
FROM appeals AS a
JOIN periods AS p
  ON a.due_at >= p.period AND a.due_at < p.period_end
GROUP BY a.grp, p.period
