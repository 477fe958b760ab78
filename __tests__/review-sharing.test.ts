/**
 * Sharing is sharing however it is built: access a workload gains through an identity another
 * workload also federates with is flagged the same way whether the identity belongs to one of the
 * workloads or is a standalone ManagedIdentity passed to both.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { FederatedWorkload, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import type { IManagedIdentity } from "../lib";
import { buildModel, loadSynthOutput } from "../lib/tools/review/model";

const ISSUER = "https://issuer.example.com/";

/** Two workloads on one identity (made by `identityOf`), a grant made for the first; the model's shared access. */
function sharedAccess(identityOf: (s: TerraformStack) => IManagedIdentity | undefined): Array<[string, string]> {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-share-"));
  const app = new App({ outdir });
  const s = new TerraformStack(app, "apps");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new KubernetesProvider(s, "kubernetes", {});
  const standalone = identityOf(s);
  const a = new FederatedWorkload(s, "a", { issuer: ISSUER, namespace: "apps", serviceAccountName: "a", identity: standalone, identityName: "id-a", resourceGroupName: "rg", location: "eastus" });
  const b = new FederatedWorkload(s, "b", { issuer: ISSUER, namespace: "apps", serviceAccountName: "b", identity: standalone ?? a.identity });
  for (const w of [a, b]) w.addPod("pod", { name: w.serviceAccountName, containers: [{ name: "c", image: "mcr.microsoft.com/azure-cli:2.60.0" }] });
  new KeyVaultSecretAccess(s, "grant-a", { workload: a, vault: new WorkloadKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: "rg", location: "eastus" }), secrets: [{ name: "db", existing: true }] });
  app.synth();
  return buildModel(loadSynthOutput(outdir)).sharedAccess.map((x) => [x.workload, x.grant.role] as [string, string]);
}

describe("access through a shared identity", () => {
  test("an identity that belongs to one workload: the other workload is flagged", () => {
    expect(sharedAccess(() => undefined)).toContainEqual(["apps/b", "Key Vault Secrets User"]);
  });

  test("a standalone identity passed to both: the other workload is flagged too", () => {
    const found = sharedAccess((s) => new ManagedIdentity(s, "shared", { name: "id-shared", resourceGroupName: "rg", location: "eastus" }));
    expect(found).toContainEqual(["apps/b", "Key Vault Secrets User"]);
  });
});
