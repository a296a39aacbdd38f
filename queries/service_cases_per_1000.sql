-- id: service_cases_per_1000
-- title: Service applications per 1,000 residents
-- description: Public-service applications submitted in the period per 1,000 residents of the unit. Departments have no population of their own, so this KPI is shown from district level up.
-- title.ru: Заявления на услуги на 1000 жителей
-- description.ru: Заявления на государственные услуги, поданные в периоде, на 1000 жителей подразделения. У отделов нет своего населения, поэтому показатель виден начиная с уровня района.
-- title.fa: درخواست خدمت به ازای هر ۱٬۰۰۰ نفر
-- description.fa: درخواست‌های خدمات عمومی ثبت‌شده در این دوره به ازای هر ۱٬۰۰۰ نفر از جمعیت واحد. اداره‌ها جمعیتی از خود ندارند، پس این شاخص از سطح منطقه به بالا نشان داده می‌شود.
-- unit: per_1000
-- direction: higher
-- grain: month
-- role: lead
-- owner: Digital transformation office
-- source: service_cases; population from org_units
-- tags: services, demand
-- expect: perm 2021-01-01..2021-03-31 = 5.62 ± 0.01
-- expect: mashhad 2021-01-01..2021-03-31 = 5.47 ± 0.01

SELECT
    g.grp,
    p.period,
    count(c.case_id) AS numerator,
    any_value(g.population) AS denominator
FROM groups AS g
CROSS JOIN periods AS p
LEFT JOIN service_cases AS c
  ON c.grp = g.grp AND c.submitted_at >= p.period AND c.submitted_at < p.period_end
GROUP BY g.grp, p.period
