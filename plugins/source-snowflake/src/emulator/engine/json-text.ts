/**
 * JSON text as the emulator stores semi-structured values: compact, object keys sorted by their UTF-8
 * bytes, number literals kept exactly as written (a NUMBER(38,0) in a VARIANT keeps every digit; JSON.parse
 * would round it to a double).
 */

type JsonNode = { t: "lit"; text: string } | { t: "arr"; items: JsonNode[] } | { t: "obj"; entries: Array<[string, JsonNode]> };

class JsonReader {
  i = 0;
  constructor(readonly s: string) {}

  fail(): never {
    throw new Error(`Error parsing JSON: unexpected character at position ${this.i + 1}`);
  }

  ws(): void {
    while (this.i < this.s.length && " \t\n\r".includes(this.s[this.i]!)) this.i++;
  }

  value(): JsonNode {
    this.ws();
    const c = this.s[this.i];
    if (c === "{") {
      this.i++;
      const entries: Array<[string, JsonNode]> = [];
      const seen = new Set<string>();
      this.ws();
      if (this.s[this.i] === "}") {
        this.i++;
        return { t: "obj", entries };
      }
      for (;;) {
        this.ws();
        if (this.s[this.i] !== '"') this.fail();
        const keyText = this.string();
        const key = JSON.parse(keyText) as string;
        if (seen.has(key)) throw new Error(`Error parsing JSON: duplicate object attribute "${key}"`);
        seen.add(key);
        this.ws();
        if (this.s[this.i] !== ":") this.fail();
        this.i++;
        entries.push([key, this.value()]);
        this.ws();
        if (this.s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (this.s[this.i] === "}") {
          this.i++;
          return { t: "obj", entries };
        }
        this.fail();
      }
    }
    if (c === "[") {
      this.i++;
      const items: JsonNode[] = [];
      this.ws();
      if (this.s[this.i] === "]") {
        this.i++;
        return { t: "arr", items };
      }
      for (;;) {
        items.push(this.value());
        this.ws();
        if (this.s[this.i] === ",") {
          this.i++;
          continue;
        }
        if (this.s[this.i] === "]") {
          this.i++;
          return { t: "arr", items };
        }
        this.fail();
      }
    }
    if (c === '"') return { t: "lit", text: this.string() };
    const m = /^(-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?|true|false|null)/.exec(this.s.slice(this.i, this.i + 400));
    if (!m) this.fail();
    this.i += m[0].length;
    return { t: "lit", text: m[0] };
  }

  /** A string token, returned as its JSON text (validated, re-escaped canonically). */
  string(): string {
    const start = this.i;
    this.i++;
    while (this.i < this.s.length) {
      const ch = this.s[this.i];
      if (ch === "\\") {
        this.i += 2;
        continue;
      }
      if (ch === '"') {
        this.i++;
        return JSON.stringify(JSON.parse(this.s.slice(start, this.i)) as string);
      }
      this.i++;
    }
    this.fail();
  }
}

function compareKeys(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

function write(node: JsonNode): string {
  switch (node.t) {
    case "lit":
      return node.text;
    case "arr":
      return `[${node.items.map(write).join(",")}]`;
    case "obj":
      return `{${[...node.entries].sort((a, b) => compareKeys(a[0], b[0])).map(([k, v]) => `${JSON.stringify(k)}:${write(v)}`).join(",")}}`;
  }
}

/** Canonical text of a JSON document (PARSE_JSON's result); throws Snowflake's parse error on invalid input. */
export function canonicalJson(text: string): string {
  const reader = new JsonReader(text);
  const node = reader.value();
  reader.ws();
  if (reader.i !== text.length) reader.fail();
  return write(node);
}

/**
 * A VARIANT, OBJECT or ARRAY value as Snowflake sends it in a result: pretty-printed with two-space
 * indentation and `"key": value` (the JSON result format's text of semi-structured columns).
 */
export function prettyJson(compact: string): string {
  if (compact.length < 2 || (compact[0] !== "{" && compact[0] !== "[")) return compact;
  let out = "";
  let depth = 0;
  let inString = false;
  for (let i = 0; i < compact.length; i++) {
    const ch = compact[i]!;
    if (inString) {
      out += ch;
      if (ch === "\\") {
        out += compact[++i];
      } else if (ch === '"') inString = false;
      continue;
    }
    switch (ch) {
      case '"':
        inString = true;
        out += ch;
        break;
      case "{":
      case "[": {
        const close = ch === "{" ? "}" : "]";
        if (compact[i + 1] === close) {
          out += ch + close;
          i++;
          break;
        }
        depth++;
        out += `${ch}\n${"  ".repeat(depth)}`;
        break;
      }
      case "}":
      case "]":
        depth--;
        out += `\n${"  ".repeat(depth)}${ch}`;
        break;
      case ",":
        out += `,\n${"  ".repeat(depth)}`;
        break;
      case ":":
        out += ": ";
        break;
      case " ":
      case "\n":
      case "\t":
      case "\r":
        break;
      default:
        out += ch;
    }
  }
  return out;
}
