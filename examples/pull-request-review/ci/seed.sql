-- The fixture warehouse that pull-request plans run against: the gold tables the models read, with a
-- small, deterministic sample of rows (no random()), so two runs of the same config give the same plan
-- and a plan's numbers change only when the config (or this file) does. Keep it small and representative:
-- a row per case your models handle (each plan, a missing name, ...), not a copy of production.
create schema if not exists gold;

create or replace table gold.customers as
select
  cast(i as integer) as id,
  'customer' || lpad(cast(i as varchar), 3, '0') || '@example.com' as email,
  ['Ada', 'Alan', 'Grace', 'Edsger', 'Barbara', 'Linus', 'Radia', 'Ken'][i % 8 + 1] as first_name,
  ['Lovelace', 'Turing', 'Hopper', 'Dijkstra', 'Liskov', 'Torvalds', 'Perlman', 'Thompson'][(i * 3) % 8 + 1] as last_name,
  ['France', 'Germany', 'Japan', 'Brazil', 'Canada'][i % 5 + 1] as country,
  -- Half free, 30 % starter, the rest pro, like a SaaS customer base.
  case when i % 10 < 5 then 'free' when i % 10 < 8 then 'starter' else 'pro' end as plan
from range(1, 251) t(i)
order by i;
