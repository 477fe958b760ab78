/**
 * Kubernetes values by Kubernetes' own rules, and the webhook's annotations, labels and
 * environment whichever prop sets them: refused at synth with the field and the fix; valid edge
 * values stay valid.
 */
import { TerraformStack } from "cdktf";
import { AksWithOidc, FederatedWorkload } from "../lib";
import type { WorkloadPodProps } from "../lib";
import * as R from "../lib/guardrails/rules";
import { newStack, only, synth } from "./support/helpers";

type Pod = Partial<WorkloadPodProps>;
type Container = WorkloadPodProps["containers"][number];

function workload(s: TerraformStack, props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) {
  return new FederatedWorkload(s, "app", { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus", ...props });
}
function podWith(pod: Pod = {}, container: Partial<Container> = {}): () => any {
  const s = newStack();
  workload(s).addPod("p", { name: "reader", containers: [{ name: "main", image: "busybox", ...container }], ...pod });
  return () => synth(s);
}

describe("resource requests and limits", () => {
  test("a request above the construct's default limit is refused, naming both and the default", () => {
    expect(podWith({}, { requests: { cpu: "500m", memory: "64Mi" } })).toThrow(
      /pod p container main requests cpu "500m" above its limit "250m" \(the default\); the API server refuses a request above its limit – raise limits\.cpu or lower requests\.cpu/,
    );
  });

  test("a limit below the construct's default request is refused", () => {
    expect(podWith({}, { limits: { cpu: "20m", memory: "128Mi" } })).toThrow(/requests cpu "50m" \(the default\) above its limit "20m"/);
  });

  test("quantities compare across suffixes: 1Gi is above 1G, 0.5 equals 500m", () => {
    expect(podWith({}, { requests: { memory: "1Gi" }, limits: { memory: "1G" } })).toThrow(/requests memory "1Gi" above its limit "1G"/);
    expect(only(podWith({}, { requests: { cpu: "0.5" }, limits: { cpu: "500m" } })(), "kubernetes_pod_v1")).toBeDefined();
  });

  test("a quantity the API server cannot parse is refused", () => {
    expect(podWith({}, { requests: { cpu: "half" } })).toThrow(/requests\.cpu "half" must be a Kubernetes quantity/);
  });

  test.each(["250m", "1", "0.5", "128Mi", "1G", "1e3", "+2", ".5"])("%s is a quantity", (q) => {
    expect(R.firstProblem(q, R.quantity)).toBeUndefined();
  });

  test.each(["-1", "1.2.3", "1mi", "1 Gi", "", "Gi"])("%j is not a quantity", (q) => {
    expect(R.firstProblem(q, R.quantity)).toBeDefined();
  });
});

describe("security context, selectors and tolerations", () => {
  test("a user id that is not a non-negative 32-bit integer is refused", () => {
    expect(podWith({}, { runAsUser: "nobody" })).toThrow(/container main runAsUser "nobody" must be an integer from 0 to 2147483647/);
    expect(podWith({}, { runAsUser: "2147483648" })).toThrow(/runAsUser "2147483648" must be an integer/);
  });

  test("node selector keys and values follow the label rules", () => {
    expect(podWith({ nodeSelector: { "kubernetes.io/os": "linux windows" } })).toThrow(/nodeSelector "kubernetes.io\/os" value "linux windows" must be at most 63 letters/);
    expect(podWith({ nodeSelector: { "-bad": "x" } })).toThrow(/nodeSelector key "-bad"/);
  });

  test("a toleration with no key needs operator Exists, and its key and value follow the label rules", () => {
    expect(podWith({ tolerations: [{ operator: "Equal", value: "x", effect: "NoSchedule" }] })).toThrow(/tolerations\[0\] has no key, which needs operator "Exists"/);
    expect(podWith({ tolerations: [{ key: "bad key", operator: "Exists" }] })).toThrow(/tolerations\[0\]\.key "bad key"/);
    expect(podWith({ tolerations: [{ key: "k", operator: "Equal", value: "a b" }] })).toThrow(/tolerations\[0\]\.value "a b"/);
    expect(only(podWith({ tolerations: [{ operator: "Exists" }] })(), "kubernetes_pod_v1")).toBeDefined();
  });
});

describe("annotations", () => {
  test("an annotation key with an upper-case DNS prefix is valid (annotation keys are checked in lower case)", () => {
    const json = podWith({ annotations: { "Example.COM/owner": "team-a" } })();
    expect(only(json, "kubernetes_pod_v1").body.metadata.annotations).toEqual({ "Example.COM/owner": "team-a" });
  });

  test("a label key with an upper-case prefix stays invalid", () => {
    expect(podWith({ labels: { "Example.COM/owner": "a" } })).toThrow(/labels key "Example.COM\/owner" must have a DNS-1123 subdomain prefix/);
  });

  test("an annotation value that is not a string is refused", () => {
    expect(podWith({ annotations: { replicas: 3 as unknown as string } })).toThrow(/annotations "replicas" is 3; annotation values are strings – quote it/);
  });

  test("the webhook's pod annotations that a prop sets are refused in annotations, naming the prop", () => {
    expect(podWith({ annotations: { "azure.workload.identity/skip-containers": "main" } })).toThrow(/"azure.workload.identity\/skip-containers" is set by the skipContainers prop/);
    expect(podWith({ annotations: { "azure.workload.identity/proxy-sidecar-port": "abc" } })).toThrow(/is set by the proxySidecar\.port prop/);
  });

  test("an azure.workload.identity/ annotation the webhook does not read is refused (a misspelling)", () => {
    expect(podWith({ annotations: { "azure.workload.identity/skip-container": "main" } })).toThrow(/"azure.workload.identity\/skip-container" is not an annotation the workload identity webhook reads/);
  });

  test("a pod-level token expiration is checked like the prop", () => {
    expect(podWith({ annotations: { "azure.workload.identity/service-account-token-expiration": "60" } })).toThrow(/must be an integer from 3600 to 86400/);
    expect(only(podWith({ annotations: { "azure.workload.identity/service-account-token-expiration": "7200" } })(), "kubernetes_pod_v1")).toBeDefined();
  });

  test("service account annotations the construct or a prop sets are refused there", () => {
    for (const [key, prop] of [
      ["azure.workload.identity/client-id", /set by the construct \(the identity's client id\)/],
      ["azure.workload.identity/tenant-id", /set by the tenantId prop/],
      ["azure.workload.identity/service-account-token-expiration", /set by the tokenExpirationSeconds prop/],
    ] as const) {
      const s = newStack();
      workload(s, { serviceAccountAnnotations: { [key]: "x" } });
      expect(() => synth(s)).toThrow(prop);
    }
  });
});

describe("the token reaches a container", () => {
  test.each(["AZURE_CLIENT_ID", "AZURE_TENANT_ID", "AZURE_FEDERATED_TOKEN_FILE", "AZURE_AUTHORITY_HOST"])("%s set by hand on a container is refused", (name) => {
    expect(podWith({}, { env: { [name]: "x" } })).toThrow(new RegExp(`container main sets ${name} by hand; the webhook keeps a value a container already has`));
  });

  test("AZURE_CLIENT_ID on a container the webhook skips is allowed", () => {
    const s = newStack();
    workload(s).addPod("p", {
      name: "reader",
      containers: [
        { name: "main", image: "busybox" },
        { name: "other", image: "busybox", env: { AZURE_CLIENT_ID: "x" } },
      ],
      skipContainers: ["other"],
    });
    expect(only(synth(s), "kubernetes_pod_v1")).toBeDefined();
  });

  test("skipContainers listing every container is refused: no container would get the token", () => {
    expect(podWith({ skipContainers: ["main"] })).toThrow(/skipContainers lists every container, so no container gets the token/);
  });
});

describe("AKS add-on durations", () => {
  test("a compound Go duration such as 1m30s is a valid rotation interval", () => {
    const s = newStack();
    new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus", secretsStoreCsiDriver: { rotationInterval: "1m30s" } });
    expect(only(synth(s), "azurerm_kubernetes_cluster").body.key_vault_secrets_provider.secret_rotation_interval).toBe("1m30s");
  });
});
