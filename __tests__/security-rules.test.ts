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
import { RoleDefinition } from "@cdktf/provider-azurerm/lib/role-definition";
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

/** The unsuppressed findings of a hand-written stack. */
function unsuppressed(build: Build) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-rule-")) });
  const s = new TerraformStack(app, "hand");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new KubernetesProvider(s, "k8s", {});
  Aspects.of(s).add(new WorkloadIdentityChecks());
  build(s);
  return WorkloadIdentityChecks.findings(app).filter((f) => !f.suppressedBecause);
}

/** The unsuppressed findings of a hand-written stack, as `<rule id> <message>`. */
const findingsOf = (build: Build) => unsuppressed(build).map((f) => `${f.ruleId} ${f.message}`);

/** The unsuppressed rule ids found in a hand-written stack. */
const idsOf = (build: Build) => unsuppressed(build).map((f) => f.ruleId);

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
const cluster = (s: TerraformStack, opts: { oidc?: boolean; workloadIdentity?: boolean; localAccountDisabled?: boolean } = {}) =>
  new KubernetesCluster(s, "aks", {
    name: "aks",
    location: "eastus",
    resourceGroupName: "rg",
    dnsPrefix: "aks",
    defaultNodePool: { name: "system", vmSize: "Standard_D2s_v5", nodeCount: 1 },
    identity: { type: "SystemAssigned" },
    oidcIssuerEnabled: opts.oidc ?? true,
    workloadIdentityEnabled: opts.workloadIdentity ?? opts.oidc ?? true,
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

describe("what each rule says, and the edges of what it looks at", () => {
  const OWNER_ID = "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
  const USER_GROUP = "44444444-4444-4444-4444-444444444444";

  test("AZWI001 names the role it found, by name", () => {
    expect(findingsOf((s) => void grant(s, "Owner", "/subscriptions/x"))).toContain("AZWI001 grants Owner to a workload identity");
  });

  test("AZWI001 knows a privileged role by its built-in definition id, and names it", () => {
    expect(findingsOf((s) => void new RoleAssignment(s, "ra", { scope: "/subscriptions/x", roleDefinitionId: OWNER_ID, principalId: uai(s).principalId }))).toContain(
      `AZWI001 grants Owner (${OWNER_ID}) to a workload identity`,
    );
  });

  const byId = (roleDefinitionId: string, scope = "/subscriptions/x") => (s: TerraformStack) =>
    void new RoleAssignment(s, "ra", { scope, roleDefinitionId, principalId: uai(s).principalId });

  test("AZWI001 reports a role id that names no built-in role it knows (a custom role may hold Owner's permissions)", () => {
    const custom = "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/11111111-2222-3333-4444-555555555555";
    expect(findingsOf(byId(custom))).toContain(
      `AZWI001 grants role ${custom} to a workload identity, and the library cannot tell which role that is (a custom role, one read from a data source, or a built-in role it does not list): it may carry Owner's or Contributor's permissions`,
    );
  });

  test("AZWI001 reports a role given by a reference it cannot name (a role definition created in the stack)", () => {
    const ids = idsOf((s) => byId(new RoleDefinition(s, "custom", { name: "reader-plus", scope: "/subscriptions/x", permissions: [{ actions: ["*/read"] }] }).roleDefinitionResourceId)(s));
    expect(ids).toContain("AZWI001");
  });

  test("AZWI001 reports a role name that is a Terraform expression", () => {
    expect(idsOf((s) => void grant(s, "${var.role}", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"))).toContain("AZWI001");
  });

  test("AZWI001 leaves a data-plane built-in role given by id alone", () => {
    const secretsUser = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";
    expect(idsOf(byId(secretsUser, "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv"))).not.toContain("AZWI001");
  });

  test("AZWI008 knows a Key Vault role by its built-in definition id, and names it", () => {
    const secretsUser = "/providers/Microsoft.Authorization/roleDefinitions/4633458b-17de-408a-b874-0445c86b69e6";
    expect(findingsOf(byId(secretsUser, "/subscriptions/x/resourceGroups/rg"))).toContain(
      `AZWI008 grants Key Vault Secrets User (${secretsUser}) at /subscriptions/x/resourceGroups/rg`,
    );
  });

  test("AZWI001 and AZWI008 leave a principal that is not a workload's (a group of people) alone", () => {
    const ids = idsOf((s) => {
      new RoleAssignment(s, "owner", { scope: "/subscriptions/x", roleDefinitionName: "Owner", principalId: USER_GROUP });
      new RoleAssignment(s, "kv", { scope: "/subscriptions/x/resourceGroups/rg", roleDefinitionName: "Key Vault Secrets User", principalId: USER_GROUP });
    });
    expect(ids).not.toContain("AZWI001");
    expect(ids).not.toContain("AZWI008");
  });

  test("AZWI004 names the service account a credential trusts, and ignores subjects that are not service accounts", () => {
    expect(findingsOf((s) => void credential(s, "fic"))).toContain('AZWI004 trusts service account apps/api, but no pod in this app runs as it with azure.workload.identity/use: "true"');
    expect(idsOf((s) => void credential(s, "gh", { subject: "repo:org/app:ref:refs/heads/main" }))).not.toContain("AZWI004");
  });

  test("AZWI005 and AZWI006 say what they found", () => {
    expect(
      findingsOf((s) => {
        serviceAccount(s);
        pod(s, { labelled: false });
      }).find((f) => f.startsWith("AZWI005")),
    ).toMatch(/^AZWI005 runs as workload identity service account apps\/api but lacks the label azure\.workload\.identity\/use: "true"/);
    expect(findingsOf((s) => void pod(s, { namespace: "kube-system" })).find((f) => f.startsWith("AZWI006"))).toMatch(/^AZWI006 is a workload identity pod in kube-system/);
  });

  test("AZWI007 knows virtual nodes by their tolerations too (virtual-kubelet.io/provider, azure.com/aci), and only for labelled pods", () => {
    const tolerated = (key: string, labelled = true) => (s: TerraformStack) =>
      void new PodV1(s, "pod", {
        metadata: { name: "p", namespace: "apps", labels: labelled ? { "azure.workload.identity/use": "true" } : {} },
        spec: { serviceAccountName: "api", toleration: [{ key, operator: "Exists" }], container: [{ name: "c", image: "busybox" }] },
      });
    expect(findingsOf(tolerated("virtual-kubelet.io/provider"))).toContain("AZWI007 targets virtual nodes (virtual-kubelet selector or toleration)");
    expect(idsOf(tolerated("azure.com/aci"))).toContain("AZWI007");
    expect(idsOf(tolerated("node.kubernetes.io/not-ready"))).not.toContain("AZWI007");
    expect(idsOf(tolerated("virtual-kubelet.io/provider", false))).not.toContain("AZWI007");
    expect(idsOf((s) => void pod(s, { labelled: false, nodeSelector: { type: "virtual-kubelet" } }))).not.toContain("AZWI007");
  });

  test("AZWI008 names the role and the scope, and accepts a scope inside a vault (a secret)", () => {
    expect(findingsOf((s) => void grant(s, "Key Vault Secrets User", "/subscriptions/x/resourceGroups/rg"))).toContain(
      "AZWI008 grants Key Vault Secrets User at /subscriptions/x/resourceGroups/rg",
    );
    expect(idsOf((s) => void grant(s, "Key Vault Secrets User", "/subscriptions/x/resourceGroups/rg/providers/Microsoft.KeyVault/vaults/kv/secrets/db"))).not.toContain("AZWI008");
    expect(idsOf((s) => void grant(s, "Reader", "/subscriptions/x/resourceGroups/rg"))).not.toContain("AZWI008");
  });

  test("AZWI009 and AZWI010 say what they found", () => {
    expect(findingsOf((s) => void new TerraformOutput(s, "kc", { value: cluster(s).kubeConfigRaw })).find((f) => f.startsWith("AZWI009"))).toMatch(/^AZWI009 outputs cl/);
    expect(findingsOf((s) => void cluster(s, { localAccountDisabled: false }))).toContain("AZWI010 keeps local (certificate) accounts enabled");
  });

  test("AZWI011 names the cluster and both settings, and a cluster with only one of them off is enough", () => {
    const half = (s: TerraformStack) => void credential(s, "fic", { issuer: cluster(s, { oidc: true, workloadIdentity: false }).oidcIssuerUrl });
    expect(findingsOf(half).find((f) => f.startsWith("AZWI011"))).toMatch(/^AZWI011 trusts cluster hand\/aks, which has oidc_issuer_enabled=true/);
  });

  test("AZWI012 names the audiences, and leaves credentials for other subjects (e.g. GitHub) to their own audience", () => {
    expect(findingsOf((s) => void credential(s, "fic", { audience: ["api://AzureADTokenExchange", "other"] }))).toContain('AZWI012 has audience ["api://AzureADTokenExchange","other"]');
    expect(idsOf((s) => void credential(s, "gh", { subject: "repo:org/app:ref:refs/heads/main", audience: ["api://AzureADTokenExchange", "other"] }))).not.toContain("AZWI012");
  });

  test("AZWI013 counts per identity: 21 credentials over two identities are within the limit", () => {
    const other = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/other";
    expect(
      idsOf((s) => {
        for (let i = 0; i < 20; i++) credential(s, `fic${i}`, { subject: `system:serviceaccount:apps:sa${i}` });
        credential(s, "fic-other", { parentId: other, subject: "system:serviceaccount:apps:sa0" });
      }),
    ).not.toContain("AZWI013");
  });

  test("AZWI014 looks at init containers too, names the container, and only for labelled pods", () => {
    const withInit = (labelled: boolean) => (s: TerraformStack) =>
      void new PodV1(s, "pod", {
        metadata: { name: "p", namespace: "apps", labels: labelled ? { "azure.workload.identity/use": "true" } : {} },
        spec: {
          serviceAccountName: "api",
          initContainer: [{ name: "setup", image: "busybox", securityContext: { allowPrivilegeEscalation: true } }],
          container: [{ name: "c", image: "busybox" }],
        },
      });
    expect(findingsOf(withInit(true))).toContain('AZWI014 container "setup" is privileged or allows privilege escalation');
    expect(idsOf(withInit(false))).not.toContain("AZWI014");
  });

  test("AZWI015 shows a long hand-written template shortened to 120 characters", () => {
    const issuer = `\${azurerm_kubernetes_cluster.${"a".repeat(150)}.oidc_issuer_url}`;
    const found = findingsOf((s) => void credential(s, "fic", { issuer })).find((f) => f.startsWith("AZWI015"));
    expect(found).toContain(`${issuer.slice(0, 117)}...`);
    expect(found).not.toContain(issuer);
  });

  test("AZWI004 and AZWI012 pass over a subject that is not a string (an override writing a list)", () => {
    const ids = idsOf((s) => void credential(s, "fic", { audience: ["other"] }).addOverride("subject", [SUBJECT]));
    expect(ids).not.toContain("AZWI004");
    expect(ids).not.toContain("AZWI012");
  });

  test("AZWI007 and AZWI014 pass over a labelled pod whose spec an override removes", () => {
    const ids = idsOf((s) => void pod(s, { nodeSelector: { type: "virtual-kubelet" }, privileged: true }).addOverride("spec", []));
    expect(ids).not.toContain("AZWI007");
    expect(ids).not.toContain("AZWI014");
  });

  test("AZWI007 passes over a toleration an override writes as null", () => {
    expect(idsOf((s) => void pod(s).addOverride("spec.toleration", [null]))).not.toContain("AZWI007");
  });

  test("AZWI008 accepts a grant scoped to a vault by reference", () => {
    expect(idsOf((s) => void grant(s, "Key Vault Secrets User", vault(s, true).id))).not.toContain("AZWI008");
  });

  test("AZWI008 looks at roles whose name starts with Key Vault, not at any role that mentions it", () => {
    expect(idsOf((s) => void grant(s, "Contoso Key Vault Operator", "/subscriptions/x/resourceGroups/rg"))).not.toContain("AZWI008");
  });

  test("AZWI011 fires for a cluster with only the OIDC issuer off, naming both settings", () => {
    const half = (s: TerraformStack) => void credential(s, "fic", { issuer: cluster(s, { oidc: false, workloadIdentity: true }).oidcIssuerUrl });
    expect(findingsOf(half)).toContain("AZWI011 trusts cluster hand/aks, which has oidc_issuer_enabled=false and workload_identity_enabled=true");
  });

  test("AZWI011 looks only at an issuer that is the cluster's issuer URL itself, not a URL built around it", () => {
    for (const issuer of [(url: string) => `${url}v2/`, (url: string) => `https://proxy.example.com/?to=${url}`]) {
      expect(idsOf((s) => void credential(s, "fic", { issuer: issuer(cluster(s, { oidc: false }).oidcIssuerUrl) }))).not.toContain("AZWI011");
    }
  });

  test("AZWI015 shows a hand-written template of exactly 120 characters whole", () => {
    const issuer = `\${azurerm_kubernetes_cluster.${"a".repeat(120 - "${azurerm_kubernetes_cluster..oidc_issuer_url}".length)}.oidc_issuer_url}`;
    expect(issuer).toHaveLength(120);
    expect(findingsOf((s) => void credential(s, "fic", { issuer })).find((f) => f.startsWith("AZWI015"))).toContain(JSON.stringify(issuer));
  });

  test("each identity-binding rule reports only its own findings", () => {
    const missingAnnotation = idsOf((s) => {
      boundAccount(s, true);
      bindingPod(s, false);
    });
    expect(missingAnnotation).toContain("AZWI017");
    expect(missingAnnotation).not.toContain("AZWI016");
    const notAllowed = idsOf((s) => {
      boundAccount(s, false);
      bindingPod(s, true);
    });
    expect(notAllowed).toContain("AZWI016");
    expect(notAllowed).not.toContain("AZWI017");
  });
});
