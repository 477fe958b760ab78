/**
 * The package as another repository gets it: `npm pack`, the tarball unpacked into a separate
 * project's node_modules next to that project's own cdktf, constructs and providers (linked from
 * this repository's node_modules, so the run is offline and fast), and the README's main.ts run
 * there. What npm itself does at install (peer resolution) is checked by scripts/consumer-check.sh,
 * which needs the registry.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..");
const PACKAGE = "aks-workload-identity-cdktf";
const PEERS = ["cdktf", "constructs", "@cdktf/provider-azurerm", "@cdktf/provider-kubernetes", "@cdktf/provider-time", "@cdktf/provider-azuread", "yaml", "ajv", "typescript"];

let consumer: string;
let packedFiles: string[];

function newestMtime(dir: string): number {
  return fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newestMtime(p) : fs.statSync(p).mtimeMs);
  }, 0);
}

/** Builds dist/ when lib/ changed since (CI's `npm ci` has built it through `prepare`). */
function ensureBuilt(): void {
  const index = path.join(root, "dist", "lib", "index.js");
  if (!fs.existsSync(index) || fs.statSync(index).mtimeMs < Math.max(newestMtime(path.join(root, "lib")), newestMtime(path.join(root, "stacks")))) {
    execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  }
}

/** The README's complete main.ts, as the consumer writes it. */
function readmeMain(): string {
  const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
  const m = /<!-- consumer-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(readme);
  if (!m) throw new Error("README has no consumer-main.ts block");
  return m[1];
}

function writeApp(name: string, source: string): string {
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText;
  const file = path.join(consumer, name);
  fs.writeFileSync(file, js);
  return file;
}

function run(file: string, args: string[] = [], env: Record<string, string> = {}) {
  return spawnSync(process.execPath, [file, ...args], {
    cwd: consumer,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: path.join(consumer, "cdktf.out"), ...env },
  });
}

beforeAll(() => {
  ensureBuilt();
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-consumer-"));
  const packed = JSON.parse(
    execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }),
  )[0];
  packedFiles = packed.files.map((f: { path: string }) => f.path);

  consumer = path.join(work, "consumer");
  const modules = path.join(consumer, "node_modules");
  fs.mkdirSync(path.join(modules, "@cdktf"), { recursive: true });
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true }, null, 2));
  for (const peer of PEERS) fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules", peer)), path.join(modules, peer));
  const target = path.join(modules, PACKAGE);
  fs.mkdirSync(target);
  execFileSync("tar", ["-xzf", path.join(work, packed.filename), "-C", target, "--strip-components=1"]);
  // What npm does for "bin" at install.
  fs.mkdirSync(path.join(modules, ".bin"));
  const pkg = JSON.parse(fs.readFileSync(path.join(target, "package.json"), "utf8"));
  for (const [name, file] of Object.entries<string>(pkg.bin)) {
    fs.chmodSync(path.join(target, file), 0o755);
    fs.symlinkSync(path.join("..", PACKAGE, file), path.join(modules, ".bin", name));
  }
  fs.writeFileSync(path.join(consumer, "main.ts"), readmeMain());
  writeApp("main.js", readmeMain());
}, 120_000);

describe("the packed package in another project", () => {
  test("ships the compiled library and app, their declarations, the schemas, the starter's templates and the docs, nothing else", () => {
    expect(packedFiles).toEqual(
      expect.arrayContaining(["package.json", "README.md", "dist/lib/index.js", "dist/lib/index.d.ts", "dist/lib/tools/review/cli.js", "dist/lib/tools/validate/cli.js", "dist/stacks/index.js", "schemas/environment.schema.json", "dist/lib/tools/app-runner.js", "schemas/providers/azurerm-4.55.0.json.gz"]),
    );
    const unexpected = packedFiles.filter((f) => !/^(package\.json|README\.md|LICENSE|CHANGELOG\.md|dist\/.*\.(js|d\.ts)|schemas\/providers\/[a-z]+-[0-9.]+\.json\.gz|schemas\/environment\.schema\.json|examples\/environments\/dev\.yaml|examples\/github-actions\/[a-z-]+\.yml)$/.test(f));
    expect(unexpected).toEqual([]);
    expect(packedFiles.some((f) => /__tests__|bench\/|examples\/.*\.ts$|\.test\./.test(f))).toBe(false);
  });

  test("synthesizes the README's main.ts through the documented app command (node node_modules/.bin/azwi-app main.ts), with the whole trust chain", () => {
    const result = spawnSync(process.execPath, ["node_modules/.bin/azwi-app", "main.ts"], {
      cwd: consumer,
      encoding: "utf8",
      env: { ...process.env, CDKTF_OUTDIR: path.join(consumer, "cdktf.out") },
    });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(consumer, "cdktf.out", "stacks", "payments", "cdk.tf.json"), "utf8"));
    const fic: any = Object.values(json.resource.azurerm_federated_identity_credential)[0];
    expect(fic.subject).toBe("system:serviceaccount:payments:payments-api");
    expect(fic.issuer).toMatch(/^\$\{data\.azurerm_kubernetes_cluster\..*\.oidc_issuer_url\}$/);
    const sa: any = Object.values(json.resource.kubernetes_service_account_v1)[0];
    expect(sa.metadata.annotations["azure.workload.identity/client-id"]).toMatch(/azurerm_user_assigned_identity\..*\.client_id/);
    const pod: any = Object.values(json.resource.kubernetes_pod_v1)[0];
    expect(pod.metadata.labels["azure.workload.identity/use"]).toBe("true");
    const grant: any = Object.values(json.resource.azurerm_role_assignment)[0];
    expect(grant.role_definition_name).toBe("Key Vault Secrets User");
  });

  test("builds environments from the consumer's own files through aks-workload-identity-cdktf/app (the README's main.ts)", () => {
    const m = /<!-- consumer-environments-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, "README.md"), "utf8"));
    expect(m).not.toBeNull();
    fs.cpSync(path.join(root, "examples", "environments"), path.join(consumer, "environments"), { recursive: true });
    const out = path.join(consumer, "cdktf.envs.out");
    const result = run(writeApp("environments.js", m![1]), [], { CDKTF_OUTDIR: out });
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const stacks = Object.keys(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).stacks).sort();
    expect(stacks).toEqual(["dev-payments", "dev-platform", "dev-search", "prod-payments", "prod-platform", "prod-search"]);
  });

  test("refuses a bad environment file in the consumer's repository at its file and line", () => {
    const m = /<!-- consumer-environments-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, "README.md"), "utf8"));
    const dir = path.join(consumer, "bad-environments");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(path.join(dir, "dev.yaml"), fs.readFileSync(path.join(root, "examples", "environments", "dev.yaml"), "utf8").replace(/^location: .*$/m, "location: nowhere"));
    const result = run(writeApp("environments-bad.js", m![1]), [], { ENVIRONMENTS_DIR: dir, CDKTF_OUTDIR: path.join(consumer, "cdktf.bad.out") });
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/dev\.yaml:\d+: location/);
    expect(result.stderr).not.toMatch(/^\s+at /m);
  });

  test("npx azwi-init writes a starter project whose documented app command synthesizes its environment file", () => {
    const starter = path.join(path.dirname(consumer), "starter");
    fs.mkdirSync(starter);
    const init = spawnSync(path.join(consumer, "node_modules", ".bin", "azwi-init"), [starter], { encoding: "utf8" });
    expect(init.stderr).toBe("");
    expect(init.status).toBe(0);
    const pkg = JSON.parse(fs.readFileSync(path.join(starter, "package.json"), "utf8"));
    expect(Object.keys(pkg.dependencies)).toEqual(expect.arrayContaining(["aks-workload-identity-cdktf", "cdktf", "constructs", "@cdktf/provider-azurerm"]));
    expect(Object.keys(pkg.devDependencies)).toEqual(expect.arrayContaining(["cdktf-cli", "typescript"]));
    const cdktfJson = JSON.parse(fs.readFileSync(path.join(starter, "cdktf.json"), "utf8"));
    expect(cdktfJson.app).toBe("node node_modules/.bin/azwi-app main.ts");
    expect(fs.existsSync(path.join(starter, ".github", "workflows", "environments.yml"))).toBe(true);
    // What `npm install` would give it: the consumer's installed packages.
    fs.symlinkSync(path.join(consumer, "node_modules"), path.join(starter, "node_modules"));
    const out = path.join(starter, "cdktf.out");
    const [command, ...args] = cdktfJson.app.split(" ");
    const synth = spawnSync(command === "node" ? process.execPath : command, args, { cwd: starter, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: out } });
    expect(synth.stderr).not.toMatch(/Error/);
    expect(synth.status).toBe(0);
    expect(Object.keys(JSON.parse(fs.readFileSync(path.join(out, "manifest.json"), "utf8")).stacks).sort()).toEqual(["dev-payments", "dev-platform", "dev-search"]);
    const again = spawnSync(path.join(consumer, "node_modules", ".bin", "azwi-init"), [starter], { encoding: "utf8" });
    expect(again.status).toBe(2);
    expect(again.stderr).toMatch(/already holds package\.json, .*nothing was written/);
  });

  test("loads one copy of cdktf and no provider package root", () => {
    const report = path.join(consumer, "modules.json");
    const preload = path.join(consumer, "report-modules.js");
    fs.writeFileSync(preload, `process.on("exit", () => require("fs").writeFileSync(${JSON.stringify(report)}, JSON.stringify(Object.keys(require.cache))));`);
    const result = spawnSync(process.execPath, ["-r", preload, path.join(consumer, "main.js")], { cwd: consumer, encoding: "utf8", env: { ...process.env, CDKTF_OUTDIR: path.join(consumer, "cdktf.out") } });
    expect(result.status).toBe(0);
    const loaded: string[] = JSON.parse(fs.readFileSync(report, "utf8"));
    const cdktfCopies = new Set(loaded.filter((f) => /\/cdktf\/lib\/index\.js$/.test(f)));
    expect(cdktfCopies.size).toBe(1);
    expect(loaded.filter((f) => /@cdktf\/provider-[a-z]+\/lib\/index\.js$/.test(f))).toEqual([]);
  });

  test("refuses an Owner grant on the subscription to a workload identity and a pod in kube-system", () => {
    const planted = readmeMain()
      .replace('import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";', (s) => `${s}\nimport { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";`)
      .replace(
        "    api.addPod(",
        `    new RoleAssignment(this, "owner", { scope: "/subscriptions/00000000-0000-0000-0000-000000000000", roleDefinitionName: "Owner", principalId: api.identity.principalId });
    new FederatedWorkload(this, "system", { issuer: cluster, namespace: "kube-system", serviceAccountName: "sys", resourceGroupName: "myResourceGroup", location: "eastus" });
    api.addPod(`,
      );
    const result = run(writeApp("planted.js", planted));
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/\[AZWI001\] payments\/owner/);
    expect(result.stderr).toMatch(/FederatedWorkload\.namespace "kube-system" is ignored by the workload identity webhook/);
    // Through checkApp: each problem once, no stack trace, no advice to switch validation off.
    expect(result.stderr.match(/\[AZWI001\] payments\/owner/g)).toHaveLength(1);
    expect(result.stderr).not.toMatch(/^\s+at /m);
    expect(result.stderr).not.toMatch(/skipValidation/);
  });

  test("npx azwi-review prints the consumer's chains", () => {
    const result = spawnSync(path.join(consumer, "node_modules", ".bin", "azwi-review"), [path.join(consumer, "cdktf.out")], { cwd: consumer, encoding: "utf8" });
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/system:serviceaccount:payments:payments-api/);
  });

  test("npx azwi-validate passes the consumer's synth output, its own resources included", () => {
    const result = spawnSync(path.join(consumer, "node_modules", ".bin", "azwi-validate"), [path.join(consumer, "cdktf.out")], { cwd: consumer, encoding: "utf8" });
    expect(result.stderr).toBe("");
    expect(result.stdout).toMatch(/^validate: 0 errors, 0 warnings in 1 stack \(\d+ blocks checked against .*azurerm 4\.55\.0/m);
    expect(result.status).toBe(0);
  });

  test("npx azwi-validate fails a consumer's stack with a misspelled attribute, naming the stack, address and attribute", () => {
    const typo = readmeMain()
      .replace('import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";', (s) => `${s}\nimport { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";`)
      .replace("    api.addPod(", `    new ResourceGroup(this, "extra", { name: "payments-extra", location: "eastus" }).addOverride("tagz", { team: "payments" });\n    api.addPod(`);
    const out = path.join(consumer, "cdktf.typo.out");
    const synth = run(writeApp("typo.js", typo), [], { CDKTF_OUTDIR: out });
    expect(synth.status).toBe(0);
    const result = spawnSync(path.join(consumer, "node_modules", ".bin", "azwi-validate"), [out], { cwd: consumer, encoding: "utf8" });
    expect(result.stdout).toMatch(/^error: payments: azurerm_resource_group\.extra tagz: unknown argument or block "tagz".*\(did you mean "tags"\?\)/m);
    expect(result.status).toBe(1);
  });

  test("npx azwi-review --help, npx azwi-manifests --help, npx azwi-validate --help and npx azwi-app --help print their usage", () => {
    for (const bin of ["azwi-review", "azwi-manifests", "azwi-validate", "azwi-app", "azwi-init"]) {
      const result = spawnSync(path.join(consumer, "node_modules", ".bin", bin), ["--help"], { encoding: "utf8" });
      expect(result.status).toBe(0);
      expect(result.stdout).toMatch(new RegExp(`^usage: ${bin} `));
    }
  });

  test("fails with DuplicateCopyError when the library resolves another copy of cdktf than the app", () => {
    const nested = path.join(consumer, "node_modules", PACKAGE, "node_modules");
    fs.mkdirSync(nested, { recursive: true });
    // A second copy of cdktf, nested as npm does when the ranges do not meet (cp: fs.cpSync is slow under jest).
    execFileSync("cp", ["-R", fs.realpathSync(path.join(root, "node_modules", "cdktf")), path.join(nested, "cdktf")]);
    try {
      const result = run(path.join(consumer, "main.js"));
      expect(result.status).not.toBe(0);
      expect(result.stderr).toMatch(/DuplicateCopyError: .*another copy of cdktf than aks-workload-identity-cdktf uses/);
    } finally {
      fs.rmSync(nested, { recursive: true, force: true });
    }
  });

  test("fails with DuplicateCopyError when two copies of the library are loaded", () => {
    const second = path.join(consumer, "second-copy.js");
    execFileSync("cp", ["-R", path.join(consumer, "node_modules", PACKAGE), path.join(consumer, "node_modules", "azwi-copy")]);
    fs.writeFileSync(second, `require("azwi-copy");\nrequire("./main.js");\n`);
    const result = run(second);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/DuplicateCopyError: .*2 copies of aks-workload-identity-cdktf are loaded/);
  });
});
