/**
 * Terraform names in team stacks: every name starts with a letter, two workloads never share one,
 * and a stack applied under the earlier names moves its resources instead of replacing them. The
 * Terraform-level checks run the local binary on configurations of `terraform_data` resources
 * named as the synthesized ones (the built-in provider needs no download).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { checkApp } from "../lib/guardrails/check-app";
import { buildConfiguredApp } from "../stacks";

/** An environment file with these workloads, grouped by namespace, or all in `team` when given. */
type W = { namespace: string; serviceAccount: string; identityName?: string };

function envFile(workloads: W[], team?: string): string {
  const indent = team ? "    " : "";
  return [
    "location: eastus",
    "resourceGroup: rg-x",
    "cluster:",
    "  name: aks-x",
    "vault:",
    "  name: kv-x-example",
    ...(team ? ["teams:", `  - name: ${team}`, "    workloads:"] : ["workloads:"]),
    ...workloads.flatMap((w, i) =>
      [
        `  - namespace: "${w.namespace}"`,
        `    serviceAccount: "${w.serviceAccount}"`,
        ...(w.identityName ? [`    identityName: ${w.identityName}`] : []),
        "    secrets:",
        `      - name: secret-${i}`,
        "    pods:",
        `      - name: pod-${i}`,
        "        image: ghcr.io/org/app:1.0",
      ].map((line) => indent + line),
    ),
    "",
  ].join("\n");
}

/** Synthesizes the environment `dev` with these workloads; returns its stacks by name. */
function synthDev(workloads: W[], team?: string): Record<string, any> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-names-"));
  fs.writeFileSync(path.join(dir, "dev.yaml"), envFile(workloads, team));
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-names-out-"));
  const app = new App({ outdir });
  buildConfiguredApp(app, (n) => (n === "ENVIRONMENTS_DIR" ? dir : undefined));
  checkApp(app);
  app.synth();
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks: Record<string, any> = {};
  for (const [name, s] of Object.entries<any>(manifest.stacks)) stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, s.synthesizedStackPath), "utf8"));
  return stacks;
}

/** Every name Terraform reads as an identifier: resources, data sources, outputs, variables. */
function names(stack: any): string[] {
  const out: string[] = [];
  for (const kind of ["resource", "data"]) for (const byName of Object.values<any>(stack[kind] ?? {})) out.push(...Object.keys(byName));
  out.push(...Object.keys(stack.output ?? {}), ...Object.keys(stack.variable ?? {}));
  return out;
}

const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
if (!terraform) console.warn("Terraform checks of team stack names SKIPPED: no terraform on PATH");

function tf(dir: string, args: string[]) {
  return spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
}

describe("team stack names", () => {
  test("a namespace that starts with a digit gives names that start with a letter", () => {
    const stack = synthDev([{ namespace: "9pay", serviceAccount: "api" }])["dev-9pay"];
    const bad = names(stack).filter((n) => !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(n));
    expect(bad).toEqual([]);
    expect(Object.keys(stack.output)).toContain("client-id_9pay_api");
  });

  (terraform ? test : test.skip)("Terraform accepts every name of a stack whose namespace starts with a digit (terraform validate)", () => {
    const stack = synthDev([{ namespace: "9pay", serviceAccount: "api.v1" }])["dev-9pay"];
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-tf-names-"));
    const all = names(stack);
    fs.writeFileSync(
      path.join(dir, "main.tf.json"),
      JSON.stringify({
        resource: { terraform_data: Object.fromEntries(all.map((n) => [n, {}])) },
        output: Object.fromEntries(Object.keys(stack.output).map((n) => [n, { value: 1 }])),
      }),
    );
    expect(tf(dir, ["init", "-backend=false", "-input=false", "-no-color"]).status).toBe(0);
    const validate = tf(dir, ["validate", "-no-color"]);
    expect({ status: validate.status, errors: validate.stderr.match(/Error: .*/g) }).toEqual({ status: 0, errors: null });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  test("workloads a/b-c and a-b/c in one team stack get separate names", () => {
    const stack = synthDev(
      [
        { namespace: "a", serviceAccount: "b-c" },
        // Both default to the identity name id-a-b-c, which Azure would refuse twice.
        { namespace: "a-b", serviceAccount: "c", identityName: "id-ab-c" },
      ],
      "web",
    )["dev-web"];
    const subjects = Object.values<any>(stack.resource.azurerm_federated_identity_credential).map((c) => c.subject);
    expect(subjects.sort()).toEqual(["system:serviceaccount:a-b:c", "system:serviceaccount:a:b-c"]);
    expect(Object.keys(stack.output).filter((n) => n.startsWith("client-id")).sort()).toEqual(["client-id_a-b_c", "client-id_a_b-c"]);
  });

  test("a stack applied under the earlier names gets a moved block for every resource of its workloads", () => {
    const stack = synthDev([{ namespace: "payments", serviceAccount: "api" }])["dev-payments"];
    const moved: { from: string; to: string }[] = stack.moved;
    const workloadResources = Object.entries<any>(stack.resource).flatMap(([type, byName]) =>
      Object.keys(byName).filter((n) => n.startsWith("workload-payments_api")).map((n) => `${type}.${n}`),
    );
    expect(workloadResources.length).toBeGreaterThan(5);
    expect(moved.map((m) => m.to).sort()).toEqual(workloadResources.sort());
    for (const m of moved) expect(m.from).toMatch(/^[a-z0-9_]+\.payments-api_/);
  });

  test("no moved block for an earlier name Terraform refused (a leading digit)", () => {
    expect(synthDev([{ namespace: "9pay", serviceAccount: "api" }])["dev-9pay"].moved).toBeUndefined();
  });

  (terraform ? test : test.skip)("Terraform moves state from the earlier names and plans no create or destroy (terraform apply, then plan)", () => {
    const stack = synthDev([{ namespace: "payments", serviceAccount: "api" }])["dev-payments"];
    const moved: { from: string; to: string }[] = stack.moved;
    // Stand-ins: each resource becomes a terraform_data of the same name (type and name joined).
    const standIn = (address: string) => address.replace(".", "__");
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-tf-moved-"));
    const write = (config: any) => fs.writeFileSync(path.join(dir, "main.tf.json"), JSON.stringify(config));
    write({ resource: { terraform_data: Object.fromEntries(moved.map((m) => [standIn(m.from), { input: m.from }])) } });
    expect(tf(dir, ["init", "-input=false", "-no-color"]).status).toBe(0);
    expect(tf(dir, ["apply", "-auto-approve", "-input=false", "-no-color"]).status).toBe(0);
    write({
      resource: { terraform_data: Object.fromEntries(moved.map((m) => [standIn(m.to), { input: m.from }])) },
      moved: moved.map((m) => ({ from: `terraform_data.${standIn(m.from)}`, to: `terraform_data.${standIn(m.to)}` })),
    });
    const plan = tf(dir, ["plan", "-input=false", "-no-color"]);
    expect({ status: plan.status, moves: (plan.stdout.match(/has moved to/g) ?? []).length, summary: /Plan: 0 to add, 0 to change, 0 to destroy/.test(plan.stdout) }).toEqual({
      status: 0,
      moves: moved.length,
      summary: true,
    });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
