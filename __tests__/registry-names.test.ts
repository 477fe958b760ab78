/**
 * The registry's table of real names, type by type: for every resource type it knows, a second
 * resource with the same name (compared as the service compares it) is refused with what the name
 * is and where it is unique, and a name that differs is not. The user's own provider resources are
 * used, beside one construct of the library (the registry runs on the stacks the library is in).
 */
import { App, Fn, TerraformCount, TerraformIterator, TerraformResource, TerraformStack, TerraformVariable, Testing, Token } from "cdktf";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ContainerRegistry } from "@cdktf/provider-azurerm/lib/container-registry";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { KubernetesCluster } from "@cdktf/provider-azurerm/lib/kubernetes-cluster";
import { DataAzurermKeyVault } from "@cdktf/provider-azurerm/lib/data-azurerm-key-vault";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { ApplicationFederatedIdentityCredential } from "@cdktf/provider-azuread/lib/application-federated-identity-credential";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ConfigMapV1 } from "@cdktf/provider-kubernetes/lib/config-map-v1";
import { Deployment } from "@cdktf/provider-kubernetes/lib/deployment";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { Namespace } from "@cdktf/provider-kubernetes/lib/namespace";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { Pod } from "@cdktf/provider-kubernetes/lib/pod";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { SecretV1 } from "@cdktf/provider-kubernetes/lib/secret-v1";
import { ServiceAccount } from "@cdktf/provider-kubernetes/lib/service-account";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { AksWithOidc, FederatedWorkload, GitOpsManifests, ManagedIdentity } from "../lib";

const TENANT = "00000000-0000-0000-0000-000000000000";
const OBJECT = "11111111-1111-1111-1111-111111111111";
const VAULT_ID = "/subscriptions/22222222-2222-2222-2222-222222222222/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv-apps";

function errorsOf(app: App): string {
  try {
    app.synth();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

/** One stack with the library in it (a ManagedIdentity) and two resources made by `make` with the two names. */
function azureApp(make: (scope: Construct, id: string, name: string) => void, first: string, second: string): App {
  const app = Testing.app();
  const s = new TerraformStack(app, "s");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new AzureadProvider(s, "azuread", {});
  new ManagedIdentity(s, "library", { name: "id-library", resourceGroupName: "rg-library", location: "eastus" });
  make(s, "one", first);
  make(s, "two", second);
  return app;
}

const AZURE: [string, (scope: Construct, id: string, name: string) => void, RegExp][] = [
  ["azurerm_resource_group", (s, id, name) => new ResourceGroup(s, id, { name, location: "eastus" }), /resource group \(name "RG-Apps"\) is already created by s\/one; names are unique in its subscription/],
  [
    "azurerm_key_vault",
    (s, id, name) => new KeyVault(s, id, { name, resourceGroupName: `rg-${id}`, location: "eastus", tenantId: TENANT, skuName: "standard" }),
    /Key Vault \(name "RG-Apps"\) is already created by s\/one; names are unique in all of Azure \(vault names are global DNS names\)/,
  ],
  [
    "azurerm_container_registry",
    (s, id, name) => new ContainerRegistry(s, id, { name, resourceGroupName: `rg-${id}`, location: "eastus", sku: "Basic" }),
    /container registry \(name "RG-Apps"\) is already created by s\/one; names are unique in all of Azure \(registry names are global DNS names\)/,
  ],
  [
    "azurerm_user_assigned_identity",
    (s, id, name) => new UserAssignedIdentity(s, id, { name, resourceGroupName: "rg", location: "eastus" }),
    /user-assigned identity \(resource_group_name "rg", name "RG-Apps"\) is already created by s\/one; names are unique in its resource group/,
  ],
  [
    "azurerm_kubernetes_cluster",
    (s, id, name) =>
      new KubernetesCluster(s, id, { name, resourceGroupName: "rg", location: "eastus", dnsPrefix: id, defaultNodePool: { name: "system", vmSize: "Standard_D2s_v5" }, identity: { type: "SystemAssigned" } }),
    /AKS cluster \(resource_group_name "rg", name "RG-Apps"\) is already created by s\/one; names are unique in its resource group/,
  ],
  [
    "azurerm_key_vault_secret",
    (s, id, name) => new KeyVaultSecret(s, id, { name, keyVaultId: VAULT_ID, valueWoVersion: 1, valueWo: "x" }),
    /Key Vault secret \(key_vault_id "[^"]+", name "RG-Apps"\) is already created by s\/one; names are unique in its vault/,
  ],
  [
    "azurerm_key_vault_access_policy",
    (s, id, name) => new KeyVaultAccessPolicyA(s, id, { keyVaultId: VAULT_ID, tenantId: TENANT, objectId: name === "rg-apps" ? OBJECT : OBJECT.toUpperCase().replace(/1/g, "1") }),
    /Key Vault access policy \(key_vault_id "[^"]+", object_id "11111111-1111-1111-1111-111111111111"\) is already created by s\/one; names are unique in its vault \(one per object id\)/,
  ],
  [
    "azurerm_role_assignment",
    (s, id, name) => new RoleAssignment(s, id, { scope: name === "rg-apps" ? VAULT_ID : VAULT_ID.toUpperCase(), principalId: OBJECT, roleDefinitionName: "Key Vault Secrets User" }),
    /role assignment \(scope "[^"]+", principal_id "11111111-1111-1111-1111-111111111111", role_definition_name "Key Vault Secrets User"\) is already created by s\/one; names are unique in its scope \(Azure answers RoleAssignmentExists\)/,
  ],
  [
    "azurerm_federated_identity_credential (by name)",
    (s, id, name) =>
      new FederatedIdentityCredential(s, id, { name, resourceGroupName: "rg", parentId: VAULT_ID, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: `system:serviceaccount:apps:${id}` }),
    /federated credential \(parent_id "[^"]+", name "RG-Apps"\) is already created by s\/one; names are unique in its identity/,
  ],
  [
    "azuread_application_federated_identity_credential (by name)",
    (s, id, name) =>
      new ApplicationFederatedIdentityCredential(s, id, {
        applicationId: "/applications/33333333-3333-3333-3333-333333333333",
        displayName: name,
        audiences: ["api://AzureADTokenExchange"],
        issuer: "https://issuer.example.com/",
        subject: `system:serviceaccount:apps:${id}`,
      }),
    /application federated credential \(application_id "[^"]+", display_name "RG-Apps"\) is already created by s\/one; names are unique in its application/,
  ],
];

const ROLE_ID = "/subscriptions/22222222-2222-2222-2222-222222222222/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";
AZURE.push([
  "azurerm_role_assignment (by role definition id)",
  (s, id, name) => new RoleAssignment(s, id, { scope: name === "rg-apps" ? VAULT_ID : VAULT_ID.toUpperCase(), principalId: OBJECT, roleDefinitionId: ROLE_ID }),
  /role assignment \(scope "[^"]+", principal_id "11111111-1111-1111-1111-111111111111", role_definition_id "[^"]+"\) is already created by s\/one/,
]);

describe("Azure and Entra names, compared without case", () => {
  test.each(AZURE)("%s: a second resource of the same name in other case is refused, saying what the name is and where it is unique", (_type, make, message) => {
    expect(errorsOf(azureApp(make, "rg-apps", "RG-Apps"))).toMatch(message);
  });

  test.each(AZURE.filter(([type]) => !/access_policy|role_assignment/.test(type)))("%s: another name is no collision", (_type, make) => {
    expect(errorsOf(azureApp(make, "rg-apps", "rg-other"))).not.toMatch(/is already created by/);
  });
});

describe("federated credentials by issuer and subject, compared with case", () => {
  const credential = (subject: (id: string) => string) => (s: Construct, id: string) =>
    new FederatedIdentityCredential(s, id, { name: `fic-${id}`, resourceGroupName: "rg", parentId: VAULT_ID, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: subject(id) });
  const application = (subject: (id: string) => string) => (s: Construct, id: string) =>
    new ApplicationFederatedIdentityCredential(s, id, {
      applicationId: "/applications/33333333-3333-3333-3333-333333333333",
      displayName: `fic-${id}`,
      audiences: ["api://AzureADTokenExchange"],
      issuer: "https://issuer.example.com/",
      subject: subject(id),
    });

  test("two managed-identity credentials with one issuer and subject are refused", () => {
    expect(errorsOf(azureApp(credential(() => "system:serviceaccount:apps:api"), "", ""))).toMatch(
      /\[s\/two\] federated credential \(parent_id "[^"]+", issuer "https:\/\/issuer\.example\.com\/", subject "system:serviceaccount:apps:api"\) is already created by s\/one; names are unique in its identity \(one credential per issuer and subject\)/,
    );
  });

  test("subjects that differ only in case are two credentials (Entra compares subjects exactly)", () => {
    expect(errorsOf(azureApp(credential((id) => (id === "one" ? "system:serviceaccount:apps:api" : "system:serviceaccount:apps:API")), "", ""))).not.toMatch(/is already created by/);
  });

  test("two application credentials with one issuer and subject are refused", () => {
    expect(errorsOf(azureApp(application(() => "system:serviceaccount:apps:api"), "", ""))).toMatch(
      /\[s\/two\] application federated credential \(application_id "[^"]+", issuer "https:\/\/issuer\.example\.com\/", subject "system:serviceaccount:apps:api"\) is already created by s\/one; names are unique in its application \(one credential per issuer and subject\)/,
    );
  });
});

/** A cluster in "platform", and stacks "a" and "b" that each make one object through that cluster's provider. */
function kubernetesApp(make: (scope: Construct, id: string, name: string) => void, names: [string, string] = ["api", "api"]): App {
  const app = Testing.app();
  const platform = new TerraformStack(app, "platform");
  new AzurermProvider(platform, "azurerm", { features: [{}] });
  const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
  for (const [i, id] of ["a", "b"].entries()) {
    const s = new TerraformStack(app, id);
    new AzurermProvider(s, "azurerm", { features: [{}] });
    aks.kubernetesProvider(s, "kubernetes");
    make(s, "object", names[i]);
  }
  return app;
}

const meta = (name: string) => ({ metadata: { name, namespace: "apps" } });
const clusterMeta = (name: string) => ({ metadata: { name } });
const container = { container: [{ name: "c", image: "nginx:1.27" }] };
const template = (name: string) => ({ selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: container } });

const KUBERNETES: [string, string, (scope: Construct, id: string, name: string) => void][] = [
  ["kubernetes_namespace", "Namespace api", (s, id, name) => new Namespace(s, id, clusterMeta(name))],
  ["kubernetes_namespace_v1", "Namespace api", (s, id, name) => new NamespaceV1(s, id, clusterMeta(name))],
  ["kubernetes_service_account", "ServiceAccount apps/api", (s, id, name) => new ServiceAccount(s, id, meta(name))],
  ["kubernetes_service_account_v1", "ServiceAccount apps/api", (s, id, name) => new ServiceAccountV1(s, id, meta(name))],
  ["kubernetes_pod", "Pod apps/api", (s, id, name) => new Pod(s, id, { ...meta(name), spec: container })],
  ["kubernetes_pod_v1", "Pod apps/api", (s, id, name) => new PodV1(s, id, { ...meta(name), spec: container })],
  ["kubernetes_deployment", "Deployment apps/api", (s, id, name) => new Deployment(s, id, { ...meta(name), spec: template(name) })],
  ["kubernetes_deployment_v1", "Deployment apps/api", (s, id, name) => new DeploymentV1(s, id, { ...meta(name), spec: template(name) })],
  ["kubernetes_secret_v1", "Secret apps/api", (s, id, name) => new SecretV1(s, id, meta(name))],
  ["kubernetes_config_map_v1", "ConfigMap apps/api", (s, id, name) => new ConfigMapV1(s, id, meta(name))],
  ["kubernetes_role_v1", "Role apps/api", (s, id, name) => new RoleV1(s, id, { ...meta(name), rule: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] })],
  ["kubernetes_role_binding_v1", "RoleBinding apps/api", (s, id, name) => new RoleBindingV1(s, id, { ...meta(name), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "r" }, subject: [{ kind: "ServiceAccount", name: "sa", namespace: "apps" }] })],
  ["kubernetes_cluster_role_v1", "ClusterRole api", (s, id, name) => new ClusterRoleV1(s, id, { ...clusterMeta(name), rule: [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }] })],
  ["kubernetes_cluster_role_binding_v1", "ClusterRoleBinding api", (s, id, name) => new ClusterRoleBindingV1(s, id, { ...clusterMeta(name), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "r" }, subject: [{ kind: "ServiceAccount", name: "sa", namespace: "apps" }] })],
];

// Stacks "a" and "b" hold no construct of the library: the pass runs on the platform stack and reports on them.
describe("Kubernetes objects, per cluster and kind, compared with case", () => {
  test.each(KUBERNETES)("%s: the same object from two stacks on one cluster is refused as %s", (_type, shown, make) => {
    expect(errorsOf(kubernetesApp(make))).toMatch(new RegExp(`\\[b/object\\] Kubernetes ${shown.replace("/", "\\/")} on cluster rg/aks is already created by a/object; names are unique in its cluster`));
  });

  test.each(KUBERNETES)("%s: names that differ only in case are two objects", (_type, _shown, make) => {
    expect(errorsOf(kubernetesApp(make, ["api", "API"]))).not.toMatch(/is already created by/);
  });

  test("an object without a namespace is in the default namespace", () => {
    expect(errorsOf(kubernetesApp((s, id, name) => new ConfigMapV1(s, id, { metadata: { name, namespace: name === "api" ? undefined : "default" } }), ["api", "api"]))).toMatch(
      /Kubernetes ConfigMap default\/api on cluster rg\/aks is already created by a\/object/,
    );
  });

  test("one name in two namespaces is two objects", () => {
    let n = 0;
    expect(errorsOf(kubernetesApp((s, id, name) => new ConfigMapV1(s, id, { metadata: { name, namespace: `ns-${n++}` } })))).not.toMatch(/is already created by/);
  });
});

describe("a kubernetes_manifest claims the object its manifest describes", () => {
  const manifest = (kind: string, apiVersion: string) => (s: Construct, id: string, name: string) =>
    new Manifest(s, id, { manifest: { apiVersion, kind, metadata: { name, namespace: "apps" } } });

  test.each([
    ["CustomResourceDefinition", "apiextensions.k8s.io/v1"],
    ["StorageClass", "storage.k8s.io/v1"],
    ["PersistentVolume", "v1"],
    ["ClusterRole", "rbac.authorization.k8s.io/v1"],
    ["Namespace", "v1"],
  ])("a cluster-scoped %s is claimed without a namespace, whatever its metadata says", (kind, apiVersion) => {
    expect(errorsOf(kubernetesApp(manifest(kind, apiVersion)))).toMatch(new RegExp(`\\[b/object\\] Kubernetes ${kind} api on cluster rg/aks is already created by a/object`));
  });

  test("a namespaced kind is claimed in its namespace", () => {
    expect(errorsOf(kubernetesApp(manifest("SecretProviderClass", "secrets-store.csi.x-k8s.io/v1")))).toMatch(
      /\[b\/object\] Kubernetes SecretProviderClass apps\/api on cluster rg\/aks is already created by a\/object/,
    );
  });

  test("a manifest without a kind claims nothing", () => {
    expect(errorsOf(kubernetesApp((s, id, name) => new Manifest(s, id, { manifest: { apiVersion: "v1", metadata: { name } } })))).toBe("");
  });
});

describe("a vault's id is compared by the vault's global name", () => {
  /** Stack "a" creates vault kv-apps and a secret in it; stack "b" reads the vault by name (or another one) and creates a secret there. */
  function secrets(readName: string, secondName: string) {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    new AzurermProvider(a, "azurerm", { features: [{}] });
    new ManagedIdentity(a, "library", { name: "id-library", resourceGroupName: "rg", location: "eastus" });
    const vault = new KeyVault(a, "kv", { name: "kv-apps", resourceGroupName: "rg", location: "eastus", tenantId: TENANT, skuName: "standard" });
    new KeyVaultSecret(a, "db", { name: "db", keyVaultId: vault.id, valueWo: "x", valueWoVersion: 1 });
    const b = new TerraformStack(app, "b");
    new AzurermProvider(b, "azurerm", { features: [{}] });
    const read = new DataAzurermKeyVault(b, "kv", { name: readName, resourceGroupName: "rg" });
    new KeyVaultSecret(b, "db", { name: secondName, keyVaultId: read.id, valueWo: "y", valueWoVersion: 1 });
    return app;
  }

  test("a secret created through a read of the vault by name meets the one created through the vault itself", () => {
    expect(errorsOf(secrets("kv-apps", "DB"))).toMatch(
      /Key Vault secret \(key_vault_id "azurerm_key_vault named kv-apps", name "DB"\) is also created by b\/db \(a stack with no construct of this library\)/,
    );
  });

  test("a secret of the same name in a vault read under another name is no collision", () => {
    expect(errorsOf(secrets("kv-other", "db"))).not.toMatch(/already created by|also created by/);
  });

  test("another secret name in the same vault is no collision", () => {
    expect(errorsOf(secrets("kv-apps", "api-key"))).not.toMatch(/already created by|also created by/);
  });
});

describe("the credential limit's division of labour", () => {
  const ID = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id-shared";
  /** `perStack` hand-written credentials on one identity in each of the given stacks. */
  function byHand(perStack: number[]) {
    const app = Testing.app();
    perStack.forEach((count, i) => {
      const s = new TerraformStack(app, `s${i}`);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new ManagedIdentity(s, "library", { name: `id-library-${i}`, resourceGroupName: "rg", location: "eastus" });
      for (let j = 0; j < count; j++) {
        new FederatedIdentityCredential(s, `fic-${j}`, { name: `fic-${i}-${j}`, resourceGroupName: "rg", parentId: ID, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: `system:serviceaccount:s${i}:sa-${j}` });
      }
    });
    return errorsOf(app);
  }

  test("hand-written credentials of one identity in two stacks count together", () => {
    expect(byHand([11, 10])).toMatch(/\[s1\/fic-9\] 21 federated credentials on identity "\/subscriptions\/x\/resourceGroups\/rg\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/id-shared" \(made in s0, s1\); Entra allows 20 per identity, so the creates beyond it would fail – spread the workloads over more identities/);
  });

  test("hand-written credentials in one stack are left to AZWI013 (one message, not two)", () => {
    const errors = byHand([21]);
    expect(errors).toMatch(/AZWI013/);
    expect(errors).not.toMatch(/federated credentials on identity/);
  });

  test("the identity is compared without case", () => {
    const app = Testing.app();
    for (const [i, id] of [ID, ID.toUpperCase()].entries()) {
      const s = new TerraformStack(app, `s${i}`);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new ManagedIdentity(s, "library", { name: `id-library-${i}`, resourceGroupName: "rg", location: "eastus" });
      for (let j = 0; j < (i === 0 ? 11 : 10); j++) {
        new FederatedIdentityCredential(s, `fic-${j}`, { name: `fic-${i}-${j}`, resourceGroupName: "rg", parentId: id, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: `system:serviceaccount:s${i}:sa-${j}` });
      }
    }
    expect(errorsOf(app)).toMatch(/21 federated credentials on identity/);
  });
});

describe("the registry's messages and bookkeeping", () => {
  test("a duplicate's message, whole: what, both places, where the name is unique, what would fail and the fix", () => {
    const lines = errorsOf(azureApp((sc, id, name) => new ResourceGroup(sc, id, { name, location: "eastus" }), "rg-apps", "RG-Apps")).split("\n");
    expect(lines).toContain(
      '  [s/two] resource group (name "RG-Apps") is already created by s/one; names are unique in its subscription, so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("a duplicate added after a first synth is found at the next one", () => {
    const app = azureApp((sc, id, name) => new ResourceGroup(sc, id, { name, location: "eastus" }), "rg-a", "rg-b");
    expect(errorsOf(app)).toBe("");
    new ResourceGroup(app.node.findChild("s"), "three", { name: "rg-a", location: "eastus" });
    expect(errorsOf(app)).toMatch(/\[s\/three\] resource group \(name "rg-a"\) is already created by s\/one/);
  });

  test("two workloads' service accounts in one stack and provider get the workloads' own message only", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    aks.kubernetesProvider(s, "kubernetes");
    for (const id of ["a", "b"]) new FederatedWorkload(s, id, { issuer: aks, namespace: "apps", serviceAccountName: "api", identityName: `id-${id}`, resourceGroupName: "rg", location: "eastus" });
    const errors = errorsOf(app);
    expect(errors).toMatch(/serviceAccountName: ServiceAccount apps\/api is already created by s\/a/);
    expect(errors).not.toMatch(/Kubernetes ServiceAccount apps\/api on cluster/);
  });

  test("two workloads' service accounts in one GitOps directory get the workloads' own message only", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    for (const id of ["a", "b"]) {
      new FederatedWorkload(s, id, { issuer: aks, namespace: "apps", serviceAccountName: "api", identityName: `id-${id}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    }
    const errors = errorsOf(app);
    expect(errors).toMatch(/serviceAccountName: ServiceAccount apps\/api is already created by s\/a/);
    expect(errors).not.toMatch(/Kubernetes ServiceAccount apps\/api on cluster/);
  });

  test("GitOps workloads whose issuer is a URL (no known cluster) claim nothing across stacks", () => {
    const app = Testing.app();
    for (const id of ["a", "b"]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new FederatedWorkload(s, "w", { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: "api", identityName: `id-${id}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    }
    expect(errorsOf(app)).toBe("");
  });

  test("a directory mixing clusters names them in order, whichever was made first", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    for (const name of ["aks-b", "aks-a"]) {
      const aks = new AksWithOidc(s, name, { name, resourceGroupName: "rg", location: "eastus" });
      new FederatedWorkload(s, `w-${name}`, { issuer: aks, namespace: "x", serviceAccountName: name, identityName: `id-${name}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    }
    expect(errorsOf(app)).toMatch(/holds workloads federated with clusters rg\/aks-a and rg\/aks-b;/);
  });

  test("21 credentials made only through one ManagedIdentity get its own message, not the registry's", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const identity = new ManagedIdentity(s, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    for (let i = 0; i < 21; i++) new FederatedWorkload(s, `w${i}`, { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: `sa-${i}`, identity, kubernetesObjects: "manifests" });
    const errors = errorsOf(app);
    expect(errors).toMatch(/Entra allows at most 20 per managed identity – use another managed identity/);
    expect(errors).not.toMatch(/federated credentials on identity/);
    expect(errors).not.toMatch(/AZWI013/);
  });
});

describe("references inside a longer value", () => {
  /** In each named stack: a vault of its own (same construct id, so the same address) and a grant of Key Vault Secrets User on `<vault id>/secrets/<secret>` to one principal. */
  function grants(stacks: [string, string][]) {
    const app = Testing.app();
    for (const [i, [id, secret]] of stacks.entries()) {
      const s = (app.node.tryFindChild(id) as TerraformStack | undefined) ?? new TerraformStack(app, id);
      if (!s.node.tryFindChild("azurerm")) {
        new AzurermProvider(s, "azurerm", { features: [{}] });
        new ManagedIdentity(s, "library", { name: `id-library-${id}`, resourceGroupName: "rg", location: "eastus" });
        new KeyVault(s, "kv", { name: `kv-${id}`, resourceGroupName: "rg", location: "eastus", tenantId: TENANT, skuName: "standard" });
      }
      const vault = s.node.findChild("kv") as KeyVault;
      new RoleAssignment(s, `grant-${i}-${secret}`, { scope: `${vault.id}/secrets/${secret}`, principalId: OBJECT, roleDefinitionName: "Key Vault Secrets User" });
    }
    return errorsOf(app);
  }

  test("two secrets of one vault are two scopes", () => {
    expect(grants([["a", "db"], ["a", "api"]])).not.toMatch(/already created by/);
  });

  test("the same secret of one vault is one scope", () => {
    expect(grants([["a", "db"], ["a", "db"]]).split("\n")).toContain(
      '  [a/grant-1-db] role assignment (scope "a:${azurerm_key_vault.kv.id}/secrets/db", principal_id "11111111-1111-1111-1111-111111111111", role_definition_name "Key Vault Secrets User") is already created by a/grant-0-db; names are unique in its scope (Azure answers RoleAssignmentExists), so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("the same address in two stacks is two resources (two vaults)", () => {
    expect(grants([["a", "db"], ["b", "db"]])).not.toMatch(/already created by/);
  });
});

describe("objects added to a GitOps directory by hand", () => {
  test("count on the cluster the directory's workloads trust, an object without a namespace in the default namespace", () => {
    const app = Testing.app();
    const platform = new TerraformStack(app, "platform");
    new AzurermProvider(platform, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const gitops = new TerraformStack(app, "gitops");
    new AzurermProvider(gitops, "azurerm", { features: [{}] });
    new FederatedWorkload(gitops, "w", { issuer: aks, namespace: "apps", serviceAccountName: "api", identityName: "id-api", resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    GitOpsManifests.of(gitops).add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings" }, data: { mode: "a" } }, "settings");
    const other = new TerraformStack(app, "other");
    new AzurermProvider(other, "azurerm", { features: [{}] });
    aks.kubernetesProvider(other, "kubernetes");
    new ConfigMapV1(other, "settings", { metadata: { name: "settings" } });
    expect(errorsOf(app)).toMatch(/\[gitops\/gitops-manifests\] Kubernetes ConfigMap default\/settings on cluster rg\/aks is also created by other\/settings/);
  });
});

describe("values known only at apply", () => {
  /** One stack with the library in it and two resources made by `make`. */
  function twoIn(make: (scope: TerraformStack, id: string) => void): string {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    new ManagedIdentity(s, "library", { name: "id-library", resourceGroupName: "rg-library", location: "eastus" });
    for (const id of ["a", "b"]) make(s, id);
    return errorsOf(app);
  }

  test("a name computed by a function is compared by the expression it resolves to, in its stack", () => {
    const lines = twoIn((s, id) => {
      const env = (s.node.tryFindChild("env") as TerraformVariable | undefined) ?? new TerraformVariable(s, "env", { type: "string" });
      new ResourceGroup(s, id, { name: Fn.lower(env.stringValue), location: "eastus" });
    }).split("\n");
    expect(lines).toContain(
      '  [s/b] resource group (name "s:${lower(var.env)}") is already created by s/a; names are unique in its subscription, so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("two resources with for_each, each named each.value, are no collision (each instance has its own name)", () => {
    expect(
      twoIn((s, id) => {
        const each = TerraformIterator.fromList([`rg-${id}-1`, `rg-${id}-2`]);
        new ResourceGroup(s, id, { forEach: each, name: each.value, location: "eastus" });
      }),
    ).not.toMatch(/already created by/);
  });

  test("two resources with count, both named after count.index, are one claim (both create the same names)", () => {
    expect(
      twoIn((s, id) => {
        const count = TerraformCount.of(2);
        new ResourceGroup(s, id, { count, name: `rg-${Token.asString(count.index)}`, location: "eastus" });
      }),
    ).toMatch(/\[s\/b\] resource group \(name "s:rg-\$\{count\.index\}"\) is already created by s\/a/);
  });

  test("a vault named by a variable: its secrets are compared by the vault's address", () => {
    const lines = twoIn((s, id) => {
      const vault =
        (s.node.tryFindChild("kv") as KeyVault | undefined) ??
        new KeyVault(s, "kv", { name: new TerraformVariable(s, "vault", { type: "string" }).stringValue, resourceGroupName: "rg", location: "eastus", tenantId: TENANT, skuName: "standard" });
      new KeyVaultSecret(s, id, { name: "db", keyVaultId: vault.id, valueWo: "x", valueWoVersion: 1 });
    }).split("\n");
    expect(lines).toContain(
      '  [s/b] Key Vault secret (key_vault_id "s:${azurerm_key_vault.kv.id}", name "db") is already created by s/a; names are unique in its vault, so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("a vault whose name cannot be read (a bare TerraformResource without one): its secrets are compared by the vault's address", () => {
    const lines = twoIn((s, id) => {
      const vault = (s.node.tryFindChild("kv") as TerraformResource | undefined) ?? new TerraformResource(s, "kv", { terraformResourceType: "azurerm_key_vault" });
      new KeyVaultSecret(s, id, { name: "db", keyVaultId: vault.getStringAttribute("id"), valueWo: "x", valueWoVersion: 1 });
    }).split("\n");
    expect(lines).toContain(
      '  [s/b] Key Vault secret (key_vault_id "s:${azurerm_key_vault.kv.id}", name "db") is already created by s/a; names are unique in its vault, so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("a name's parts are compared part by part: identity pp in group rg-a and identity p in group rg-ap are two identities", () => {
    expect(twoIn((s, id) => void new UserAssignedIdentity(s, id, { name: id === "a" ? "pp" : "p", resourceGroupName: id === "a" ? "rg-a" : "rg-ap", location: "eastus" }))).not.toMatch(
      /already created by/,
    );
  });
});

describe("names set by an override (the escape hatch) are the names Terraform gets", () => {
  /** One stack with the library in it; `make` adds resources to it. */
  function stackWith(make: (scope: TerraformStack) => void): string {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    new ManagedIdentity(s, "library", { name: "id-library", resourceGroupName: "rg-library", location: "eastus" });
    make(s);
    return errorsOf(app);
  }
  const bareGroup = (s: TerraformStack, id: string, name: string) => {
    const group = new TerraformResource(s, id, { terraformResourceType: "azurerm_resource_group" });
    group.addOverride("name", name);
    group.addOverride("location", "eastus");
  };

  test("a resource group renamed by an override meets a bare azurerm_resource_group of that name", () => {
    const lines = stackWith((s) => {
      bareGroup(s, "bare", "rg-apps");
      new ResourceGroup(s, "renamed", { name: "rg-placeholder", location: "eastus" }).addOverride("name", "RG-Apps");
    }).split("\n");
    expect(lines).toContain(
      '  [s/renamed] resource group (name "RG-Apps") is already created by s/bare; names are unique in its subscription, so the second create would fail (the resource already exists) – create it once and share that object',
    );
  });

  test("two bare resource groups with different names are no collision", () => {
    expect(
      stackWith((s) => {
        bareGroup(s, "a", "rg-a");
        bareGroup(s, "b", "rg-b");
      }),
    ).not.toMatch(/already created by/);
  });

  test("two bare resource groups without a name claim nothing (neither name is known)", () => {
    expect(
      stackWith((s) => {
        for (const id of ["a", "b"]) new TerraformResource(s, id, { terraformResourceType: "azurerm_resource_group" }).addOverride("location", "eastus");
      }),
    ).toBe("");
  });

  test("a Kubernetes object renamed by an override is claimed under its new name", () => {
    const make = (s: Construct, id: string) => {
      const settings = new ConfigMapV1(s, id, { metadata: { name: s.node.id === "a" ? "api" : "placeholder", namespace: "apps" } });
      if (s.node.id === "b") settings.addOverride("metadata.name", "api");
    };
    expect(errorsOf(kubernetesApp(make))).toMatch(/\[b\/object\] Kubernetes ConfigMap apps\/api on cluster rg\/aks is already created by a\/object/);
  });
});

describe("Kubernetes objects the registry cannot place claim nothing", () => {
  test("objects applied through a provider the user configured for a cluster of their own", () => {
    const app = Testing.app();
    for (const id of ["a", "b"]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new ManagedIdentity(s, "library", { name: `id-library-${id}`, resourceGroupName: "rg", location: "eastus" });
      new KubernetesProvider(s, "kubernetes", { configPath: "~/.kube/config" });
      new ConfigMapV1(s, "settings", { metadata: { name: "settings", namespace: "apps" } });
    }
    expect(errorsOf(app)).toBe("");
  });

  test("objects on a cluster whose name is known only at apply, through Terraform or GitOps manifests", () => {
    const app = Testing.app();
    const platform = new TerraformStack(app, "platform");
    new AzurermProvider(platform, "azurerm", { features: [{}] });
    const name = new TerraformVariable(platform, "cluster", { type: "string" }).stringValue;
    const aks = new AksWithOidc(platform, "aks", { name, resourceGroupName: "rg", location: "eastus" });
    for (const [i, mode] of (["terraform", "terraform", "manifests", "manifests"] as const).entries()) {
      const s = new TerraformStack(app, `team-${i}`);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      if (mode === "terraform") aks.kubernetesProvider(s, "kubernetes");
      new FederatedWorkload(s, "w", { issuer: aks, namespace: "apps", serviceAccountName: "api", identityName: `id-${i}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: mode });
    }
    expect(errorsOf(app)).toBe("");
  });

  test("objects named by generate_name (Kubernetes makes up each name)", () => {
    expect(errorsOf(kubernetesApp((s, id) => new ConfigMapV1(s, id, { metadata: { generateName: "settings-", namespace: "apps" } })))).toBe("");
  });
});

describe("a kubernetes_manifest's metadata as YAML may write it", () => {
  test("an empty namespace (null) is the default namespace", () => {
    const make = (s: Construct, id: string, name: string) =>
      s.node.id === "a" ? new ConfigMapV1(s, id, { metadata: { name } }) : new Manifest(s, id, { manifest: { apiVersion: "v1", kind: "ConfigMap", metadata: { name, namespace: null } } });
    expect(errorsOf(kubernetesApp(make))).toMatch(/\[b\/object\] Kubernetes ConfigMap default\/api on cluster rg\/aks is already created by a\/object/);
  });
});

describe("GitOps directories", () => {
  /** A platform stack with cluster aks, and a GitOps stack per id with a workload (service account apps/sa-<id>) and the objects `add` adds. */
  function gitOps(ids: string[], add: (manifests: GitOpsManifests) => void): App {
    const app = Testing.app();
    const platform = new TerraformStack(app, "platform");
    new AzurermProvider(platform, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    for (const id of ids) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new FederatedWorkload(s, "w", { issuer: aks, namespace: "apps", serviceAccountName: `sa-${id}`, identityName: `id-${id}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
      add(GitOpsManifests.of(s));
    }
    return app;
  }

  test("objects added by hand with generateName claim nothing (Kubernetes makes up each name)", () => {
    const job = { apiVersion: "batch/v1", kind: "Job", metadata: { generateName: "migrate-", namespace: "apps" } as never, spec: {} };
    expect(errorsOf(gitOps(["g1", "g2"], (m) => m.add(job, "migrate")))).toBe("");
  });

  test("a cluster-scoped object added by hand is claimed without a namespace", () => {
    const app = gitOps(["g1"], (m) => m.add({ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }, "apps"));
    const other = new TerraformStack(app, "other");
    new AzurermProvider(other, "azurerm", { features: [{}] });
    (app.node.findChild("platform").node.findChild("aks") as AksWithOidc).kubernetesProvider(other, "kubernetes");
    new NamespaceV1(other, "ns", { metadata: { name: "apps" } });
    expect(errorsOf(app)).toMatch(/\[g1\/gitops-manifests\] Kubernetes Namespace apps on cluster rg\/aks is also created by other\/ns/);
  });

  test("each directory that mixes clusters is reported on its own stack", () => {
    const app = Testing.app();
    for (const id of ["s1", "s2"]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      for (const name of ["aks-a", "aks-b"]) {
        const aks = new AksWithOidc(s, name, { name: `${id}-${name}`, resourceGroupName: "rg", location: "eastus" });
        new FederatedWorkload(s, `w-${name}`, { issuer: aks, namespace: "x", serviceAccountName: name, identityName: `id-${name}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
      }
    }
    // cdktf stops at the first stack that fails validation: each stack is synthesized on its own.
    const stack = (id: string) => app.node.findChild(id) as TerraformStack;
    expect(() => Testing.synth(stack("s1"), true)).toThrow(/\[s1\/gitops-manifests\] manifestsDirectory "manifests" holds workloads federated with clusters rg\/s1-aks-a and rg\/s1-aks-b;/);
    expect(() => Testing.synth(stack("s2"), true)).toThrow(/\[s2\/gitops-manifests\] manifestsDirectory "manifests" holds workloads federated with clusters rg\/s2-aks-a and rg\/s2-aks-b;/);
  });
});

describe("the credential limit, per holder", () => {
  const identity = (name: string) => `/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
  /** In stack s<i>, count[i] hand-written credentials on parents[i]; the library is in the stacks where `library` is true. */
  function credentials(stacks: { count: number; parent: string; library?: boolean; make?: typeof FederatedIdentityCredential }[]) {
    const app = Testing.app();
    stacks.forEach(({ count, parent, library = true, make = FederatedIdentityCredential }, i) => {
      const s = new TerraformStack(app, `s${i}`);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      if (library) new ManagedIdentity(s, "library", { name: `id-library-${i}`, resourceGroupName: "rg", location: "eastus" });
      for (let j = 0; j < count; j++) {
        new make(s, `fic-${j}`, { name: `fic-${i}-${j}`, resourceGroupName: "rg", parentId: parent, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: `system:serviceaccount:s${i}:sa-${j}` });
      }
    });
    return errorsOf(app);
  }

  test("credentials on two identities count apart", () => {
    expect(credentials([{ count: 11, parent: identity("one") }, { count: 10, parent: identity("two") }])).not.toMatch(/federated credentials on identity/);
  });

  test("over the limit with the credential beyond it in a stack without the library: reported on the first credential in a stack with it", () => {
    expect(credentials([{ count: 11, parent: identity("one") }, { count: 10, parent: identity("one"), library: false }])).toMatch(
      /\[s0\/fic-0\] 21 federated credentials on identity "\/subscriptions\/x\/resourceGroups\/rg\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/one" \(made in s0, s1\); Entra allows 20 per identity/,
    );
  });

  test("a newer provider's credential naming its identity by user_assigned_identity_id counts on that identity", () => {
    /** azurerm 4.66's credential: user_assigned_identity_id instead of parent_id. */
    class NewerCredential extends FederatedIdentityCredential {
      protected override synthesizeAttributes(): { [name: string]: any } {
        const { parent_id: parent, ...rest } = super.synthesizeAttributes();
        return { ...rest, user_assigned_identity_id: parent };
      }
    }
    expect(credentials([{ count: 11, parent: identity("one") }, { count: 10, parent: identity("one"), make: NewerCredential }])).toMatch(
      /\[s1\/fic-9\] 21 federated credentials on identity "\/subscriptions\/x\/resourceGroups\/rg\/providers\/Microsoft\.ManagedIdentity\/userAssignedIdentities\/one" \(made in s0, s1\)/,
    );
  });

  test("an application's credentials count against the limit per application, the fix says applications", () => {
    const app = Testing.app();
    for (const [i, count] of [11, 10].entries()) {
      const s = new TerraformStack(app, `s${i}`);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new AzureadProvider(s, "azuread", {});
      new ManagedIdentity(s, "library", { name: `id-library-${i}`, resourceGroupName: "rg", location: "eastus" });
      for (let j = 0; j < count; j++) {
        new ApplicationFederatedIdentityCredential(s, `fic-${j}`, {
          applicationId: "/applications/33333333-3333-3333-3333-333333333333",
          displayName: `fic-${i}-${j}`,
          audiences: ["api://AzureADTokenExchange"],
          issuer: "https://issuer.example.com/",
          subject: `system:serviceaccount:s${i}:sa-${j}`,
        });
      }
    }
    expect(errorsOf(app).split("\n")).toContain(
      '  [s1/fic-9] 21 federated credentials on application "/applications/33333333-3333-3333-3333-333333333333" (made in s0, s1); Entra allows 20 per application, so the creates beyond it would fail – spread the workloads over more applications',
    );
  });

  test("credentials through workloads and by hand in one stack count together", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const shared = new ManagedIdentity(s, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    for (let i = 0; i < 15; i++) new FederatedWorkload(s, `w${i}`, { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: `sa-${i}`, identity: shared, kubernetesObjects: "manifests" });
    for (let i = 0; i < 6; i++) {
      new FederatedIdentityCredential(s, `fic-${i}`, { name: `by-hand-${i}`, resourceGroupName: "rg", parentId: shared.resource!.id, audience: ["api://AzureADTokenExchange"], issuer: "https://issuer.example.com/", subject: `system:serviceaccount:jobs:job-${i}` });
    }
    expect(errorsOf(app)).toMatch(/21 federated credentials on identity "s:\$\{azurerm_user_assigned_identity\.id_identity_[0-9A-F]+\.id\}" \(made in s, 15 of them through ManagedIdentity\); Entra allows 20 per identity/);
  });
});
