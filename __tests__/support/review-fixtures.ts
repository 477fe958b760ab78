/** Shared fixtures of the review tests: synth outputs of the default app, edited copies, a hand-written stack, Mermaid's parser. */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App } from "cdktf";
import { buildModel, loadSynthOutput } from "../../lib/tools/review/model";
import { buildApp } from "../../stacks";
import { defaultConfig } from "./helpers";

export const root = path.resolve(__dirname, "..", "..");

/** Synthesizes the app for `env` into a temp dir; `extend` may add to it first. */
export function synthDir(env: Record<string, string> = {}, extend?: (app: App) => void): string {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-"));
  const app = new App({ outdir });
  buildApp(app, defaultConfig(env));
  extend?.(app);
  app.synth();
  return outdir;
}

const synthesized = new Map<string, string>();
/**
 * The app's synth output for `env`, synthesized on first use and then shared by the tests of the
 * file that ask for the same settings. Read it only: {@link edited} copies it.
 */
export function sharedSynthDir(env: Record<string, string> = {}): string {
  const key = JSON.stringify(Object.entries(env).sort());
  let dir = synthesized.get(key);
  if (dir === undefined) synthesized.set(key, (dir = synthDir(env)));
  return dir;
}

/** Copies a synth dir and edits one stack's JSON. */
export function edited(dir: string, stack: string, edit: (json: any) => void): string {
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-edit-"));
  fs.cpSync(dir, copy, { recursive: true });
  const file = path.join(copy, "stacks", stack, "cdk.tf.json");
  const json = JSON.parse(fs.readFileSync(file, "utf8"));
  edit(json);
  fs.writeFileSync(file, JSON.stringify(json));
  return copy;
}



export const model = (dir: string) => buildModel(loadSynthOutput(dir));

/** Writes a synth output directory from stack JSON (and manifest annotations), as cdktf lays it out. */
export function writeSynthDir(stacks: Record<string, unknown>, annotations: Record<string, unknown[]> = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-gen-"));
  const manifest: any = { version: "0.21.0", stacks: {} };
  for (const [name, json] of Object.entries(stacks)) {
    fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(json));
    manifest.stacks[name] = { synthesizedStackPath: `stacks/${name}/cdk.tf.json`, annotations: annotations[name] ?? [] };
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest));
  return dir;
}

/** A stack written by hand, not with this library: one deployment, its identity and a grant. */
export function handWrittenStack(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-hand-"));
  fs.mkdirSync(path.join(dir, "stacks", "apps"), { recursive: true });
  fs.writeFileSync(
    path.join(dir, "manifest.json"),
    JSON.stringify({ version: "0.21.0", stacks: { apps: { synthesizedStackPath: "stacks/apps/cdk.tf.json", annotations: [{ level: "@cdktf/warn", constructPath: "apps/x", message: "[AZWI008] something" }] } } }),
  );
  fs.writeFileSync(
    path.join(dir, "stacks", "apps", "cdk.tf.json"),
    JSON.stringify({
      resource: {
        azurerm_user_assigned_identity: { api: { name: "payments-api", resource_group_name: "rg", location: "westeurope" } },
        azurerm_federated_identity_credential: {
          api: {
            name: "payments-api-fic",
            resource_group_name: "rg",
            parent_id: "${azurerm_user_assigned_identity.api.id}",
            issuer: "https://oidc.example.com/cluster-1/",
            subject: "system:serviceaccount:payments:api",
            audience: ["api://AzureADTokenExchange"],
          },
        },
        azurerm_role_assignment: {
          read: { scope: "/subscriptions/0000/resourceGroups/payments", role_definition_name: "Key Vault Secrets User", principal_id: "${azurerm_user_assigned_identity.api.principal_id}" },
        },
        kubernetes_service_account_v1: {
          api: { metadata: { name: "api", namespace: "payments", annotations: { "azure.workload.identity/client-id": "${azurerm_user_assigned_identity.api.client_id}" } } },
        },
        kubernetes_deployment_v1: {
          api: {
            metadata: { name: "api", namespace: "payments" },
            spec: { template: { metadata: { labels: { "azure.workload.identity/use": "true" } }, spec: { service_account_name: "api", container: [{ name: "api", image: "x" }] } } },
          },
        },
      },
    }),
  );
  return dir;
}


/** Parses many Mermaid texts with mermaid's parser in one process: "ok:flowchart-v2" or "error:…" for each. */
export function checkMermaidAll(texts: string[]): string[] {
  const r = spawnSync(process.execPath, [path.join(root, "scripts", "check-mermaid.mjs")], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}
