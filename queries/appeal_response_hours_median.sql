-- id: appeal_response_hours_median
-- title: Median time to first response
-- description: Half of the appeals received in the period got their first response within this many hours.
-- title.ru: Медианное время до первого ответа
-- description.ru: Половина обращений, поступивших в периоде, получила первый ответ не позже чем за столько часов.
-- title.fa: میانهٔ زمان تا نخستین پاسخ
-- description.fa: نیمی از درخواست‌های دریافت‌شده در این دوره حداکثر در این تعداد ساعت نخستین پاسخ را گرفتند.
-- unit: hours
-- direction: lower
-- target: 24
-- amber: 48
-- grain: week
-- role: lag
-- owner: Head of the appeals office
-- source: appeals registry export (appeals)
-- tags: appeals, speed
-- expect: perm 2021-01-01..2021-03-31 = 36.88 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 30.67 ± 0.01

-- The median, with how many rows it is the middle of (n) and its 95% interval: the sample's
-- j-th and k-th smallest values, j = n/2 - 0.98 sqrt(n) rounded down and k = n/2 + 1 + 0.98 sqrt(n)
-- rounded up (the order-statistic interval; none below 6 rows). League tables use them.
SELECT
    grp,
    period,
    value,
    n,
    CASE WHEN n >= 6 THEN sorted[greatest(1, CAST(floor(n / 2.0 - 0.98 * sqrt(n)) AS BIGINT))] END AS low,
    CASE WHEN n >= 6 THEN sorted[least(n, CAST(ceil(n / 2.0 + 1 + 0.98 * sqrt(n)) AS BIGINT))] END AS high
FROM (
    SELECT
        a.grp,
        p.period,
        median(date_diff('minute', a.received_at, a.first_response_at) / 60.0) AS value,
        count(*) AS n,
        list_sort(list(date_diff('minute', a.received_at, a.first_response_at) / 60.0)) AS sorted
    FROM appeals AS a
    JOIN periods AS p
      ON a.received_at >= p.period AND a.received_at < p.period_end
    WHERE a.first_response_at IS NOT NULL
    GROUP BY a.grp, p.period
) AS medians
