/**
 * Terraform's JSON expression mapping and cty's type conversions, for one attribute value: does the
 * JSON value convert to the attribute's type? Strings holding an interpolation are unknown until
 * plan and pass wherever their result could fit.
 */
import type { CtyType } from "./schemas";

/** One value problem: where below the attribute, and what. */
export interface ValueProblem {
  readonly path: string;
  readonly message: string;
  readonly severity: "error" | "warning";
}

/** How a JSON string evaluates: a literal, a template producing a string, or a single interpolation (any type). */
export type StringKind = "literal" | "template" | "interpolation";

/**
 * Classifies a JSON string as Terraform reads it: `${…}` and `%{…}` start template sequences,
 * `$${` and `%%{` are escapes for the literal text. A string that is exactly one `${…}` takes the
 * type of its expression; any other template produces a string.
 *
 * @param s - the JSON string
 */
export function stringKind(s: string): StringKind {
  const unescaped = s.replace(/\$\$\{|%%\{/g, "");
  if (!/[$%]\{/.test(unescaped)) return "literal";
  if (!s.startsWith("${") || !s.endsWith("}")) return "template";
  // Is the first "${" closed only by the last "}"? Counts braces outside quoted strings.
  let depth = 0;
  let quoted = false;
  for (let i = 1; i < s.length; i++) {
    const c = s[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
      continue;
    }
    if (c === '"') quoted = true;
    else if (c === "{") depth++;
    else if (c === "}" && --depth === 0) return i === s.length - 1 ? "interpolation" : "template";
  }
  // Unbalanced: Terraform will say so at parse time; treat it as unknown here.
  return "interpolation";
}

// cty.ParseNumberVal reads the string with big.ParseFloat, base 10 (zclconf/go-cty v1.16.0,
// cty/convert/conversion_primitive.go and cty/value_init.go).
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

/** The type as Terraform writes it: list(string), object({…}). */
export function typeName(t: CtyType): string {
  if (typeof t === "string") return t === "dynamic" ? "any" : t;
  const [kind, arg] = t;
  if (kind === "object") return `object({${Object.keys(arg as object).join(", ")}})`;
  if (kind === "tuple") return `tuple([${(arg as CtyType[]).map(typeName).join(", ")}])`;
  return `${kind}(${typeName(arg as CtyType)})`;
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return "a JSON array";
  if (v !== null && typeof v === "object") return "a JSON object";
  const text = JSON.stringify(v);
  return `${typeof v} ${text.length > 40 ? `${text.slice(0, 37)}...` : text}`;
}

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/**
 * The problems converting `value` (a JSON value of an attribute) to `type`.
 *
 * @param value - the JSON value as cdktf wrote it
 * @param type - the attribute's cty type from the schema
 * @param at - the attribute path so far, for messages
 * @returns the problems, empty when the value converts (or is unknown until plan)
 */
export function checkValue(value: unknown, type: CtyType, at: string): ValueProblem[] {
  const out: ValueProblem[] = [];
  check(value, type, at, out);
  return out;
}

function check(value: unknown, type: CtyType, at: string, out: ValueProblem[]): void {
  if (value === null || type === "dynamic") return;
  const fail = (why: string): void => {
    out.push({ path: at, severity: "error", message: `inappropriate value: ${typeName(type)} required, got ${why}` });
  };
  if (typeof value === "string") {
    const kind = stringKind(value);
    if (kind === "interpolation") return;
    if (kind === "template") {
      // A template produces a string, unknown until plan: it converts to any primitive type.
      if (typeof type === "string") return;
      return fail(`a string template ${describe(value).replace(/^string /, "")}, which produces a string`);
    }
  }
  if (typeof type === "string") {
    switch (type) {
      case "string":
        if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") return;
        return fail(describe(value));
      case "number":
        if (typeof value === "number") return;
        if (typeof value === "string" && NUMBER.test(value)) return;
        return fail(describe(value));
      case "bool":
        if (typeof value === "boolean") return;
        // cty converts exactly "true", "1", "false" and "0" (conversion_primitive.go).
        if (typeof value === "string" && ["true", "false", "1", "0"].includes(value)) return;
        return fail(describe(value));
      default:
        return fail(`${describe(value)} (the schema's type ${JSON.stringify(type)} is not one the validator knows)`);
    }
  }
  const [kind, arg, optionals] = type;
  switch (kind) {
    case "list":
    case "set":
      if (!Array.isArray(value)) return fail(describe(value));
      value.forEach((v, i) => check(v, arg as CtyType, `${at}[${i}]`, out));
      return;
    case "tuple": {
      const types = arg as CtyType[];
      if (!Array.isArray(value)) return fail(describe(value));
      if (value.length !== types.length) return fail(`${value.length} elements`);
      value.forEach((v, i) => check(v, types[i], `${at}[${i}]`, out));
      return;
    }
    case "map":
      if (!isObject(value)) return fail(describe(value));
      for (const [k, v] of Object.entries(value)) check(v, arg as CtyType, `${at}[${JSON.stringify(k)}]`, out);
      return;
    case "object": {
      if (!isObject(value)) return fail(describe(value));
      const attrs = arg as Record<string, CtyType>;
      const optional = new Set((optionals as string[] | undefined) ?? []);
      for (const [k, t] of Object.entries(attrs)) {
        if (Object.prototype.hasOwnProperty.call(value, k)) check(value[k], t, `${at}.${k}`, out);
        else if (!optional.has(k)) out.push({ path: at, severity: "error", message: `inappropriate value: attribute "${k}" is required` });
      }
      // cty drops attributes the target object type does not have (conversion_object.go): no error, the value is lost.
      for (const k of Object.keys(value)) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) out.push({ path: `${at}.${k}`, severity: "warning", message: `ignored: ${typeName(type)} has no attribute "${k}", Terraform drops it` });
      }
      return;
    }
    default:
      return fail(`${describe(value)} (the schema's type ${JSON.stringify(type)} is not one the validator knows)`);
  }
}
