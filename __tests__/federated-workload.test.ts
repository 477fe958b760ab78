import { AksWithOidc, FederatedWorkload, ManagedIdentity } from "../lib";
// Tests may import internals by deep path.
import { defaultName } from "../lib/core/naming";
import { all, newStack, only, resolve, synth } from "./support/helpers";

const ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";

function workload(props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) {
  const stack = newStack();
  const w = new FederatedWorkload(stack, "app", {
    issuer: ISSUER,
    serviceAccountName: "workload-identity-sa",
    resourceGroupName: "rg1",
    location: "eastus",
    ...props,
  });
  return { stack, w };
}

describe("FederatedWorkload", () => {
  test("federates a new identity with the service account's subject and the token-exchange audience", () => {
    const { stack } = workload({ namespace: "apps" });
    const json = synth(stack);
    const identity = only(json, "azurerm_user_assigned_identity");
    const fic = only(json, "azurerm_federated_identity_credential").body;
    expect(fic.issuer).toBe(ISSUER);
    expect(fic.subject).toBe("system:serviceaccount:apps:workload-identity-sa");
    expect(fic.audience).toEqual(["api://AzureADTokenExchange"]);
    expect(fic.parent_id).toBe(`\${azurerm_user_assigned_identity.${identity.name}.id}`);
  });

  test("takes the issuer from the cluster attribute when given a cluster", () => {
    const stack = newStack();
    const aks = new AksWithOidc(stack, "aks", { name: "aks1", resourceGroupName: "rg1", location: "eastus" });
    new FederatedWorkload(stack, "app", { issuer: aks, serviceAccountName: "sa", resourceGroupName: "rg1", location: "eastus" });
    const json = synth(stack);
    const cluster = only(json, "azurerm_kubernetes_cluster").name;
    expect(only(json, "azurerm_federated_identity_credential").body.issuer).toBe(
      `\${azurerm_kubernetes_cluster.${cluster}.oidc_issuer_url}`,
    );
  });

  test("annotates the service account with the identity's client id", () => {
    const { stack } = workload();
    const json = synth(stack);
    const identity = only(json, "azurerm_user_assigned_identity").name;
    const sa = only(json, "kubernetes_service_account_v1").body.metadata;
    expect(sa.name).toBe("workload-identity-sa");
    expect(sa.namespace).toBe("default");
    expect(sa.annotations["azure.workload.identity/client-id"]).toBe(`\${azurerm_user_assigned_identity.${identity}.client_id}`);
  });

  test("adds the tenant-id and token-expiration annotations only when set", () => {
    const plain = only(synth(workload().stack), "kubernetes_service_account_v1").body.metadata.annotations;
    expect(Object.keys(plain)).toEqual(["azure.workload.identity/client-id"]);
    const tenant = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    const set = only(synth(workload({ tenantId: tenant, tokenExpirationSeconds: 7200 }).stack), "kubernetes_service_account_v1")
      .body.metadata.annotations;
    expect(set["azure.workload.identity/tenant-id"]).toBe(tenant);
    expect(set["azure.workload.identity/service-account-token-expiration"]).toBe("7200");
  });

  test("creates the namespace only when asked, and puts the service account in it", () => {
    expect(all(synth(workload({ namespace: "apps" }).stack), "kubernetes_namespace_v1")).toHaveLength(0);
    const json = synth(workload({ namespace: "apps", createNamespace: true }).stack);
    const ns = only(json, "kubernetes_namespace_v1");
    expect(ns.body.metadata.name).toBe("apps");
    expect(only(json, "kubernetes_service_account_v1").body.metadata.namespace).toBe(
      `\${kubernetes_namespace_v1.${ns.name}.metadata[0].name}`,
    );
  });

  test("uses an existing identity instead of creating one", () => {
    const stack = newStack();
    const identity = ManagedIdentity.fromExisting(stack, "shared", { name: "myIdentity", resourceGroupName: "rg1" });
    new FederatedWorkload(stack, "app", { issuer: ISSUER, serviceAccountName: "sa", identity });
    const json = synth(stack);
    expect(all(json, "azurerm_user_assigned_identity")).toHaveLength(0);
    const data = only(json, "azurerm_user_assigned_identity", "data").name;
    expect(only(json, "azurerm_federated_identity_credential").body.parent_id).toBe(
      `\${data.azurerm_user_assigned_identity.${data}.id}`,
    );
  });

  test("creates the credentials of a shared identity one after another", () => {
    const stack = newStack();
    const identity = new ManagedIdentity(stack, "shared", { name: "shared", resourceGroupName: "rg1", location: "eastus" });
    for (const sa of ["a", "b", "c"]) {
      new FederatedWorkload(stack, sa, { issuer: ISSUER, serviceAccountName: sa, identity });
    }
    const fics = all(synth(stack), "azurerm_federated_identity_credential");
    const bySubject = Object.fromEntries(fics.map((f) => [f.body.subject.split(":").pop(), f]));
    expect(bySubject.a.body.depends_on).toBeUndefined();
    expect(bySubject.b.body.depends_on).toEqual([`azurerm_federated_identity_credential.${bySubject.a.name}`]);
    expect(bySubject.c.body.depends_on).toEqual([`azurerm_federated_identity_credential.${bySubject.b.name}`]);
  });

  test("requires a resource group and location to create an identity (a problem reported at synth)", () => {
    const stack = newStack();
    new FederatedWorkload(stack, "app", { issuer: ISSUER, serviceAccountName: "sa" });
    expect(() => synth(stack)).toThrow(/resourceGroupName and location are required to create a new identity; pass them, or pass an existing identity as `identity`/);
  });

  test("requires both: a resource group without a location is not enough", () => {
    for (const props of [{ resourceGroupName: "rg1" }, { location: "eastus" }]) {
      const stack = newStack();
      new FederatedWorkload(stack, "app", { issuer: ISSUER, serviceAccountName: "sa", ...props });
      expect(() => synth(stack)).toThrow(/resourceGroupName and location are required/);
    }
  });
});

describe("FederatedWorkload.addPod", () => {
  function podOf(props: Partial<Parameters<FederatedWorkload["addPod"]>[1]> = {}) {
    const { stack, w } = workload({ namespace: "apps" });
    w.addPod("pod", { name: "reader", containers: [{ name: "main", image: "busybox" }], ...props });
    return synth(stack);
  }

  test("always labels the pod for the webhook, even when other labels are given", () => {
    const json = podOf({ labels: { app: "reader" } });
    const labels = only(json, "kubernetes_pod_v1").body.metadata.labels;
    expect(labels).toEqual({ app: "reader", "azure.workload.identity/use": "true" });
  });

  test("refuses a workload identity label other than \"true\" instead of overriding it silently", () => {
    expect(() => podOf({ labels: { "azure.workload.identity/use": "false" } })).toThrow(/pod pod labels "azure.workload.identity\/use" is "false"; the construct always sets it to "true"/);
  });

  test("runs the pod as the workload's service account, in its namespace", () => {
    const json = podOf();
    const sa = only(json, "kubernetes_service_account_v1").name;
    const pod = only(json, "kubernetes_pod_v1").body;
    expect(pod.spec.service_account_name).toBe(`\${kubernetes_service_account_v1.${sa}.metadata[0].name}`);
    expect(pod.metadata.namespace).toBe(`\${kubernetes_service_account_v1.${sa}.metadata[0].namespace}`);
  });

  test("starts the pod only after a wait that follows the federated credential", () => {
    const json = podOf();
    const fic = only(json, "azurerm_federated_identity_credential").name;
    const sleep = only(json, "time_sleep");
    expect(only(json, "kubernetes_pod_v1").body.depends_on).toEqual([`time_sleep.${sleep.name}`]);
    expect(sleep.body.depends_on).toContain(`azurerm_federated_identity_credential.${fic}`);
    expect(sleep.body.create_duration).toBe("30s");
    expect(sleep.body.triggers.federated_credential_id).toBe(`\${azurerm_federated_identity_credential.${fic}.id}`);
  });

  test("makes the wait configurable", () => {
    const { stack, w } = workload({ propagationDelay: "2m" });
    w.addPod("pod", { name: "reader", containers: [{ name: "main", image: "busybox" }] });
    expect(only(synth(stack), "time_sleep").body.create_duration).toBe("2m");
  });

  test("applies secure container defaults and a linux node selector", () => {
    const pod = only(podOf(), "kubernetes_pod_v1").body.spec;
    expect(pod.node_selector).toEqual({ "kubernetes.io/os": "linux" });
    const c = pod.container[0];
    expect(c.security_context).toMatchObject({
      run_as_non_root: true,
      read_only_root_filesystem: true,
      allow_privilege_escalation: false,
      capabilities: { drop: ["ALL"] },
    });
    expect(c.resources.requests).toBeDefined();
    expect(c.resources.limits).toBeDefined();
  });

  test("passes environment variables to the container", () => {
    const json = podOf({ containers: [{ name: "main", image: "busybox", env: { SECRET_NAME: "my-secret" } }] });
    expect(only(json, "kubernetes_pod_v1").body.spec.container[0].env).toEqual([{ name: "SECRET_NAME", value: "my-secret" }]);
  });

  test("writes skip-containers as the webhook's annotation", () => {
    const json = podOf({
      containers: ["main", "sidecar", "proxy"].map((name) => ({ name, image: "busybox" })),
      skipContainers: ["sidecar", "proxy"],
    });
    expect(only(json, "kubernetes_pod_v1").body.metadata.annotations).toEqual({
      "azure.workload.identity/skip-containers": "sidecar;proxy",
    });
  });

  test("exposes the subject it federates", () => {
    const { stack, w } = workload({ namespace: "apps" });
    expect(resolve(stack, w.subject)).toBe("system:serviceaccount:apps:workload-identity-sa");
  });

  test("asks the webhook for its proxy sidecar when proxySidecar is set", () => {
    const json = podOf({ proxySidecar: { port: 8000 } });
    expect(only(json, "kubernetes_pod_v1").body.metadata.annotations).toEqual({
      "azure.workload.identity/inject-proxy-sidecar": "true",
      "azure.workload.identity/proxy-sidecar-port": "8000",
    });
  });

  test("passes ordinary tolerations through", () => {
    const json = podOf({ tolerations: [{ key: "workload", operator: "Equal", value: "batch", effect: "NoSchedule" }] });
    expect(only(json, "kubernetes_pod_v1").body.spec.toleration).toEqual([
      { key: "workload", operator: "Equal", value: "batch", effect: "NoSchedule" },
    ]);
  });

  test("names a new identity id-<namespace>-<sa> and its credential fic-<namespace>-<sa> by default", () => {
    const { stack } = workload({ namespace: "apps", serviceAccountName: "api.v2" });
    const json = synth(stack);
    expect(only(json, "azurerm_user_assigned_identity").body.name).toBe("id-apps-api-v2");
    expect(only(json, "azurerm_federated_identity_credential").body.name).toBe("fic-apps-api-v2");
  });

  test("takes identityName and federatedCredentialName over the defaults", () => {
    const { stack } = workload({ identityName: "myIdentity", federatedCredentialName: "myFedIdentity" });
    const json = synth(stack);
    expect(only(json, "azurerm_user_assigned_identity").body.name).toBe("myIdentity");
    expect(only(json, "azurerm_federated_identity_credential").body.name).toBe("myFedIdentity");
  });
});

describe("defaultName", () => {
  test("joins prefix, namespace and service account with '-' and turns dots into '-'", () => {
    expect(defaultName("id", "ns.a", "sa.b", 128)).toBe("id-ns-a-sa-b");
  });

  test("cuts to the limit and drops the '-' or '_' the cut leaves at the end", () => {
    expect(defaultName("fic", "abc", "def", 8)).toBe("fic-abc");
    expect(defaultName("fic", "ab_", "x", 7)).toBe("fic-ab");
    expect(defaultName("fic", "abc", "def", 120)).toHaveLength("fic-abc-def".length);
  });
});
