/** Pods and deployments that a workload makes: what they render, and what they refuse. */
import { TerraformStack } from "cdktf";
import { FederatedWorkload } from "../lib";
import { all, newStack, only, synth } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";
const workload = (s: TerraformStack, props: Partial<ConstructorParameters<typeof FederatedWorkload>[2]> = {}) =>
  new FederatedWorkload(s, "app", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus", ...props });
const c = (name = "main", more: object = {}) => ({ name, image: "ghcr.io/org/app:1", ...more });

describe("pod rendering", () => {
  test("restarts Always unless restartPolicy is given", () => {
    const s = newStack();
    const w = workload(s);
    w.addPod("a", { name: "a", containers: [c()] });
    w.addPod("b", { name: "b", restartPolicy: "Never", containers: [c()] });
    const pods = Object.values<any>(synth(s).resource.kubernetes_pod_v1).map((p) => [p.metadata.name, p.spec.restart_policy]);
    expect(pods.sort()).toEqual([["a", "Always"], ["b", "Never"]]);
  });

  test("passes command, args and image pull policy through", () => {
    const s = newStack();
    workload(s).addPod("p", { name: "p", containers: [c("main", { command: ["/app"], args: ["--x"], imagePullPolicy: "Always" })] });
    expect(only(synth(s), "kubernetes_pod_v1").body.spec.container[0]).toMatchObject({ command: ["/app"], args: ["--x"], image_pull_policy: "Always" });
  });

  test("runs the pod as non-root with the runtime's seccomp profile, unless a container opts out of non-root", () => {
    const s = newStack();
    const w = workload(s);
    w.addPod("a", { name: "a", containers: [c()] });
    w.addPod("b", { name: "b", containers: [c(), c("root", { runAsNonRoot: false, runAsUser: "0" })] });
    const byName = Object.fromEntries(Object.values<any>(synth(s).resource.kubernetes_pod_v1).map((p) => [p.metadata.name, p.spec.security_context]));
    expect(byName.a).toEqual({ run_as_non_root: true, seccomp_profile: { type: "RuntimeDefault" } });
    expect(byName.b.run_as_non_root).toBe(false);
  });

  test("mounts the Secrets Store volume only in the containers named, read-only", () => {
    const s = newStack();
    workload(s).addPod("p", {
      name: "p",
      containers: [c("main"), c("side")],
      secretsStore: { secretProviderClass: "spc", containers: ["side"], mountPath: "/secrets", external: true },
    });
    const spec = only(synth(s), "kubernetes_pod_v1").body.spec;
    expect(spec.container[0].volume_mount).toBeUndefined();
    expect(spec.container[1].volume_mount).toEqual([{ name: "secrets-store", mount_path: "/secrets", read_only: true }]);
    expect(spec.volume).toEqual([{ name: "secrets-store", csi: { driver: "secrets-store.csi.k8s.io", read_only: true, volume_attributes: { secretProviderClass: "spc" } } }]);
  });

  test("uses the node selector given instead of the linux default", () => {
    const s = newStack();
    workload(s).addPod("p", { name: "p", nodeSelector: { pool: "apps" }, containers: [c()] });
    expect(only(synth(s), "kubernetes_pod_v1").body.spec.node_selector).toEqual({ pool: "apps" });
  });

  test("a deployment selects its pods by app: <name>, and writes replicas as Kubernetes wants", () => {
    const s = newStack();
    workload(s).addDeployment("d", { name: "web", replicas: 3, containers: [c()] });
    const d = only(synth(s), "kubernetes_deployment_v1").body;
    expect(d.metadata.labels).toEqual({ app: "web" });
    expect(d.spec.replicas).toBe("3");
    expect(d.spec.selector.match_labels).toEqual({ app: "web" });
    expect(d.spec.template.metadata.labels).toEqual({ app: "web", "azure.workload.identity/use": "true" });
  });

  test("manifests mode writes numeric users and the mounts in the Kubernetes API's shape", () => {
    const s = newStack();
    const w = workload(s, { kubernetesObjects: "manifests" });
    const pod = w.addPod("p", { name: "p", containers: [c("main", { runAsUser: "1000" })], secretsStore: { secretProviderClass: "spc" } });
    const spec = pod.manifest!.spec;
    expect(spec.containers[0].securityContext.runAsUser).toBe(1000);
    expect(spec.containers[0].volumeMounts).toEqual([{ name: "secrets-store", mountPath: "/mnt/secrets-store", readOnly: true }]);
    expect(spec.serviceAccountName).toBe("api");
    expect(pod.resource).toBeUndefined();
  });
});

describe("pod and deployment rules", () => {
  const refuses = (build: (w: FederatedWorkload) => void, message: RegExp) => {
    const s = newStack();
    build(workload(s));
    expect(() => synth(s)).toThrow(message);
  };

  test("two containers of one name", () => refuses((w) => w.addPod("p", { name: "p", containers: [c(), c()] }), /pod p container name "main" is used twice/));
  test("skipContainers naming no container", () =>
    refuses((w) => w.addPod("p", { name: "p", skipContainers: ["x"], containers: [c()] }), /pod p skipContainers names "x", which is not one of its containers/));
  test("secretsStore.containers naming no container", () =>
    refuses((w) => w.addPod("p", { name: "p", secretsStore: { secretProviderClass: "s", containers: ["x"] }, containers: [c()] }), /secretsStore\.containers names "x"/));
  test("a relative mount path", () =>
    refuses((w) => w.addPod("p", { name: "p", secretsStore: { secretProviderClass: "s", mountPath: "mnt" }, containers: [c()] }), /secretsStore\.mountPath "mnt" must be an absolute path/));
  test("a SecretProviderClass name that is not a DNS-1123 subdomain", () =>
    refuses((w) => w.addPod("p", { name: "p", secretsStore: { secretProviderClass: "S" }, containers: [c()] }), /secretsStore\.secretProviderClass "S" must be a DNS-1123 subdomain/));
  test("a proxy sidecar port out of range", () =>
    refuses((w) => w.addPod("p", { name: "p", proxySidecar: { port: 70000 }, containers: [c()] }), /proxySidecar\.port 70000 must be an integer from 1 to 65535/));
  test("an annotation key Kubernetes refuses", () =>
    refuses((w) => w.addPod("p", { name: "p", annotations: { "a b": "x" }, containers: [c()] }), /pod p annotations key "a b"/));
  test("a deployment name longer than its 63-character app label", () =>
    refuses((w) => w.addDeployment("d", { name: "d".repeat(64), containers: [c()] }), /deployment d name "d{64}" must be 1–63 characters long/));
  test("more than 1000 replicas", () => refuses((w) => w.addDeployment("d", { name: "d", replicas: 1001, containers: [c()] }), /deployment d replicas 1001 must be an integer from 0 to 1000/));
  test("a deployment's template is checked like a pod's, naming the deployment", () =>
    refuses((w) => w.addDeployment("d", { name: "d", containers: [c(), c()] }), /deployment d container name "main" is used twice/));
  test.each(["mnt/secrets", "x/mnt", "/mnt secrets"])("the mount path %s (absolute, no whitespace)", (mountPath) =>
    refuses((w) => w.addPod("p", { name: "p", secretsStore: { secretProviderClass: "s", mountPath }, containers: [c()] }), /pod p secretsStore\.mountPath ".*" must be an absolute path/));
  test.each(["x300", "300x", "3.5", "-"])("the tolerationSeconds %s (an integer)", (tolerationSeconds) =>
    refuses(
      (w) => w.addPod("p", { name: "p", tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds }], containers: [c()] }),
      /pod p tolerations\[0\]\.tolerationSeconds ".*" must be an integer number of seconds/,
    ));
  test("the ACI toleration (pods on virtual nodes get no token)", () =>
    refuses((w) => w.addPod("p", { name: "p", tolerations: [{ key: "azure.com/aci", operator: "Exists" }], containers: [c()] }), /virtual nodes \(toleration "azure\.com\/aci"\)/));
});

describe("pod details that must survive rendering", () => {
  test("accepts tolerationSeconds on a NoExecute toleration, negative included", () => {
    const s = newStack();
    workload(s).addPod("p", { name: "p", tolerations: [{ key: "k", operator: "Exists", effect: "NoExecute", tolerationSeconds: "-1" }], containers: [c()] });
    expect(only(synth(s), "kubernetes_pod_v1").body.spec.toleration).toEqual([{ key: "k", operator: "Exists", effect: "NoExecute", toleration_seconds: "-1" }]);
  });

  test("keeps the pod's own annotations next to the proxy sidecar's, and writes a port only when given", () => {
    const s = newStack();
    const w = workload(s);
    w.addPod("a", { name: "a", annotations: { "example.com/team": "payments" }, proxySidecar: {}, containers: [c()] });
    w.addPod("b", { name: "b", proxySidecar: { port: 8000 }, containers: [c()] });
    const pods = Object.fromEntries(all(synth(s), "kubernetes_pod_v1").map((p) => [p.body.metadata.name, p.body.metadata.annotations]));
    expect(pods.a).toEqual({ "example.com/team": "payments", "azure.workload.identity/inject-proxy-sidecar": "true" });
    expect(pods.b).toEqual({ "azure.workload.identity/inject-proxy-sidecar": "true", "azure.workload.identity/proxy-sidecar-port": "8000" });
  });

  test("manifests mode leaves tolerationSeconds out of a toleration that has none", () => {
    const s = newStack();
    const w = workload(s, { kubernetesObjects: "manifests" });
    const pod = w.addPod("p", { name: "p", tolerations: [{ key: "k", operator: "Exists", effect: "NoSchedule" }], containers: [c()] });
    expect(pod.manifest!.spec.tolerations).toEqual([{ key: "k", operator: "Exists", effect: "NoSchedule" }]);
  });
});
