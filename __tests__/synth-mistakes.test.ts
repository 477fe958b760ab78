/**
 * Mistakes that Azure, Entra, Kubernetes or a provider would refuse at apply (or that would break
 * silently at run time) fail at synth, naming the prop, the value and the rule; valid edge values
 * still synthesize.
 */
import { TerraformStack } from "cdktf";
import { AksWithOidc, FederatedWorkload, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { all, newStack, only, synth } from "./support/helpers";

const ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";
type Props = Partial<ConstructorParameters<typeof FederatedWorkload>[2]>;
const workload = (s: TerraformStack, id: string, props: Props = {}) =>
  new FederatedWorkload(s, id, { issuer: ISSUER, namespace: "apps", serviceAccountName: id, resourceGroupName: "rg", location: "eastus", ...props });
const container = { name: "main", image: "ghcr.io/org/app:1.0" };
const ID = (name: string) => `/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/${name}`;
const attrs = (name: string) => ({ identityId: ID(name), clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });

describe("Kubernetes objects that already exist or collide", () => {
  test("rejects a service account named default", () => {
    const s = newStack();
    workload(s, "app", { serviceAccountName: "default" });
    expect(() => synth(s)).toThrow(/FederatedWorkload\.serviceAccountName "default" already exists in every namespace/);
  });

  test.each(["default", "kube-public", "kube-node-lease"])("rejects createNamespace on the built-in namespace %s", (ns) => {
    const s = newStack();
    workload(s, "app", { namespace: ns, createNamespace: true });
    expect(() => synth(s)).toThrow(new RegExp(`FederatedWorkload\\.createNamespace: namespace "${ns}" exists in every cluster`));
  });

  test("rejects two workloads that both create one namespace", () => {
    const s = newStack();
    workload(s, "a", { createNamespace: true });
    workload(s, "b", { createNamespace: true });
    expect(() => synth(s)).toThrow(/createNamespace: Namespace apps is already created by test\/a; .*AlreadyExists – set createNamespace on one workload only/);
  });

  test("rejects two workloads with one service account", () => {
    const s = newStack();
    workload(s, "a", { serviceAccountName: "api" });
    workload(s, "b", { serviceAccountName: "api", identity: ManagedIdentity.fromAttributes(s, "other", attrs("other")) });
    expect(() => synth(s)).toThrow(/serviceAccountName: ServiceAccount apps\/api is already created by test\/a; .*AlreadyExists – give it another name/);
  });

  test("rejects two pods with one name in one namespace", () => {
    const s = newStack();
    workload(s, "a").addPod("one", { name: "p", containers: [container] });
    workload(s, "b").addPod("two", { name: "p", containers: [container] });
    expect(() => synth(s)).toThrow(/pod two name: Pod apps\/p is already created by test\/a\/one/);
  });

  test("rejects two deployments with one name in one namespace", () => {
    const s = newStack();
    const w = workload(s, "a");
    w.addDeployment("one", { name: "d", containers: [container] });
    w.addDeployment("two", { name: "d", containers: [container] });
    expect(() => synth(s)).toThrow(/deployment two name: Deployment apps\/d is already created/);
  });

  test("accepts a pod and a deployment of one name, and pods of one name in two namespaces", () => {
    const s = newStack();
    const w = workload(s, "a");
    w.addPod("pod", { name: "x", containers: [container] });
    w.addDeployment("dep", { name: "x", containers: [container] });
    workload(s, "b", { namespace: "other" }).addPod("pod", { name: "x", containers: [container] });
    expect(() => synth(s)).not.toThrow();
  });

  test("orders a workload after the namespace another workload creates (made later)", () => {
    const s = newStack();
    workload(s, "first");
    workload(s, "creator", { createNamespace: true });
    const json = synth(s);
    const ns = only(json, "kubernetes_namespace_v1").name;
    const sa = all(json, "kubernetes_service_account_v1").find((r) => r.body.metadata.name === "first")!;
    expect(sa.body.depends_on).toContain(`kubernetes_namespace_v1.${ns}`);
  });

  test("orders a workload after the namespace another workload creates (made earlier)", () => {
    const s = newStack();
    workload(s, "creator", { createNamespace: true });
    workload(s, "second");
    const json = synth(s);
    const ns = only(json, "kubernetes_namespace_v1").name;
    const sa = all(json, "kubernetes_service_account_v1").find((r) => r.body.metadata.name === "second")!;
    expect(sa.body.metadata.namespace).toBe(`\${kubernetes_namespace_v1.${ns}.metadata[0].name}`);
  });

  test("a workload made after the namespace's creator is ordered by the reference alone (no extra depends_on)", () => {
    const s = newStack();
    workload(s, "creator", { createNamespace: true });
    workload(s, "second");
    const sa = all(synth(s), "kubernetes_service_account_v1").find((r) => r.body.metadata.name === "second")!;
    expect(sa.body.depends_on).toBeUndefined();
  });

  test("a created namespace waits for the deployer's cluster role, like the service account", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    workload(s, "app", { issuer: aks, createNamespace: true });
    const json = synth(s);
    const wait = all(json, "time_sleep").find((r) => r.name.includes("deployer-role-propagation"))!;
    expect(only(json, "kubernetes_namespace_v1").body.depends_on).toEqual([`time_sleep.${wait.name}`]);
    expect(only(json, "kubernetes_service_account_v1").body.depends_on).toEqual([`time_sleep.${wait.name}`]);
  });
});

describe("values the providers reject", () => {
  test.each(["30 seconds", "1m30s", "30"])("rejects the propagationDelay %s (time_sleep takes one number and one unit)", (delay) => {
    const s = newStack();
    workload(s, "app", { propagationDelay: delay });
    expect(() => synth(s)).toThrow(new RegExp(`FederatedWorkload\\.propagationDelay "${delay}" must be one number and one unit`));
  });

  test.each(["500ms", "30s", "1.5m", "2h"])("accepts the propagationDelay %s", (delay) => {
    const s = newStack();
    workload(s, "app", { propagationDelay: delay });
    expect(() => synth(s)).not.toThrow();
  });

  test("rejects a rolePropagationDelay that is not a duration", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", rolePropagationDelay: "ninety" });
    expect(() => synth(s)).toThrow(/AksWithOidc\.rolePropagationDelay "ninety" must be one number and one unit/);
  });

  test("rejects a Key Vault name given to fromExisting that no vault can have", () => {
    const s = newStack();
    WorkloadKeyVault.fromExisting(s, "kv", { name: "my_vault", resourceGroupName: "rg" });
    expect(() => synth(s)).toThrow(/WorkloadKeyVault\.fromExisting name "my_vault" must be letters, digits and '-'/);
  });

  test("rejects an identity name given to fromExisting that no identity can have", () => {
    const s = newStack();
    ManagedIdentity.fromExisting(s, "id", { name: "x", resourceGroupName: "rg" });
    expect(() => synth(s)).toThrow(/ManagedIdentity\.fromExisting name "x" must be 3–128 characters long/);
  });

  test("rejects an empty image and an environment variable name with '='", () => {
    const s = newStack();
    workload(s, "app").addPod("pod", { name: "p", containers: [{ name: "main", image: "", env: { "A=B": "x" } }] });
    expect(() => synth(s)).toThrow(/pod pod container main image "" must not be empty[\s\S]*env name "A=B" must be printable ASCII/);
  });

  test("rejects runAsUser 0 while runAsNonRoot is on", () => {
    const s = newStack();
    workload(s, "app").addPod("pod", { name: "p", containers: [{ ...container, runAsUser: "0" }] });
    expect(() => synth(s)).toThrow(/container main runAsUser "0" contradicts runAsNonRoot/);
  });

  test("rejects tolerations the API server refuses", () => {
    const s = newStack();
    workload(s, "app").addPod("pod", {
      name: "p",
      containers: [container],
      tolerations: [{ key: "a", operator: "Exists", value: "x" }, { key: "b", effect: "NoSchedule", tolerationSeconds: "10" }],
    });
    expect(() => synth(s)).toThrow(/tolerations\[0\] has operator "Exists" and a value[\s\S]*tolerations\[1\] has tolerationSeconds without effect "NoExecute"/);
  });

  test("rejects a second ManagedIdentity that creates the same identity", () => {
    const s = newStack();
    new ManagedIdentity(s, "a", { name: "id-x", resourceGroupName: "rg", location: "eastus" });
    new ManagedIdentity(s, "b", { name: "ID-X", resourceGroupName: "RG", location: "eastus" });
    expect(() => synth(s)).toThrow(/\[test\/b\/identity\] user-assigned identity \(resource_group_name "RG", name "ID-X"\) is already created by test\/a\/identity/);
  });
});

describe("identity limits hold per Azure identity, however many objects name it", () => {
  test("counts credentials of one identity known through fromAttributes and fromExisting", () => {
    const s = newStack();
    const viaAttributes = ManagedIdentity.fromAttributes(s, "a", attrs("shared"));
    const viaData = ManagedIdentity.fromExisting(s, "b", { name: "shared", resourceGroupName: "rg" });
    for (let i = 0; i < 10; i++) workload(s, `a${i}`, { identity: viaAttributes });
    for (let i = 0; i < 11; i++) workload(s, `b${i}`, { identity: viaData });
    expect(() => synth(s)).toThrow(/would be number 21 on its managed identity/);
  });

  test("rejects a repeated issuer + subject through two objects of one identity", () => {
    const s = newStack();
    const one = ManagedIdentity.fromAttributes(s, "a", attrs("shared"));
    const two = ManagedIdentity.fromAttributes(s, "b", attrs("shared"));
    one.addFederatedCredential(s, "fic1", { name: "fic-one", issuer: ISSUER, subject: "system:serviceaccount:apps:api" });
    two.addFederatedCredential(s, "fic2", { name: "fic-two", issuer: ISSUER, subject: "system:serviceaccount:apps:api" });
    expect(() => synth(s)).toThrow(/repeats the issuer and subject "system:serviceaccount:apps:api"/);
  });

  test("chains the credentials of one identity written through two objects (no concurrent writes)", () => {
    const s = newStack();
    const one = ManagedIdentity.fromAttributes(s, "a", attrs("shared"));
    const two = ManagedIdentity.fromExisting(s, "b", { name: "Shared", resourceGroupName: "rg" });
    one.addFederatedCredential(s, "fic1", { name: "fic-one", issuer: ISSUER, subject: "system:serviceaccount:apps:one" });
    two.addFederatedCredential(s, "fic2", { name: "fic-two", issuer: ISSUER, subject: "system:serviceaccount:apps:two" });
    const json = synth(s);
    const first = all(json, "azurerm_federated_identity_credential").find((r) => r.body.name === "fic-one")!;
    const second = all(json, "azurerm_federated_identity_credential").find((r) => r.body.name === "fic-two")!;
    expect(second.body.depends_on).toEqual([`azurerm_federated_identity_credential.${first.name}`]);
  });

  test("does not count two different identities together", () => {
    const s = newStack();
    const one = ManagedIdentity.fromAttributes(s, "a", attrs("one"));
    const two = ManagedIdentity.fromAttributes(s, "b", attrs("two"));
    one.addFederatedCredential(s, "fic1", { name: "fic-one", issuer: ISSUER, subject: "system:serviceaccount:apps:api" });
    two.addFederatedCredential(s, "fic2", { name: "fic-two", issuer: ISSUER, subject: "system:serviceaccount:apps:api" });
    expect(() => synth(s)).not.toThrow();
  });
});

describe("subjects and issuers that can never match a token", () => {
  test.each(["system:serviceacount:apps:api", "System:ServiceAccount:apps:api", "system:serviceaccounts:apps:api"])(
    "rejects the misspelled Kubernetes subject %s",
    (subject) => {
      const s = newStack();
      ManagedIdentity.fromAttributes(s, "id", attrs("id-x")).addFederatedCredential(s, "fic", { name: "fic-x", issuer: ISSUER, subject });
      expect(() => synth(s)).toThrow(/federated credential subject .* looks like a Kubernetes service account subject/);
    },
  );

  test("accepts subjects of other issuers", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", attrs("id-x"));
    id.addFederatedCredential(s, "gh", { name: "fic-gh", issuer: "https://token.actions.githubusercontent.com", subject: "repo:org/app:ref:refs/heads/main" });
    expect(() => synth(s)).not.toThrow();
  });

  test("rejects an AKS issuer without its trailing slash", () => {
    const s = newStack();
    workload(s, "app", { issuer: ISSUER.slice(0, -1) });
    expect(() => synth(s)).toThrow(/federated credential issuer "https:\/\/eastus\.oic\.prod-aks\.azure\.com\/.*" must end with '\/'/);
  });

  test("accepts non-AKS issuers without a trailing slash", () => {
    const s = newStack();
    workload(s, "app", { issuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/ABCDEF0123456789" });
    expect(() => synth(s)).not.toThrow();
  });
});

describe("valid edge values still synthesize", () => {
  test("names at both bounds of their length rules", () => {
    const s = newStack();
    new ManagedIdentity(s, "min", { name: "abc", resourceGroupName: "r", location: "eastus" });
    new ManagedIdentity(s, "max", { name: "a".repeat(128), resourceGroupName: "r".repeat(90), location: "eastus" });
    ManagedIdentity.fromAttributes(s, "x", attrs("id-x")).addFederatedCredential(s, "fic", { name: "f".repeat(120), issuer: ISSUER, subject: "system:serviceaccount:apps:a" });
    new WorkloadKeyVault(s, "kv3", { name: "kv3", resourceGroupName: "rg", location: "eastus" });
    new WorkloadKeyVault(s, "kv24", { name: "k".repeat(24), resourceGroupName: "rg", location: "eastus" });
    new AksWithOidc(s, "aks", { name: "a".repeat(54), resourceGroupName: "rg", location: "eastus" });
    expect(() => synth(s)).not.toThrow();
  });

  test("upper-case GUIDs and portal-style locations", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "West Europe", tenantId: "ABCDEF01-2345-6789-ABCD-EF0123456789" });
    workload(s, "app", { location: "West Europe", tenantId: "ABCDEF01-2345-6789-ABCD-EF0123456789" });
    expect(() => synth(s)).not.toThrow();
  });
});
