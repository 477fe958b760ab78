/**
 * Specification of the Terraform template scanner and escaping (lib/guardrails/terraform-templates):
 * which sequences of a string Terraform evaluates, how far each runs, and the escaping that makes
 * any text read literally.
 */
import { Lazy } from "cdktf";
import { terraformLiteral } from "../lib";
import { handWrittenTemplates, templateSequences } from "../lib/guardrails/terraform-templates";

const texts = (s: string) => templateSequences(s).map((t) => t.text);

describe("templateSequences", () => {
  test("finds interpolations and directives, each with its index and text", () => {
    expect(templateSequences("a ${var.x} b %{ if y }z%{ endif }")).toEqual([
      { index: 2, text: "${var.x}" },
      { index: 13, text: "%{ if y }" },
      { index: 23, text: "%{ endif }" },
    ]);
  });

  test("a sequence ends at its closing brace; the text after it is scanned on", () => {
    expect(texts("${a} and ${b} tail")).toEqual(["${a}", "${b}"]);
  });

  test("$${ and %%{ are escapes, not sequences", () => {
    expect(templateSequences("$${a} %%{ if b }")).toEqual([]);
  });

  test("an escape takes three characters: $$${x} is $ then a literal ${x}, and $$%{x} holds a live directive", () => {
    expect(templateSequences("$$${x}")).toEqual([]);
    expect(templateSequences("$$%{x}")).toEqual([{ index: 2, text: "%{x}" }]);
  });

  test("$ or % before another sign is not an escape", () => {
    expect(templateSequences("$%{x}")).toEqual([{ index: 1, text: "%{x}" }]);
  });

  test("braces without $ or %, and $ or % without a brace, are plain text", () => {
    expect(templateSequences("{a} cost: $5, 100% {b}")).toEqual([]);
  });

  test("nested braces are part of the sequence", () => {
    expect(texts('${ { a = 1 }["a"] } tail')).toEqual(['${ { a = 1 }["a"] }']);
  });

  test("a brace inside a quoted string does not close the sequence, nor does an escaped quote end the string", () => {
    expect(texts('${ "}" } tail')).toEqual(['${ "}" }']);
    expect(texts('${ "\\"}" } tail')).toEqual(['${ "\\"}" }']);
    expect(texts('${ "a" } tail ${b}')).toEqual(['${ "a" }', "${b}"]);
  });

  test("an unterminated sequence runs to the end of the string, and nothing inside it is read again", () => {
    expect(templateSequences("x ${abc")).toEqual([{ index: 2, text: "${abc" }]);
    expect(templateSequences("${a%{")).toEqual([{ index: 0, text: "${a%{" }]);
  });
});

describe("terraformLiteral", () => {
  test("escapes every ${ and %{ and changes nothing else", () => {
    expect(terraformLiteral('${a} %{ if b } $x %x {y} $${c} "q"\n')).toBe('$${a} %%{ if b } $x %x {y} $$${c} "q"\n');
  });

  test("Terraform reads the escaped text as having no sequence", () => {
    for (const s of ["${a}", "%{b}", "$${c}", "$$%{d}", "${ {} }"]) expect(templateSequences(terraformLiteral(s))).toEqual([]);
  });
});

describe("handWrittenTemplates", () => {
  test("a reference typed as a string is hand-written; a token is not", () => {
    const token = Lazy.stringValue({ produce: () => "${azurerm_user_assigned_identity.x.principal_id}" });
    expect(handWrittenTemplates(`${token}`)).toEqual([]);
    expect(handWrittenTemplates("${azurerm_user_assigned_identity.x.principal_id}")).toEqual([
      { index: 0, text: "${azurerm_user_assigned_identity.x.principal_id}" },
    ]);
  });

  test("taking a token out does not join the text around it into a sequence", () => {
    const token = Lazy.stringValue({ produce: () => "x" });
    expect(handWrittenTemplates(`$${token}{a}`)).toEqual([]);
  });
});
