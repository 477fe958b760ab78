/** Small helpers shared by the review's files. */
export { GUARDRAILS_RECORD } from "../../core/constants";

/** Thrown for input the review cannot read; the CLI prints its message (naming the file) and exits 2. */
export class ReviewInputError extends Error {}

/** Appends `value` to the list at `key` (in place: long lists stay linear). */
export function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

export const isObject = (v: unknown): v is Record<string, any> => typeof v === "object" && v !== null && !Array.isArray(v);

/** A single nested block: cdktf writes it as an object, Terraform reads it as a one-element list. */
export const first = (v: any) => (Array.isArray(v) ? v[0] : v);

export const str = (v: unknown): string => (typeof v === "string" ? v : v === undefined ? "" : JSON.stringify(v) ?? String(v));
export const list = (v: unknown): string[] => (Array.isArray(v) ? v.map(str) : v === undefined || v === null ? [] : [str(v)]);

/** Every string inside `v`. */
export function* strings(v: unknown): Generator<string> {
  if (typeof v === "string") yield v;
  else if (Array.isArray(v)) for (const x of v) yield* strings(x);
  else if (isObject(v)) for (const x of Object.values(v)) yield* strings(x);
}

