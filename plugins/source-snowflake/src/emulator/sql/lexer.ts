import { syntaxError } from "../emulator-errors.js";

/** A token of Snowflake SQL, with where it starts (for Snowflake-style error positions). */
export interface Token {
  readonly kind: "word" | "quoted" | "string" | "number" | "param" | "op" | "end";
  /** Words: as written; quoted identifiers and strings: their value; params: the bind index (1-based) or 0 for `?`. */
  readonly text: string;
  readonly line: number;
  readonly column: number;
  /** Offset of the token in the statement's text. */
  readonly start: number;
  readonly end: number;
}

const OPERATORS = ["::", "||", "<=", ">=", "<>", "!=", "=>", "->", "=", "<", ">", "+", "-", "*", "/", "%", "(", ")", ",", ".", ";", ":", "[", "]", "{", "}", "^"];

/**
 * Splits a statement into tokens, following Snowflake's lexical rules
 * (https://docs.snowflake.com/en/sql-reference/identifiers-syntax,
 * https://docs.snowflake.com/en/sql-reference/data-types-text#string-constants):
 * unquoted identifiers start with a letter or underscore and may hold digits and `$`; `"quoted"` ones hold
 * anything, `""` standing for one quote; strings are `'...'` with `''` or backslash escapes, or `$$...$$`;
 * comments are `--`, `//` and `/* *\/`; binds are `?` or `:1`.
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  let line = 1;
  let lineStart = 0;
  const at = (start: number) => ({ line, column: start - lineStart, start });
  const advanceLines = (from: number, to: number) => {
    for (let j = from; j < to; j++) {
      if (text.charCodeAt(j) === 10) {
        line++;
        lineStart = j + 1;
      }
    }
  };
  while (i < text.length) {
    const c = text[i]!;
    if (c === "\n" || c === " " || c === "\t" || c === "\r") {
      advanceLines(i, i + 1);
      i++;
      continue;
    }
    if ((c === "-" && text[i + 1] === "-") || (c === "/" && text[i + 1] === "/")) {
      const nl = text.indexOf("\n", i);
      i = nl < 0 ? text.length : nl;
      continue;
    }
    if (c === "/" && text[i + 1] === "*") {
      const close = text.indexOf("*/", i + 2);
      const stop = close < 0 ? text.length : close + 2;
      advanceLines(i, stop);
      i = stop;
      continue;
    }
    const start = i;
    const pos = at(start);
    if (/[A-Za-z_]/.test(c) || c.charCodeAt(0) > 127) {
      let j = i + 1;
      while (j < text.length && (/[A-Za-z0-9_$]/.test(text[j]!) || text.charCodeAt(j) > 127)) j++;
      tokens.push({ kind: "word", text: text.slice(i, j), ...pos, end: j });
      i = j;
      continue;
    }
    if (c === '"') {
      let value = "";
      let j = i + 1;
      for (;;) {
        if (j >= text.length) throw syntaxError(pos, "unterminated quoted identifier");
        if (text[j] === '"') {
          if (text[j + 1] === '"') {
            value += '"';
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      if (value === "") throw syntaxError(pos, "empty quoted identifier");
      advanceLines(i, j);
      tokens.push({ kind: "quoted", text: value, ...pos, end: j + 1 });
      i = j + 1;
      continue;
    }
    if (c === "'") {
      const { value, end } = readQuotedString(text, i, pos);
      advanceLines(i, end);
      tokens.push({ kind: "string", text: value, ...pos, end });
      i = end;
      continue;
    }
    if (c === "$" && text[i + 1] === "$") {
      const close = text.indexOf("$$", i + 2);
      if (close < 0) throw syntaxError(pos, "unterminated $$ string");
      advanceLines(i, close + 2);
      tokens.push({ kind: "string", text: text.slice(i + 2, close), ...pos, end: close + 2 });
      i = close + 2;
      continue;
    }
    if (/[0-9]/.test(c) || (c === "." && /[0-9]/.test(text[i + 1] ?? ""))) {
      const m = /^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(i))!;
      tokens.push({ kind: "number", text: m[0], ...pos, end: i + m[0].length });
      i += m[0].length;
      continue;
    }
    if (c === "?") {
      tokens.push({ kind: "param", text: "0", ...pos, end: i + 1 });
      i++;
      continue;
    }
    if (c === ":" && /[0-9]/.test(text[i + 1] ?? "")) {
      const m = /^\d+/.exec(text.slice(i + 1))!;
      tokens.push({ kind: "param", text: m[0], ...pos, end: i + 1 + m[0].length });
      i += 1 + m[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw syntaxError(pos, `unexpected '${c}'`);
    tokens.push({ kind: "op", text: op, ...pos, end: i + op.length });
    i += op.length;
  }
  tokens.push({ kind: "end", text: "", ...at(text.length), end: text.length });
  return tokens;
}

/** A single-quoted string constant from `start`: `''` is a quote, and backslash escapes apply. */
function readQuotedString(text: string, start: number, pos: { line: number; column: number }): { value: string; end: number } {
  let value = "";
  let j = start + 1;
  for (;;) {
    if (j >= text.length) throw syntaxError(pos, "unterminated string");
    const ch = text[j]!;
    if (ch === "'") {
      if (text[j + 1] === "'") {
        value += "'";
        j += 2;
        continue;
      }
      return { value, end: j + 1 };
    }
    if (ch === "\\" && j + 1 < text.length) {
      const next = text[j + 1]!;
      const escapes: Record<string, string> = { n: "\n", t: "\t", r: "\r", b: "\b", f: "\f", "0": "\0", "\\": "\\", "'": "'", '"': '"' };
      if (next === "x" && /^[0-9a-fA-F]{2}/.test(text.slice(j + 2))) {
        value += String.fromCharCode(parseInt(text.slice(j + 2, j + 4), 16));
        j += 4;
        continue;
      }
      if (next === "u" && /^[0-9a-fA-F]{4}/.test(text.slice(j + 2))) {
        value += String.fromCharCode(parseInt(text.slice(j + 2, j + 6), 16));
        j += 6;
        continue;
      }
      value += escapes[next] ?? next;
      j += 2;
      continue;
    }
    value += ch;
    j++;
  }
}
