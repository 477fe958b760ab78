/**
 * The Kubernetes side shared by every kind of workload (lib/kubernetes/workload-base.ts): which
 * objects collide, what each helper returns, what the manifests mode writes, and orderings.
 */
import { TerraformStack } from "cdktf";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { AksWithOidc, ContainerRegistryAccess, FederatedWorkload, WorkloadKeyVault } from "../lib";
import { all, newStack, only, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";
type Props = Partial<ConstructorParameters<typeof FederatedWorkload>[2]>;
const workload = (s: TerraformStack, id = "app", props: Props = {}) =>
  new FederatedWorkload(s, id, { issuer: ISSUER, namespace: "apps", serviceAccountName: id, resourceGroupName: "rg", location: "eastus", ...props });
const container = { name: "main", image: "ghcr.io/org/app:1.0" };
const vaultIn = (s: TerraformStack) => new WorkloadKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: "rg", location: "eastus" });
const spc = (name = "secrets") => ({ name, objects: [{ name: "db" }] });

describe("what the helpers return", () => {
  test("workloadPods lists the pods and deployments made through the workload, in order", () => {
    const s = newStack();
    const w = workload(s);
    expect(w.workloadPods).toEqual([]);
    const pod = w.addPod("pod", { name: "p", containers: [container] });
    const deployment = w.addDeployment("dep", { name: "d", containers: [container] });
    expect(w.workloadPods).toEqual([pod.resource, deployment.resource]);
  });

  test("addDeployment returns its name and resource", () => {
    const s = newStack();
    const d = workload(s).addDeployment("dep", { name: "d", containers: [container] });
    expect(d.name).toBe("d");
    expect(d.resource!.terraformResourceType).toBe("kubernetes_deployment_v1");
  });

  test("addSecretProviderClass returns its name and, in manifests mode, the manifest", () => {
    const s = newStack();
    const w = workload(s, "app", { kubernetesObjects: "manifests" });
    const result = w.addSecretProviderClass("spc", { ...spc("api-secrets"), vault: vaultIn(s) });
    expect(result.name).toBe("api-secrets");
    expect(result.manifest).toMatchObject({ kind: "SecretProviderClass", metadata: { name: "api-secrets" } });
  });

  test("kubernetesObjects is terraform unless manifests is asked for", () => {
    const s = newStack();
    expect(workload(s, "a").kubernetesObjects).toBe("terraform");
    expect(workload(s, "b", { kubernetesObjects: "manifests" }).kubernetesObjects).toBe("manifests");
  });
});

describe("manifests mode", () => {
  const files = (w: FederatedWorkload) => [...w.manifests!.files.entries()];

  test("writes the service account and pod as v1 objects, and no namespace unless createNamespace is set", () => {
    const s = newStack();
    const w = workload(s, "app", { kubernetesObjects: "manifests" });
    w.addPod("pod", { name: "p", containers: [container] });
    expect(files(w).map(([file, objects]) => [file, objects.map((o) => `${o.apiVersion} ${o.kind}`)])).toEqual([
      ["10-serviceaccount/apps/app.yaml.tmpl", ["v1 ServiceAccount"]],
      ["60-pod/apps/p.yaml.tmpl", ["v1 Pod"]],
    ]);
  });

  test("writes the namespace when createNamespace is set", () => {
    const s = newStack();
    const w = workload(s, "app", { kubernetesObjects: "manifests", createNamespace: true });
    expect(w.manifests!.files.get("00-namespace/apps.yaml.tmpl")).toEqual([{ apiVersion: "v1", kind: "Namespace", metadata: { name: "apps" } }]);
  });

  test("startAfter does nothing (Terraform does not start the pods)", () => {
    const s = newStack();
    const w = workload(s, "app", { kubernetesObjects: "manifests" });
    const other = workload(s, "other");
    expect(() => w.startAfter(other.serviceAccount!)).not.toThrow();
    expect(w.propagation).toBeUndefined();
  });

  test("two manifests directories are separate targets: one service account name in each is no collision", () => {
    const s = newStack();
    workload(s, "a", { kubernetesObjects: "manifests", manifestsDirectory: "cluster-a", serviceAccountName: "api", identityName: "id-a" });
    workload(s, "b", { kubernetesObjects: "manifests", manifestsDirectory: "cluster-b", serviceAccountName: "api", identityName: "id-b" });
    expect(() => synth(s)).not.toThrow();
  });
});

describe("collisions are per cluster", () => {
  test("one service account name through two Kubernetes providers (two clusters) is no collision", () => {
    const s = newStack();
    const east = new KubernetesProvider(s, "east-cluster", { alias: "east" });
    const west = new KubernetesProvider(s, "west-cluster", { alias: "west" });
    workload(s, "a", { serviceAccountName: "api", identityName: "id-a", kubernetesProvider: east });
    workload(s, "b", { serviceAccountName: "api", identityName: "id-b", kubernetesProvider: west });
    expect(() => synth(s)).not.toThrow();
  });

  test("one service account name through the same explicit provider is a collision", () => {
    const s = newStack();
    const other = new KubernetesProvider(s, "other-cluster", { alias: "other" });
    workload(s, "a", { serviceAccountName: "api", identityName: "id-a", kubernetesProvider: other });
    workload(s, "b", { serviceAccountName: "api", identityName: "id-b", kubernetesProvider: other });
    expect(() => synth(s)).toThrow(/serviceAccountName: ServiceAccount apps\/api is already created by test\/a/);
  });

  test("two deployments of one name: the error names the first one's path", () => {
    const s = newStack();
    const w = workload(s);
    w.addDeployment("one", { name: "d", containers: [container] });
    w.addDeployment("two", { name: "d", containers: [container] });
    expect(() => synth(s)).toThrow(/deployment two name: Deployment apps\/d is already created by test\/app\/one; creating it twice fails at apply with AlreadyExists – give it another name/);
  });

  test("two SecretProviderClasses of one name in one namespace", () => {
    const s = newStack();
    const vault = vaultIn(s);
    workload(s, "a").addSecretProviderClass("one", { ...spc("x"), vault });
    workload(s, "b").addSecretProviderClass("two", { ...spc("x"), vault });
    expect(() => synth(s)).toThrow(/SecretProviderClass two name: SecretProviderClass apps\/x is already created by test\/a\/one/);
  });

  test("refuses a SecretProviderClass name that is not a DNS-1123 subdomain, naming the helper's id", () => {
    const s = newStack();
    workload(s).addSecretProviderClass("spc", { ...spc("Secrets"), vault: vaultIn(s) });
    expect(() => synth(s)).toThrow(/SecretProviderClass spc name "Secrets" must be a DNS-1123 subdomain/);
  });
});

describe("orderings", () => {
  test("a SecretProviderClass added after its namespace's creator depends on the namespace", () => {
    const s = newStack();
    workload(s, "creator", { createNamespace: true });
    workload(s, "app").addSecretProviderClass("spc", { ...spc(), vault: vaultIn(s) });
    const json = synth(s);
    expect(only(json, "kubernetes_manifest").body.depends_on).toEqual([`kubernetes_namespace_v1.${only(json, "kubernetes_namespace_v1").name}`]);
  });

  test("the workload's pods start after its SecretProviderClasses, whichever was added first", () => {
    const s = newStack();
    const w = workload(s);
    const deployment = w.addDeployment("dep", { name: "d", containers: [container], secretsStore: { secretProviderClass: "secrets" } });
    w.addSecretProviderClass("spc", { ...spc(), vault: vaultIn(s) });
    const json = synth(s);
    const manifest = only(json, "kubernetes_manifest").name;
    const wait = all(json, "time_sleep").find((t) => t.body.triggers.federated_credential_id)!;
    expect(wait.body.depends_on).toContain(`kubernetes_manifest.${manifest}`);
    expect(all(json, "kubernetes_deployment_v1")[0].body.depends_on).toEqual([`time_sleep.${wait.name}`]);
    expect(deployment.resource).toBeDefined();
  });

  test("a deployment whose image comes from a registry created in the same stack waits for the pull grant and warns, naming the deployment and container", () => {
    const s = newStack();
    const aks = AksWithOidc.fromExisting(s, "aks", { name: "aks", resourceGroupName: "rg" });
    const acr = new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "myregistry1", resourceGroupName: "rg", location: "eastus" } });
    const d = workload(s, "app", { issuer: aks }).addDeployment("dep", { name: "d", containers: [{ name: "web", image: `${acr.loginServer}/app:1` }] });
    const warnings = d.resource!.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => String(m.data));
    expect(warnings.join("\n")).toMatch(/^deployment dep container web pulls .* from a registry created in the same stack/);
    const json = synth(s);
    const wait = all(json, "time_sleep").find((t) => t.name.startsWith("app_"))!;
    expect(wait.body.depends_on).toContain(`azurerm_role_assignment.${only(json, "azurerm_role_assignment").name}`);
  });
});
