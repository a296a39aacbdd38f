-- id: e_service_share
-- title: Services applied for electronically
-- description: Share of public-service applications submitted in the period through the electronic portal.
-- title.ru: Услуги, заказанные в электронном виде
-- description.ru: Доля заявлений на государственные услуги, поданных в периоде через портал электронных услуг.
-- title.fa: خدمات درخواست‌شده به‌صورت الکترونیکی
-- description.fa: سهم درخواست‌های خدمات عمومی که در این دوره از راه درگاه الکترونیکی ثبت شدند.
-- unit: percent
-- direction: higher
-- target: 70
-- amber: 50
-- grain: month
-- role: lead
-- owner: Digital transformation office
-- source: e-services portal and one-stop centre exports (service_cases)
-- tags: services, digital
-- expect: perm 2021-01-01..2021-03-31 = 56.53 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 75 ± 0.01

SELECT
    c.grp,
    p.period,
    count(*) FILTER (WHERE c.channel = 'electronic') AS numerator,
    count(*) AS denominator
FROM service_cases AS c
JOIN periods AS p
  ON c.submitted_at >= p.period AND c.submitted_at < p.period_end
GROUP BY c.grp, p.period
