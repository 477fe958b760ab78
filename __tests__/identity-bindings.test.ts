import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import {
  AksWithOidc,
  AzapiProvider,
  checkApp,
  FederatedWorkload,
  IdentityBinding,
  ManagedIdentity,
  WorkloadIdentityChecks,
} from "../lib";
import type { Finding } from "../lib";
// The review's model is internal to the azwi-review tool; tests import it by deep path.
import { buildModel, loadSynthOutput } from "../lib/tools/review/model";
import type { Model } from "../lib/tools/review/model";
import { renderReview } from "../lib/tools/review/render";
import { identityBindingsExample } from "../examples/identity-bindings";
import { buildConfiguredApp } from "../stacks";
import { validateStack } from "../lib/tools/validate/validate";
import { all, newStack, only, resolve, synth, synthError } from "./support/helpers";
import { expectValidSynthOutput } from "./support/schema-validation";

const TYPE = "Microsoft.ContainerService/managedClusters/identityBindings@2026-05-01";

/** The example app, synthesized as main.ts does (checks, then synth), with its stacks' JSON. */
function synthExample(): { outdir: string; platform: any; workload: any } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-"));
  const app = new App({ outdir });
  const stacks = identityBindingsExample(app);
  for (const s of stacks) Aspects.of(s).add(new WorkloadIdentityChecks());
  checkApp(app);
  app.synth();
  expectValidSynthOutput(outdir);
  const read = (id: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
  return { outdir, platform: read("bindings-platform"), workload: read("bindings-workload") };
}
let example: ReturnType<typeof synthExample>;
const getExample = () => (example ??= synthExample());

/** The workload stack's resource of `type` whose construct path contains `part`. */
function byPath(json: any, type: string, part: string): any {
  const found = all(json, type).filter((r) => r.body["//"].metadata.path.includes(part));
  if (found.length !== 1) throw new Error(`expected one ${type} under ${part}, found ${found.length}`);
  return found[0];
}

/** A stack with a cluster and an identity, for the construct rules. */
function clusterAndIdentity(): { stack: TerraformStack; cluster: AksWithOidc; identity: ManagedIdentity } {
  const stack = newStack();
  const cluster = new AksWithOidc(stack, "aks", { name: "aks1", resourceGroupName: "rg1", location: "westeurope", tenantId: "00000000-0000-0000-0000-000000000001" });
  const identity = new ManagedIdentity(stack, "id", { name: "id-shared", resourceGroupName: "rg1", location: "westeurope" });
  return { stack, cluster, identity };
}

describe("the example: two clusters, one identity, one binding each", () => {
  test("each cluster gets an azapi_resource of type identityBindings@2026-05-01 under it, binding the shared identity", () => {
    const { workload } = getExample();
    const bindings = all(workload, "azapi_resource");
    expect(bindings.map((b) => b.body.type)).toEqual([TYPE, TYPE]);
    const identity = `\${azurerm_user_assigned_identity.${only(workload, "azurerm_user_assigned_identity").name}.id}`;
    for (const b of bindings) expect(b.body.body).toEqual({ properties: { managedIdentity: { resourceId: identity } } });
    const clusters = all(workload, "azurerm_kubernetes_cluster", "data").map((c) => `\${data.azurerm_kubernetes_cluster.${c.name}.id}`);
    expect(bindings.map((b) => b.body.parent_id).sort()).toEqual(clusters.sort());
  });

  test("no federated credential is written: the bindings replace them", () => {
    const { workload } = getExample();
    expect(all(workload, "azurerm_federated_identity_credential")).toEqual([]);
  });

  test("each cluster gets a ClusterRole allowing use-managed-identity on the identity's client id, through that cluster's provider", () => {
    const { workload } = getExample();
    const clientId = `\${azurerm_user_assigned_identity.${only(workload, "azurerm_user_assigned_identity").name}.client_id}`;
    for (const [i, alias] of [[0, "kubernetes.cluster0"], [1, "kubernetes.cluster1"]] as const) {
      const role = byPath(workload, "kubernetes_cluster_role_v1", `api-${i}/`).body;
      expect(role.rule).toEqual([{ api_groups: ["cid.wi.aks.azure.com"], resources: [clientId], verbs: ["use-managed-identity"] }]);
      expect(role.provider).toBe(alias);
    }
  });

  test("each ClusterRoleBinding binds that ClusterRole to the workload's service account only", () => {
    const { workload } = getExample();
    for (const i of [0, 1]) {
      const role = byPath(workload, "kubernetes_cluster_role_v1", `api-${i}/`);
      const sa = byPath(workload, "kubernetes_service_account_v1", `api-${i}/`);
      const crb = byPath(workload, "kubernetes_cluster_role_binding_v1", `api-${i}/`).body;
      expect(crb.role_ref).toEqual({ api_group: "rbac.authorization.k8s.io", kind: "ClusterRole", name: `\${kubernetes_cluster_role_v1.${role.name}.metadata[0].name}` });
      expect(crb.subject).toEqual([
        { kind: "ServiceAccount", name: `\${kubernetes_service_account_v1.${sa.name}.metadata[0].name}`, namespace: `\${kubernetes_service_account_v1.${sa.name}.metadata[0].namespace}` },
      ]);
      expect(crb.provider).toBe(role.body.provider);
    }
  });

  test("the service accounts carry the identity's client id and tenant id", () => {
    const { workload } = getExample();
    const id = only(workload, "azurerm_user_assigned_identity").name;
    for (const sa of all(workload, "kubernetes_service_account_v1")) {
      expect(sa.body.metadata.annotations).toEqual({
        "azure.workload.identity/client-id": `\${azurerm_user_assigned_identity.${id}.client_id}`,
        "azure.workload.identity/tenant-id": `\${azurerm_user_assigned_identity.${id}.tenant_id}`,
      });
    }
  });

  test("the pods are labelled and annotated use-identity-binding, and the mode is part of what rolls them", () => {
    const { workload } = getExample();
    for (const d of all(workload, "kubernetes_deployment_v1")) {
      const meta = d.body.spec.template.metadata;
      expect(meta.labels["azure.workload.identity/use"]).toBe("true");
      expect(meta.annotations["azure.workload.identity/use-identity-binding"]).toBe("true");
      expect(meta.annotations["aks-workload-identity-cdktf/identity"]).toMatch(/;use-identity-binding=true$/);
    }
  });

  test("pods wait for the binding and the ClusterRoleBinding; the wait runs again for a new binding", () => {
    const { workload } = getExample();
    for (const i of [0, 1]) {
      const wait = byPath(workload, "time_sleep", `api-${i}/`).body;
      const binding = byPath(workload, "azapi_resource", `binding-${i}/`).name;
      const crb = byPath(workload, "kubernetes_cluster_role_binding_v1", `api-${i}/`).name;
      expect(wait.depends_on).toEqual(expect.arrayContaining([`azapi_resource.${binding}`, `kubernetes_cluster_role_binding_v1.${crb}`]));
      expect(wait.triggers).toEqual({ identity_binding_id: `\${azapi_resource.${binding}.id}`, subject: "system:serviceaccount:orders:api" });
    }
  });

  test("passes the guardrails: no findings at all", () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-"));
    const app = new App({ outdir });
    for (const s of identityBindingsExample(app)) Aspects.of(s).add(new WorkloadIdentityChecks());
    expect(WorkloadIdentityChecks.findings(app)).toEqual([]);
  });
});

describe("the azapi resource", () => {
  test("pins Azure/azapi 2.5.0 and writes the binding so that it applies and re-plans clean", () => {
    const { workload } = getExample();
    expect(workload.terraform.required_providers.azapi).toEqual({ source: "Azure/azapi", version: "2.5.0" });
    const b = all(workload, "azapi_resource")[0].body;
    // azapi 2.5.0 knows no 2026-05-01 containerservice types: validation would refuse the api-version.
    expect(b.schema_validation_enabled).toBe(false);
    expect(b.ignore_casing).toBe(true);
    expect(b.replace_triggers_refs).toEqual(["properties.managedIdentity.resourceId"]);
    expect(b.replace_triggers_external_values).toEqual({ identity_client_id: expect.stringMatching(/\.client_id\}$/) });
    expect(b.response_export_values.oidc_issuer_url).toBe("properties.oidcIssuer.oidcIssuerUrl");
  });

  test("a binding adds a default azapi provider to a stack without one, and uses the one a stack has", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(Object.keys(synth(stack).provider.azapi)).toHaveLength(1);
    const s2 = clusterAndIdentity();
    new AzapiProvider(s2.stack, "mine", { subscriptionId: "00000000-0000-0000-0000-000000000002" });
    new IdentityBinding(s2.stack, "b", { cluster: s2.cluster, identity: s2.identity, name: "shared" });
    expect(synth(s2.stack).provider.azapi).toEqual([{ subscription_id: "00000000-0000-0000-0000-000000000002" }]);
  });

  test("oidcIssuerUrl refers to the exported per-identity issuer", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const b = new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(resolve(stack, b.oidcIssuerUrl)).toMatch(/^\$\{azapi_resource\.[^.]+\.output\.oidc_issuer_url\}$/);
  });

  test("the offline validator checks azapi_resource against the bundled schema", () => {
    const { workload } = getExample();
    const planted = JSON.parse(JSON.stringify(workload));
    const first = Object.values<any>(planted.resource.azapi_resource)[0];
    first.schema_validation_enable = false;
    const findings = validateStack("bindings-workload", planted).findings;
    expect(findings.map((f) => [f.severity, f.path])).toEqual([["error", "schema_validation_enable"]]);
  });
});

describe("direct federation stays the default", () => {
  test("a workload without identityBinding writes a credential and no binding annotation, role or azapi provider", () => {
    const { stack, cluster } = clusterAndIdentity();
    const w = new FederatedWorkload(stack, "app", { issuer: cluster, serviceAccountName: "sa", namespace: "apps", resourceGroupName: "rg1", location: "westeurope" });
    w.addPod("p", { name: "p", containers: [{ name: "c", image: "busybox:1.36" }] });
    const json = synth(stack);
    expect(all(json, "azurerm_federated_identity_credential")).toHaveLength(1);
    expect(only(json, "kubernetes_pod_v1").body.metadata.annotations).toBeUndefined();
    expect(all(json, "kubernetes_cluster_role_v1")).toEqual([]);
    expect(json.provider.azapi).toBeUndefined();
  });
});

describe("guardrails", () => {
  test.each([["Orders"], ["orders-api"], ["1orders"], ["a".repeat(64)]])("binding name %s is refused with the rule", (name) => {
    const { stack, cluster, identity } = clusterAndIdentity();
    new IdentityBinding(stack, "b", { cluster, identity, name });
    expect(synthError(stack)).toMatch(/\[test\/b\] IdentityBinding name ".*" must (be lowercase letters and digits, starting with a letter \(identity binding name: \^\[a-z\]\[a-z0-9\]\{0,63\}\$\)|.*63)/);
  });

  test("a binding name of 63 lowercase letters and digits is accepted", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    new IdentityBinding(stack, "b", { cluster, identity, name: `a${"1".repeat(62)}` });
    expect(synthError(stack)).toBe("");
  });

  test("a cluster with API server VNet integration refuses a binding", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    cluster.cluster.addOverride("api_server_access_profile.virtual_network_integration_enabled", true);
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(synthError(stack)).toMatch(/virtual_network_integration_enabled = true; AKS does not support identity bindings with API server VNet integration/);
  });

  test("the credential AKS writes counts toward 20: a binding on an identity with 20 credentials is refused", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    for (let i = 0; i < 20; i++) identity.addFederatedCredential(stack, `fic${i}`, { name: `fic-${i}`, issuer: "https://issuer.example.com/", subject: `system:serviceaccount:ns:sa${i}` });
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(synthError(stack)).toMatch(/already has 20 federated credentials; the binding makes AKS write "aks-identity-binding" as number 21/);
  });

  test("the credential AKS writes counts once per identity: two bindings and 19 credentials fit, a 20th credential does not", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const other = new AksWithOidc(stack, "aks2", { name: "aks2", resourceGroupName: "rg1", location: "westeurope", tenantId: "00000000-0000-0000-0000-000000000001" });
    new IdentityBinding(stack, "b1", { cluster, identity, name: "shared" });
    new IdentityBinding(stack, "b2", { cluster: other, identity, name: "shared" });
    for (let i = 0; i < 19; i++) identity.addFederatedCredential(stack, `fic${i}`, { name: `fic-${i}`, issuer: "https://issuer.example.com/", subject: `system:serviceaccount:ns:sa${i}` });
    expect(synthError(stack)).toBe("");
    identity.addFederatedCredential(stack, "fic19", { name: "fic-19", issuer: "https://issuer.example.com/", subject: "system:serviceaccount:ns:sa19" });
    expect(synthError(stack)).toMatch(/would be number 21 on its managed identity/);
  });

  test("a binding is chained after the identity's credential writes, and the next write after it", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    identity.addFederatedCredential(stack, "before", { name: "before", issuer: "https://issuer.example.com/", subject: "system:serviceaccount:ns:a" });
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    identity.addFederatedCredential(stack, "after", { name: "after", issuer: "https://issuer.example.com/", subject: "system:serviceaccount:ns:b" });
    const json = synth(stack);
    const binding = only(json, "azapi_resource");
    expect(binding.body.depends_on).toEqual([expect.stringMatching(/^azurerm_federated_identity_credential\.before/)]);
    const after = all(json, "azurerm_federated_identity_credential").find((f) => f.body.name === "after")!;
    expect(after.body.depends_on).toEqual([`azapi_resource.${binding.name}`]);
  });

  test("one binding per identity and cluster, and binding names unique per cluster", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const other = new ManagedIdentity(stack, "id2", { name: "id-other", resourceGroupName: "rg1", location: "westeurope" });
    new IdentityBinding(stack, "b1", { cluster, identity, name: "shared" });
    new IdentityBinding(stack, "b2", { cluster, identity, name: "again" });
    new IdentityBinding(stack, "b3", { cluster, identity: other, name: "shared" });
    const error = synthError(stack);
    expect(error).toMatch(/\[test\/b2\] IdentityBinding identity is already bound to the same cluster by test\/b1/);
    expect(error).toMatch(/\[test\/b3\] IdentityBinding name "shared" is already used on the same cluster by test\/b1/);
  });

  test("binding mode refuses another cluster as issuer and another identity", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const binding = new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    const other = new ManagedIdentity(stack, "id2", { name: "id-other", resourceGroupName: "rg1", location: "westeurope" });
    new FederatedWorkload(stack, "w", { identityBinding: binding, issuer: "https://issuer.example.com/", identity: other, serviceAccountName: "sa", namespace: "apps" });
    const error = synthError(stack);
    expect(error).toMatch(/FederatedWorkload.issuer is not the identityBinding's cluster/);
    expect(error).toMatch(/FederatedWorkload.identity is not the identityBinding's identity/);
  });

  test("the binding annotation cannot be set by hand: the workload's mode sets it", () => {
    const { stack, cluster } = clusterAndIdentity();
    const w = new FederatedWorkload(stack, "app", { issuer: cluster, serviceAccountName: "sa", namespace: "apps", resourceGroupName: "rg1", location: "westeurope" });
    w.addPod("p", { name: "p", containers: [{ name: "c", image: "busybox:1.36" }], annotations: { "azure.workload.identity/use-identity-binding": "true" } });
    expect(synthError(stack)).toMatch(/pod p annotations "azure.workload.identity\/use-identity-binding" is set by the FederatedWorkload identityBinding prop/);
  });

  test("manifests mode writes the ClusterRole, the ClusterRoleBinding and the pod annotation as YAML", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const binding = new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    const w = new FederatedWorkload(stack, "w", { identityBinding: binding, serviceAccountName: "sa", namespace: "apps", kubernetesObjects: "manifests" });
    w.addPod("p", { name: "p", containers: [{ name: "c", image: "busybox:1.36" }] });
    const objects = [...w.manifests!.files.values()].flat();
    const clientId = objects.find((o: any) => o.kind === "ServiceAccount")?.metadata.annotations["azure.workload.identity/client-id"];
    expect(clientId).toMatch(/^\{\{tf-output:/);
    expect(objects.find((o: any) => o.kind === "ClusterRole")?.rules).toEqual([{ apiGroups: ["cid.wi.aks.azure.com"], resources: [clientId], verbs: ["use-managed-identity"] }]);
    expect(objects.find((o: any) => o.kind === "ClusterRoleBinding")?.subjects).toEqual([{ kind: "ServiceAccount", name: "sa", namespace: "apps" }]);
    expect(objects.find((o: any) => o.kind === "Pod")?.metadata.annotations["azure.workload.identity/use-identity-binding"]).toBe("true");
  });
});

describe("the security pass", () => {
  function handWritten(build: (s: TerraformStack, uai: UserAssignedIdentity) => void): readonly Finding[] {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-sec-")) });
    const stack = new TerraformStack(app, "hand");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new KubernetesProvider(stack, "k8s", {});
    Aspects.of(stack).add(new WorkloadIdentityChecks());
    const uai = new UserAssignedIdentity(stack, "uai", { name: "uai", resourceGroupName: "rg", location: "eastus" });
    build(stack, uai);
    return WorkloadIdentityChecks.findings(app);
  }
  const sa = (s: TerraformStack, uai: UserAssignedIdentity) =>
    new ServiceAccountV1(s, "sa", { metadata: { name: "api", namespace: "apps", annotations: { "azure.workload.identity/client-id": uai.clientId } } });
  const pod = (s: TerraformStack, annotations?: Record<string, string>) =>
    new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps", labels: { "azure.workload.identity/use": "true" }, annotations }, spec: { serviceAccountName: "api", container: [{ name: "c", image: "busybox" }] } });
  const rbac = (s: TerraformStack, resources: string[]) => {
    const role = new ClusterRoleV1(s, "role", { metadata: { name: "use-mi" }, rule: [{ apiGroups: ["cid.wi.aks.azure.com"], resources, verbs: ["use-managed-identity"] }] });
    new ClusterRoleBindingV1(s, "crb", { metadata: { name: "use-mi" }, roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name }, subject: [{ kind: "ServiceAccount", name: "api", namespace: "apps" }] });
  };
  const rules = (f: readonly Finding[]) => f.map((x) => `${x.ruleId} ${x.severity}`);

  test("AZWI016: a binding-mode pod whose service account no ClusterRole allows is an error", () => {
    const findings = handWritten((s, uai) => {
      sa(s, uai);
      pod(s, { "azure.workload.identity/use-identity-binding": "true" });
    });
    expect(rules(findings)).toEqual(["AZWI016 error"]);
    expect(findings[0].message).toMatch(/no ClusterRole on cid.wi.aks.azure.com with verb use-managed-identity is bound to service account apps\/api/);
  });

  test("AZWI016: a ClusterRole for another client id does not allow it", () => {
    const findings = handWritten((s, uai) => {
      sa(s, uai);
      rbac(s, ["00000000-0000-0000-0000-00000000000a"]);
      pod(s, { "azure.workload.identity/use-identity-binding": "true" });
    });
    expect(rules(findings)).toEqual(["AZWI016 error"]);
  });

  test("a binding-mode pod allowed by a ClusterRole on its client id passes", () => {
    const findings = handWritten((s, uai) => {
      sa(s, uai);
      rbac(s, [uai.clientId]);
      pod(s, { "azure.workload.identity/use-identity-binding": "true" });
    });
    expect(findings).toEqual([]);
  });

  test("AZWI017: a pod without the annotation on a service account only a binding allows is a warning", () => {
    const findings = handWritten((s, uai) => {
      sa(s, uai);
      rbac(s, [uai.clientId]);
      pod(s);
    });
    expect(rules(findings)).toEqual(["AZWI017 warning"]);
  });

  test("binding-mode pods do not use a direct credential: AZWI004 reports it unused", () => {
    const findings = handWritten((s, uai) => {
      sa(s, uai);
      rbac(s, [uai.clientId]);
      pod(s, { "azure.workload.identity/use-identity-binding": "true" });
      new FederatedIdentityCredential(s, "fic", { name: "fic", resourceGroupName: "rg", parentId: uai.id, issuer: "https://issuer.example.com/", subject: "system:serviceaccount:apps:api", audience: ["api://AzureADTokenExchange"] });
    });
    expect(rules(findings)).toEqual(["AZWI004 warning"]);
  });
});

describe("the review", () => {
  const model = (): Model => buildModel(loadSynthOutput(getExample().outdir));

  test("models each binding chain: pod → service account → ClusterRoleBinding → binding → identity → grant", () => {
    const m = model();
    expect(m.chains).toHaveLength(2);
    for (const [i, cluster] of [[0, "aks-orders-weu"], [1, "aks-orders-neu"]] as const) {
      const c = m.chains.find((x) => x.credential.issuer.includes(cluster))!;
      expect(c.pod).toMatchObject({ kind: "deployment", namespace: "orders", name: "orders-api", bindingMode: true });
      expect(c.pod!.key).toMatch(new RegExp(`kubernetes_deployment_v1\\.api-${i}_`));
      expect(c.serviceAccount?.key).toMatch(new RegExp(`kubernetes_service_account_v1\\.api-${i}_`));
      expect(c.credential.binding).toEqual({
        key: expect.stringMatching(new RegExp(`/azapi_resource\\.binding-${i}_`)),
        cluster: `AKS ${cluster} (read)`,
        roleBinding: expect.stringMatching(new RegExp(`kubernetes_cluster_role_binding_v1\\.api-${i}_`)),
        clusterRole: expect.stringMatching(new RegExp(`kubernetes_cluster_role_v1\\.api-${i}_`)),
      });
      expect(c.credential).toMatchObject({ subject: "system:serviceaccount:orders:api", audience: ["api://AKSIdentityBinding"] });
      expect(c.credential.identity.label).toBe("id-orders-api");
      expect(c.grant).toMatchObject({ role: "Key Vault Secrets User", scope: "secret db-password in vault kv-orders-demo" });
      expect(c.problems).toEqual([]);
    }
    expect(m.bindings?.map((b) => b.clusterLabel).sort()).toEqual(["AKS aks-orders-neu (read)", "AKS aks-orders-weu (read)"]);
  });

  /** The example's output with `change` applied to the workload stack, reviewed. */
  function changed(change: (workload: any) => void): Model {
    const { outdir } = getExample();
    const copy = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-review-"));
    fs.cpSync(outdir, copy, { recursive: true });
    const file = path.join(copy, "stacks", "bindings-workload", "cdk.tf.json");
    const json = JSON.parse(fs.readFileSync(file, "utf8"));
    change(json);
    fs.writeFileSync(file, JSON.stringify(json));
    return buildModel(loadSynthOutput(copy));
  }
  const drop = (json: any, type: string, part: string) => {
    for (const [name, body] of Object.entries<any>(json.resource[type])) if (body["//"].metadata.path.includes(part)) delete json.resource[type][name];
  };

  test("without the ClusterRoleBinding the service account reaches no identity", () => {
    const m = changed((j) => drop(j, "kubernetes_cluster_role_binding_v1", "api-1/"));
    expect(m.chains.map((c) => c.credential.issuer)).toEqual(["identity binding ordersapi on AKS aks-orders-weu (read)"]);
  });

  test("without the binding the chain says the token proxy refuses the token", () => {
    const m = changed((j) => drop(j, "azapi_resource", "binding-1/"));
    const c = m.chains.find((x) => x.credential.binding?.key === undefined)!;
    expect(c.problems).toEqual([expect.stringMatching(/^no identity binding of id-orders-api on AKS aks-orders-neu \(read\) in these stacks/)]);
  });

  test("a pod without the binding annotation is a problem of the chain", () => {
    const m = changed((j) => {
      for (const d of Object.values<any>(j.resource.kubernetes_deployment_v1)) delete d.spec.template.metadata.annotations["azure.workload.identity/use-identity-binding"];
    });
    expect(m.chains[0].problems).toEqual([expect.stringMatching(/lacks azure.workload.identity\/use-identity-binding: "true": its token is for direct federation/)]);
  });

  test("a ClusterRole on every identity (resources \"*\") is a problem of the chain", () => {
    const m = changed((j) => {
      for (const r of Object.values<any>(j.resource.kubernetes_cluster_role_v1)) r.rule[0].resources = ["*"];
    });
    expect(m.chains[0].problems).toContain('ClusterRole azwi-identity-binding-orders-api allows every identity bound to the cluster (resources "*")');
  });

  test("a new binding and a new allowed subject are ⚠️, not unmodelled", () => {
    const head = model();
    const base = changed((j) => {
      drop(j, "azapi_resource", "binding-1/");
      drop(j, "kubernetes_cluster_role_binding_v1", "api-1/");
      drop(j, "kubernetes_cluster_role_v1", "api-1/");
    });
    const text = renderReview(head, base);
    expect(text).toMatch(/⚠️ \*\*new identity binding\*\*: id-orders-api can now be used on AKS aks-orders-neu \(read\)/);
    expect(text).toMatch(/⚠️ \*\*new subject allowed to use an identity\*\*: `system:serviceaccount:orders:api` may now use id-orders-api on AKS aks-orders-neu \(read\)/);
    expect(text).not.toMatch(/unmodelled change\*\*: `(azapi_resource|kubernetes_cluster_role)/);
  });

  test("a direct credential for a binding-mode pod is a problem of its chain (one mode per pod)", () => {
    const m = changed((j) => {
      const id = Object.keys(j.resource.azurerm_user_assigned_identity)[0];
      j.resource.azurerm_federated_identity_credential = {
        fic: { name: "fic", resource_group_name: "rg-orders", parent_id: `\${azurerm_user_assigned_identity.${id}.id}`, issuer: "https://issuer.example.com/", subject: "system:serviceaccount:orders:api", audience: ["api://AzureADTokenExchange"] },
      };
    });
    const direct = m.chains.find((c) => !c.credential.binding)!;
    expect(direct.problems).toContain(`deployment orders/orders-api is in identity-binding mode: its token (audience api://AKSIdentityBinding) is not accepted by this credential`);
  });
});

describe("environment files", () => {
  test("a shared identity with a binding: the platform binds it, the team's workload uses the binding", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-env-"));
    fs.writeFileSync(
      path.join(dir, "dev.yaml"),
      `location: eastus
resourceGroup: rg-x
cluster:
  name: aks-x
vault:
  name: kv-x-example
identities:
  - name: id-shared
    binding: shared
teams:
  - name: a
    workloads:
      - namespace: a
        serviceAccount: api
        sharedIdentity: id-shared
`,
    );
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-env-out-"));
    const app = new App({ outdir });
    buildConfiguredApp(app, (n) => (n === "ENVIRONMENTS_DIR" ? dir : undefined));
    checkApp(app);
    app.synth();
    expectValidSynthOutput(outdir);
    const read = (id: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", id, "cdk.tf.json"), "utf8"));
    const platform = read("dev-platform");
    const team = read("dev-a");
    expect(only(platform, "azapi_resource").body).toMatchObject({ type: TYPE, name: "shared" });
    expect(all(team, "azurerm_federated_identity_credential")).toEqual([]);
    expect(only(team, "kubernetes_cluster_role_binding_v1").body.subject[0].kind).toBe("ServiceAccount");
  });
});
