/**
 * What the providers do after synth: each test encodes one provider or Kubernetes behaviour (cited)
 * that would otherwise make a second apply plan changes, or make an apply fail.
 */
import { TerraformStack } from "cdktf";
import {
  AksWithOidc,
  ContainerRegistryAccess,
  FederatedWorkload,
  KeyVaultSecretAccess,
  ManagedIdentity,
  WorkloadKeyVault,
} from "../lib";
// Tests may import internals by deep path.
import { kubeloginArgs } from "../lib/azure/aks-with-oidc";
import { all, newStack, only, synth } from "./support/helpers";

const ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";

const workload = (s: TerraformStack, id = "app", props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) =>
  new FederatedWorkload(s, id, { issuer: ISSUER, namespace: "apps", serviceAccountName: id, resourceGroupName: "rg", location: "eastus", ...props });
const container = (env: Record<string, string> = {}) => ({ name: "main", image: "ghcr.io/org/app:1.0", env });
const vaultIn = (s: TerraformStack, props: Partial<ConstructorParameters<typeof WorkloadKeyVault>[2]> = {}) =>
  new WorkloadKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: "rg", location: "eastus", ...props });

describe("pods survive the webhook's mutation (no replacement on the next plan)", () => {
  // kubernetes v2.38.0: container env and volume_mount are ForceNew (kubernetes/schema_container.go)
  // and the webhook's env vars, projected volume and mount are read back into state.
  test("a pod ignores changes to its spec", () => {
    const s = newStack();
    workload(s).addPod("pod", { name: "p", containers: [container()] });
    expect(only(synth(s), "kubernetes_pod_v1").body.lifecycle.ignore_changes).toEqual(["spec"]);
  });

  // kubernetes v2.38.0 resource_kubernetes_pod_v1.go (create): waits for a phase in target_state
  // (default Running) and fails on any other phase after Pending.
  test("a pod that may run to completion accepts the Succeeded phase on create; an Always pod keeps the provider's default", () => {
    const s = newStack();
    const w = workload(s);
    w.addPod("never", { name: "never", restartPolicy: "Never", containers: [container()] });
    w.addPod("onfailure", { name: "onfailure", restartPolicy: "OnFailure", containers: [container()] });
    w.addPod("always", { name: "always", containers: [container()] });
    const pods = Object.fromEntries(all(synth(s), "kubernetes_pod_v1").map((p) => [p.body.metadata.name, p.body]));
    expect(pods.never.target_state).toEqual(["Running", "Succeeded"]);
    expect(pods.onfailure.target_state).toEqual(["Running", "Succeeded"]);
    expect(pods.always.target_state).toBeUndefined();
  });

  test("a pod is replaced by a terraform_data that holds its configured spec, named by plain address", () => {
    const s = newStack();
    workload(s).addPod("pod", { name: "p", containers: [container({ A: "1" })] });
    const json = synth(s);
    const data = only(json, "terraform_data");
    const pod = only(json, "kubernetes_pod_v1").body;
    // Terraform rejects "${terraform_data.x}" in replace_triggered_by in JSON; the address form works.
    expect(pod.lifecycle.replace_triggered_by).toEqual([`terraform_data.${data.name}`]);
    expect(JSON.parse(data.body.triggers_replace.spec).container[0].env).toEqual([{ name: "A", value: "1" }]);
  });

  test("the pod's record holds the spec as one JSON text, with each reference in place for Terraform to interpolate", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "other", { name: "id-other", resourceGroupName: "rg", location: "eastus" });
    workload(s).addPod("pod", { name: "p", containers: [container({ OTHER: identity.clientId, QUOTED: 'say "hi"' })] });
    const json = synth(s);
    const record = only(json, "terraform_data").body.triggers_replace;
    expect(typeof record.spec).toBe("string");
    expect(JSON.parse(record.spec).container[0].env).toEqual([
      { name: "OTHER", value: `\${azurerm_user_assigned_identity.${all(json, "azurerm_user_assigned_identity").find((r) => r.body.name === "id-other")!.name}.client_id}` },
      { name: "QUOTED", value: 'say "hi"' },
    ]);
    expect(record.spec_values).toBeUndefined();
  });

  test("a hand-written template in the spec goes into the record's spec_values as written, the text holds its index", () => {
    // JSON would escape the quotes inside the expression, and Terraform would then fail to parse it.
    const template = '${lookup({ a = "x" }, "a")}';
    const s = newStack();
    workload(s).addPod("pod", { name: "p", containers: [container({ T: template, ESCAPED: "$${not-a-template}" })] });
    const record = only(synth(s), "terraform_data").body.triggers_replace;
    expect(record.spec_values).toEqual([template, "$${not-a-template}"]);
    expect(JSON.parse(record.spec).container[0].env).toEqual([
      { name: "T", value: { $value: 0 } },
      { name: "ESCAPED", value: { $value: 1 } },
    ]);
  });

  test("the pod's record text does not depend on the order the spec's keys were given in", () => {
    const textOf = (env: Record<string, string>, selector: Record<string, string>) => {
      const s = newStack();
      workload(s).addPod("pod", { name: "p", containers: [container(env)], nodeSelector: selector });
      return only(synth(s), "terraform_data").body.triggers_replace.spec;
    };
    expect(textOf({ A: "1" }, { x: "1", y: "2" })).toBe(textOf({ A: "1" }, { y: "2", x: "1" }));
  });

  test("the pod's terraform_data runs no `terraform version` at synth (cdktf's DataResource does, per instance)", () => {
    const childProcess = require("child_process");
    const spy = jest.spyOn(childProcess, "execSync");
    try {
      const s = newStack();
      const w = workload(s);
      for (const name of ["a", "b", "c"]) w.addPod(name, { name, containers: [container()] });
      synth(s);
      expect(spy).not.toHaveBeenCalled();
    } finally {
      spy.mockRestore();
    }
  });

  test("a changed env value changes the terraform_data, so the pod is replaced with it", () => {
    const specOf = (value: string) => {
      const s = newStack();
      workload(s).addPod("pod", { name: "p", containers: [container({ A: value })] });
      return only(synth(s), "terraform_data").body.triggers_replace;
    };
    expect(specOf("1")).not.toEqual(specOf("2"));
  });

  test("a deployment keeps its template under Terraform's control (the webhook mutates pods, not deployments)", () => {
    const s = newStack();
    workload(s).addDeployment("d", { name: "d", containers: [container()] });
    const json = synth(s);
    expect(only(json, "kubernetes_deployment_v1").body.lifecycle).toBeUndefined();
    expect(all(json, "terraform_data")).toEqual([]);
  });
});

describe("the node pool does not diff on every plan", () => {
  // azurerm 4.55: upgrade_settings is Optional, not Computed, and the read stores the API's max_surge.
  test("writes upgrade_settings with AKS's own defaults", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.default_node_pool.upgrade_settings).toEqual({
      max_surge: "10%",
      drain_timeout_in_minutes: 30,
    });
  });

  test("takes max surge and drain timeout from systemNodePool", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", systemNodePool: { maxSurge: "1", drainTimeoutInMinutes: 45 } });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.default_node_pool.upgrade_settings).toEqual({ max_surge: "1", drain_timeout_in_minutes: 45 });
  });

  test("rejects a max surge that is neither a count nor a percentage", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", systemNodePool: { maxSurge: "ten" } });
    expect(() => synth(s)).toThrow(/AksWithOidc\.systemNodePool\.maxSurge "ten" must be a node count/);
  });

  test.each(["0", "0%", "101%", "1x", "1a%", "a10%", "10%x", "05%"])("rejects the max surge %s (AKS takes a count from 1 or 1% to 100%)", (maxSurge) => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", systemNodePool: { maxSurge } });
    expect(() => synth(s)).toThrow(new RegExp(`AksWithOidc\\.systemNodePool\\.maxSurge "${maxSurge}" must be a node count \\("1"\\) or a percentage from 1% to 100%`));
  });

  test.each(["1", "33", "1%", "5%", "99%", "100%"])("accepts the max surge %s", (maxSurge) => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", systemNodePool: { maxSurge } });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.default_node_pool.upgrade_settings.max_surge).toBe(maxSurge);
  });
});

describe("pods start after everything they read", () => {
  test("with an access policy (vault-wide), the pod waits for the secret as well as the policy", () => {
    const s = newStack();
    const w = workload(s);
    new KeyVaultSecretAccess(s, "access", { workload: w, vault: vaultIn(s, { permissionModel: "access-policy" }), secrets: [{ name: "db" }] });
    w.addPod("pod", { name: "p", containers: [container()] });
    const json = synth(s);
    const wait = all(json, "time_sleep").find((t) => t.body.triggers.federated_credential_id)!.body;
    expect(wait.depends_on).toContain(`azurerm_key_vault_secret.${only(json, "azurerm_key_vault_secret").name}`);
    const policy = all(json, "azurerm_key_vault_access_policy").find((p) => p.body.secret_permissions.length === 1)!;
    expect(wait.depends_on).toContain(`azurerm_key_vault_access_policy.${policy.name}`);
  });

  test("a workload that shares the identity waits for the grant made for the other workload", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "shared", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    const a = workload(s, "a", { identity });
    const b = workload(s, "b", { identity });
    new KeyVaultSecretAccess(s, "access", { workload: a, vault: vaultIn(s), secrets: [{ name: "db" }], grantScope: "vault" });
    b.addPod("pod", { name: "p", containers: [container()] });
    const json = synth(s);
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    const waitOfB = all(json, "time_sleep").find((t) => t.name.startsWith("b_"))!.body;
    expect(waitOfB.depends_on).toContain(`azurerm_role_assignment.${grant.name}`);
    expect(waitOfB.depends_on).toContain(`azurerm_key_vault_secret.${only(json, "azurerm_key_vault_secret").name}`);
  });

  test("a workload made after the grant for its shared identity waits for it too", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "shared", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    new KeyVaultSecretAccess(s, "access", { workload: workload(s, "a", { identity }), vault: vaultIn(s), secrets: [{ name: "db" }] });
    workload(s, "b", { identity });
    const json = synth(s);
    const grant = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "Key Vault Secrets User")!;
    expect(all(json, "time_sleep").find((t) => t.name.startsWith("b_"))!.body.depends_on).toContain(`azurerm_role_assignment.${grant.name}`);
  });
});

describe("the propagation wait follows the trust, not only the credential's id", () => {
  // azurerm 4.55: issuer and subject update in place (Update calls Create); the id stays.
  test("re-waits when the credential's issuer or subject changes", () => {
    const s = newStack();
    workload(s);
    const json = synth(s);
    const fic = only(json, "azurerm_federated_identity_credential").name;
    expect(only(json, "time_sleep").body.triggers).toEqual({
      federated_credential_id: `\${azurerm_federated_identity_credential.${fic}.id}`,
      issuer: `\${azurerm_federated_identity_credential.${fic}.issuer}`,
      subject: `\${azurerm_federated_identity_credential.${fic}.subject}`,
    });
  });
});

describe("images from an attached registry", () => {
  test("a pod whose image names the registry starts after the AcrPull grant", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, existing: { name: "myregistry1", resourceGroupName: "rg" } });
    workload(s, "app", { issuer: aks }).addPod("pod", { name: "p", containers: [{ name: "main", image: "myregistry1.azurecr.io/app:1" }] });
    const json = synth(s);
    const pull = only(json, "azurerm_role_assignment").name;
    expect(only(json, "time_sleep").body.depends_on).toContain(`azurerm_role_assignment.${pull}`);
  });

  test("warns when the image comes from a registry created in the same stack (empty on the first apply)", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    const acr = new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "myregistry1", resourceGroupName: "rg", location: "eastus" } });
    const pod = workload(s, "app", { issuer: aks }).addPod("pod", { name: "p", containers: [{ name: "main", image: `${acr.loginServer}/app:1` }] });
    const warnings = pod.resource!.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings.join("\n")).toMatch(/pod pod container main pulls .* from a registry created in the same stack: it is empty on the first apply/);
    expect(warnings.join("\n")).toMatch(/Push the image before the pods start \(a second stack\), or use ContainerRegistryAccess existing/);
  });

  test("a pod whose image comes from another registry neither waits for the AcrPull grant nor warns", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "myregistry1", resourceGroupName: "rg", location: "eastus" } });
    const pod = workload(s, "app", { issuer: aks }).addPod("pod", { name: "p", containers: [{ name: "main", image: "ghcr.io/org/app:1" }] });
    const json = synth(s);
    expect(only(json, "time_sleep").body.depends_on).toEqual([expect.stringMatching(/^azurerm_federated_identity_credential\./)]);
    expect(pod.resource!.node.metadata.filter((m) => m.type === "@cdktf/warn")).toEqual([]);
  });

  test("does not warn for an existing registry", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    new ContainerRegistryAccess(s, "acr", { cluster: aks, existing: { name: "myregistry1", resourceGroupName: "rg" } });
    const pod = workload(s, "app", { issuer: aks }).addPod("pod", { name: "p", containers: [{ name: "main", image: "myregistry1.azurecr.io/app:1" }] });
    expect(pod.resource!.node.metadata.filter((m) => m.type === "@cdktf/warn")).toEqual([]);
  });
});

describe("the service account", () => {
  test("carries the client-id annotation but not the use label (the webhook selects pods, not service accounts)", () => {
    const s = newStack();
    workload(s);
    const sa = only(synth(s), "kubernetes_service_account_v1").body;
    expect(sa.metadata.annotations).toHaveProperty(["azure.workload.identity/client-id"]);
    expect(sa.metadata.labels?.["azure.workload.identity/use"]).toBeUndefined();
  });
});

describe("kubelogin in CI", () => {
  // Azure/kubelogin v0.2.19 pkg/internal/token/options.go: ARM_* only with --use-azurerm-env-vars.
  test("spn and workloadidentity read the azurerm provider's ARM_* variables by default", () => {
    expect(kubeloginArgs({ loginMode: "spn" })).toContain("--use-azurerm-env-vars");
    expect(kubeloginArgs({ loginMode: "workloadidentity" })).toContain("--use-azurerm-env-vars");
  });

  test("azurecli and msi get no azurerm flag, and it can be turned off", () => {
    expect(kubeloginArgs({ loginMode: "azurecli" })).not.toContain("--use-azurerm-env-vars");
    expect(kubeloginArgs({ loginMode: "msi" })).not.toContain("--use-azurerm-env-vars");
    expect(kubeloginArgs({ loginMode: "spn", useAzurermEnvVars: false })).not.toContain("--use-azurerm-env-vars");
  });

  test("the provider execs kubelogin with the mode and the AKS server id", () => {
    const s = newStack();
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const config = aks.kubernetesProviderConfig({ loginMode: "workloadidentity" });
    const exec = (config.exec as any[])[0];
    expect(exec.command).toBe("kubelogin");
    expect(exec.args).toEqual(["get-token", "--login", "workloadidentity", "--server-id", "6dae42f8-4368-4678-94ff-3960e28e3630", "--use-azurerm-env-vars"]);
  });
});
