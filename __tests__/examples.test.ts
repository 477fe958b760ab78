import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { checkApp, WorkloadIdentityChecks } from "../lib";
import { CsiSecretStoreExample } from "../examples/csi-secret-store";
import { AcrPinnedVersionExample } from "../examples/acr-pinned-version";
import { AppRegistrationExample } from "../examples/app-registration";
import { GitOpsExample } from "../examples/gitops";
import { all, only } from "./support/helpers";

/** Synthesizes an example stack the way main.ts does (checks, then synth) and returns its JSON. */
function synthExample(make: (app: App) => TerraformStack): any {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-example-"));
  const app = new App({ outdir });
  const stack = make(app);
  Aspects.of(stack).add(new WorkloadIdentityChecks());
  checkApp(app);
  app.synth();
  return { json: JSON.parse(fs.readFileSync(path.join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8")), outdir, app };
}

describe("README examples synthesize and pass the guardrails", () => {
  test("CSI Secret Store: add-on, SecretProviderClass and a deployment mounting it", () => {
    const { json } = synthExample((app) => new CsiSecretStoreExample(app, "csi"));
    expect(only(json, "azurerm_kubernetes_cluster").body.key_vault_secrets_provider.secret_rotation_enabled).toBe(true);
    expect(only(json, "kubernetes_manifest").body.manifest.kind).toBe("SecretProviderClass");
    expect(only(json, "kubernetes_deployment_v1").body.spec.template.spec.volume[0].csi.volume_attributes.secretProviderClass).toBe("kvcsi");
  });

  test("ACR and a pinned version: AcrPull for the kubelet, VERSION_ID on the pod", () => {
    const { json } = synthExample((app) => new AcrPinnedVersionExample(app, "acr"));
    expect(all(json, "azurerm_role_assignment").map((r) => r.body.role_definition_name)).toContain("AcrPull");
    const env = only(json, "kubernetes_pod_v1").body.spec.container[0].env;
    expect(env).toContainEqual({ name: "VERSION_ID", value: "ded8e5e3b3e040e9bfa5c47d0e28848a" });
    expect(only(json, "azurerm_key_vault_access_policy").body.secret_permissions).toEqual(["Get"]);
  });

  test("app registration: an Entra application federated with a non-AKS issuer", () => {
    const { json } = synthExample((app) => new AppRegistrationExample(app, "eks"));
    expect(only(json, "azuread_application_federated_identity_credential").body.issuer).toMatch(/^https:\/\/oidc\.eks\./);
  });

  test("GitOps: YAML for the deployment, no Kubernetes resources", () => {
    const { json, outdir } = synthExample((app) => new GitOpsExample(app, "gitops"));
    expect(Object.keys(json.resource).filter((t) => t.startsWith("kubernetes_"))).toEqual([]);
    expect(fs.existsSync(path.join(outdir, "stacks", "gitops", "manifests", "payments", "deployment-api.yaml"))).toBe(true);
  });
});
