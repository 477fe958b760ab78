/**
 * Specification of the identity-binding guardrails: the security pass's AZWI016/AZWI017 over
 * hand-written RBAC (which ClusterRoles, rules, role references and subjects let a service account
 * use its client id through the binding's token proxy), the credential AKS writes on a bound
 * identity, and the binding identity's resource-id pattern.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { RoleV1 } from "@cdktf/provider-kubernetes/lib/role-v1";
import { RoleBindingV1 } from "@cdktf/provider-kubernetes/lib/role-binding-v1";
import { AksWithOidc, IdentityBinding, ManagedIdentity, WorkloadIdentityChecks } from "../lib";
import { identityResourceIdWarnings } from "../lib/guardrails/identity-binding";
import { newStack, synthError } from "./support/helpers";

const CLIENT_ID = "00000000-0000-0000-0000-00000000000b";
const OTHER_CLIENT_ID = "00000000-0000-0000-0000-00000000000a";
const BINDING = { "azure.workload.identity/use-identity-binding": "true" };
const USE_MI = { apiGroups: ["cid.wi.aks.azure.com"], verbs: ["use-managed-identity"], resources: [CLIENT_ID] };

interface Rbac {
  /** The ClusterRole's rules (default: use-managed-identity on CLIENT_ID). */
  rules?: Array<{ apiGroups?: string[]; verbs: string[]; resources?: string[] }>;
  /** The binding's subjects (default: service account apps/api). */
  subjects?: Array<{ kind: string; name: string; namespace?: string; apiGroup?: string }>;
  /** How the binding names the role (default: a reference to the ClusterRole's name). */
  roleRef?: { kind: string; name: string };
}

/** The findings of a hand-written stack: a service account apps/api with CLIENT_ID, a labelled pod running as it, and the RBAC given. */
function findings(opts: {
  rbac?: Rbac;
  podAnnotations?: Record<string, string>;
  podNamespace?: string;
  labelled?: boolean;
  clientId?: string | null;
  more?: (s: TerraformStack) => void;
}): string[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ib-spec-")) });
  const s = new TerraformStack(app, "hand");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new KubernetesProvider(s, "k8s", {});
  Aspects.of(s).add(new WorkloadIdentityChecks());
  const namespace = opts.podNamespace ?? "apps";
  const clientId = opts.clientId === undefined ? CLIENT_ID : opts.clientId;
  new ServiceAccountV1(s, "sa", {
    metadata: { name: "api", namespace, annotations: clientId === null ? undefined : { "azure.workload.identity/client-id": clientId } },
  });
  if (opts.rbac) {
    const role = new ClusterRoleV1(s, "role", { metadata: { name: "use-mi" }, rule: opts.rbac.rules ?? [USE_MI] });
    new ClusterRoleBindingV1(s, "crb", {
      metadata: { name: "use-mi" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", ...(opts.rbac.roleRef ?? { kind: "ClusterRole", name: role.metadata.name }) },
      subject: opts.rbac.subjects ?? [{ kind: "ServiceAccount", name: "api", namespace: "apps" }],
    });
  }
  opts.more?.(s);
  new PodV1(s, "pod", {
    metadata: {
      name: "p",
      namespace,
      labels: opts.labelled === false ? {} : { "azure.workload.identity/use": "true" },
      annotations: opts.podAnnotations,
    },
    spec: { serviceAccountName: "api", container: [{ name: "c", image: "busybox" }] },
  });
  return WorkloadIdentityChecks.findings(app).map((f) => `${f.ruleId} ${f.message}`);
}

const NO_ROLE = (sa: string) =>
  `AZWI016 is in identity-binding mode, but no ClusterRole on cid.wi.aks.azure.com with verb use-managed-identity is bound to service account ${sa}: the binding's token proxy refuses it`;

describe("AZWI016: a binding-mode pod needs a ClusterRole allowing its client id", () => {
  test("without any RBAC the finding names the API group, the verb and the service account", () => {
    expect(findings({ podAnnotations: BINDING })).toEqual([NO_ROLE("apps/api")]);
  });

  test("with RBAC for other client ids the finding names the service account's client id", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ ...USE_MI, resources: [OTHER_CLIENT_ID] }] } })).toEqual([
      `AZWI016 is in identity-binding mode, but the ClusterRoles bound to service account apps/api name other client ids than its "${CLIENT_ID}"`,
    ]);
  });

  test("a service account without a client-id annotation is named as such", () => {
    const found = findings({ podAnnotations: BINDING, clientId: null, rbac: { rules: [{ ...USE_MI, resources: [OTHER_CLIENT_ID] }] } });
    expect(found).toContain(
      'AZWI016 is in identity-binding mode, but the ClusterRoles bound to service account apps/api name other client ids than its "(no client-id annotation)"',
    );
  });

  test("a ClusterRoleBinding naming the ClusterRole by its literal name allows the pod", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { roleRef: { kind: "ClusterRole", name: "use-mi" } } })).toEqual([]);
  });

  test("a ClusterRoleBinding naming another ClusterRole does not allow it", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { roleRef: { kind: "ClusterRole", name: "view" } } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a binding whose roleRef is a Role of the same name does not count: only ClusterRoles do", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { roleRef: { kind: "Role", name: "use-mi" } } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a namespaced Role allowing use-managed-identity does not count, even under a ClusterRole's name", () => {
    const found = findings({
      podAnnotations: BINDING,
      more: (s) => {
        new RoleV1(s, "role", { metadata: { name: "use-mi", namespace: "apps" }, rule: [USE_MI] });
        new RoleBindingV1(s, "rb", {
          metadata: { name: "use-mi", namespace: "apps" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "use-mi" },
          subject: [{ kind: "ServiceAccount", name: "api", namespace: "apps" }],
        });
      },
    });
    expect(found).toEqual([NO_ROLE("apps/api")]);
  });

  test("a rule on another API group does not allow it", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ ...USE_MI, apiGroups: ["rbac.authorization.k8s.io"] }] } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a rule with other verbs does not allow it", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ ...USE_MI, verbs: ["get", "list"] }] } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a rule listing the binding's API group and verb among others allows it", () => {
    const rule = { apiGroups: ["", "cid.wi.aks.azure.com"], verbs: ["get", "use-managed-identity"], resources: [CLIENT_ID] };
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [rule] } })).toEqual([]);
  });

  test('a rule with API group and verb "*" allows it', () => {
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ apiGroups: ["*"], verbs: ["*"], resources: [CLIENT_ID] }] } })).toEqual([]);
  });

  test('a rule on resources "*" or without resources allows every client id', () => {
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ ...USE_MI, resources: ["*"] }] } })).toEqual([]);
    expect(findings({ podAnnotations: BINDING, rbac: { rules: [{ apiGroups: USE_MI.apiGroups, verbs: USE_MI.verbs }] } })).toEqual([]);
  });

  test("a rule block written as a single JSON object (not a list) counts", () => {
    const found = findings({
      podAnnotations: BINDING,
      rbac: { rules: [{ ...USE_MI, resources: [OTHER_CLIENT_ID] }] },
      more: (s) => {
        const role = s.node.findAll().find((c) => c.node.id === "role") as ClusterRoleV1;
        role.addOverride("rule", { api_groups: ["cid.wi.aks.azure.com"], verbs: ["use-managed-identity"], resources: [CLIENT_ID] });
      },
    });
    expect(found).toEqual([]);
  });

  test("the group of all service accounts, or of the pod's namespace, allows it; another namespace's group does not", () => {
    const group = (name: string) => ({ podAnnotations: BINDING, rbac: { subjects: [{ kind: "Group", name, apiGroup: "rbac.authorization.k8s.io" }] } });
    expect(findings(group("system:serviceaccounts"))).toEqual([]);
    expect(findings(group("system:serviceaccounts:apps"))).toEqual([]);
    expect(findings(group("system:serviceaccounts:other"))).toEqual([NO_ROLE("apps/api")]);
    expect(findings(group("system:authenticated"))).toEqual([NO_ROLE("apps/api")]);
  });

  test("a User subject named like a namespace's service-account group does not count", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { subjects: [{ kind: "User", name: "system:serviceaccounts:apps" }] } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a User subject named like the service account does not count", () => {
    expect(findings({ podAnnotations: BINDING, rbac: { subjects: [{ kind: "User", name: "api", namespace: "apps" }] } })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a ClusterRoleBinding subject without namespace means the default namespace", () => {
    const rbac = { subjects: [{ kind: "ServiceAccount", name: "api" }] };
    expect(findings({ podAnnotations: BINDING, podNamespace: "default", rbac })).toEqual([]);
    expect(findings({ podAnnotations: BINDING, rbac })).toEqual([NO_ROLE("apps/api")]);
  });

  test("a RoleBinding subject without namespace means the RoleBinding's namespace", () => {
    const found = findings({
      podAnnotations: BINDING,
      more: (s) => {
        new ClusterRoleV1(s, "role", { metadata: { name: "use-mi" }, rule: [USE_MI] });
        new RoleBindingV1(s, "rb", {
          metadata: { name: "use-mi", namespace: "apps" },
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "use-mi" },
          subject: [{ kind: "ServiceAccount", name: "api" }],
        });
      },
    });
    expect(found).toEqual([]);
  });

  test('the annotation is compared without case ("True"), and "false" is not binding mode', () => {
    expect(findings({ podAnnotations: { "azure.workload.identity/use-identity-binding": "True" } })).toEqual([NO_ROLE("apps/api")]);
    expect(findings({ podAnnotations: { "azure.workload.identity/use-identity-binding": "false" } })).toEqual([]);
  });

  test("a pod without the workload identity label is not checked for a binding (AZWI005 reports the label)", () => {
    expect(findings({ podAnnotations: BINDING, labelled: false }).map((f) => f.split(" ")[0])).toEqual(["AZWI005"]);
  });

  test("a binding refers to the ClusterRole of its own cluster: a role of that name on another cluster allows nothing", () => {
    expect(
      findings({
        podAnnotations: BINDING,
        rbac: { roleRef: { kind: "ClusterRole", name: "use-mi-elsewhere" } },
        more: (s) => {
          const other = new KubernetesProvider(s, "other-cluster", { alias: "other" });
          new ClusterRoleV1(s, "role-elsewhere", { provider: other, metadata: { name: "use-mi-elsewhere" }, rule: [USE_MI] });
        },
      }),
    ).toEqual([NO_ROLE("apps/api")]);
  });

  test("a pod is allowed only by the bindings of its own cluster", () => {
    expect(
      findings({
        podAnnotations: BINDING,
        more: (s) => {
          const other = new KubernetesProvider(s, "other-cluster", { alias: "other" });
          const role = new ClusterRoleV1(s, "role-elsewhere", { provider: other, metadata: { name: "use-mi" }, rule: [USE_MI] });
          new ClusterRoleBindingV1(s, "crb-elsewhere", {
            provider: other,
            metadata: { name: "use-mi" },
            roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role.metadata.name },
            subject: [{ kind: "ServiceAccount", name: "api", namespace: "apps" }],
          });
        },
      }),
    ).toEqual([NO_ROLE("apps/api")]);
  });
});

describe("AZWI017: a pod outside binding mode on a service account only a binding allows", () => {
  test("the warning names the service account, the annotation and the audience no credential trusts", () => {
    expect(findings({ rbac: {} })).toEqual([
      'AZWI017 runs as service account apps/api, which an identity binding allows, without azure.workload.identity/use-identity-binding: "true": ' +
        "its token (audience api://AzureADTokenExchange) is trusted by no federated credential in this app",
    ]);
  });
});

describe("the credential AKS writes on a bound identity", () => {
  function clusterAndIdentity() {
    const stack = newStack();
    const cluster = new AksWithOidc(stack, "aks", { name: "aks1", resourceGroupName: "rg1", location: "westeurope", tenantId: "00000000-0000-0000-0000-000000000001" });
    const identity = new ManagedIdentity(stack, "id", { name: "id-shared", resourceGroupName: "rg1", location: "westeurope" });
    return { stack, cluster, identity };
  }
  const credentials = (stack: TerraformStack, identity: ManagedIdentity, n: number, from = 0) => {
    for (let i = from; i < from + n; i++) identity.addFederatedCredential(stack, `fic${i}`, { name: `fic-${i}`, issuer: "https://issuer.example.com/", subject: `system:serviceaccount:ns:sa${i}` });
  };

  test("a binding on an identity with 20 credentials is refused: AKS's credential would be number 21", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    credentials(stack, identity, 20);
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(synthError(stack)).toContain(
      '[test/b] IdentityBinding identity test/id already has 20 federated credentials; the binding makes AKS write "aks-identity-binding" as number 21, ' +
        "and Entra allows at most 20 – move direct federations of this identity to the binding (or to another identity)",
    );
  });

  test("a binding on an identity with 19 credentials fits", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    credentials(stack, identity, 19);
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(synthError(stack)).toBe("");
  });

  test("AKS's credential takes one place however many bindings name the identity, and counts for the credentials written after it", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    const other = new AksWithOidc(stack, "aks2", { name: "aks2", resourceGroupName: "rg1", location: "westeurope", tenantId: "00000000-0000-0000-0000-000000000001" });
    new IdentityBinding(stack, "b1", { cluster, identity, name: "shared" });
    new IdentityBinding(stack, "b2", { cluster: other, identity, name: "shared" });
    credentials(stack, identity, 19);
    expect(synthError(stack)).toBe("");
    credentials(stack, identity, 1, 19);
    expect(synthError(stack)).toContain('[test/fic19] federated credential "fic-19" would be number 21 on its managed identity');
  });

  test("a credential Terraform writes under AKS's name is refused on the binding", () => {
    const { stack, cluster, identity } = clusterAndIdentity();
    identity.addFederatedCredential(stack, "fic", { name: "aks-identity-binding", issuer: "https://issuer.example.com/", subject: "system:serviceaccount:ns:sa" });
    new IdentityBinding(stack, "b", { cluster, identity, name: "shared" });
    expect(synthError(stack)).toContain(
      '[test/b] IdentityBinding identity test/id: test/fic writes a federated credential named "aks-identity-binding", the name AKS writes for identity bindings; ' +
        "rename that credential (AKS owns this one and Terraform must never manage it)",
    );
  });
});

describe("the binding identity's resource id pattern", () => {
  test("a resource group or identity name outside letters, digits and '-' is warned about, each named", () => {
    expect(identityResourceIdWarnings("rg_1", "id.shared")).toEqual([
      "IdentityBinding identity resource group \"rg_1\" is outside the REST API spec's pattern for properties.managedIdentity.resourceId " +
        "(letters, digits and '-' only); AKS may refuse the binding – use an identity whose resource group and name match it",
      "IdentityBinding identity identity name \"id.shared\" is outside the REST API spec's pattern for properties.managedIdentity.resourceId " +
        "(letters, digits and '-' only); AKS may refuse the binding – use an identity whose resource group and name match it",
    ]);
  });

  test("names of letters, digits and '-', or unknown names, give no warning", () => {
    expect(identityResourceIdWarnings("rg-1", "Id-Shared1")).toEqual([]);
    expect(identityResourceIdWarnings(undefined, undefined)).toEqual([]);
  });
});
