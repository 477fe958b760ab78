/**
 * Every public prop has an owner: a check that reports it (its label is found in the library's
 * source) or a stated reason to pass it through. The props are read from the type declarations
 * with the TypeScript compiler: every property of every exported interface named *Props or
 * *Options, and of the exported interfaces their types name (object interfaces `I…` excepted:
 * constructs implement them).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { PROP_OWNERS } from "../lib/guardrails/prop-owners";

const root = path.join(__dirname, "..");

function publicProps(): string[] {
  const index = path.join(root, "lib", "index.ts");
  const program = ts.createProgram([index], { strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true });
  const checker = program.getTypeChecker();
  const exported = new Map<string, ts.Symbol>();
  for (const sym of checker.getExportsOfModule(checker.getSymbolAtLocation(program.getSourceFile(index)!)!)) {
    const s = sym.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(sym) : sym;
    if (s.flags & ts.SymbolFlags.Interface && !/^I[A-Z]/.test(s.name)) exported.set(s.name, s);
  }
  const seen = new Set<string>();
  const props = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name) || !exported.has(name)) return;
    seen.add(name);
    for (const p of checker.getPropertiesOfType(checker.getDeclaredTypeOfSymbol(exported.get(name)!))) {
      const decl = p.declarations?.[0] as ts.PropertySignature | undefined;
      const owner = (decl?.parent as ts.InterfaceDeclaration | undefined)?.name?.text ?? name;
      props.add(`${owner}.${p.name}`);
      const text = decl?.type?.getText() ?? "";
      for (const n of exported.keys()) if (new RegExp(`\\b${n}\\b`).test(text)) visit(n);
      visit(owner);
    }
  };
  for (const n of exported.keys()) if (/Props$|Options$/.test(n)) visit(n);
  return [...props].sort();
}

function librarySource(): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && p !== path.join(root, "lib", "guardrails", "prop-owners.ts")) files.push(fs.readFileSync(p, "utf8"));
    }
  };
  walk(path.join(root, "lib"));
  return files.join("\n");
}

const props = publicProps();

describe("public props", () => {
  test("the enumeration finds the props (the check is not vacuous)", () => {
    expect(props).toEqual(expect.arrayContaining(["AksWithOidcProps.name", "WorkloadContainer.image", "KeyVaultNetworkRules.ipRules"]));
    expect(props.length).toBeGreaterThan(100);
  });

  test("every public prop has an owner, and every owner names a public prop", () => {
    expect(props.filter((p) => !(p in PROP_OWNERS))).toEqual([]);
    expect(Object.keys(PROP_OWNERS).filter((p) => !props.includes(p))).toEqual([]);
  });

  test("every owner is either a label or a reason, and no label is empty (an empty label is found in any source)", () => {
    const malformed = Object.entries(PROP_OWNERS).filter(([, o]) => ("label" in o) === ("unchecked" in o) || ("label" in o && o.label.trim() === ""));
    expect(malformed).toEqual([]);
  });

  test("every checked prop's label is reported by the library's source", () => {
    const source = librarySource();
    const missing = Object.entries(PROP_OWNERS).filter(([, o]) => "label" in o && !source.includes(o.label));
    expect(missing.map(([p, o]) => `${p}: ${(o as { label: string }).label}`)).toEqual([]);
  });

  test("every unchecked prop states why", () => {
    const short = Object.entries(PROP_OWNERS).filter(([, o]) => "unchecked" in o && o.unchecked.length < 20);
    expect(short).toEqual([]);
  });

  test("docs/guardrails.md states the count", () => {
    const checked = Object.values(PROP_OWNERS).filter((o) => "label" in o).length;
    const readme = fs.readFileSync(path.join(root, "docs", "guardrails.md"), "utf8").replace(/\s+/g, " ");
    expect(readme).toContain(`${props.length} public props: ${checked} checked by a named rule, ${props.length - checked} passed through with the reason`);
  });
});
