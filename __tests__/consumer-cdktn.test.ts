/**
 * The packed package under CDK Terrain (cdktn), the fork that continues CDKTF: a consumer project
 * whose `cdktf` is cdktn (what `"overrides": { "cdktf": "npm:cdktn@0.24.0" }` installs) runs the
 * README's main.ts unchanged, and the guardrails still see every resource (they use cdktf's isX()
 * helpers, never instanceof across packages).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as ts from "typescript";

const root = path.join(__dirname, "..");
const PACKAGE = "aks-workload-identity-cdktf";
const PEERS = ["constructs", "@cdktf/provider-azurerm", "@cdktf/provider-kubernetes", "@cdktf/provider-time", "@cdktf/provider-azuread", "yaml"];

let consumer: string;

function readmeMain(): string {
  const m = /<!-- consumer-main\.ts -->\n```ts\n([\s\S]*?)```/.exec(fs.readFileSync(path.join(root, "README.md"), "utf8"));
  if (!m) throw new Error("README has no consumer-main.ts block");
  return m[1];
}

function runApp(name: string, source: string) {
  const file = path.join(consumer, name);
  fs.writeFileSync(file, ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 } }).outputText);
  // --preserve-symlinks: the linked provider packages resolve `cdktf` from the consumer's
  // node_modules (cdktn), as they would when npm installs them there with the override.
  return spawnSync(process.execPath, ["--preserve-symlinks", "--preserve-symlinks-main", file], {
    cwd: consumer,
    encoding: "utf8",
    env: { ...process.env, CDKTF_OUTDIR: path.join(consumer, "cdktf.out") },
  });
}

beforeAll(() => {
  if (!fs.existsSync(path.join(root, "dist", "lib", "index.js"))) execFileSync("npm", ["run", "--silent", "build"], { cwd: root, stdio: "inherit" });
  const work = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-cdktn-"));
  const packed = JSON.parse(execFileSync("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", work], { cwd: root, encoding: "utf8" }))[0];
  consumer = path.join(work, "consumer");
  const modules = path.join(consumer, "node_modules");
  fs.mkdirSync(path.join(modules, "@cdktf"), { recursive: true });
  fs.writeFileSync(path.join(consumer, "package.json"), JSON.stringify({ name: "consumer", private: true, overrides: { cdktf: "npm:cdktn@0.24.0" } }, null, 2));
  for (const peer of PEERS) fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules", peer)), path.join(modules, peer));
  // What the override installs: the package named cdktf is cdktn.
  fs.symlinkSync(fs.realpathSync(path.join(root, "node_modules", "cdktn")), path.join(modules, "cdktf"));
  const target = path.join(modules, PACKAGE);
  fs.mkdirSync(target);
  execFileSync("tar", ["-xzf", path.join(work, packed.filename), "-C", target, "--strip-components=1"]);
}, 120_000);

describe("the packed package with cdktn as cdktf", () => {
  test("the consumer's cdktf is cdktn", () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(consumer, "node_modules", "cdktf", "package.json"), "utf8"));
    expect(pkg.name).toBe("cdktn");
  });

  test("synthesizes the README's main.ts with the trust chain", () => {
    const result = runApp("main.js", readmeMain());
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const json = JSON.parse(fs.readFileSync(path.join(consumer, "cdktf.out", "stacks", "payments", "cdk.tf.json"), "utf8"));
    expect(Object.values<any>(json.resource.azurerm_federated_identity_credential)[0].subject).toBe("system:serviceaccount:payments:payments-api");
    expect(Object.values<any>(json.resource.kubernetes_pod_v1)[0].metadata.labels["azure.workload.identity/use"]).toBe("true");
  });

  test("the guardrails see the consumer's own resources and pods (an Owner grant and a kube-system pod are refused)", () => {
    const planted = readmeMain()
      .replace('import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";', (s) => `${s}\nimport { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";`)
      .replace(
        "    api.addPod(",
        `    new RoleAssignment(this, "owner", { scope: "/subscriptions/00000000-0000-0000-0000-000000000000", roleDefinitionName: "Owner", principalId: api.identity.principalId });
    api.addPod(`,
      );
    const result = runApp("planted.js", planted);
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/\[AZWI001\] payments\/owner/);
  });
});
