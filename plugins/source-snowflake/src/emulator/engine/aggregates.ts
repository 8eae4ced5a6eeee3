import { compilationError, unsupported } from "../emulator-errors.js";
import type { Expr } from "../sql/ast.js";
import { ARRAY, BOOLEAN, FLOAT, NUMBER_18_0, VARCHAR, number, storageType, type SfType } from "../sql/sf-types.js";
import { asBoolean, bindExpr, orderSql, textOf, type ExprEnv } from "./bind-expression.js";
import type { Bound } from "./bound.js";
import { toVariant } from "./conversions.js";

type Call = Expr & { k: "call" };

const AGGREGATES = new Set(["COUNT", "COUNT_IF", "SUM", "AVG", "MIN", "MAX", "ANY_VALUE", "LISTAGG", "ARRAY_AGG", "BOOLAND_AGG", "BOOLOR_AGG", "MAX_BY", "MIN_BY"]);
const RANKING = new Set(["ROW_NUMBER", "RANK", "DENSE_RANK", "LAG", "LEAD", "FIRST_VALUE", "LAST_VALUE"]);

export function isAggregate(name: string): boolean {
  return AGGREGATES.has(name);
}

/**
 * An aggregate (https://docs.snowflake.com/en/sql-reference/functions-aggregation) with Snowflake's result
 * types: COUNT is NUMBER(18,0), SUM of NUMBER(p,s) is NUMBER(38,s), AVG takes the division's scale,
 * ARRAY_AGG and LISTAGG skip NULLs.
 */
export function aggregateFunction(call: Call, env: ExprEnv): Bound {
  const { call: sql, wrap, type } = aggregateSql(call, env);
  return { sql: wrap ? wrap(sql) : sql, type, aggregate: true };
}

/** An aggregate's DuckDB call, and what wraps it to give Snowflake's type (OVER goes between the two). */
interface AggregateSql {
  call: string;
  wrap?: (call: string) => string;
  type: SfType;
}

const as = (storage: string) => (call: string) => `CAST(${call} AS ${storage})`;

function aggregateSql(call: Call, env: ExprEnv): AggregateSql {
  const distinct = call.distinct ? "DISTINCT " : "";
  const args = call.args.map((a) => bindExpr(a, env));
  if (args.some((a) => a.aggregate)) throw compilationError("Aggregate functions cannot be nested: [" + call.name + "]");
  const one = () => {
    if (args.length !== 1) throw compilationError(`Function ${call.name} takes exactly one argument`);
    return args[0]!;
  };
  switch (call.name) {
    case "COUNT": {
      if (call.star) return { call: "count(*)", wrap: as("DECIMAL(18,0)"), type: NUMBER_18_0 };
      // COUNT(a, b) counts rows where every argument is non-NULL.
      const inner = args.length === 1 ? args[0]!.sql : `CASE WHEN ${args.map((a) => `${a.sql} IS NOT NULL`).join(" AND ")} THEN row(${args.map((a) => a.sql).join(", ")}) END`;
      return { call: `count(${distinct}${inner})`, wrap: as("DECIMAL(18,0)"), type: NUMBER_18_0 };
    }
    case "COUNT_IF":
      return { call: `count_if(${asBoolean(one(), env).sql})`, wrap: as("DECIMAL(18,0)"), type: NUMBER_18_0 };
    case "SUM": {
      const a = one();
      if (a.type.base === "FLOAT") return { call: `sum(${distinct}${a.sql})`, type: FLOAT };
      const scale = a.type.base === "NUMBER" ? a.type.scale : 0;
      if (a.type.base !== "NUMBER" && a.type.base !== "NULL") return { call: `sum(${distinct}CAST(${a.sql} AS DOUBLE))`, type: FLOAT };
      return { call: `sum(${distinct}CAST(${a.sql} AS DECIMAL(38,${scale})))`, wrap: as(`DECIMAL(38,${scale})`), type: number(38, scale) };
    }
    case "AVG": {
      const a = one();
      if (a.type.base !== "NUMBER") return { call: `avg(${distinct}CAST(${a.sql} AS DOUBLE))`, type: FLOAT };
      const scale = Math.max(a.type.scale, Math.min(a.type.scale + 6, 12));
      return { call: `avg(${distinct}${a.sql})`, wrap: (c) => `CAST(round(${c}, ${scale}) AS DECIMAL(38,${scale}))`, type: number(38, scale) };
    }
    case "MIN":
    case "MAX":
    case "ANY_VALUE": {
      const a = one();
      const fn = call.name === "ANY_VALUE" ? "any_value" : call.name.toLowerCase();
      return { call: `${fn}(${distinct}${a.sql})`, wrap: as(storageType(a.type)), type: a.type.base === "NULL" ? VARCHAR : a.type };
    }
    case "MAX_BY":
    case "MIN_BY": {
      if (args.length !== 2) throw unsupported(`${call.name} with a count`);
      return { call: `${call.name.toLowerCase()}(${args[0]!.sql}, ${args[1]!.sql})`, type: args[0]!.type };
    }
    case "BOOLAND_AGG":
      return { call: `bool_and(${asBoolean(one(), env).sql})`, type: BOOLEAN };
    case "BOOLOR_AGG":
      return { call: `bool_or(${asBoolean(one(), env).sql})`, type: BOOLEAN };
    case "LISTAGG": {
      if (args.length < 1 || args.length > 2) throw compilationError("LISTAGG takes one or two arguments");
      const value = textOf(args[0]!, env);
      const sep = args[1] ? textOf(args[1], env).sql : "''";
      const order = call.within ? ` ORDER BY ${orderSql(call.within, (e) => bindExpr(e, env))}` : "";
      // An empty group gives '' in Snowflake, not NULL.
      return { call: `string_agg(${distinct}${value.sql}, ${sep}${order})`, wrap: (c) => `coalesce(${c}, '')`, type: VARCHAR };
    }
    case "ARRAY_AGG": {
      const a = one();
      const order = call.within ? ` ORDER BY ${orderSql(call.within, (e) => bindExpr(e, env))}` : "";
      const v = toVariant(a, env.ctx.session);
      return { call: `list(${distinct}CAST(${v} AS JSON)${order}) FILTER (WHERE ${a.sql} IS NOT NULL)`, wrap: (c) => `coalesce(CAST(to_json(${c}) AS JSON), '[]'::JSON)`, type: ARRAY };
    }
    default:
      throw unsupported(`aggregate ${call.name}`);
  }
}

/** A window function call (https://docs.snowflake.com/en/sql-reference/functions-window). */
export function windowFunction(call: Call, env: ExprEnv): Bound {
  const over = call.over!;
  const partition = over.partitionBy.map((e) => bindExpr(e, env).sql);
  const order = over.orderBy.length > 0 ? orderSql(over.orderBy, (e) => bindExpr(e, env)) : "";
  let frame = over.frame ?? "";
  let fn: { sql: string; wrap?: (call: string) => string; type: SfType };
  if (RANKING.has(call.name)) {
    const args = call.args.map((a) => bindExpr(a, env));
    const nulls = call.ignoreNulls ? " IGNORE NULLS" : "";
    switch (call.name) {
      case "ROW_NUMBER":
      case "RANK":
      case "DENSE_RANK":
        if (!order && call.name !== "ROW_NUMBER") throw compilationError(`Window function type [${call.name}] requires order to be specified`);
        fn = { sql: `${call.name.toLowerCase()}()`, wrap: (c) => `CAST(${c} AS DECIMAL(18,0))`, type: NUMBER_18_0 };
        frame = "";
        break;
      case "LAG":
      case "LEAD": {
        const [value, offset, fallback] = args;
        if (!value) throw compilationError(`${call.name} needs an argument`);
        const extra = `${offset ? `, CAST(${offset.sql} AS BIGINT)` : ""}${fallback ? `, ${fallback.sql}` : ""}`;
        fn = { sql: `${call.name.toLowerCase()}(${value.sql}${extra}${nulls})`, type: value.type };
        frame = "";
        break;
      }
      default: {
        const [value] = args;
        if (!value) throw compilationError(`${call.name} needs an argument`);
        // Snowflake's default frame for FIRST_VALUE and LAST_VALUE is the whole partition.
        if (!frame) frame = "ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING";
        fn = { sql: `${call.name.toLowerCase()}(${value.sql}${nulls})`, type: value.type };
      }
    }
  } else if (AGGREGATES.has(call.name)) {
    if (call.within) throw unsupported(`${call.name} WITHIN GROUP with OVER`);
    if (call.name === "LISTAGG" || call.name === "ARRAY_AGG") throw unsupported(`${call.name} with OVER`);
    const agg = aggregateSql(call, env);
    fn = { sql: agg.call, ...(agg.wrap ? { wrap: agg.wrap } : {}), type: agg.type };
  } else {
    throw unsupported(`window function ${call.name}`);
  }
  const spec = [partition.length ? `PARTITION BY ${partition.join(", ")}` : "", order ? `ORDER BY ${order}` : "", frame].filter(Boolean).join(" ");
  const windowed = `${fn.sql} OVER (${spec})`;
  return { sql: fn.wrap ? fn.wrap(windowed) : windowed, type: fn.type };
}

