/**
 * The version a pod pins (VERSION_ID) follows a new secret's valueVersion in the same apply:
 * azurerm plans the secret's `version` as the old one when value_wo_version rises, so the pods read
 * it through a terraform_data that is replaced, and so unknown in the plan, whenever valueVersion
 * changes. The Terraform-level test runs that record with the local binary (a stand-in for the
 * secret: the built-in provider needs no download).
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { FederatedWorkload, KeyVaultSecretAccess, WorkloadKeyVault } from "../lib";
import { newStack, only, synth } from "./support/helpers";

/** A workload with a pod that pins the new secret `db` written with `valueVersion`. */
function synthPinned(valueVersion?: number): any {
  const s = newStack();
  const vault = WorkloadKeyVault.fromExisting(s, "kv", { name: "kv-test-example", resourceGroupName: "rg" });
  const w = new FederatedWorkload(s, "app", { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
  const access = new KeyVaultSecretAccess(s, "access", { workload: w, vault, secrets: [{ name: "db", valueVersion }] });
  w.addPod("pod", { name: "pod", containers: [{ name: "main", image: "ghcr.io/org/app:1", env: access.pinnedEnvironment() }] });
  return synth(s);
}

const versionEnv = (json: any) => only(json, "kubernetes_pod_v1").body.spec.container[0].env.find((e: any) => e.name === "VERSION_ID").value;
/** The terraform_data the pod's VERSION_ID reads. */
function pinnedRecord(json: any): { name: string; body: any } {
  const m = /^\$\{terraform_data\.([^.]+)\.output\}$/.exec(versionEnv(json));
  if (!m) throw new Error(`VERSION_ID ${versionEnv(json)} does not read a terraform_data output`);
  return { name: m[1], body: json.resource.terraform_data[m[1]] };
}

describe("a pinned version of a new secret", () => {
  test("VERSION_ID reads a record of the secret's version, not the secret's version attribute", () => {
    const json = synthPinned();
    const secret = only(json, "azurerm_key_vault_secret").name;
    expect(pinnedRecord(json).body.input).toBe(`\${azurerm_key_vault_secret.${secret}.version}`);
  });

  test("the record is replaced when valueVersion changes", () => {
    expect(pinnedRecord(synthPinned()).body.triggers_replace).toEqual({ value_wo_version: 1 });
    expect(pinnedRecord(synthPinned(2)).body.triggers_replace).toEqual({ value_wo_version: 2 });
    expect(only(synthPinned(2), "azurerm_key_vault_secret").body.value_wo_version).toBe(2);
  });

  test("a secret whose version nobody pins gets no record", () => {
    const s = newStack();
    const vault = WorkloadKeyVault.fromExisting(s, "kv", { name: "kv-test-example", resourceGroupName: "rg" });
    const w = new FederatedWorkload(s, "app", { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
    new KeyVaultSecretAccess(s, "access", { workload: w, vault, secrets: [{ name: "db" }] });
    expect(Object.keys(synth(s).resource.terraform_data ?? {}).filter((n) => n.includes("pinned"))).toEqual([]);
  });

  const terraform = spawnSync("terraform", ["version"], { encoding: "utf8" }).status === 0;
  if (!terraform) console.warn("Terraform check of the pinned version record SKIPPED: no terraform on PATH");
  (terraform ? test : test.skip)("raising valueVersion plans VERSION_ID unknown in the same plan (terraform apply, then plan -json)", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-tf-version-"));
    const run = (args: string[]) => spawnSync("terraform", args, { cwd: dir, encoding: "utf8", env: { ...process.env, CHECKPOINT_DISABLE: "1", TF_IN_AUTOMATION: "1" } });
    // The secret as azurerm plans it: its version stays "v-old" in the plan (Computed, not marked unknown).
    const write = (valueVersion: number) => {
      const { name, body } = pinnedRecord(synthPinned(valueVersion));
      const record = { ...body, input: "${terraform_data.secret.output}" };
      fs.writeFileSync(
        path.join(dir, "main.tf.json"),
        JSON.stringify({ resource: { terraform_data: { secret: { input: "v-old" }, [name]: record, pod: { input: `\${terraform_data.${name}.output}` } } } }),
      );
    };
    write(1);
    expect(run(["init", "-input=false", "-no-color"]).status).toBe(0);
    expect(run(["apply", "-auto-approve", "-input=false", "-no-color"]).status).toBe(0);
    write(2);
    expect(run(["plan", "-input=false", "-no-color", "-out=tfplan"]).status).toBe(0);
    const plan = JSON.parse(run(["show", "-json", "tfplan"]).stdout);
    const change = (address: string) => plan.resource_changes.find((c: any) => c.address === address).change;
    const pod = change("terraform_data.pod");
    expect({ actions: pod.actions, inputUnknown: pod.after_unknown.input }).toEqual({ actions: ["update"], inputUnknown: true });
    fs.rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
