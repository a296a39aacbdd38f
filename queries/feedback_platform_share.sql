-- id: feedback_platform_share
-- title: Appeals through the feedback platform
-- description: Share of the appeals received in the period that came through the regional feedback platform.
-- title.ru: Обращения через платформу обратной связи
-- description.ru: Доля обращений, поступивших в периоде через региональную платформу обратной связи.
-- title.fa: درخواست‌ها از راه سامانهٔ بازخورد
-- description.fa: سهم درخواست‌های دریافت‌شده در این دوره که از راه سامانهٔ بازخورد استانی رسیدند.
-- unit: percent
-- direction: higher
-- grain: month
-- role: lead
-- owner: Regional management centre
-- source: appeals registry export (appeals)
-- tags: appeals, channels, digital

SELECT
    a.grp,
    p.period,
    count(*) FILTER (WHERE a.channel = 'feedback_platform') AS numerator,
    count(*) AS denominator
FROM appeals AS a
JOIN periods AS p
  ON a.received_at >= p.period AND a.received_at < p.period_end
GROUP BY a.grp, p.period
