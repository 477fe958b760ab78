/**
 * The layout as a rule: built from madge's dependency graph (type-only imports included), an import
 * cycle or a layering violation fails the suite. `npm run test:package` runs it (jest.package.config.js).
 */
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..");
/** The package's entry points: "." and "./app". */
const ENTRY_POINTS = ["lib/index.ts", "stacks/index.ts"];

/** The folder that owns `file`'s nearest `private/` folder (`lib/kubernetes/` for `lib/kubernetes/private/x.ts`), if any. */
function privateParent(file: string): string | undefined {
  const i = file.lastIndexOf("private/");
  return i === -1 || (i > 0 && file[i - 1] !== "/") ? undefined : file.slice(0, i);
}

let program: ts.Program | undefined;
/** Every name `entry` exports, with the file (relative to the project) that declares it, through any re-exports. */
function exportsOf(entry: string): { name: string; declaredIn: string }[] {
  program ??= ts.createProgram(ENTRY_POINTS.map((e) => path.join(root, e)), { noEmit: true, noLib: true, types: [], skipLibCheck: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS });
  const checker = program.getTypeChecker();
  const module = checker.getSymbolAtLocation(program.getSourceFile(path.join(root, entry))!)!;
  return checker.getExportsOfModule(module).map((symbol) => {
    const target = symbol.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(symbol) : symbol;
    const file = target.declarations![0].getSourceFile().fileName;
    return { name: symbol.name, declaredIn: path.relative(root, file).split(path.sep).join("/") };
  });
}

const madge = require("madge") as (paths: string[], config: object) => Promise<{ obj(): Record<string, string[]>; circular(): string[][] }>;

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const result = await madge(["lib", "stacks", "main.ts"], {
    baseDir: root,
    fileExtensions: ["ts"],
    tsConfig: path.join(root, "tsconfig.json"),
  });
  graph = result.obj();
  cycles = result.circular();
}, 30_000);

const importsOf = (prefix: string) =>
  Object.entries(graph)
    .filter(([file]) => file.startsWith(prefix))
    .flatMap(([file, deps]) => deps.map((dep) => ({ file, dep })));

describe("architecture", () => {
  test("has no import cycles in lib, stacks and main.ts", () => {
    expect(cycles).toEqual([]);
  });

  test("the library never imports the tools (the public index included)", () => {
    const offending = Object.entries(graph)
      .filter(([file]) => file.startsWith("lib/") && !file.startsWith("lib/tools/"))
      .flatMap(([file, deps]) => deps.filter((d) => d.startsWith("lib/tools/")).map((dep) => `${file} → ${dep}`));
    expect(offending).toEqual([]);
  });

  test("core imports nothing outside core", () => {
    expect(importsOf("lib/core/").filter(({ dep }) => dep.startsWith("lib/") && !dep.startsWith("lib/core/"))).toEqual([]);
  });

  test("the guardrails import nothing above them (only core and themselves)", () => {
    const deps = importsOf("lib/guardrails/").filter(({ dep }) => dep.startsWith("lib/") && !dep.startsWith("lib/guardrails/") && !dep.startsWith("lib/core/"));
    expect(deps).toEqual([]);
    expect(importsOf("lib/guardrails/").length).toBeGreaterThan(0);
  });

  test("the value rules import no construct", () => {
    const rules = ["lib/guardrails/rules.ts", "lib/guardrails/regions.ts", "lib/guardrails/problems.ts"];
    const deps = rules.flatMap((file) => graph[file] ?? []);
    expect(deps.filter((d) => !d.startsWith("lib/guardrails/") && !d.startsWith("lib/core/"))).toEqual([]);
  });

  test("the Azure-side constructs do not import the Kubernetes side's values (types only)", () => {
    // key-vault-secret-access names WorkloadBase as a type; madge lists type imports, so allow that one file.
    const values = importsOf("lib/azure/").filter(({ file, dep }) => dep.startsWith("lib/kubernetes/") && file !== "lib/azure/key-vault-secret-access.ts");
    expect(values).toEqual([]);
  });

  // A module under a `private/` folder is an implementation detail of that folder's parent: only
  // files inside the parent import it, and the public index exports nothing from it. Tests are
  // outside this graph and may import private modules by deep path to test them.
  test("nothing outside a private folder's parent folder imports a file inside it", () => {
    const offending = Object.entries(graph).flatMap(([file, deps]) =>
      deps.filter((dep) => privateParent(dep) !== undefined && !file.startsWith(privateParent(dep)!)).map((dep) => `${file} → ${dep}`),
    );
    expect(offending).toEqual([]);
    expect(Object.keys(graph).filter((file) => privateParent(file) !== undefined).length).toBeGreaterThan(0);
  });

  test("the public entry points export nothing declared in a private folder", () => {
    const leaks = ENTRY_POINTS.flatMap((entry) =>
      exportsOf(entry)
        .filter(({ declaredIn }) => privateParent(declaredIn) !== undefined)
        .map(({ name, declaredIn }) => `${entry} exports ${name} from ${declaredIn}`),
    );
    expect(leaks).toEqual([]);
    expect(exportsOf("lib/index.ts").map(({ name }) => name)).toEqual(expect.arrayContaining(["AksWithOidc", "checkApp"]));
  });

  test("the public entry points list each name (no export *)", () => {
    const stars = ENTRY_POINTS.flatMap((entry) => {
      const source = ts.createSourceFile(entry, fs.readFileSync(path.join(root, entry), "utf8"), ts.ScriptTarget.Latest);
      return source.statements
        .filter((s): s is ts.ExportDeclaration => ts.isExportDeclaration(s) && (s.exportClause === undefined || ts.isNamespaceExport(s.exportClause)))
        .map((s) => `${entry}: ${s.getText(source)}`);
    });
    expect(stars).toEqual([]);
  });

  test("the graph covers the constructs (the check is not vacuous)", () => {
    expect(Object.keys(graph)).toEqual(expect.arrayContaining(["lib/azure/aks-with-oidc.ts", "lib/kubernetes/workload-base.ts", "lib/tools/review/cli.ts"]));
  });
});
