// Writes a synth output directory shaped like the library's (cdk.tf.json per stack, manifest.json)
// with N workloads, for the review benchmark and the review's scale test: a platform stack (vault,
// cluster) and one workload stack whose identities, credentials, grants, service accounts, pods
// and propagation waits reference it through terraform_remote_state, as cdktf writes them.
// Edits for a head: add one workload, widen one grant to the vault, rename one service account.
"use strict";
const fs = require("fs");
const os = require("os");
const path = require("path");

const REMOTE = "cross-stack-reference-input-platform";
const out = (name) => `\${data.terraform_remote_state.${REMOTE}.outputs.${name}}`;

/**
 * @param {{ workloads: number, namespaces?: number, add?: boolean, widen?: number, rename?: number }} o
 * @returns {string} the directory
 */
function writeReviewFixture(o) {
  const namespaces = o.namespaces ?? 20;
  const platform = {
    "//": { metadata: { stackName: "platform", backend: "local" } },
    terraform: { backend: { local: { path: "terraform.platform.tfstate" } } },
    resource: {
      azurerm_key_vault: { vault: { name: "kv-bench", location: "eastus", resource_group_name: "rg-bench", sku_name: "standard", tenant_id: "t", rbac_authorization_enabled: true, purge_protection_enabled: true, soft_delete_retention_days: 90 } },
      azurerm_kubernetes_cluster: { aks: { name: "aks-bench", location: "eastus", resource_group_name: "rg-bench", oidc_issuer_enabled: true, workload_identity_enabled: true } },
    },
    output: {
      "cross-stack-output-vault-id": { value: "${azurerm_key_vault.vault.id}", sensitive: true },
      "cross-stack-output-issuer": { value: "${azurerm_kubernetes_cluster.aks.oidc_issuer_url}", sensitive: true },
    },
  };
  const r = {
    azurerm_user_assigned_identity: {}, azurerm_federated_identity_credential: {}, azurerm_key_vault_secret: {}, azurerm_role_assignment: {},
    kubernetes_service_account_v1: {}, kubernetes_pod_v1: {}, time_sleep: {},
  };
  const n = o.workloads + (o.add ? 1 : 0);
  for (let i = 0; i < n; i++) {
    const ns = `team-${i % namespaces}`;
    const sa = o.rename === i ? `app-${i}-renamed` : `app-${i}`;
    const w = `w${i}`;
    r.azurerm_user_assigned_identity[`${w}_identity`] = { name: `id-${ns}-app-${i}`, location: "eastus", resource_group_name: "rg-bench" };
    r.azurerm_federated_identity_credential[`${w}_fic`] = {
      name: `fic-${ns}-${sa}`, resource_group_name: `\${azurerm_user_assigned_identity.${w}_identity.resource_group_name}`, parent_id: `\${azurerm_user_assigned_identity.${w}_identity.id}`,
      issuer: out("cross-stack-output-issuer"), subject: `system:serviceaccount:${ns}:${sa}`, audience: ["api://AzureADTokenExchange"],
    };
    r.azurerm_key_vault_secret[`${w}_secret`] = { name: `secret-${i}`, key_vault_id: out("cross-stack-output-vault-id"), value_wo: "${var.shared_secret_value}", value_wo_version: 1 };
    r.azurerm_role_assignment[`${w}_grant`] = {
      principal_id: `\${azurerm_user_assigned_identity.${w}_identity.principal_id}`, principal_type: "ServicePrincipal", role_definition_name: "Key Vault Secrets User",
      scope: o.widen === i ? out("cross-stack-output-vault-id") : `\${azurerm_key_vault_secret.${w}_secret.resource_versionless_id}`,
      description: `Workload identity reads secret secret-${i}.`,
    };
    r.kubernetes_service_account_v1[`${w}_sa`] = { metadata: { name: sa, namespace: ns, annotations: { "azure.workload.identity/client-id": `\${azurerm_user_assigned_identity.${w}_identity.client_id}` } } };
    r.time_sleep[`${w}_wait`] = { create_duration: "30s", depends_on: [`azurerm_federated_identity_credential.${w}_fic`, `azurerm_role_assignment.${w}_grant`], triggers: { subject: `\${azurerm_federated_identity_credential.${w}_fic.subject}` } };
    r.kubernetes_pod_v1[`${w}_pod`] = {
      depends_on: [`time_sleep.${w}_wait`],
      metadata: { name: `app-${i}`, namespace: ns, labels: { "azure.workload.identity/use": "true" } },
      spec: { service_account_name: `\${kubernetes_service_account_v1.${w}_sa.metadata[0].name}`, container: [{ name: "app", image: "ghcr.io/azure/azure-workload-identity/msal-go" }] },
    };
  }
  const workloads = {
    "//": { metadata: { stackName: "workloads", backend: "local" } },
    terraform: { backend: { local: { path: "terraform.workloads.tfstate" } } },
    data: { terraform_remote_state: { [REMOTE]: { backend: "local", config: { path: "terraform.platform.tfstate" }, workspace: "${terraform.workspace}" } } },
    variable: { shared_secret_value: { type: "string", sensitive: true } },
    resource: r,
  };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-review-bench-"));
  const manifest = { version: "0.21.0", stacks: {} };
  for (const [name, json] of Object.entries({ platform, workloads })) {
    fs.mkdirSync(path.join(dir, "stacks", name), { recursive: true });
    fs.writeFileSync(path.join(dir, "stacks", name, "cdk.tf.json"), JSON.stringify(json, null, 2));
    manifest.stacks[name] = { name, synthesizedStackPath: `stacks/${name}/cdk.tf.json`, annotations: [] };
  }
  fs.writeFileSync(path.join(dir, "manifest.json"), JSON.stringify(manifest, null, 2));
  return dir;
}

module.exports = { writeReviewFixture };
