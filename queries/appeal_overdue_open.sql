-- id: appeal_overdue_open
-- title: Open appeals past their deadline
-- description: Appeals still not closed at the end of the period although their statutory deadline had passed.
-- title.ru: Открытые обращения с истёкшим сроком
-- description.ru: Обращения, не закрытые к концу периода, хотя установленный срок уже истёк.
-- title.fa: درخواست‌های باز با مهلت گذشته
-- description.fa: درخواست‌هایی که تا پایان دوره بسته نشده‌اند، با آنکه مهلت قانونی آن‌ها گذشته است.
-- unit: count
-- direction: lower
-- grain: week
-- role: lag
-- owner: Head of the appeals office
-- source: appeals registry export (appeals)
-- tags: appeals, deadlines, backlog
-- expect: perm 2021-01-01..2021-03-31 = 182 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 652 ± 0.01

-- Every group and period gets a row: none overdue is 0, not "no data". (The engine reads only
-- the appeals the join can take: due before the last period ends, open after the first one.)
SELECT
    g.grp,
    p.period,
    count(a.appeal_id) AS value
FROM groups AS g
CROSS JOIN periods AS p
LEFT JOIN appeals AS a
  ON a.grp = g.grp
 AND a.due_at < p.period_end
 AND coalesce(a.closed_at, TIMESTAMP '9999-12-31') >= p.period_end
 AND a.received_at < p.period_end
GROUP BY g.grp, p.period
