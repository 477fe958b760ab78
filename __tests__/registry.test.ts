/**
 * The app-wide registry of real-world names: a second claim of one name, compared as the service
 * compares it, is refused on the second resource, naming both places – whichever construct (or the
 * user's own resource) makes it, in whichever stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { newStack, synth } from "./support/helpers";

const VAULT = { resourceGroupName: "rg", location: "eastus" };
function errorsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("Azure names", () => {
  test("a vault name is global: two stacks creating one vault name (in any case) are refused", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-reg-")) });
    for (const [id, name] of [["dev", "kv-apps"], ["prod", "KV-Apps"]]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new WorkloadKeyVault(s, "kv", { name, ...VAULT, resourceGroupName: `rg-${id}` });
    }
    expect(() => app.synth()).toThrow(/\[prod\/kv\/vault\] Key Vault \(name "KV-Apps"\) is already created by dev\/kv\/vault; names are unique in all of Azure/);
  });

  test("the user's own resources count: a plain azurerm_key_vault beside a WorkloadKeyVault of the same name", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new KeyVault(s, "mine", { name: "kv-apps", ...VAULT, tenantId: "00000000-0000-0000-0000-000000000000", skuName: "standard" });
    expect(() => synth(s)).toThrow(/\[test\/mine\] Key Vault \(name "kv-apps"\) is already created by test\/kv\/vault/);
  });

  test("a resource group is created once (in a stack the library is used in)", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new ResourceGroup(s, "a", { name: "rg-apps", location: "eastus" });
    new ResourceGroup(s, "b", { name: "RG-APPS", location: "eastus" });
    expect(() => synth(s)).toThrow(/\[test\/b\] resource group \(name "RG-APPS"\) is already created by test\/a/);
  });

  test("one role at one scope for one principal is one assignment: two grants of a shared identity to one secret are refused", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    const vault = new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    for (const sa of ["a", "b"]) {
      const w = new FederatedWorkload(s, sa, { issuer: "https://issuer.example.com/", serviceAccountName: sa, identity });
      new KeyVaultSecretAccess(s, `grant-${sa}`, { workload: w, vault, secrets: [{ name: "db", existing: true }] });
    }
    expect(errorsOf(() => synth(s))).toMatch(/\[test\/grant-b\/[^\]]+\] role assignment \(scope .*principal_id .*role_definition_name "Key Vault Secrets User"\) is already created by test\/grant-a\//);
  });

  test("different names are no collision", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "a", { name: "kv-a", ...VAULT });
    new WorkloadKeyVault(s, "b", { name: "kv-b", ...VAULT });
    expect(() => synth(s)).not.toThrow();
  });

  test("a duplicate is reported once when the same app is synthesized again", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new ResourceGroup(s, "a", { name: "rg-apps", location: "eastus" });
    new ResourceGroup(s, "b", { name: "rg-apps", location: "eastus" });
    errorsOf(() => synth(s));
    expect(errorsOf(() => synth(s)).match(/is already created by/g)).toHaveLength(1);
  });
});

describe("Kubernetes objects per cluster, across stacks", () => {
  test("two stacks creating one service account on one cluster are refused", () => {
    const app = Testing.app();
    const platform = new TerraformStack(app, "platform");
    new AzurermProvider(platform, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    for (const team of ["team-a", "team-b"]) {
      const s = new TerraformStack(app, team);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      aks.kubernetesProvider(s, "kubernetes");
      new FederatedWorkload(s, "w", { issuer: aks, namespace: "shared", serviceAccountName: "api", identityName: `id-${team}`, resourceGroupName: "rg", location: "eastus" });
    }
    const teamB = app.node.findChild("team-b") as TerraformStack;
    expect(() => synth(teamB)).toThrow(/Kubernetes ServiceAccount shared\/api on cluster rg\/aks is already created by team-a\/w\/service-account/);
  });
});
