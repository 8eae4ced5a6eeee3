-- The example's gold table: 1,000 customers, computed without randomness so everyone gets the same rows.
-- Safe to run again: it replaces the table (the sync's state in schema reverse_etl is kept, so the next
-- plan compares the new rows with what was sent).
--   psql "$WAREHOUSE_URL" -f examples/postgres-to-webhook/seed.sql
create schema if not exists gold;

drop table if exists gold.customers;
create table gold.customers (
  customer_id    bigint primary key,
  email          text not null,
  full_name      text not null,
  plan           text not null,
  lifetime_value numeric(12, 2) not null,
  updated_at     timestamptz not null
);

insert into gold.customers
select
  n,
  'customer' || lpad(n::text, 4, '0') || '@example.com',
  (array['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald'])[n % 6 + 1] || ' '
    || (array['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuth'])[(n / 6) % 6 + 1],
  (array['free', 'starter', 'pro', 'enterprise'])[(n * 7919) % 4 + 1],
  ((n * 104729) % 500000) / 100.0,
  timestamptz '2024-01-01 00:00:00+00' + make_interval(secs => (n * 2654435761) % 31536000)
from generate_series(1, 1000) as g(n);
