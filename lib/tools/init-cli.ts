#!/usr/bin/env node
/**
 * azwi-init [DIR]
 *
 * Writes a consumer project that uses this package into DIR (default: the current directory):
 * package.json with the peers and cdktf-cli, cdktf.json with the package's app runner, tsconfig.json,
 * a main.ts that builds the default app or the environment files, environments/dev.yaml, the two
 * GitHub Actions workflows, and a .gitignore. `npm install && npx cdktf synth` then works in it.
 * Refuses (exit 2) to overwrite any file that exists.
 */
import * as fs from "fs";
import * as path from "path";

const USAGE = [
  "usage: azwi-init [DIR]",
  "  writes package.json, cdktf.json, tsconfig.json, main.ts, environments/dev.yaml,",
  "  .github/workflows/{environments,workload-identity-review}.yml and .gitignore into DIR (default .)",
  "exit 0 when written; exit 2, writing nothing, when a file exists or DIR cannot be written",
].join("\n");

/** The package root (where package.json, README.md and examples/ are), found upwards from this file. */
function packageRoot(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, "package.json");
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "aks-workload-identity-cdktf") return dir;
    if (path.dirname(dir) === dir) throw new Error("azwi-init: cannot find the package's own files");
  }
}

/** The consumer's main.ts: the README's `consumer-environments-main.ts` block, so the two never differ. */
export function starterMain(root: string): string {
  const m = /<!-- consumer-environments-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, "README.md"), "utf8"));
  if (!m) throw new Error("azwi-init: the package's README has no consumer-environments-main.ts block");
  return m[1];
}

/** The files of a new consumer project, by relative path. */
export function starterFiles(name: string): Record<string, string> {
  const root = packageRoot();
  const own = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
  const dev = own.devDependencies ?? {};
  const exact = (pkg: string) => dev[pkg] ?? own.peerDependencies?.[pkg];
  const pkg = {
    name,
    private: true,
    scripts: { synth: "cdktf synth", test: "tsc --noEmit", review: "azwi-review", validate: "azwi-validate cdktf.out" },
    dependencies: {
      "aks-workload-identity-cdktf": `^${own.version}`,
      cdktf: exact("cdktf"),
      constructs: exact("constructs"),
      "@cdktf/provider-azurerm": exact("@cdktf/provider-azurerm"),
      "@cdktf/provider-kubernetes": exact("@cdktf/provider-kubernetes"),
      "@cdktf/provider-time": exact("@cdktf/provider-time"),
      "@cdktf/provider-azuread": exact("@cdktf/provider-azuread"),
    },
    devDependencies: { "cdktf-cli": exact("cdktf-cli"), typescript: exact("typescript"), "@types/node": exact("@types/node") },
  };
  const read = (rel: string) => fs.readFileSync(path.join(root, rel), "utf8");
  return {
    "package.json": JSON.stringify(pkg, null, 2) + "\n",
    "cdktf.json": JSON.stringify({ language: "typescript", app: "node node_modules/.bin/azwi-app main.ts", projectId: name, sendCrashReports: "false", terraformProviders: [], terraformModules: [], context: {} }, null, 2) + "\n",
    "tsconfig.json":
      JSON.stringify({ compilerOptions: { target: "ES2022", module: "Node16", moduleResolution: "Node16", strict: true, esModuleInterop: true, skipLibCheck: true, noEmit: true }, include: ["main.ts"] }, null, 2) + "\n",
    "main.ts": starterMain(root),
    "environments/dev.yaml": read("examples/environments/dev.yaml"),
    ".github/workflows/environments.yml": read("examples/github-actions/environments.yml"),
    ".github/workflows/workload-identity-review.yml": read("examples/github-actions/workload-identity-review.yml"),
    ".gitignore": ["node_modules/", "cdktf.out/", "*.tfstate", "*.tfstate.*", ".terraform/", ""].join("\n"),
  };
}

/** Runs the CLI with `argv` (no node and script); returns the exit code. */
export function main(argv: string[]): number {
  if (argv.includes("-h") || argv.includes("--help")) {
    console.log(USAGE);
    return 0;
  }
  if (argv.length > 1 || argv.some((a) => a.startsWith("-"))) {
    console.error(USAGE);
    return 2;
  }
  const dir = path.resolve(argv[0] ?? ".");
  try {
    const files = starterFiles(path.basename(dir).toLowerCase().replace(/[^a-z0-9-]/g, "-") || "workload-identity");
    const existing = Object.keys(files).filter((f) => fs.existsSync(path.join(dir, f)));
    if (existing.length) {
      console.error(`azwi-init: ${dir} already holds ${existing.join(", ")}; nothing was written`);
      return 2;
    }
    for (const [rel, text] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
      fs.writeFileSync(path.join(dir, rel), text);
    }
    console.log(`wrote ${Object.keys(files).length} files to ${dir}; next: npm install && npx cdktf synth`);
    return 0;
  } catch (e) {
    console.error(`azwi-init: ${(e as Error).message}`);
    return 2;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
