/**
 * The layout as a rule: built from madge's dependency graph (type-only imports included), an import
 * cycle or a layering violation fails the suite. `npm run test:package` runs it (jest.package.config.js).
 */
import * as path from "path";

const madge = require("madge") as (paths: string[], config: object) => Promise<{ obj(): Record<string, string[]>; circular(): string[][] }>;

let graph: Record<string, string[]>;
let cycles: string[][];

beforeAll(async () => {
  const root = path.join(__dirname, "..");
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

  test("the library never imports the tools (only the public index re-exports them)", () => {
    const offending = Object.entries(graph)
      .filter(([file]) => file.startsWith("lib/") && !file.startsWith("lib/tools/") && file !== "lib/index.ts")
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

  test("the graph covers the constructs (the check is not vacuous)", () => {
    expect(Object.keys(graph)).toEqual(expect.arrayContaining(["lib/azure/aks-with-oidc.ts", "lib/kubernetes/workload-base.ts", "lib/tools/review/cli.ts"]));
  });
});
