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
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { ServicePrincipal } from "@cdktf/provider-azuread/lib/service-principal";
import { Finding, FederatedWorkload, ManagedIdentity, WorkloadIdentityChecks } from "../lib";
import { buildApp } from "../stacks";
import { defaultConfig } from "./support/helpers";

/** A hand-written stack (raw provider resources, none of our constructs) and its findings. */
function handWritten(build: (s: TerraformStack) => void): { app: App; stack: TerraformStack; findings: readonly Finding[] } {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-sec-")) });
  const stack = new TerraformStack(app, "hand");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new KubernetesProvider(stack, "k8s", {});
  Aspects.of(stack).add(new WorkloadIdentityChecks());
  build(stack);
  return { app, stack, findings: WorkloadIdentityChecks.findings(app) };
}

const ids = (findings: readonly Finding[]) => findings.filter((f) => !f.suppressedBecause).map((f) => f.ruleId);
const identity = (s: TerraformStack) => new UserAssignedIdentity(s, "uai", { name: "uai", resourceGroupName: "rg", location: "eastus" });
const ISSUER = "https://issuer.example.com/";
const fic = (s: TerraformStack, id: string, parentId: string, subject = "system:serviceaccount:default:sa", audience = ["api://AzureADTokenExchange"], issuer = ISSUER) =>
  new FederatedIdentityCredential(s, id, { name: id, resourceGroupName: "rg", parentId, issuer, subject, audience });
const labelled = { "azure.workload.identity/use": "true" };
const pod = (s: TerraformStack, id: string, metadata: any, spec: any) =>
  new PodV1(s, id, { metadata, spec: { container: [{ name: "c", image: "busybox" }], ...spec } });

describe("WorkloadIdentityChecks on hand-written stacks", () => {
  test("AZWI001: Contributor granted to a workload identity", () => {
    const { findings } = handWritten((s) => {
      new RoleAssignment(s, "ra", { scope: "/subscriptions/x", roleDefinitionName: "Contributor", principalId: identity(s).principalId });
    });
    expect(ids(findings)).toContain("AZWI001");
    expect(findings.find((f) => f.ruleId === "AZWI001")!.message).toMatch(/grants Contributor to a workload identity/);
  });

  test("AZWI001: Owner by role definition id", () => {
    const { findings } = handWritten((s) => {
      new RoleAssignment(s, "ra", {
        scope: "/subscriptions/x",
        roleDefinitionId: "/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/8e3af657-a8ff-443c-a75c-2fe8c4bcb635",
        principalId: identity(s).principalId,
      });
    });
    expect(ids(findings)).toContain("AZWI001");
  });

  test("AZWI002: vault without purge protection", () => {
    const { findings } = handWritten((s) => {
      new KeyVault(s, "kv", { name: "kv1", resourceGroupName: "rg", location: "eastus", tenantId: "t", skuName: "standard" });
    });
    expect(ids(findings)).toEqual(["AZWI002"]);
  });

  test("AZWI003: secret written with value", () => {
    const { findings } = handWritten((s) => {
      new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", value: "Hello!" });
    });
    expect(ids(findings)).toEqual(["AZWI003"]);
  });

  test("AZWI003 also sees a value set through an escape-hatch override", () => {
    const { findings } = handWritten((s) => {
      const secret = new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", valueWo: "x", valueWoVersion: 1 });
      secret.addOverride("value", "Hello!");
    });
    expect(ids(findings)).toEqual(["AZWI003"]);
  });

  test("AZWI004: credential whose service account no labelled pod uses (a warning)", () => {
    const { findings } = handWritten((s) => {
      fic(s, "fic", identity(s).id, "system:serviceaccount:apps:api");
    });
    const f = findings.find((x) => x.ruleId === "AZWI004")!;
    expect(f.severity).toBe("warning");
    expect(f.message).toMatch(/trusts service account apps\/api, but no pod/);
  });

  test("AZWI004 is satisfied by a labelled deployment's pod template", () => {
    const { findings } = handWritten((s) => {
      fic(s, "fic", identity(s).id, "system:serviceaccount:apps:api");
      new DeploymentV1(s, "dep", {
        metadata: { name: "api", namespace: "apps" },
        spec: {
          selector: { matchLabels: { app: "api" } },
          template: {
            metadata: { labels: { app: "api", ...labelled } },
            spec: { serviceAccountName: "api", container: [{ name: "c", image: "i" }] },
          },
        },
      });
    });
    expect(ids(findings)).not.toContain("AZWI004");
  });

  test("AZWI005: pod of a workload identity service account without the label", () => {
    const { findings } = handWritten((s) => {
      const sa = new ServiceAccountV1(s, "sa", {
        metadata: { name: "sa", namespace: "default", annotations: { "azure.workload.identity/client-id": identity(s).clientId } },
      });
      pod(s, "pod", { name: "p", namespace: "default" }, { serviceAccountName: sa.metadata.name });
    });
    expect(ids(findings)).toContain("AZWI005");
  });

  test("AZWI006: labelled pod in kube-system", () => {
    const { findings } = handWritten((s) => pod(s, "pod", { name: "p", namespace: "kube-system", labels: labelled }, {}));
    expect(ids(findings)).toContain("AZWI006");
  });

  test("AZWI007: labelled pod tolerating virtual nodes", () => {
    const { findings } = handWritten((s) =>
      pod(s, "pod", { name: "p", labels: labelled }, { toleration: [{ key: "azure.com/aci", effect: "NoSchedule" }] }),
    );
    expect(ids(findings)).toContain("AZWI007");
  });

  test("AZWI008: Key Vault role at resource-group scope (a warning)", () => {
    const { findings } = handWritten((s) => {
      new RoleAssignment(s, "ra", { scope: "/subscriptions/x/resourceGroups/rg", roleDefinitionName: "Key Vault Secrets User", principalId: identity(s).principalId });
    });
    expect(findings.find((f) => f.ruleId === "AZWI008")!.severity).toBe("warning");
  });

  test("AZWI009: kubeconfig output not marked sensitive", () => {
    const { findings } = handWritten((s) => {
      const aks = new KubernetesCluster(s, "aks", {
        name: "aks", resourceGroupName: "rg", location: "eastus", dnsPrefix: "aks",
        oidcIssuerEnabled: true, workloadIdentityEnabled: true, localAccountDisabled: true,
        defaultNodePool: { name: "system", nodeCount: 1 }, identity: { type: "SystemAssigned" },
      });
      new TerraformOutput(s, "kubeconfig", { value: aks.kubeConfigRaw });
    });
    expect(ids(findings)).toEqual(["AZWI009"]);
  });

  test("AZWI009 leaves non-secret cluster attributes alone", () => {
    const { findings } = handWritten((s) => {
      const aks = new KubernetesCluster(s, "aks", {
        name: "aks", resourceGroupName: "rg", location: "eastus", dnsPrefix: "aks",
        oidcIssuerEnabled: true, workloadIdentityEnabled: true, localAccountDisabled: true,
        defaultNodePool: { name: "system", nodeCount: 1 }, identity: { type: "SystemAssigned" },
      });
      new TerraformOutput(s, "host", { value: aks.kubeConfig.get(0).host });
      new TerraformOutput(s, "key", { value: aks.kubeConfig.get(0).clientKey });
    });
    expect(findings.map((f) => `${f.ruleId} ${f.path}`)).toEqual(["AZWI009 hand/key"]);
  });

  test("AZWI001: Owner for an application's service principal, whatever the case of the role name", () => {
    const { findings } = handWritten((s) => {
      const sp = new ServicePrincipal(s, "sp", { clientId: "00000000-0000-0000-0000-000000000001" });
      new RoleAssignment(s, "ra", { scope: "/subscriptions/x", roleDefinitionName: "owner", principalId: sp.objectId });
    });
    expect(ids(findings)).toContain("AZWI001");
  });

  test("AZWI001: Contributor for an identity given by its attributes to a workload", () => {
    const { findings } = handWritten((s) => {
      const identity = ManagedIdentity.fromAttributes(s, "mi", {
        identityId: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/mi",
        clientId: "11111111-1111-1111-1111-111111111111",
        principalId: "22222222-2222-2222-2222-222222222222",
        tenantId: "33333333-3333-3333-3333-333333333333",
      });
      new FederatedWorkload(s, "w", { issuer: ISSUER, serviceAccountName: "sa", identity });
      new RoleAssignment(s, "ra", { scope: "/subscriptions/x", roleDefinitionName: "Contributor", principalId: identity.principalId });
    });
    expect(ids(findings)).toContain("AZWI001");
  });

  test("AZWI010 and AZWI011: credential trusting a cluster with local accounts and no OIDC issuer", () => {
    const { findings } = handWritten((s) => {
      const aks = new KubernetesCluster(s, "aks", {
        name: "aks", resourceGroupName: "rg", location: "eastus", dnsPrefix: "aks",
        defaultNodePool: { name: "system", nodeCount: 1 }, identity: { type: "SystemAssigned" },
      });
      fic(s, "fic", identity(s).id, "system:serviceaccount:default:sa", undefined, aks.oidcIssuerUrl);
      pod(s, "pod", { name: "p", labels: labelled }, { serviceAccountName: "sa" });
    });
    expect(ids(findings).sort()).toEqual(["AZWI010", "AZWI011"]);
  });

  test("AZWI012: Kubernetes credential with another audience", () => {
    const { findings } = handWritten((s) => {
      fic(s, "fic", identity(s).id, "system:serviceaccount:default:sa", ["api://my-app"]);
      pod(s, "pod", { name: "p", labels: labelled }, { serviceAccountName: "sa" });
    });
    expect(ids(findings)).toEqual(["AZWI012"]);
  });

  test("AZWI013: more than 20 credentials on one identity, and a repeated subject", () => {
    const { findings } = handWritten((s) => {
      const parent = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared";
      for (let i = 0; i < 21; i++) fic(s, `fic${i}`, parent, `system:serviceaccount:default:sa${i}`);
      fic(s, "dup", parent, "system:serviceaccount:default:sa0");
    });
    const messages = findings.filter((f) => f.ruleId === "AZWI013").map((f) => f.message);
    expect(messages).toEqual(expect.arrayContaining([expect.stringMatching(/credential number 21/), expect.stringMatching(/repeats issuer and subject/)]));
  });

  test("AZWI013 counts credentials that name their identity by user_assigned_identity_id (azurerm 4.66+)", () => {
    const { findings } = handWritten((s) => {
      const parent = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared";
      for (let i = 0; i < 21; i++) {
        const f = fic(s, `fic${i}`, "", `system:serviceaccount:default:sa${i}`);
        f.addOverride("parent_id", null);
        f.addOverride("user_assigned_identity_id", parent);
      }
    });
    expect(findings.filter((f) => f.ruleId === "AZWI013").map((f) => f.message)).toEqual([expect.stringMatching(/credential number 21 of identity \/subscriptions\/x\/.*shared/)]);
  });

  test("AZWI014: privileged container in a workload identity pod (a warning)", () => {
    const { findings } = handWritten((s) =>
      new PodV1(s, "pod", { metadata: { name: "p", labels: labelled }, spec: { container: [{ name: "c", image: "i", securityContext: { privileged: true } }] } }),
    );
    expect(findings.find((f) => f.ruleId === "AZWI014")!.severity).toBe("warning");
  });

  test("an error finding fails the synth with the rule id, path and fix", () => {
    const { app } = handWritten((s) => new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", value: "Hello!" }));
    expect(() => app.synth()).toThrow(/\[AZWI003\] hand\/sec: sets `value`, which Terraform keeps in state\. Fix: write it with value_wo/);
  });

  test("a warning is annotated, not fatal", () => {
    const { app } = handWritten((s) => fic(s, "fic", identity(s).id));
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8"));
    const annotations = manifest.stacks.hand.annotations.map((a: any) => `${a.level} ${a.message}`);
    expect(annotations).toEqual([expect.stringMatching(/^@cdktf\/warn \[AZWI004\] hand\/fic: trusts service account default\/sa/)]);
  });

  test("a suppression with a reason silences the rule for that construct, and keeps the reason", () => {
    const { app, findings } = handWritten((s) => {
      const secret = new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", value: "Hello!" });
      WorkloadIdentityChecks.suppress(secret, "AZWI003", "legacy secret, migrating to value_wo in PLAT-42");
    });
    expect(ids(findings)).toEqual([]);
    expect(findings[0].suppressedBecause).toBe("legacy secret, migrating to value_wo in PLAT-42");
    expect(() => app.synth()).not.toThrow();
  });

  test("a suppression needs a reason", () => {
    const stack = new TerraformStack(new App(), "s");
    expect(() => WorkloadIdentityChecks.suppress(stack, "AZWI003", " ")).toThrow(/give a reason/);
  });

  test("a suppression must name a known rule", () => {
    const stack = new TerraformStack(new App(), "s");
    expect(() => WorkloadIdentityChecks.suppress(stack, "AZWI999", "because of reasons")).toThrow(/unknown rule "AZWI999"/);
  });
});

describe("WorkloadIdentityChecks on the default app", () => {
  test("finds nothing", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-def-")) });
    buildApp(app, defaultConfig());
    expect(WorkloadIdentityChecks.findings(app)).toEqual([]);
  });

  test("finds nothing in the access-policy, single-stack, own-namespace and CSI variants", () => {
    const variants: Record<string, string>[] = [
      { KEYVAULT_PERMISSION_MODEL: "access-policy" },
      { STACK_LAYOUT: "single-stack" },
      { SERVICE_ACCOUNT_NAMESPACE: "apps" },
      { AKS_SECRETS_STORE_CSI: "on" },
    ];
    for (const env of variants) {
      const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-def-")) });
      buildApp(app, defaultConfig(env));
      expect(WorkloadIdentityChecks.findings(app)).toEqual([]);
    }
  });
});

// ---- AZWI015: hand-written Terraform templates in identity attributes ----------------

import { Fn } from "cdktf";
import { terraformLiteral } from "../lib";

describe("AZWI015: a hand-written template where a token or a literal is expected", () => {
  const azwi015 = (findings: readonly Finding[]) => findings.filter((f) => f.ruleId === "AZWI015");

  test("fires, as a warning naming the resource and the attribute, on a reference typed as a string", () => {
    const { findings } = handWritten((s) => {
      identity(s);
      new RoleAssignment(s, "ra", {
        scope: "/subscriptions/x/resourceGroups/rg",
        roleDefinitionName: "Reader",
        principalId: "${azurerm_user_assigned_identity.uai.principal_id}",
      });
    });
    expect(azwi015(findings)).toEqual([
      expect.objectContaining({
        severity: "warning",
        path: "hand/ra",
        message: expect.stringMatching(/^azurerm_role_assignment\.principal_id is the hand-written Terraform template "\$\{azurerm_user_assigned_identity\.uai\.principal_id\}"/),
        fix: expect.stringMatching(/a token.*terraformLiteral\(\)/),
      }),
    ]);
  });

  test("fires on a pod's image and env value, a service account's client-id annotation and a directive in a subject", () => {
    const { findings } = handWritten((s) => {
      const uai = identity(s);
      new PodV1(s, "pod", {
        metadata: { name: "p", labels: labelled },
        spec: {
          serviceAccountName: "sa",
          container: [{ name: "c", image: '${file("/etc/hostname")}', env: [{ name: "A", value: "%{ if true }x%{ endif }" }, { name: "B", value: uai.clientId }] }],
        },
      });
      new ServiceAccountV1(s, "sa", {
        metadata: { name: "sa", annotations: { "azure.workload.identity/client-id": "${azurerm_user_assigned_identity.uai.client_id}" } },
      });
      fic(s, "fic", uai.id, "system:serviceaccount:default:%{ if true }sa%{ endif }");
    });
    expect(azwi015(findings).map((f) => f.message.split(" is the ")[0]).sort()).toEqual([
      "azurerm_federated_identity_credential.subject",
      "kubernetes_pod_v1.spec.container[0].env[0].value",
      "kubernetes_pod_v1.spec.container[0].image",
      'kubernetes_service_account_v1.metadata.annotations["azure.workload.identity/client-id"]',
    ]);
  });

  test("fires on an escape-hatch override", () => {
    const { findings } = handWritten((s) => {
      fic(s, "fic", identity(s).id).addOverride("issuer", "${azurerm_kubernetes_cluster.other.oidc_issuer_url}");
    });
    expect(azwi015(findings).map((f) => f.message.split(" is the ")[0])).toEqual(["azurerm_federated_identity_credential.issuer"]);
  });

  test("does not fire on token references, tokens inside text, Fn calls, escaped text or the constructs", () => {
    const { findings } = handWritten((s) => {
      const uai = identity(s);
      new RoleAssignment(s, "ra", { scope: `${uai.id}/child`, roleDefinitionName: "Reader", principalId: uai.principalId });
      const aks = new KubernetesCluster(s, "aks", {
        name: "aks", location: "eastus", resourceGroupName: "rg", dnsPrefix: "aks",
        oidcIssuerEnabled: true, workloadIdentityEnabled: true, localAccountDisabled: true,
        defaultNodePool: { name: "system", vmSize: "Standard_D2s_v3", nodeCount: 1 },
        identity: { type: "SystemAssigned" },
      });
      fic(s, "fic", uai.id, "system:serviceaccount:default:sa", undefined, aks.oidcIssuerUrl);
      new ServiceAccountV1(s, "sa", { metadata: { name: "sa", annotations: { "azure.workload.identity/client-id": uai.clientId } } });
      new PodV1(s, "pod", {
        metadata: { name: "p", labels: labelled },
        spec: {
          serviceAccountName: "sa",
          container: [{ name: "c", image: Fn.join("/", ["ghcr.io", "org/app:1"]), env: [{ name: "A", value: terraformLiteral('${file("/etc/hostname")}') }, { name: "B", value: "$${not-a-template}" }] }],
        },
      });
      const workload = new FederatedWorkload(s, "wl", { issuer: aks, namespace: "apps", serviceAccountName: "api", identityName: "api-id", resourceGroupName: "rg", location: "eastus" });
      workload.addPod("api", { name: "api", containers: [{ name: "c", image: "ghcr.io/org/api:1", env: { CLIENT: workload.identity.clientId } }] });
    });
    expect(azwi015(findings)).toEqual([]);
  });

  test("can be suppressed with a reason", () => {
    const { findings } = handWritten((s) => {
      const ra = new RoleAssignment(s, "ra", { scope: "/subscriptions/x", roleDefinitionName: "Reader", principalId: "${var.principal}" });
      WorkloadIdentityChecks.suppress(ra, "AZWI015", "the principal comes from a Terraform variable set by the pipeline");
    });
    expect(azwi015(findings).map((f) => f.suppressedBecause)).toEqual(["the principal comes from a Terraform variable set by the pipeline"]);
  });
});

describe("the record of the security pass in the synth output", () => {
  const stackJson = (app: App, stack: string) => JSON.parse(fs.readFileSync(path.join(app.outdir, "stacks", stack, "cdk.tf.json"), "utf8"));

  test("each checked stack records that the pass ran, with every suppressed finding, its rule, path and reason", () => {
    const { app, stack } = handWritten((s) => {
      const vault = new KeyVault(s, "kv", { name: "kv", location: "x", resourceGroupName: "rg", tenantId: "t", skuName: "standard" });
      WorkloadIdentityChecks.suppress(vault, "AZWI002", "a scratch vault whose secrets are regenerated");
    });
    app.synth();
    expect(stackJson(app, stack.node.id)["//"].azwi_guardrails).toMatchObject({
      securityPass: "ran",
      suppressed: [{ rule: "AZWI002", path: "hand/kv", reason: "a scratch vault whose secrets are regenerated", message: "has purge protection off" }],
    });
  });
});
