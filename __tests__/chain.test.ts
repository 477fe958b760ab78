/**
 * The chain pod → SecretProviderClass → cluster add-on, issuer → credential, and vault attributes
 * checked whole: what would only fail at runtime is refused at synth (or at plan, where only the
 * plan can know).
 */
import { TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, WorkloadKeyVault } from "../lib";
import type { IWorkloadKeyVault } from "../lib";
import { newStack, only, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";
const VAULT: IWorkloadKeyVault = {
  vaultId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-apps",
  vaultUri: "https://kv-apps.vault.azure.net/",
  vaultName: "kv-apps",
  tenantId: "11111111-1111-1111-1111-111111111111",
  permissionModel: "rbac",
};
const workload = (s: TerraformStack, props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) =>
  new FederatedWorkload(s, "app", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus", ...props });
const container = { name: "api", image: "nginx" };

describe("a mounted SecretProviderClass", () => {
  test("that nothing in the stack creates is refused, with both fixes", () => {
    const s = newStack();
    workload(s).addPod("p", { name: "api", containers: [container], secretsStore: { secretProviderClass: "missing" } });
    expect(() => synth(s)).toThrow(
      /pod p secretsStore\.secretProviderClass "missing": no SecretProviderClass of that name in namespace apps is created in this stack for this cluster.*addSecretProviderClass, or set secretsStore\.external: true/,
    );
  });

  test("created by addSecretProviderClass after the pod is found", () => {
    const s = newStack();
    const w = workload(s);
    w.addDeployment("d", { name: "api", containers: [container], secretsStore: { secretProviderClass: "api-secrets" } });
    w.addSecretProviderClass("spc", { name: "api-secrets", vault: WorkloadKeyVault.fromAttributes(VAULT), objects: [{ name: "db" }] });
    expect(only(synth(s), "kubernetes_deployment_v1")).toBeDefined();
  });

  test("on a cluster created without the CSI driver add-on is refused, for the pod and the class", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const w = workload(s, { issuer: aks, kubernetesObjects: "manifests" });
    w.addSecretProviderClass("spc", { name: "api-secrets", vault: WorkloadKeyVault.fromAttributes(VAULT), objects: [{ name: "db" }] });
    w.addPod("p", { name: "api", containers: [container], secretsStore: { secretProviderClass: "api-secrets" } });
    expect(() => synth(s)).toThrow(/addSecretProviderClass\("spc"\): the cluster has no Secrets Store CSI driver/);
    expect(() => synth(s)).toThrow(/pod p secretsStore: the cluster has no Secrets Store CSI driver; set secretsStoreCsiDriver on its AksWithOidc/);
  });

  test("on a cluster with the add-on synthesizes", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", secretsStoreCsiDriver: true });
    const w = workload(s, { issuer: aks, kubernetesObjects: "manifests" });
    w.addSecretProviderClass("spc", { name: "api-secrets", vault: WorkloadKeyVault.fromAttributes(VAULT), objects: [{ name: "db" }] });
    w.addPod("p", { name: "api", containers: [container], secretsStore: { secretProviderClass: "api-secrets" } });
    expect(w.manifests!.files.size).toBeGreaterThan(0);
    expect(() => synth(s)).not.toThrow();
  });
});

describe("issuers", () => {
  test.each(["https://issuer.example.com//", "https://issuer.example.com/a//b", "https://oidc.example.com//id/1"])("%s, assembled with a doubled slash, is refused", (issuer) => {
    const s = newStack();
    workload(s, { issuer });
    expect(() => synth(s)).toThrow(/must not contain '\/\/' in its path/);
  });
});

describe("vault attributes given by hand", () => {
  function grantOn(vault: IWorkloadKeyVault): () => unknown {
    const s = newStack();
    new KeyVaultSecretAccess(s, "access", { workload: workload(s), vault: WorkloadKeyVault.fromAttributes(vault), secrets: [{ name: "db", existing: true }] });
    return () => synth(s);
  }

  test("that agree synthesize", () => {
    expect(grantOn(VAULT)).not.toThrow();
  });

  test.each([
    ["an id of another vault", { vaultId: VAULT.vaultId.replace("kv-apps", "kv-other") }, /WorkloadKeyVault\.fromAttributes vaultId .* is not the id of vault "kv-apps"/],
    ["a URI of another vault", { vaultUri: "https://kv-other.vault.azure.net/" }, /vaultUri "https:\/\/kv-other\.vault\.azure\.net\/" is not the URI of vault "kv-apps"/],
    ["a URI without the trailing slash", { vaultUri: "https://kv-apps.vault.azure.net" }, /is not the URI of vault "kv-apps" \(https:\/\/kv-apps\.vault\.azure\.net\/, with the trailing slash\)/],
    ["a tenant that is not a GUID", { tenantId: "contoso.onmicrosoft.com" }, /fromAttributes tenantId "contoso\.onmicrosoft\.com" must be a GUID/],
  ])("with %s are refused by the construct that uses them", (_, change, message) => {
    expect(grantOn({ ...VAULT, ...change })).toThrow(message);
  });

  test("are reported once, however many constructs use the vault", () => {
    const s = newStack();
    const vault = WorkloadKeyVault.fromAttributes({ ...VAULT, vaultUri: "https://x.vault.azure.net/" });
    const w = workload(s);
    new KeyVaultSecretAccess(s, "a", { workload: w, vault, secrets: [{ name: "db", existing: true }] });
    new KeyVaultSecretAccess(s, "b", { workload: w, vault, secrets: [{ name: "api", existing: true }] });
    let message = "";
    try {
      synth(s);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.match(/is not the URI of vault/g)).toHaveLength(1);
  });
});

describe("an existing vault's permission model", () => {
  test.each([
    ["rbac", "${self.rbac_authorization_enabled == true}", /uses access policies, so Azure RBAC role assignments on it grant nothing/],
    ["access-policy", "${self.rbac_authorization_enabled != true}", /uses Azure RBAC, so access policies on it grant nothing/],
  ] as const)("%s is checked at plan by a postcondition on the data source", (permissionModel, condition, message) => {
    const s = newStack();
    WorkloadKeyVault.fromExisting(s, "kv", { name: "kv-apps", resourceGroupName: "rg", permissionModel });
    const [check] = only(synth(s), "azurerm_key_vault", "data").body.lifecycle.postcondition;
    expect(check.condition).toBe(condition);
    expect(check.error_message).toMatch(message);
  });
});

describe("the cluster of the issuer and of the Kubernetes provider", () => {
  function twoClusters() {
    const s = new TerraformStack(Testing.app(), "test");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const a = new AksWithOidc(s, "a", { name: "aks-a", resourceGroupName: "rg", location: "eastus" });
    const b = AksWithOidc.fromExisting(s, "b", { name: "aks-b", resourceGroupName: "rg" });
    return { s, a, b };
  }

  test("must be the same: a provider of another cluster is refused, naming both", () => {
    const { s, a, b } = twoClusters();
    workload(s, { issuer: a, kubernetesProvider: b.kubernetesProvider(s, "kubernetes") });
    expect(() => synth(s)).toThrow(/issuer: the federated credential trusts cluster rg\/aks-a, but the service account is created through the Kubernetes provider test\/kubernetes of cluster rg\/aks-b/);
  });

  test("the stack's default provider counts when none is passed", () => {
    const { s, a, b } = twoClusters();
    b.kubernetesProvider(s, "kubernetes");
    workload(s, { issuer: a });
    expect(() => synth(s)).toThrow(/trusts cluster rg\/aks-a, but .* of cluster rg\/aks-b/);
  });

  test("an existing-cluster object of the same cluster is the same cluster (names compare without case)", () => {
    const { s, a } = twoClusters();
    const same = AksWithOidc.fromExisting(s, "same", { name: "AKS-A", resourceGroupName: "RG" });
    workload(s, { issuer: a, kubernetesProvider: same.kubernetesProvider(s, "kubernetes") });
    expect(() => synth(s)).not.toThrow();
  });
});
