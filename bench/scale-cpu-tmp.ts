// One stack with N FederatedWorkloads, each with a Key Vault grant and a pod, built with the
// library exactly as an application team would (deep imports, validation, security pass).
// N comes from BENCH_WORKLOADS; run through scripts/app.js like the default app.
import { App, Aspects, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import {
  AksWithOidc,
  checkApp,
  FederatedWorkload,
  KeyVaultSecretAccess,
  SAMPLE_IMAGE,
  WorkloadIdentityChecks,
  WorkloadKeyVault,
} from "../lib";

const c0 = process.cpuUsage();
const cpu = () => { const u = process.cpuUsage(c0); return Math.round((u.user + u.system) / 1000); };
const t0 = cpu();
const n = Number(process.env.BENCH_WORKLOADS ?? "1");
const app = new App();
const stack = new TerraformStack(app, "scale");
new AzurermProvider(stack, "azurerm", { features: [{}] });
const cluster = AksWithOidc.fromExisting(stack, "cluster", { name: "aks-bench", resourceGroupName: "rg-bench" });
cluster.kubernetesProvider(stack, "kubernetes");
const vault = WorkloadKeyVault.fromExisting(stack, "vault", { name: "kv-bench", resourceGroupName: "rg-bench" });

for (let i = 0; i < n; i++) {
  const workload = new FederatedWorkload(stack, `workload-${i}`, {
    issuer: cluster,
    namespace: `team-${i % 50}`,
    serviceAccountName: `app-${i}`,
    resourceGroupName: "rg-bench",
    location: "eastus",
  });
  const access = new KeyVaultSecretAccess(stack, `access-${i}`, {
    workload,
    vault,
    secrets: [{ name: `secret-${i}`, value: "${var.shared_secret_value}" }],
  });
  workload.addPod("pod", {
    name: `app-${i}`,
    containers: [{ name: "app", image: SAMPLE_IMAGE, env: access.podEnvironment() }],
  });
}

Aspects.of(stack).add(new WorkloadIdentityChecks());
const t1 = cpu();
checkApp(app); // validations + security pass, as main.ts does
const t2 = cpu();
app.synth();
if (process.env.BENCH_PHASES) {
  console.error(`cpu phases ms: construct ${t1 - t0}, checkApp ${t2 - t1}, cdktf synth ${cpu() - t2}`);
}
