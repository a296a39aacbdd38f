-- id: service_days_median
-- title: Median days to deliver a service
-- description: Half of the public-service cases completed in the period took at most this many days from application to result.
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

SELECT
    c.grp,
    p.period,
    median(date_diff('minute', c.submitted_at, c.completed_at) / 1440.0) AS value
FROM service_cases AS c
JOIN periods AS p
  ON c.completed_at >= p.period AND c.completed_at < p.period_end
GROUP BY c.grp, p.period
