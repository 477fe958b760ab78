import { App, TerraformStack, Testing } from "cdktf";
import { AksWithOidc, checkApp, FederatedWorkload, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { newStack, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";

/** Synth error message of a stack built by `build`. */
function synthError(build: (stack: TerraformStack) => void): string {
  const stack = newStack();
  build(stack);
  try {
    synth(stack);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("synth succeeded");
}

const workload = (stack: TerraformStack, props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) =>
  new FederatedWorkload(stack, "app", { issuer: ISSUER, serviceAccountName: "sa", resourceGroupName: "rg1", location: "eastus", ...props });

describe("construct validation", () => {
  test.each<[string, (s: TerraformStack) => void, RegExp]>([
    ["AKS name", (s) => new AksWithOidc(s, "aks", { name: "aks_", resourceGroupName: "rg", location: "eastus" }), /\[test\/aks\] AksWithOidc\.name "aks_" must be letters/],
    ["AKS DNS prefix", (s) => new AksWithOidc(s, "aks", { name: "aks", dnsPrefix: "a_b", resourceGroupName: "rg", location: "eastus" }), /AksWithOidc\.dnsPrefix "a_b"/],
    ["AKS location", (s) => new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "atlantis" }), /AksWithOidc\.location "atlantis" must be an Azure region/],
    ["node pool name", (s) => new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", systemNodePool: { name: "System-Pool" } }), /systemNodePool\.name "System-Pool"/],
    ["AKS tenant", (s) => new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", tenantId: "contoso" }), /AksWithOidc\.tenantId "contoso" must be a GUID/],
    ["resource group", (s) => new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg/x", location: "eastus" }), /AksWithOidc\.resourceGroupName "rg\/x"/],
    ["namespace", (s) => workload(s, { namespace: "Apps" }), /FederatedWorkload\.namespace "Apps" must be a DNS-1123 label/],
    ["kube-system", (s) => workload(s, { namespace: "kube-system" }), /FederatedWorkload\.namespace "kube-system" is ignored by the workload identity webhook/],
    ["service account", (s) => workload(s, { serviceAccountName: "My_SA" }), /FederatedWorkload\.serviceAccountName "My_SA" must be a DNS-1123 subdomain/],
    ["issuer URL", (s) => workload(s, { issuer: "http://issuer.example.com/" }), /\[test\/app\/federated-credential\] federated credential issuer "http:\/\/issuer\.example\.com\/" must be an https:\/\/ URL/],
    ["issuer whitespace", (s) => workload(s, { issuer: "https://issuer.example.com/ " }), /must not start or end with whitespace/],
    ["identity name", (s) => workload(s, { identityName: "my identity" }), /ManagedIdentity\.name "my identity"/],
    ["identity region", (s) => workload(s, { location: "malaysiasouth" }), /ManagedIdentity\.location "malaysiasouth" is a region where user-assigned managed identities cannot hold federated identity credentials/],
    ["credential name", (s) => workload(s, { federatedCredentialName: "my fic" }), /federated credential name "my fic"/],
    ["tenant id annotation", (s) => workload(s, { tenantId: "not-a-guid" }), /FederatedWorkload\.tenantId "not-a-guid" must be a GUID/],
    ["token expiry", (s) => workload(s, { tokenExpirationSeconds: 600 }), /tokenExpirationSeconds 600 must be an integer from 3600 to 86400/],
    ["service account labels", (s) => workload(s, { serviceAccountLabels: { "bad key!": "x" } }), /serviceAccountLabels key "bad key!"/],
    ["pod name", (s) => workload(s).addPod("p", { name: "Pod", containers: [{ name: "c", image: "i" }] }), /pod p name "Pod"/],
    ["no containers", (s) => workload(s).addPod("p", { name: "pod", containers: [] }), /pod p has no containers/],
    ["container name", (s) => workload(s).addPod("p", { name: "pod", containers: [{ name: "C_1", image: "i" }] }), /pod p container name "C_1"/],
    ["pod label value", (s) => workload(s).addPod("p", { name: "pod", labels: { app: "-x" }, containers: [{ name: "c", image: "i" }] }), /pod p labels "app" value "-x"/],
    ["virtual node selector", (s) => workload(s).addPod("p", { name: "pod", nodeSelector: { type: "virtual-kubelet" }, containers: [{ name: "c", image: "i" }] }), /would run on AKS virtual nodes \(node selector type: "virtual-kubelet"\)/],
    ["virtual node toleration", (s) => workload(s).addPod("p", { name: "pod", tolerations: [{ key: "virtual-kubelet.io/provider", operator: "Exists" }], containers: [{ name: "c", image: "i" }] }), /virtual nodes \(toleration "virtual-kubelet\.io\/provider"\)/],
    ["Key Vault name", (s) => new WorkloadKeyVault(s, "kv", { name: "kv--1", resourceGroupName: "rg", location: "eastus" }), /WorkloadKeyVault\.name "kv--1" must not contain consecutive hyphens/],
    ["soft delete", (s) => new WorkloadKeyVault(s, "kv", { name: "kv-1", resourceGroupName: "rg", location: "eastus", softDeleteRetentionDays: 3 }), /softDeleteRetentionDays 3 must be an integer from 7 to 90/],
    ["secret name", (s) => new KeyVaultSecretAccess(s, "a", { workload: workload(s), vault: { name: "kv-1", resourceGroupName: "rg", location: "eastus" }, secrets: [{ name: "my_secret" }] }), /secret name "my_secret"/],
    ["secret scope on access policies", (s) => new KeyVaultSecretAccess(s, "a", { workload: workload(s), vault: { name: "kv-1", resourceGroupName: "rg", location: "eastus", permissionModel: "access-policy" }, secrets: [{ name: "s" }], grantScope: "secret" }), /grantScope "secret" is impossible on an access-policy vault/],
  ])("rejects a bad %s, naming the field and the rule", (_what, build, message) => {
    expect(synthError(build)).toMatch(message);
  });

  test("rejects a 21st federated credential on one identity", () => {
    const message = synthError((s) => {
      const identity = new ManagedIdentity(s, "id", { name: "shared", resourceGroupName: "rg", location: "eastus" });
      for (let i = 0; i < 21; i++) new FederatedWorkload(s, `app${i}`, { issuer: ISSUER, serviceAccountName: `sa${i}`, identity });
    });
    expect(message).toMatch(/would be number 21 on its managed identity; Entra allows at most 20/);
  });

  test("rejects a repeated issuer + subject on one identity", () => {
    const message = synthError((s) => {
      const identity = new ManagedIdentity(s, "id", { name: "shared", resourceGroupName: "rg", location: "eastus" });
      new FederatedWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "sa", identity, federatedCredentialName: "fic-a" });
      new FederatedWorkload(s, "b", { issuer: ISSUER, serviceAccountName: "sa", identity, federatedCredentialName: "fic-b" });
    });
    expect(message).toMatch(/"fic-b" repeats the issuer and subject "system:serviceaccount:default:sa"/);
  });

  test("skips values unknown until apply", () => {
    const stack = newStack();
    const aks = new AksWithOidc(stack, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    // The issuer is a token: its format cannot be checked at synth time, and is not failed.
    new FederatedWorkload(stack, "app", { issuer: aks, serviceAccountName: "sa", resourceGroupName: aks.resourceGroupName, location: "eastus" });
    expect(() => synth(stack)).not.toThrow();
  });

  test("reports every problem of every stack at once, with construct paths", () => {
    const app = Testing.app();
    const a = new TerraformStack(app, "one");
    const b = new TerraformStack(app, "two");
    new WorkloadKeyVault(a, "kv", { name: "x", resourceGroupName: "rg", location: "eastus" });
    new FederatedWorkload(b, "app", { issuer: "http://x", serviceAccountName: "SA", namespace: "kube-system", resourceGroupName: "rg", location: "eastus" });
    let problems: readonly string[] = [];
    try {
      checkApp(app);
    } catch (e) {
      problems = (e as any).problems;
    }
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[one\/kv\] WorkloadKeyVault\.name "x"/),
        expect.stringMatching(/^\[two\/app\] FederatedWorkload\.namespace "kube-system"/),
        expect.stringMatching(/^\[two\/app\] FederatedWorkload\.serviceAccountName "SA"/),
        expect.stringMatching(/^\[two\/app\/federated-credential\] federated credential issuer "http:\/\/x"/),
      ]),
    );
  });

  test("writes nothing when the app has a problem", () => {
    const fs = require("fs") as typeof import("fs");
    const outdir = fs.mkdtempSync(require("path").join(require("os").tmpdir(), "azwi-bad-"));
    const app = new App({ outdir });
    const s = new TerraformStack(app, "one");
    new WorkloadKeyVault(s, "kv", { name: "x", resourceGroupName: "rg", location: "eastus" });
    expect(() => checkApp(app)).toThrow(/problem\(s\) found; nothing was synthesized/);
    // App creates outdir/stacks up front; no stack is written into it.
    expect(fs.readdirSync(require("path").join(outdir, "stacks"))).toEqual([]);
  });
});
