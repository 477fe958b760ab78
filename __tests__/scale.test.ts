/**
 * Synth time stays linear in the number of workloads: no check scans a stack (or the app) once per
 * workload or per resource. Counted, not timed: the number of construct-tree scans of a synth is
 * the same for 3 workloads as for 30.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { Node } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { AksWithOidc, checkApp, FederatedWorkload, KeyVaultSecretAccess, SAMPLE_IMAGE, WorkloadKeyVault } from "../lib";

/** Synthesizes one stack of `n` workloads (each with a grant and a pod, as bench/scale-app.ts); returns how often a construct tree was scanned. */
function scansFor(n: number): number {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-scale-")) });
  const stack = new TerraformStack(app, "scale");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  const cluster = AksWithOidc.fromExisting(stack, "cluster", { name: "aks-bench", resourceGroupName: "rg-bench" });
  cluster.kubernetesProvider(stack, "kubernetes");
  const vault = WorkloadKeyVault.fromExisting(stack, "vault", { name: "kv-bench", resourceGroupName: "rg-bench" });
  for (let i = 0; i < n; i++) {
    const workload = new FederatedWorkload(stack, `workload-${i}`, { issuer: cluster, namespace: `team-${i % 5}`, serviceAccountName: `app-${i}`, resourceGroupName: "rg-bench", location: "eastus" });
    const access = new KeyVaultSecretAccess(stack, `access-${i}`, { workload, vault, secrets: [{ name: `secret-${i}` }] });
    workload.addPod("pod", { name: `app-${i}`, containers: [{ name: "app", image: SAMPLE_IMAGE, env: access.podEnvironment() }] });
  }
  const findAll = jest.spyOn(Node.prototype, "findAll");
  try {
    checkApp(app);
    app.synth();
    return findAll.mock.calls.length;
  } finally {
    findAll.mockRestore();
  }
}

test("a synth scans the construct tree as often for 30 workloads as for 3", () => {
  expect(scansFor(30)).toBe(scansFor(3));
});

describe("the stack's default Kubernetes provider, looked up once per stack", () => {
  function stackWithWorkload() {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-scale-")) });
    const stack = new TerraformStack(app, "s");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    const issuer = AksWithOidc.fromExisting(stack, "issuer-cluster", { name: "aks-a", resourceGroupName: "rg" });
    const other = AksWithOidc.fromExisting(stack, "other-cluster", { name: "aks-b", resourceGroupName: "rg" });
    new FederatedWorkload(stack, "w", { issuer, namespace: "apps", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
    return { app, stack, other };
  }

  test("a provider of another cluster made after a first check (that found none) is still refused", () => {
    const { app, stack, other } = stackWithWorkload();
    expect(() => checkApp(app)).not.toThrow(/trusts cluster/);
    other.kubernetesProvider(stack, "kubernetes");
    expect(() => app.synth()).toThrow(/issuer: the federated credential trusts cluster rg\/aks-a, but the service account is created through the Kubernetes provider s\/kubernetes of cluster rg\/aks-b/);
  });
});
