-- id: service_days_median
-- title: Median days to deliver a service
-- description: Half of the public-service cases completed in the period took at most this many days from application to result.
-- title.ru: Медианный срок оказания услуги, дней
-- description.ru: Половина дел по государственным услугам, завершённых в периоде, заняла не больше стольких дней от заявления до результата.
-- title.fa: میانهٔ روزهای ارائهٔ خدمت
-- description.fa: نیمی از پرونده‌های خدمات عمومی که در این دوره به پایان رسیدند، از درخواست تا نتیجه حداکثر این تعداد روز طول کشیدند.
-- unit: days
-- direction: lower
-- target: 5
-- amber: 10
-- grain: month
-- role: lag
-- owner: Digital transformation office
-- source: service_cases
-- tags: services, speed
-- expect: perm 2021-01-01..2021-03-31 = 5.65 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 5.6 ± 0.01

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
        c.grp,
        p.period,
        median(date_diff('minute', c.submitted_at, c.completed_at) / 1440.0) AS value,
        count(*) AS n,
        list_sort(list(date_diff('minute', c.submitted_at, c.completed_at) / 1440.0)) AS sorted
    FROM service_cases AS c
    JOIN periods AS p
      ON c.completed_at >= p.period AND c.completed_at < p.period_end
    GROUP BY c.grp, p.period
) AS medians
