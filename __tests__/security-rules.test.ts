/**
 * Each security rule in both directions, on hand-written stacks (raw provider resources): it fires
 * just over the line and stays silent just under it. The catalogue and docs/rules.md are derived
 * from the rule files.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformOutput, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { UserAssignedIdentity } from "@cdktf/provider-azurerm/lib/user-assigned-identity";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KubernetesCluster } from "@cdktf/provider-azurerm/lib/kubernetes-cluster";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { SECURITY_RULES, WorkloadIdentityChecks } from "../lib";
import { ALL_RULES } from "../lib/guardrails/security/rules";
import { rulesMarkdown } from "../lib/guardrails/security/catalogue";

type Build = (s: TerraformStack) => void;

/** The unsuppressed rule ids found in a hand-written stack. */
function idsOf(build: Build): string[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-rule-")) });
  const s = new TerraformStack(app, "hand");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new KubernetesProvider(s, "k8s", {});
  Aspects.of(s).add(new WorkloadIdentityChecks());
  build(s);
  return WorkloadIdentityChecks.findings(app)
    .filter((f) => !f.suppressedBecause)
    .map((f) => f.ruleId);
}

const ISSUER = "https://issuer.example.com/";
const SUBJECT = "system:serviceaccount:apps:api";
const uai = (s: TerraformStack, id = "uai") => new UserAssignedIdentity(s, id, { name: id, resourceGroupName: "rg", location: "eastus" });
const grant = (s: TerraformStack, role: string, scope: string) =>
  new RoleAssignment(s, `ra-${role.replace(/\W/g, "")}`, { scope, roleDefinitionName: role, principalId: uai(s).principalId });
const credential = (s: TerraformStack, id: string, opts: { parentId?: string; subject?: string; audience?: string[]; issuer?: string } = {}) =>
  new FederatedIdentityCredential(s, id, {
    name: id,
    resourceGroupName: "rg",
    parentId: opts.parentId ?? "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
    issuer: opts.issuer ?? ISSUER,
    subject: opts.subject ?? SUBJECT,
    audience: opts.audience ?? ["api://AzureADTokenExchange"],
  });
const serviceAccount = (s: TerraformStack) =>
  new ServiceAccountV1(s, "sa", { metadata: { name: "api", namespace: "apps", annotations: { "azure.workload.identity/client-id": "c" } } });
const pod = (s: TerraformStack, opts: { labelled?: boolean; namespace?: string; nodeSelector?: Record<string, string>; privileged?: boolean } = {}) =>
  new PodV1(s, "pod", {
    metadata: { name: "p", namespace: opts.namespace ?? "apps", labels: opts.labelled === false ? {} : { "azure.workload.identity/use": "true" } },
    spec: {
      serviceAccountName: "api",
      nodeSelector: opts.nodeSelector,
      container: [{ name: "c", image: "busybox", securityContext: { privileged: opts.privileged ?? false } }],
    },
  });
const vault = (s: TerraformStack, purge: boolean) =>
  new KeyVault(s, "kv", { name: "kv", location: "eastus", resourceGroupName: "rg", tenantId: "t", skuName: "standard", purgeProtectionEnabled: purge });
const cluster = (s: TerraformStack, opts: { oidc?: boolean; localAccountDisabled?: boolean } = {}) =>
  new KubernetesCluster(s, "aks", {
    name: "aks",
    location: "eastus",
    resourceGroupName: "rg",
    dnsPrefix: "aks",
    defaultNodePool: { name: "system", vmSize: "Standard_D2s_v5", nodeCount: 1 },
    identity: { type: "SystemAssigned" },
    oidcIssuerEnabled: opts.oidc ?? true,
    workloadIdentityEnabled: opts.oidc ?? true,
    localAccountDisabled: opts.localAccountDisabled ?? true,
  });

/** A workload identity service account, its identity, and (optionally) RBAC that lets it use that identity through a binding. */
function boundAccount(s: TerraformStack, allowed: boolean): void {
  const identity = uai(s, "bound");
  new ServiceAccountV1(s, "bound-sa", { metadata: { name: "api", namespace: "apps", annotations: { "azure.workload.identity/client-id": identity.clientId } } });
  const role = new ClusterRoleV1(s, "use-mi", {
    metadata: { name: "use-mi" },
    rule: [{ apiGroups: ["cid.wi.aks.azure.com"], resources: [allowed ? identity.clientId : "00000000-0000-0000-0000-00000000000a"], verbs: ["use-managed-identity"] }],
  });
  new ClusterRoleBindingV1(s, "use-mi-binding", {
    metadata: { name: "use-mi" },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
    subject: [{ kind: "ServiceAccount", name: "api", namespace: "apps" }],
  });
}
const bindingPod = (s: TerraformStack, annotated: boolean) =>
  new PodV1(s, "pod", {
    metadata: { name: "p", namespace: "apps", labels: { "azure.workload.identity/use": "true" }, annotations: annotated ? { "azure.workload.identity/use-identity-binding": "true" } : undefined },
    spec: { serviceAccountName: "api", container: [{ name: "c", image: "busybox" }] },
  });

/** For each rule: a stack just over the line (fires) and one just under it (silent). */
const CASES: Record<string, { fires: Build; silent: Build }> = {
  AZWI001: { fires: (s) => void grant(s, "Contributor", "/subscriptions/x"), silent: (s) => void grant(s, "Reader", "/subscriptions/x") },
  AZWI002: { fires: (s) => void vault(s, false), silent: (s) => void vault(s, true) },
  AZWI003: {
    fires: (s) => void new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", value: "x" }),
    silent: (s) => void new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", valueWo: "x", valueWoVersion: 1 }),
  },
  AZWI004: {
    fires: (s) => void credential(s, "fic"),
    silent: (s) => {
      credential(s, "fic");
      serviceAccount(s);
      pod(s);
    },
  },
  AZWI005: {
    fires: (s) => {
      serviceAccount(s);
      pod(s, { labelled: false });
    },
    silent: (s) => {
      serviceAccount(s);
      pod(s);
    },
  },
  AZWI006: { fires: (s) => void pod(s, { namespace: "kube-system" }), silent: (s) => void pod(s, { namespace: "kube-public" }) },
  AZWI007: {
    fires: (s) => void pod(s, { nodeSelector: { type: "virtual-kubelet" } }),
    silent: (s) => void pod(s, { nodeSelector: { type: "virtual-kubelet-not" } }),
  },
  AZWI008: {
    fires: (s) => void grant(s, "Key Vault Secrets User", "/subscriptions/x/resourceGroups/rg"),
    silent: (s) => void grant(s, "Key Vault Secrets User", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"),
  },
  AZWI009: {
    fires: (s) => void new TerraformOutput(s, "kc", { value: cluster(s).kubeConfigRaw }),
    silent: (s) => void new TerraformOutput(s, "kc", { value: cluster(s).kubeConfigRaw, sensitive: true }),
  },
  AZWI010: { fires: (s) => void cluster(s, { localAccountDisabled: false }), silent: (s) => void cluster(s) },
  AZWI011: {
    fires: (s) => void credential(s, "fic", { issuer: cluster(s, { oidc: false }).oidcIssuerUrl }),
    silent: (s) => void credential(s, "fic", { issuer: cluster(s).oidcIssuerUrl }),
  },
  AZWI012: {
    fires: (s) => void credential(s, "fic", { audience: ["api://AzureADTokenExchange", "other"] }),
    silent: (s) => void credential(s, "fic", { audience: ["api://AzureADTokenExchange"] }),
  },
  AZWI013: {
    fires: (s) => {
      for (let i = 0; i < 21; i++) credential(s, `fic${i}`, { subject: `system:serviceaccount:apps:sa${i}` });
    },
    silent: (s) => {
      for (let i = 0; i < 20; i++) credential(s, `fic${i}`, { subject: `system:serviceaccount:apps:sa${i}` });
    },
  },
  AZWI014: { fires: (s) => void pod(s, { privileged: true }), silent: (s) => void pod(s, { privileged: false }) },
  AZWI016: {
    fires: (s) => {
      boundAccount(s, false);
      bindingPod(s, true);
    },
    silent: (s) => {
      boundAccount(s, true);
      bindingPod(s, true);
    },
  },
  AZWI017: {
    fires: (s) => {
      boundAccount(s, true);
      bindingPod(s, false);
    },
    silent: (s) => {
      boundAccount(s, true);
      bindingPod(s, true);
    },
  },
  AZWI015: {
    fires: (s) => void credential(s, "fic", { issuer: "${azurerm_kubernetes_cluster.aks.oidc_issuer_url}" }),
    silent: (s) => void credential(s, "fic", { issuer: cluster(s).oidcIssuerUrl }),
  },
};

describe("each security rule", () => {
  test("has a case in both directions here, and every rule file is in the catalogue", () => {
    expect(Object.keys(CASES).sort()).toEqual(ALL_RULES.map((r) => r.id));
    const files = fs.readdirSync(path.join(__dirname, "..", "lib", "guardrails", "security", "rules")).filter((f) => /^azwi\d{3}-.*\.ts$/.test(f));
    expect(files.map((f) => f.slice(0, 7).toUpperCase())).toEqual(ALL_RULES.map((r) => r.id));
    expect(Object.keys(SECURITY_RULES)).toEqual(ALL_RULES.map((r) => r.id));
  });

  describe.each(ALL_RULES.map((r) => r.id))("%s", (id) => {
    test("fires just over the line", () => {
      expect(idsOf(CASES[id].fires)).toContain(id);
    });

    test("stays silent just under it", () => {
      expect(idsOf(CASES[id].silent)).not.toContain(id);
    });
  });
});

describe("docs/rules.md", () => {
  test("is what the rule files generate (node scripts/rules-doc.js writes it)", () => {
    expect(fs.readFileSync(path.join(__dirname, "..", "docs", "rules.md"), "utf8")).toBe(rulesMarkdown());
  });
});
