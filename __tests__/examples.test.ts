import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { checkApp, WorkloadIdentityChecks } from "../lib";
import { csiSecretStoreExample } from "../examples/csi-secret-store";
import { AcrPinnedVersionExample } from "../examples/acr-pinned-version";
import { AppRegistrationExample } from "../examples/app-registration";
import { GitOpsExample } from "../examples/gitops";
import { identityBindingsExample } from "../examples/identity-bindings";
import { all, only } from "./support/helpers";
import { expectValidSynthOutput } from "./support/schema-validation";

/** Synthesizes example stacks the way main.ts does (checks, then synth) and returns each stack's JSON. */
function synthStacks(make: (app: App) => TerraformStack[]): { stacks: Record<string, any>; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-example-"));
  const app = new App({ outdir });
  const made = make(app);
  for (const stack of made) Aspects.of(stack).add(new WorkloadIdentityChecks());
  checkApp(app);
  app.synth();
  expectValidSynthOutput(outdir);
  const stacks: Record<string, any> = {};
  for (const stack of made) {
    stacks[stack.node.id] = JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8"));
  }
  return { stacks, outdir };
}

/** One example stack. */
function synthExample(make: (app: App) => TerraformStack): any {
  let id = "";
  const { stacks, outdir } = synthStacks((app) => {
    const stack = make(app);
    id = stack.node.id;
    return [stack];
  });
  return { json: stacks[id], outdir };
}

describe("README examples synthesize and pass the guardrails", () => {
  test("CSI Secret Store: the add-on with the cluster, the SecretProviderClass and the deployment in a second stack", () => {
    const { stacks } = synthStacks((app) => csiSecretStoreExample(app));
    const platform = stacks["csi-platform"];
    const workload = stacks["csi-workload"];
    expect(only(platform, "azurerm_kubernetes_cluster").body.key_vault_secrets_provider.secret_rotation_enabled).toBe(true);
    // kubernetes_manifest needs the cluster at plan time: never next to the cluster resource.
    expect(all(platform, "kubernetes_manifest")).toEqual([]);
    expect(all(workload, "azurerm_kubernetes_cluster")).toEqual([]);
    expect(only(workload, "kubernetes_manifest").body.manifest.kind).toBe("SecretProviderClass");
    expect(only(workload, "kubernetes_deployment_v1").body.spec.template.spec.volume[0].csi.volume_attributes.secretProviderClass).toBe("kvcsi");
  });

  test("CSI Secret Store: nginx runs unprivileged, as a non-root user that needs no capabilities", () => {
    const { stacks } = synthStacks((app) => csiSecretStoreExample(app));
    const container = only(stacks["csi-workload"], "kubernetes_deployment_v1").body.spec.template.spec.container[0];
    expect(container.image).toMatch(/^nginxinc\/nginx-unprivileged:/);
    expect(container.security_context).toMatchObject({ run_as_non_root: true, run_as_user: "101", capabilities: { drop: ["ALL"] } });
  });

  test("ACR and a pinned version: AcrPull for the kubelet, VERSION_ID on the pod", () => {
    const { json } = synthExample((app) => new AcrPinnedVersionExample(app, "acr"));
    expect(all(json, "azurerm_role_assignment").map((r) => r.body.role_definition_name)).toContain("AcrPull");
    const env = only(json, "kubernetes_pod_v1").body.spec.container[0].env;
    expect(env).toContainEqual({ name: "VERSION_ID", value: "ded8e5e3b3e040e9bfa5c47d0e28848a" });
    expect(only(json, "azurerm_key_vault_access_policy").body.secret_permissions).toEqual(["Get"]);
  });

  test("ACR: the image comes from an existing registry, and the pod starts after the AcrPull grant", () => {
    const { json } = synthExample((app) => new AcrPinnedVersionExample(app, "acr"));
    expect(all(json, "azurerm_container_registry")).toEqual([]);
    expect(only(json, "azurerm_container_registry", "data").body.name).toBe("wilab12345");
    const pull = all(json, "azurerm_role_assignment").find((r) => r.body.role_definition_name === "AcrPull")!;
    const wait = only(json, "time_sleep").body;
    expect(wait.depends_on).toContain(`azurerm_role_assignment.${pull.name}`);
  });

  test("app registration: an Entra application federated with a non-AKS issuer", () => {
    const { json } = synthExample((app) => new AppRegistrationExample(app, "eks"));
    expect(only(json, "azuread_application_federated_identity_credential").body.issuer).toMatch(/^https:\/\/oidc\.eks\./);
  });

  test("Identity bindings (preview): one identityBindings azapi_resource per cluster, no federated credential", () => {
    const { stacks } = synthStacks((app) => identityBindingsExample(app));
    const workload = stacks["bindings-workload"];
    expect(all(workload, "azapi_resource").map((b) => b.body.type)).toEqual([
      "Microsoft.ContainerService/managedClusters/identityBindings@2026-05-01",
      "Microsoft.ContainerService/managedClusters/identityBindings@2026-05-01",
    ]);
    expect(all(workload, "azurerm_federated_identity_credential")).toEqual([]);
    expect(all(workload, "kubernetes_cluster_role_binding_v1")).toHaveLength(2);
  });

  test("GitOps: YAML for the deployment, no Kubernetes resources", () => {
    const { json, outdir } = synthExample((app) => new GitOpsExample(app, "gitops"));
    expect(Object.keys(json.resource).filter((t) => t.startsWith("kubernetes_"))).toEqual([]);
    expect(fs.existsSync(path.join(outdir, "stacks", "gitops", "manifests", "61-deployment", "payments", "api.yaml.tmpl"))).toBe(true);
  });
});
