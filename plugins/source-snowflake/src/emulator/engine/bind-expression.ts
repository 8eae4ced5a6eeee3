import { SnowflakeError, compilationError, unsupported } from "../emulator-errors.js";
import type { Expr, OrderItem, Query } from "../sql/ast.js";
import {
  BOOLEAN,
  FLOAT,
  VARCHAR,
  VARIANT,
  commonType,
  isNumeric,
  isSemiStructured,
  isTimestamp,
  number,
  storageType,
  type NumberType,
  varchar,
  type SfType,
} from "../sql/sf-types.js";
import { literal } from "./catalog.js";
import { castTo, bindConstant, raise, toText } from "./conversions.js";
import { bindFunction } from "./functions.js";
import type { BindContext, Bound, BoundQuery, RelationColumn, Scope } from "./bound.js";
import { displayIdent } from "./bound.js";

/** Binds a subquery; provided by the query binder (the two recurse into each other). */
export type QueryBinder = (query: Query, ctx: BindContext, outer: Scope) => BoundQuery;

/** What binding an expression needs: the statement's context, the names in scope, and the query binder. */
export interface ExprEnv {
  readonly ctx: BindContext;
  readonly scope: Scope;
  readonly bindQuery: QueryBinder;
  /** Aggregates are allowed here (select list, HAVING, QUALIFY, ORDER BY of a grouped query). */
  readonly allowAggregates: boolean;
}

/** Translate a Snowflake expression to DuckDB SQL with its Snowflake type. */
export function bindExpr(e: Expr, env: ExprEnv): Bound {
  switch (e.k) {
    case "lit":
      return literalOf(e);
    case "col": {
      const found = env.scope.resolve(e.parts, displayIdent(e.parts));
      return "name" in found ? { sql: (found as RelationColumn).sql, type: found.type } : (found as Bound);
    }
    case "param": {
      const index = e.index === 0 ? env.ctx.nextBind() : e.index;
      const bind = env.ctx.binds[index - 1];
      if (!bind) throw new SnowflakeError("002049", "22000", `SQL compilation error: error line ${e.pos.line} at position ${e.pos.column}\nBind variable ${e.index === 0 ? "?" : `:${e.index}`} not set.`);
      return bindConstant(bind.type, bind.value);
    }
    case "star":
      throw compilationError("invalid use of *");
    case "unary": {
      const inner = bindExpr(e.e, env);
      if (e.op === "not") return { ...keep(inner), sql: `(NOT ${asBoolean(inner, env).sql})`, type: BOOLEAN };
      if (!isNumeric(inner.type)) throw invalidArgumentTypes("-", [inner.type]);
      return { ...keep(inner), sql: `(-${inner.sql})`, type: inner.type };
    }
    case "bin":
      return binary(e.op, bindExpr(e.l, env), bindExpr(e.r, env), env);
    case "is": {
      const inner = bindExpr(e.e, env);
      const test = e.what === "null" ? "NULL" : e.what.toUpperCase();
      return { ...keep(inner), sql: `(${inner.sql} IS ${e.not ? "NOT " : ""}${test})`, type: BOOLEAN };
    }
    case "distinct": {
      const [l, r] = comparable(bindExpr(e.l, env), bindExpr(e.r, env), env);
      return { ...keep(l, r), sql: `(${l.sql} IS ${e.not ? "NOT " : ""}DISTINCT FROM ${r.sql})`, type: BOOLEAN };
    }
    case "in": {
      const left = bindExpr(e.e, env);
      if (e.query) {
        const sub = env.bindQuery(e.query, env.ctx, env.scope);
        if (sub.columns.length !== 1) throw compilationError("subquery in IN must return exactly one column");
        const [l] = comparable(left, { sql: "", type: sub.columns[0]!.type }, env);
        return { ...keep(left), sql: `(${l.sql} ${e.not ? "NOT " : ""}IN (SELECT ${outputColumn(0)} FROM (${sub.sql}) AS "sq"))`, type: BOOLEAN };
      }
      const items = e.list!.map((x) => bindExpr(x, env));
      const common = items.reduce((t, b) => commonType(t, b.type), left.type);
      const l = coerce(left, common, env);
      const list = items.map((b) => coerce(b, common, env).sql).join(", ");
      return { ...keep(left, ...items), sql: `(${l.sql} ${e.not ? "NOT " : ""}IN (${list}))`, type: BOOLEAN };
    }
    case "between": {
      const v = bindExpr(e.e, env);
      const lo = bindExpr(e.lo, env);
      const hi = bindExpr(e.hi, env);
      const common = commonType(commonType(v.type, lo.type), hi.type);
      const [a, b, c] = [v, lo, hi].map((x) => coerce(x, common, env));
      return { ...keep(v, lo, hi), sql: `(${a!.sql} ${e.not ? "NOT " : ""}BETWEEN ${b!.sql} AND ${c!.sql})`, type: BOOLEAN };
    }
    case "like": {
      const v = textOf(bindExpr(e.e, env), env);
      const p = textOf(bindExpr(e.pattern, env), env);
      if (e.op === "rlike") {
        // RLIKE and REGEXP match the whole string (https://docs.snowflake.com/en/sql-reference/functions/rlike).
        return { ...keep(v, p), sql: `(${e.not ? "NOT " : ""}regexp_full_match(${v.sql}, ${p.sql}))`, type: BOOLEAN };
      }
      const escape = e.escape ? ` ESCAPE ${textOf(bindExpr(e.escape, env), env).sql}` : "";
      return { ...keep(v, p), sql: `(${v.sql} ${e.not ? "NOT " : ""}${e.op.toUpperCase()} ${p.sql}${escape})`, type: BOOLEAN };
    }
    case "exists": {
      const sub = env.bindQuery(e.query, env.ctx, env.scope);
      return { sql: `(EXISTS (${sub.sql}))`, type: BOOLEAN };
    }
    case "subquery": {
      const sub = env.bindQuery(e.query, env.ctx, env.scope);
      if (sub.columns.length !== 1) throw compilationError("Subquery must return exactly one column");
      return { sql: `(SELECT ${outputColumn(0)} FROM (${sub.sql}) AS "sq")`, type: sub.columns[0]!.type };
    }
    case "case":
      return caseExpression(e, env);
    case "cast": {
      const inner = bindExpr(e.e, env);
      if (e.try && inner.type.base !== "VARCHAR" && inner.type.base !== "NULL" && inner.type.base !== "VARIANT") {
        throw compilationError(`Function TRY_CAST cannot be used with arguments of types ${inner.type.base} and ${e.type.base}`);
      }
      return castTo(inner, e.type, env.ctx.session, e.try);
    }
    case "call":
      return bindFunction(e, env);
    case "path": {
      const base = bindExpr(e.e, env);
      if (!isSemiStructured(base.type) && base.type.base !== "NULL") {
        throw compilationError(`Invalid argument types for function 'GET': (${base.type.base}, VARCHAR(${e.path.length}))`);
      }
      return pathAccess(base, e.path, env);
    }
    case "interval":
      return { sql: `INTERVAL ${literal(e.text)}`, type: VARCHAR, interval: true };
  }
}

/** `v:a.b[0]`, `v['a']`: GET_PATH on a semi-structured value; a missing key is SQL NULL, a JSON null stays a VARIANT null. */
export function pathAccess(base: Bound, path: Array<{ key: string } | { index: Expr }>, env: ExprEnv): Bound {
  let sql = base.sql;
  for (const step of path) {
    if ("key" in step) sql = `json_extract(${sql}, ${literal(`$."${step.key.replace(/"/g, '\\"')}"`)})`;
    else {
      const index = bindExpr(step.index, env);
      if (index.type.base === "VARCHAR") sql = `json_extract(${sql}, '$."' || replace(${index.sql}, '"', '\\"') || '"')`;
      else sql = `json_extract(${sql}, '$[' || CAST(CAST(${index.sql} AS BIGINT) AS VARCHAR) || ']')`;
    }
  }
  return { ...keep(base), sql, type: VARIANT };
}

function literalOf(e: Expr & { k: "lit" }): Bound {
  switch (e.type) {
    case "null":
      return { sql: "NULL", type: { base: "NULL" } };
    case "bool":
      return { sql: e.value, type: BOOLEAN };
    case "string":
      return { sql: literal(e.value), type: varchar(Math.max(1, [...e.value].length)) };
    case "number": {
      // https://docs.snowflake.com/en/sql-reference/data-types-numeric#numeric-constants: integer and
      // decimal constants are fixed-point NUMBER of their digits; an exponent makes a FLOAT.
      if (/[eE]/.test(e.value)) return { sql: `CAST(${e.value} AS DOUBLE)`, type: FLOAT };
      const [whole, fraction = ""] = e.value.replace(/^-/, "").split(".");
      const digits = (whole!.replace(/^0+/, "") || "0").length;
      const scale = fraction.length;
      const precision = Math.min(38, Math.max(1, digits + scale));
      return { sql: `CAST(${e.value.endsWith(".") ? `${e.value}0` : e.value} AS DECIMAL(${precision},${scale}))`, type: number(precision, scale) };
    }
  }
}

/** Merge the aggregate flag of the parts. */
export function keep(...parts: Bound[]): { aggregate?: boolean } {
  return parts.some((p) => p.aggregate) ? { aggregate: true } : {};
}

export function outputColumn(index: number): string {
  return `"c${index + 1}"`;
}

export function invalidArgumentTypes(fn: string, types: SfType[]): SnowflakeError {
  return compilationError(`Invalid argument types for function '${fn}': (${types.map((t) => t.base).join(", ")})`);
}

/** A boolean operand: Snowflake converts text and numbers to BOOLEAN in logical operators. */
export function asBoolean(b: Bound, env: ExprEnv): Bound {
  if (b.type.base === "BOOLEAN" || b.type.base === "NULL") return b;
  return castTo(b, BOOLEAN, env.ctx.session);
}

export function textOf(b: Bound, env: ExprEnv): Bound {
  if (b.type.base === "VARCHAR") return b;
  if (b.type.base === "NULL") return { ...b, sql: "CAST(NULL AS VARCHAR)", type: VARCHAR };
  return { ...keep(b), sql: toText(b, env.ctx.session), type: VARCHAR };
}

/** `b` converted to `type` when it is not of it already. */
export function coerce(b: Bound, type: SfType, env: ExprEnv): Bound {
  if (b.type.base === type.base && (type.base !== "NUMBER" || b.type.base !== "NUMBER")) return b;
  if (b.type.base === "NUMBER" && type.base === "NUMBER") return b;
  if (b.type.base === "NULL") return { ...b, sql: `CAST(NULL AS ${storageType(type)})`, type };
  return castTo(b, type, env.ctx.session);
}

/**
 * Operands of a comparison converted to one type, as Snowflake compares them: numbers with numbers (text
 * is read as a number), dates with timestamps as timestamps, a VARIANT with a scalar as that scalar.
 */
export function comparable(l: Bound, r: Bound, env: ExprEnv): [Bound, Bound] {
  const a = l.type;
  const b = r.type;
  if (a.base === b.base || a.base === "NULL" || b.base === "NULL") return [l, r];
  if (isNumeric(a) && isNumeric(b)) return a.base === "FLOAT" || b.base === "FLOAT" ? [coerce(l, FLOAT, env), coerce(r, FLOAT, env)] : [l, r];
  if (isSemiStructured(a) && isSemiStructured(b)) return [l, r];
  if (isSemiStructured(a)) return [castTo(l, b, env.ctx.session, true), r];
  if (isSemiStructured(b)) return [l, castTo(r, a, env.ctx.session, true)];
  const common = commonType(a, b);
  return [coerce(l, common, env), coerce(r, common, env)];
}

/** Result type of NUMBER arithmetic (https://docs.snowflake.com/en/sql-reference/operators-arithmetic#scale-and-precision-in-arithmetic-operations). */
function arithmeticType(op: string, a: NumberType, b: NumberType): NumberType {
  const l1 = a.precision - a.scale;
  const l2 = b.precision - b.scale;
  let lead: number;
  let scale: number;
  switch (op) {
    case "+":
    case "-":
      lead = Math.max(l1, l2) + 1;
      scale = Math.max(a.scale, b.scale);
      break;
    case "*":
      lead = l1 + l2;
      scale = Math.min(a.scale + b.scale, Math.max(a.scale, b.scale, 12));
      break;
    case "/":
      lead = l1 + b.scale;
      scale = Math.max(a.scale, Math.min(a.scale + 6, 12));
      break;
    default:
      lead = Math.max(l1, l2);
      scale = Math.max(a.scale, b.scale);
  }
  return number(Math.min(38, lead + scale), scale);
}

function binary(op: string, l: Bound, r: Bound, env: ExprEnv): Bound {
  const k = keep(l, r);
  switch (op) {
    case "and":
    case "or":
      return { ...k, sql: `(${asBoolean(l, env).sql} ${op.toUpperCase()} ${asBoolean(r, env).sql})`, type: BOOLEAN };
    case "=":
    case "!=":
    case "<":
    case ">":
    case "<=":
    case ">=": {
      const [a, b] = comparable(l, r, env);
      return { ...k, sql: `(${a.sql} ${op === "!=" ? "<>" : op} ${b.sql})`, type: BOOLEAN };
    }
    case "||": {
      // NULL in, NULL out (https://docs.snowflake.com/en/sql-reference/functions/concat).
      return { ...k, sql: `(${textOf(l, env).sql} || ${textOf(r, env).sql})`, type: VARCHAR };
    }
    case "+":
    case "-":
      if (l.interval || r.interval) {
        const value = l.interval ? r : l;
        if (!isTimestamp(value.type) && value.type.base !== "DATE") throw invalidArgumentTypes(op, [l.type, r.type]);
        const type = value.type.base === "DATE" ? { base: "TIMESTAMP_NTZ" as const, scale: 9 } : value.type;
        return { ...k, sql: `CAST((${l.sql} ${op} ${r.sql}) AS ${storageType(type)})`, type };
      }
      if (l.type.base === "DATE" && isNumeric(r.type)) return { ...k, sql: `(${l.sql} ${op} CAST(${r.sql} AS INTEGER))`, type: l.type };
      if (op === "-" && l.type.base === "DATE" && r.type.base === "DATE") return { ...k, sql: `CAST((${l.sql} - ${r.sql}) AS DECIMAL(38,0))`, type: number(38, 0) };
      return arithmetic(op, l, r, env);
    case "*":
    case "/":
    case "%":
      return arithmetic(op, l, r, env);
    default:
      throw unsupported(`operator ${op}`);
  }
}

function numericOperand(b: Bound, env: ExprEnv, op: string, other: Bound): Bound {
  if (isNumeric(b.type) || b.type.base === "NULL") return b;
  if (b.type.base === "VARCHAR" || b.type.base === "VARIANT") return castTo(b, FLOAT, env.ctx.session);
  throw invalidArgumentTypes(op, [b.type, other.type]);
}

function arithmetic(op: string, left: Bound, right: Bound, env: ExprEnv): Bound {
  const l = numericOperand(left, env, op, right);
  const r = numericOperand(right, env, op, left);
  const k = keep(l, r);
  const zero = `${r.sql} = 0`;
  const divide = (expr: string) => `(CASE WHEN ${zero} THEN ${raise("100051", "22012", "Division by zero")} ELSE ${expr} END)`;
  if (l.type.base === "FLOAT" || r.type.base === "FLOAT") {
    const a = `CAST(${l.sql} AS DOUBLE)`;
    const b = `CAST(${r.sql} AS DOUBLE)`;
    if (op === "/") return { ...k, sql: divide(`(${a} / ${b})`), type: FLOAT };
    if (op === "%") return { ...k, sql: divide(`fmod(${a}, ${b})`), type: FLOAT };
    return { ...k, sql: `(${a} ${op} ${b})`, type: FLOAT };
  }
  const la = l.type.base === "NUMBER" ? l.type : number(38, 0);
  const rb = r.type.base === "NUMBER" ? r.type : number(38, 0);
  const type = arithmeticType(op, la, rb);
  const storage = storageType(type);
  if (op === "/") {
    // DuckDB divides decimals in DOUBLE: exact while the quotient has at most 15 significant digits.
    return { ...k, sql: divide(`CAST(round(CAST(${l.sql} AS DOUBLE) / CAST(${r.sql} AS DOUBLE), ${type.scale}) AS ${storage})`), type };
  }
  if (op === "%") return { ...k, sql: divide(`CAST((${l.sql} % ${r.sql}) AS ${storage})`), type };
  // Widen first: DuckDB's own decimal result type could overflow where Snowflake's does not.
  const wide = `DECIMAL(38,${Math.max(la.scale, rb.scale, op === "*" ? Math.min(la.scale + rb.scale, 37) : 0)})`;
  if (op === "*") return { ...k, sql: `CAST((CAST(${l.sql} AS DECIMAL(38,${la.scale})) * CAST(${r.sql} AS DECIMAL(38,${rb.scale}))) AS ${storage})`, type };
  return { ...k, sql: `CAST((CAST(${l.sql} AS ${wide}) ${op} CAST(${r.sql} AS ${wide})) AS ${storage})`, type };
}

function caseExpression(e: Expr & { k: "case" }, env: ExprEnv): Bound {
  const operand = e.operand ? bindExpr(e.operand, env) : undefined;
  const whens = e.whens.map((w) => ({ when: bindExpr(w.when, env), then: bindExpr(w.then, env) }));
  const otherwise = e.else ? bindExpr(e.else, env) : undefined;
  const type = [...whens.map((w) => w.then.type), ...(otherwise ? [otherwise.type] : [])].reduce(commonType);
  const parts = whens.map(({ when, then }) => {
    const test = operand ? (() => {
      const [a, b] = comparable(operand, when, env);
      return `${a.sql} = ${b.sql}`;
    })() : asBoolean(when, env).sql;
    return `WHEN ${test} THEN ${coerce(then, type, env).sql}`;
  });
  const tail = otherwise ? ` ELSE ${coerce(otherwise, type, env).sql}` : "";
  const all = [...(operand ? [operand] : []), ...whens.flatMap((w) => [w.when, w.then]), ...(otherwise ? [otherwise] : [])];
  return { ...keep(...all), sql: `(CASE ${parts.join(" ")}${tail} END)`, type };
}

/** ORDER BY items with Snowflake's default NULL ordering (NULLS LAST ascending, NULLS FIRST descending). */
export function orderSql(items: readonly OrderItem[], bind: (e: Expr) => Bound): string {
  return items
    .map((item) => {
      const b = bind(item.e);
      const nulls = item.nulls ?? (item.desc ? "first" : "last");
      return `${b.sql} ${item.desc ? "DESC" : "ASC"} NULLS ${nulls.toUpperCase()}`;
    })
    .join(", ");
}
