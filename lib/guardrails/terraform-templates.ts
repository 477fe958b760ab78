/**
 * Terraform templates in strings: finding the sequences Terraform would evaluate, and escaping
 * text so that it reads literally. Public utilities (the app's settings gate uses them).
 */
/**
 * A template sequence Terraform would evaluate: an interpolation `${…}` or a directive `%{…}`.
 * `text` runs from the opening `${`/`%{` to its closing `}` (or to the end of the string when
 * unterminated).
 */
export interface TemplateSequence {
  readonly index: number;
  readonly text: string;
}

/**
 * The live template sequences of a string as Terraform reads it. Terraform parses every string
 * of its JSON, object keys included, as a template (developer.hashicorp.com/terraform/language/syntax/json;
 * "Strings and Templates"): `${` starts an interpolation, `%{` a directive, and `$${` / `%%{` are
 * the escapes for a literal `${` / `%{`. The scan is HCL's: left to right, an escape takes three
 * characters, so `$$${x}` reads as `$` then a literal `${x}` (checked against Terraform 1.11).
 * cdktf's own references (`${azurerm_x.y.id}`, what tokens resolve to) are live sequences too:
 * callers decide which ones matter.
 */
export function templateSequences(text: string): TemplateSequence[] {
  const found: TemplateSequence[] = [];
  // Stryker disable next-line EqualityOperator,ArithmeticOperator: the last character alone cannot open a sequence, so scanning it (or past the end) finds nothing more
  for (let i = 0; i < text.length - 1; ) {
    const c = text[i];
    if ((c === "$" || c === "%") && text[i + 1] === c && text[i + 2] === "{") {
      i += 3;
    } else if ((c === "$" || c === "%") && text[i + 1] === "{") {
      const end = closingBrace(text, i + 2);
      found.push({ index: i, text: text.slice(i, end + 1) });
      i = end + 1;
    } else {
      i += 1;
    }
  }
  return found;
}

/** The index of the `}` closing a sequence whose body starts at `from` (quotes and nesting respected), or the last index. */
function closingBrace(text: string, from: number): number {
  let depth = 1;
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i += 1;
      else if (c === '"') quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === "{") {
      depth += 1;
    } else if (c === "}" && --depth === 0) {
      return i;
    }
  }
  // Stryker disable next-line ArithmeticOperator: past the last index, slice stops at the end of the string and the scan ends all the same
  return text.length - 1;
}

/**
 * `text` escaped so that Terraform reads it literally: every `${` becomes `$${` and every `%{`
 * becomes `%%{`, nothing else changes, and Terraform reads the result back as exactly `text`
 * (`templateSequences` finds nothing in it). Use it for free text that must not be an
 * expression: configuration values, or a construct prop meant literally.
 *
 * cdktf's `Fn.rawString` is not a substitute: it leaves `%{` live, and it backslash-escapes quotes
 * and newlines for use inside an expression, which a plain JSON string keeps as backslashes. Nor
 * does escaping stop cdktf itself from splicing a token marker (`${TfToken[…]}`) found in the text:
 * text from outside the program must be refused when it holds one (the app's settings are).
 */
export function terraformLiteral(text: string): string {
  return text.replace(/([$%])\{/g, (_, sign: string) => `${sign}${sign}{`);
}

/** cdktf's token markers (string, list and map tokens) with their keys. */
const TOKEN_MARKER = /[$#&]\{TfToken\[[^\]]*\]\}/g;

/**
 * The hand-written template sequences of a value as the program gave it: the live sequences left
 * once cdktf's token markers are taken out. A token (an attribute, an `Fn.*` call, a variable)
 * is not hand-written; `"${azurerm_user_assigned_identity.x.principal_id}"` typed as a string is.
 */
export function handWrittenTemplates(value: string): TemplateSequence[] {
  return templateSequences(value.replace(TOKEN_MARKER, "T"));
}

