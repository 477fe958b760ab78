/**
 * A strict JSON reader for input a pull request controls. `JSON.parse` keeps the last of two
 * equal object keys, while Terraform's JSON syntax keeps both (two `"resource"` keys both apply):
 * a duplicate key is refused, as is nesting deeper than {@link MAX_DEPTH} (the review walks
 * values recursively).
 */

/** Deeper than this, the input is refused (Terraform JSON written by cdktf stays far below). */
export const MAX_DEPTH = 200;

export class StrictJsonError extends Error {}

/** Parses `text` as JSON; throws {@link StrictJsonError} naming the line and column of a duplicate key, excessive depth or syntax error. */
export function parseStrictJson(text: string): unknown {
  let i = 0;
  const where = (at: number) => {
    const before = text.slice(0, at);
    const line = before.split("\n").length;
    return `line ${line}, column ${at - before.lastIndexOf("\n")}`;
  };
  const fail = (message: string, at = i): never => {
    throw new StrictJsonError(`${message} at ${where(at)}`);
  };
  const ws = () => {
    while (i < text.length && (text[i] === " " || text[i] === "\n" || text[i] === "\r" || text[i] === "\t")) i++;
  };
  const stringAt = (): string => {
    const start = i;
    // Find the closing quote, then let JSON.parse decode the escapes of this one string.
    i++;
    for (;;) {
      const c = text.charCodeAt(i);
      if (i >= text.length) fail("unterminated string", start);
      if (c === 0x22) break;
      if (c === 0x5c) i += 2;
      else if (c < 0x20) fail("control character in a string");
      else i++;
    }
    i++;
    try {
      return JSON.parse(text.slice(start, i));
    } catch {
      return fail("invalid string escape", start);
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (depth: number): unknown => {
    if (depth > MAX_DEPTH) fail(`nested deeper than ${MAX_DEPTH} levels`);
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      // Keys are defined as own data properties, so that "__proto__" is a key like any other.
      const out: Record<string, unknown> = {};
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") {
        i++;
        return out;
      }
      for (;;) {
        ws();
        if (text[i] !== '"') fail("expected a string key");
        const keyAt = i;
        const key = stringAt();
        if (seen.has(key)) fail(`duplicate key ${JSON.stringify(key)} (Terraform reads both, JSON.parse keeps one)`, keyAt);
        seen.add(key);
        ws();
        if (text[i] !== ":") fail("expected ':'");
        i++;
        Object.defineProperty(out, key, { value: value(depth + 1), enumerable: true, writable: true, configurable: true });
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "}") {
          i++;
          break;
        }
        fail("expected ',' or '}'");
      }
      return out;
    }
    if (c === "[") {
      i++;
      const out: unknown[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return out;
      }
      for (;;) {
        out.push(value(depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return out;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c === '"') return stringAt();
    for (const [word, v] of [["true", true], ["false", false], ["null", null]] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return v;
      }
    }
    NUMBER.lastIndex = i;
    const m = NUMBER.exec(text);
    if (m && m[0].length > 0) {
      i += m[0].length;
      return Number(m[0]);
    }
    return fail(i >= text.length ? "unexpected end of input" : `unexpected character ${JSON.stringify(text[i])}`);
  };
  const result = value(0);
  ws();
  if (i < text.length) fail("unexpected text after the JSON value");
  return result;
}

/** The depth of a parsed value, without recursion (for YAML, whose parser does not limit it). */
export function depthOf(root: unknown, limit = MAX_DEPTH): number {
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[root, 0]];
  const seen = new Set<unknown>();
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > deepest) deepest = d;
    if (deepest > limit) return deepest;
    if (v !== null && typeof v === "object") {
      if (seen.has(v)) continue;
      seen.add(v);
      for (const x of Array.isArray(v) ? v : Object.values(v)) stack.push([x, d + 1]);
    }
  }
  return deepest;
}

/**
 * {@link parseStrictJson}'s result, fast: `JSON.parse`, then the object keys it kept are counted
 * against the keys written in the text (every string token followed by `:`); only when they
 * differ (a duplicate) or the value is too deep does the strict reader run, to name the place.
 */
export function readStrictJson(text: string): unknown {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new StrictJsonError((e as Error).message);
  }
  let kept = 0;
  let deepest = 0;
  const stack: Array<[unknown, number]> = [[parsed, 0]];
  while (stack.length) {
    const [v, d] = stack.pop()!;
    if (d > deepest) deepest = d;
    if (v === null || typeof v !== "object") continue;
    if (Array.isArray(v)) for (const x of v) stack.push([x, d + 1]);
    else {
      const keys = Object.keys(v);
      kept += keys.length;
      for (const k of keys) stack.push([(v as Record<string, unknown>)[k], d + 1]);
    }
  }
  let written = 0;
  const STRING = /"(?:[^"\\]|\\.)*"\s*(:)?/g;
  for (let m = STRING.exec(text); m; m = STRING.exec(text)) if (m[1]) written++;
  if (written !== kept || deepest > MAX_DEPTH) return parseStrictJson(text);
  return parsed;
}
