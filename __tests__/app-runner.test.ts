/**
 * azwi-app (lib/tools/app-runner.ts), the app command a consumer's cdktf.json names, run from
 * source through scripts/app.js (this repository's app command, the same runner) in a separate
 * project that has its own TypeScript and cdktf (linked from this repository's node_modules).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const root = path.join(__dirname, "..");
let project: string;

function write(rel: string, text: string): void {
  fs.mkdirSync(path.dirname(path.join(project, rel)), { recursive: true });
  fs.writeFileSync(path.join(project, rel), text);
}

function run(args: string[], env: Record<string, string> = {}) {
  const result = spawnSync(process.execPath, [path.join(root, "scripts", "app.js"), ...args], {
    cwd: project,
    encoding: "utf8",
    env: { ...process.env, CDKTF_TOKEN_STACK_TRACES: "", ...env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

const link = (name: string) => fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules", name)), path.join(project, "node_modules", name));

beforeEach(() => {
  project = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-app-"));
  write("package.json", JSON.stringify({ name: "app", private: true }));
  write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true } }));
  fs.mkdirSync(path.join(project, "node_modules"));
  link("typescript");
  link("cdktf");
  link("constructs");
  write(
    "lib/helper.ts",
    ["type Label = string;", "// a comment that moves the lines", "export function double(n: number): number {", '  const label: Label = "too big";', "  if (n > 5) throw new Error(label);", "  return n * 2;", "}", ""].join("\n"),
  );
});

afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

describe("azwi-app", () => {
  test("runs the entry and the project's own .ts files it imports, with the app's arguments and require.main as node sets them", () => {
    write("main.ts", 'import { double } from "./lib/helper";\ninterface Out { n: number }\nconst out: Out = { n: double(2) };\nconsole.log(JSON.stringify([out.n, require.main === module, process.argv.slice(2)]));\n');
    const result = run(["main.ts", "a", "b"]);
    expect(result.stderr).toBe("");
    expect(JSON.parse(result.stdout)).toEqual([4, true, ["a", "b"]]);
  });

  test("runs main.ts when no entry is given", () => {
    write("main.ts", 'console.log("ran main.ts");\n');
    expect(run([]).stdout).toBe("ran main.ts\n");
  });

  test("a syntax error in an imported file is reported as file:line:col with TypeScript's message, no stack, exit 1", () => {
    write("lib/broken.ts", "export const f = (a: number => a;\n");
    write("main.ts", 'import { f } from "./lib/broken";\nconsole.log(f);\n');
    const result = run(["main.ts"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`${fs.realpathSync(project)}/lib/broken.ts:1:29 - error TS1005: ',' expected.\n`);
  });

  test("a runtime error's stack and the line Node shows point at the .ts source", () => {
    write("main.ts", 'import { double } from "./lib/helper";\n\nconsole.log(double(7));\n');
    const result = run(["main.ts"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/lib\/helper\.ts:5\n {2}if \(n > 5\) throw new Error\(label\);\n/);
    expect(result.stderr).toMatch(/at double \(.*\/lib\/helper\.ts:5:20\)/);
    expect(result.stderr).toMatch(/at Object\.<anonymous> \(.*\/main\.ts:3:/);
  });

  test("transpiles a file once per content: later runs, a touched file included, need no TypeScript; an edited file is transpiled again", () => {
    write("main.ts", 'import { double } from "./lib/helper";\nconsole.log(double(1));\n');
    expect(run(["main.ts"]).stdout).toBe("2\n");
    expect(fs.readdirSync(path.join(project, "node_modules", ".cache", "azwi-app")).length).toBeGreaterThan(0);
    // The same TypeScript version (part of the key), but loading it fails.
    const version = JSON.parse(fs.readFileSync(path.join(project, "node_modules", "typescript", "package.json"), "utf8")).version;
    fs.unlinkSync(path.join(project, "node_modules", "typescript"));
    write("node_modules/typescript/package.json", JSON.stringify({ name: "typescript", version, main: "loaded.js" }));
    write("node_modules/typescript/loaded.js", 'throw new Error("TypeScript was loaded");\n');
    const later = new Date(Date.now() + 60_000);
    fs.utimesSync(path.join(project, "main.ts"), later, later);
    expect(run(["main.ts"]).stdout).toBe("2\n");

    write("main.ts", 'import { double } from "./lib/helper";\nconsole.log(double(2));\n');
    const edited = run(["main.ts"]);
    expect(edited.status).toBe(1);
    expect(edited.stderr).toMatch(/Error: TypeScript was loaded/);
  });

  test("a changed tsconfig.json transpiles again, with its options (legacy decorators under experimentalDecorators)", () => {
    write("main.ts", "function show(...args: unknown[]): void { console.log(typeof args[1]); }\nclass C { @show m(): void {} }\nnew C();\n");
    expect(run(["main.ts"]).stdout).toBe("object\n"); // standard decorators: (value, context)
    write("tsconfig.json", JSON.stringify({ compilerOptions: { target: "ES2022", module: "commonjs", strict: true, experimentalDecorators: true } }));
    expect(run(["main.ts"]).stdout).toBe("string\n"); // legacy decorators: (target, propertyKey, descriptor)
  });

  test("cdktf's stack trace per token is off unless CDKTF_TOKEN_STACK_TRACES=1", () => {
    write("main.ts", 'import { Lazy, Tokenization } from "cdktf";\nconst token = Tokenization.reverseString(Lazy.stringValue({ produce: () => "x" })).firstToken!;\nconsole.log(token.creationStack.length > 0);\n');
    expect(run(["main.ts"]).stdout).toBe("false\n");
    expect(run(["main.ts"], { CDKTF_TOKEN_STACK_TRACES: "1" }).stdout).toBe("true\n");
  });

  test("refuses TypeScript inside node_modules, naming the file", () => {
    write("node_modules/typed-only/index.ts", "export const x: number = 1;\n");
    write("node_modules/typed-only/package.json", JSON.stringify({ name: "typed-only", main: "index.ts" }));
    write("main.ts", 'import { x } from "typed-only";\nconsole.log(x);\n');
    const result = run(["main.ts"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^azwi-app: .*node_modules\/typed-only\/index\.ts is TypeScript inside node_modules; .*packages must ship JavaScript\n$/);
  });

  test("without TypeScript in the project, says how to install it", () => {
    fs.unlinkSync(path.join(project, "node_modules", "typescript"));
    write("main.ts", "console.log(1);\n");
    const result = run(["main.ts"]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^azwi-app: TypeScript is not installed in .*; .*npm install --save-dev typescript\n$/);
  });

  test("names a missing entry and prints its usage with --help", () => {
    const missing = run(["nope.ts"]);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^azwi-app: nope\.ts not found/);
    const help = run(["--help"]);
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^usage: azwi-app /);
  });
});
