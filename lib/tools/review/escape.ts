/**
 * Escaping for everything the review takes from its input (names, subjects, messages): the
 * input is a pull request's synth output, so it is untrusted. Each function is for one context:
 * Markdown text ({@link md}, {@link text}), table cells ({@link cell}), code spans
 * ({@link code}) and Mermaid labels ({@link mermaidText}). The review's own HTML (a marker
 * comment, `<details>`) is written only by the renderer, from fixed text and numbers.
 */

/** Markdown that is safe to emit as is (tool text, or values already escaped). */
export class Markdown {
  constructor(public readonly value: string) {}
  public toString(): string {
    return this.value;
  }
}

/** Text from the input rendered as a code span. */
export class Code {
  constructor(public readonly value: string) {}
}

/**
 * Control and invisible formatting characters (line breaks, bidi overrides, zero-width
 * characters) written as visible `\u{…}` escapes: no value can start a new Markdown line or
 * reorder the text around it.
 */
export function visible(s: string): string {
  return s.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/gu, (c) => (c === "\t" ? " " : `\\u{${c.codePointAt(0)!.toString(16).toUpperCase()}}`));
}

/**
 * A value is written as plain text only when no CommonMark or GitHub rule can read anything in
 * it: letters, digits, spaces and `- . , / ( ) = + ' " ? ; % :` with no URL, e-mail, domain,
 * `www.`, emoji short code (`:x:`) or GitHub reference (`#1`, `@user`) shape. Anything else
 * becomes a code span, where Markdown reads nothing.
 */
const PLAIN = /^[\p{L}\p{N}\p{M} .,/()=+'"?;:_-]*$/u;
const READABLE = /:\/\/|www\.|[\p{L}\p{N}-]\.\p{L}{2,}|:[\p{L}\p{N}_+-]+:|^[-+=]/iu;

/** Longer values are cut in place (with the count of characters cut), so that one value can never crowd out the comment. */
export const MAX_VALUE_CHARS = 300;

function cut(v: string): string {
  const chars = Array.from(v);
  return chars.length <= MAX_VALUE_CHARS ? v : `${chars.slice(0, MAX_VALUE_CHARS).join("")}… (${chars.length - MAX_VALUE_CHARS} more characters)`;
}

/** A code span holding `s` exactly (cut after {@link MAX_VALUE_CHARS} characters): the fence is longer than any backtick run inside. */
export function codeSpan(s: string): string {
  const v = cut(visible(s));
  if (v === "") return "(empty)";
  const longest = Math.max(0, ...(v.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longest + 1);
  const pad = v.startsWith("`") || v.endsWith("`") || (v.startsWith(" ") && v.endsWith(" ")) ? " " : "";
  return `${fence}${pad}${v}${pad}${fence}`;
}

/** `s` as Markdown inline text: plain (underscores escaped) when nothing in it can be read as Markdown, else a code span. */
export function text(s: unknown): string {
  const full = visible(String(s));
  const v = cut(full);
  if (v !== "" && PLAIN.test(v) && !READABLE.test(v)) return v.replace(/_/g, "\\_");
  return codeSpan(full);
}

/**
 * Tagged template: the literal parts are the review's own Markdown, every interpolated value is
 * input and is escaped with {@link text}, unless it is {@link Markdown} (already safe) or
 * {@link Code} (rendered as a code span).
 */
export function md(strings: TemplateStringsArray, ...values: unknown[]): Markdown {
  let out = strings[0];
  values.forEach((v, i) => {
    out += inline(v) + strings[i + 1];
  });
  return new Markdown(out);
}

/** One value as inline Markdown. */
export function inline(v: unknown): string {
  if (v instanceof Markdown) return v.value;
  if (v instanceof Code) return codeSpan(v.value);
  return text(v);
}

export const code = (s: string) => new Code(s);
export const raw = (s: string) => new Markdown(s);

/** Joins Markdown or text values with a (trusted) separator. */
export function join(values: unknown[], sep: string): Markdown {
  return new Markdown(values.map(inline).join(sep));
}

/**
 * A table cell: inline Markdown with every `|` escaped. GitHub's tables split rows on `|` before
 * reading the inline Markdown, and read `\|` as a pipe inside code spans too.
 */
export function cell(v: unknown): string {
  return inline(v).replace(/\|/g, "\\|");
}

/**
 * Text for a Mermaid label inside `"…"`: every character that Mermaid or the HTML it renders
 * could read (quotes, backticks for Markdown strings, `<`, `>`, `&`, `#`, brackets, pipes) as a
 * `#code;` entity, which Mermaid turns back into the character as text.
 */
export function mermaidText(s: unknown): string {
  return visible(String(s)).replace(/[^\p{L}\p{N}\p{M} .,/:=+?_()'-]/gu, (c) => `#${c.codePointAt(0)};`);
}
