/**
 * A pod keeps the client id, tenant and token settings the webhook gave it when it was created, so
 * whatever changes them must restart the pods: each pod's replacement trigger and each deployment's
 * pod template carry them.
 */
import { TerraformStack } from "cdktf";
import { FederatedWorkload, ManagedIdentity } from "../lib";
import { IDENTITY_SETTINGS_ANNOTATION } from "../lib/core/constants";
import { newStack, only, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";
const TENANT = "11111111-1111-1111-1111-111111111111";
type Props = Partial<ConstructorParameters<typeof FederatedWorkload>[2]>;
const container = { name: "main", image: "ghcr.io/org/app:1" };

/** A workload with one pod and one deployment, synthesized; `identity` picks a shared identity. */
function synthWorkload(props: Props = {}, shared = false, mode: "terraform" | "manifests" = "terraform"): any {
  const s: TerraformStack = newStack();
  const identity = shared ? new ManagedIdentity(s, "shared", { name: "id-shared", resourceGroupName: "rg", location: "eastus" }) : undefined;
  const w = new FederatedWorkload(s, "app", {
    issuer: ISSUER,
    namespace: "apps",
    serviceAccountName: "api",
    resourceGroupName: "rg",
    location: "eastus",
    identity,
    kubernetesObjects: mode,
    ...(mode === "manifests" ? { manifestsDirectory: "manifests-test" } : {}),
    ...props,
  });
  w.addPod("pod", { name: "pod", containers: [container] });
  w.addDeployment("web", { name: "web", containers: [container] });
  return synth(s);
}

/** The triggers_replace of the record named in the pod's replace_triggered_by. */
function podTrigger(json: any): any {
  const pod = only(json, "kubernetes_pod_v1").body;
  const [address] = pod.lifecycle.replace_triggered_by;
  const [type, name] = address.split(".");
  return json.resource[type][name].triggers_replace;
}

const templateAnnotation = (json: any) => only(json, "kubernetes_deployment_v1").body.spec.template.metadata.annotations[IDENTITY_SETTINGS_ANNOTATION];
const accountAnnotations = (json: any) => only(json, "kubernetes_service_account_v1").body.metadata.annotations;

describe("identity changes restart the pods", () => {
  test("a pod's replacement trigger holds the service account's client id, tenant and token expiration", () => {
    const json = synthWorkload({ tenantId: TENANT, tokenExpirationSeconds: 7200 });
    const sa = accountAnnotations(json);
    expect(podTrigger(json).identity).toEqual({
      "azure.workload.identity/client-id": sa["azure.workload.identity/client-id"],
      "azure.workload.identity/tenant-id": TENANT,
      "azure.workload.identity/service-account-token-expiration": "7200",
    });
  });

  test("switching a workload to a shared identity changes its pod's replacement trigger", () => {
    const own = podTrigger(synthWorkload());
    const shared = podTrigger(synthWorkload({}, true));
    expect(own.spec).toEqual(shared.spec);
    expect(shared.identity["azure.workload.identity/client-id"]).toBe("${azurerm_user_assigned_identity.shared_identity_E7709D0F.client_id}");
    expect(own.identity).not.toEqual(shared.identity);
  });

  test("changing the tenant or the token expiration changes the pod's replacement trigger", () => {
    const base = podTrigger(synthWorkload()).identity;
    expect(podTrigger(synthWorkload({ tenantId: TENANT })).identity).not.toEqual(base);
    expect(podTrigger(synthWorkload({ tokenExpirationSeconds: 3600 })).identity).not.toEqual(base);
  });

  test("a deployment's pod template carries the client id, tenant and token expiration", () => {
    const json = synthWorkload({ tenantId: TENANT, tokenExpirationSeconds: 7200 });
    const clientId = accountAnnotations(json)["azure.workload.identity/client-id"];
    expect(templateAnnotation(json)).toBe(`client-id=${clientId};tenant-id=${TENANT};token-expiration=${7200}`);
  });

  test("switching a workload to a shared identity changes its deployment's pod template", () => {
    expect(templateAnnotation(synthWorkload({}, true))).toBe("client-id=${azurerm_user_assigned_identity.shared_identity_E7709D0F.client_id}");
    expect(templateAnnotation(synthWorkload())).not.toBe(templateAnnotation(synthWorkload({}, true)));
  });

  test("the template annotation wins over a pod annotation of the same name given in props", () => {
    const s = newStack();
    const w = new FederatedWorkload(s, "app", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
    w.addDeployment("web", { name: "web", annotations: { [IDENTITY_SETTINGS_ANNOTATION]: "stale", team: "a" }, containers: [container] });
    const annotations = only(synth(s), "kubernetes_deployment_v1").body.spec.template.metadata.annotations;
    expect(annotations.team).toBe("a");
    expect(annotations[IDENTITY_SETTINGS_ANNOTATION]).toMatch(/^client-id=\$\{azurerm_user_assigned_identity\./);
  });

  test("a deployment written as a GitOps manifest carries the annotation too", () => {
    const s = newStack();
    const w = new FederatedWorkload(s, "app", {
      issuer: ISSUER,
      namespace: "apps",
      serviceAccountName: "api",
      resourceGroupName: "rg",
      location: "eastus",
      kubernetesObjects: "manifests",
      manifestsDirectory: "manifests-rollout-test",
    });
    const d = w.addDeployment("web", { name: "web", containers: [container] });
    expect(Object.keys(d.manifest!.spec.template.metadata.annotations)).toEqual([IDENTITY_SETTINGS_ANNOTATION]);
  });
});
