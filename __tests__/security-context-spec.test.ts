/**
 * What the security rules read of an app (the shared context): which resources are pods and pod
 * templates, in which namespace and as which service account; which service accounts are workload
 * identity ones and which a labelled pod (Terraform or GitOps YAML) runs as; references followed to
 * the object they name; escape-hatch overrides merged as Terraform would see them; and where a
 * hand-written template is looked for. Each behaviour is seen through the findings it leads to.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, Fn, TerraformStack, TerraformVariable } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KeyVaultAccessPolicyA } from "@cdktf/provider-azurerm/lib/key-vault-access-policy";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { ApplicationFederatedIdentityCredential } from "@cdktf/provider-azuread/lib/application-federated-identity-credential";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { ClusterRoleV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-v1";
import { ClusterRoleBindingV1 } from "@cdktf/provider-kubernetes/lib/cluster-role-binding-v1";
import { CronJobV1 } from "@cdktf/provider-kubernetes/lib/cron-job-v1";
import { DeploymentV1 } from "@cdktf/provider-kubernetes/lib/deployment-v1";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { Namespace } from "@cdktf/provider-kubernetes/lib/namespace";
import { NamespaceV1 } from "@cdktf/provider-kubernetes/lib/namespace-v1";
import { PodV1 } from "@cdktf/provider-kubernetes/lib/pod-v1";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { GitOpsManifests, WorkloadIdentityChecks } from "../lib";

type Build = (s: TerraformStack) => void;

/** The unsuppressed findings of a hand-written stack, as `<rule> <path>: <message>`. */
function findingsOf(build: Build): string[] {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-ctx-")) });
  const s = new TerraformStack(app, "hand");
  new AzurermProvider(s, "azurerm", { features: [{}] });
  new KubernetesProvider(s, "k8s", {});
  Aspects.of(s).add(new WorkloadIdentityChecks());
  build(s);
  return WorkloadIdentityChecks.findings(app)
    .filter((f) => !f.suppressedBecause)
    .map((f) => `${f.ruleId} ${f.path}: ${f.message}`);
}

const LABEL = { "azure.workload.identity/use": "true" };
const IDENTITY = "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id";
/** A Kubernetes federated credential trusting `namespace/account`. */
const credential = (s: TerraformStack, namespace: string, account: string, id = "fic") =>
  new FederatedIdentityCredential(s, id, {
    name: id,
    resourceGroupName: "rg",
    parentId: IDENTITY,
    issuer: "https://issuer.example.com/",
    subject: `system:serviceaccount:${namespace}:${account}`,
    audience: ["api://AzureADTokenExchange"],
  });
const NO_POD = (account: string) => `AZWI004 hand/fic: trusts service account ${account}, but no pod in this app runs as it with azure.workload.identity/use: "true"`;
const IN_KUBE_SYSTEM = (p: string) => `AZWI006 ${p}: is a workload identity pod in kube-system`;
const container = [{ name: "c", image: "busybox" }];

describe("pods and pod templates", () => {
  test("a labelled CronJob's pod template is a workload identity pod in the cron job's namespace, running as its template's service account", () => {
    const cron = (s: TerraformStack, namespace: string) =>
      new CronJobV1(s, "cron", {
        metadata: { name: "nightly", namespace },
        spec: {
          schedule: "0 3 * * *",
          jobTemplate: { metadata: {}, spec: { template: { metadata: { labels: LABEL }, spec: { serviceAccountName: "api", container } } } },
        },
      });
    expect(findingsOf((s) => cron(s, "kube-system"))).toEqual([IN_KUBE_SYSTEM("hand/cron")]);
    expect(
      findingsOf((s) => {
        cron(s, "apps");
        credential(s, "apps", "api");
      }),
    ).toEqual([]);
  });

  test("a labelled Deployment's pod template is in the deployment's namespace", () => {
    expect(
      findingsOf((s) => {
        new DeploymentV1(s, "dep", {
          metadata: { name: "api", namespace: "kube-system" },
          spec: { selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api", ...LABEL } }, spec: { container } } },
        });
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/dep")]);
  });

  test("a workload whose spec an override removes has no pod template", () => {
    expect(
      findingsOf((s) => {
        new DeploymentV1(s, "dep", {
          metadata: { name: "api", namespace: "kube-system" },
          spec: { selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: LABEL }, spec: { container } } },
        }).addOverride("spec", null);
        new CronJobV1(s, "cron", {
          metadata: { name: "nightly", namespace: "kube-system" },
          spec: { schedule: "0 3 * * *", jobTemplate: { metadata: {}, spec: { template: { metadata: { labels: LABEL }, spec: { container } } } } },
        }).addOverride("spec", null);
      }),
    ).toEqual([]);
  });

  test("a labelled pod that names no namespace and no service account runs as default/default", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", labels: LABEL }, spec: { container } });
        credential(s, "default", "default");
      }),
    ).toEqual([]);
  });

  test("a pod that names its service account in the deprecated service_account attribute runs as it", () => {
    expect(
      findingsOf((s) => {
        const pod = new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps", labels: LABEL }, spec: { container } });
        pod.addOverride("spec.service_account", "api");
        credential(s, "apps", "api");
      }),
    ).toEqual([]);
  });

  test("an unlabelled pod does not run as its service account for a federated credential", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps" }, spec: { serviceAccountName: "api", container } });
        credential(s, "apps", "api");
      }),
    ).toEqual([NO_POD("apps/api")]);
  });

  test("resources that are not pods or workloads hold no pod (the default service account annotated as a workload's finds none)", () => {
    expect(
      findingsOf((s) => {
        new ServiceAccountV1(s, "sa", { metadata: { name: "default", namespace: "default", annotations: { "azure.workload.identity/client-id": "c" } } });
        new NamespaceV1(s, "ns", { metadata: { name: "apps" } });
      }),
    ).toEqual([]);
  });

  test("a labelled pod in identity-binding mode does not run as its service account for a federated credential", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", {
          metadata: { name: "p", namespace: "apps", labels: LABEL, annotations: { "azure.workload.identity/use-identity-binding": "true" } },
          spec: { serviceAccountName: "api", container },
        });
        credential(s, "apps", "api");
      }),
    ).toEqual([NO_POD("apps/api"), expect.stringMatching(/^AZWI016 hand\/pod: is in identity-binding mode, but no ClusterRole/)]);
  });

  test("a pod written with Terraform's list form of blocks (through an override) is read the same", () => {
    expect(
      findingsOf((s) => {
        const pod = new PodV1(s, "pod", { metadata: { name: "p" }, spec: { container } });
        pod.addOverride("metadata", [{ name: "p", namespace: "kube-system", labels: LABEL }]);
        pod.addOverride("spec", [{ container: [{ name: "c", image: "busybox", security_context: [{ privileged: true }] }] }]);
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/pod"), 'AZWI014 hand/pod: container "c" is privileged or allows privilege escalation']);
  });
});

describe("GitOps workloads", () => {
  const deployment = (namespace: string | undefined, spec: any) => ({
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "api", ...(namespace ? { namespace } : {}) },
    spec: { selector: { matchLabels: { app: "api" } }, template: { metadata: { labels: { app: "api", ...LABEL } }, spec } },
  });

  test("a labelled pod template in the GitOps manifests runs as its service account for a federated credential", () => {
    expect(
      findingsOf((s) => {
        GitOpsManifests.of(s).add(deployment("apps", { serviceAccountName: "api", containers: container }), "api");
        credential(s, "apps", "api");
      }),
    ).toEqual([]);
  });

  test("a labelled GitOps pod without namespace or service account runs as default/default", () => {
    expect(
      findingsOf((s) => {
        GitOpsManifests.of(s).add({ apiVersion: "v1", kind: "Pod", metadata: { name: "p", labels: LABEL }, spec: { containers: container } }, "p");
        credential(s, "default", "default");
      }),
    ).toEqual([]);
  });

  test("an unlabelled GitOps pod template, or an object without one, runs no workload", () => {
    expect(
      findingsOf((s) => {
        const unlabelled = deployment("apps", { serviceAccountName: "api", containers: container });
        unlabelled.spec.template.metadata.labels = { app: "api" } as any;
        GitOpsManifests.of(s).add(unlabelled, "api");
        GitOpsManifests.of(s).add({ apiVersion: "batch/v1", kind: "Job", metadata: { name: "once", namespace: "apps" }, spec: { template: { spec: { serviceAccountName: "api", containers: container } } } }, "once");
        GitOpsManifests.of(s).add({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: "settings", namespace: "apps" }, data: { a: "b" } }, "settings");
        credential(s, "apps", "api");
      }),
    ).toEqual([NO_POD("apps/api")]);
  });
});

describe("service accounts", () => {
  test("one with a client-id annotation and no namespace is the workload identity service account default/<name>", () => {
    expect(
      findingsOf((s) => {
        new ServiceAccountV1(s, "sa", { metadata: { name: "api", annotations: { "azure.workload.identity/client-id": "c" } } });
        new PodV1(s, "pod", { metadata: { name: "p" }, spec: { serviceAccountName: "api", container } });
      }),
    ).toEqual(['AZWI005 hand/pod: runs as workload identity service account default/api but lacks the label azure.workload.identity/use: "true"']);
  });

  test("one without the client-id annotation is not a workload identity service account", () => {
    expect(
      findingsOf((s) => {
        new ServiceAccountV1(s, "sa", { metadata: { name: "api", annotations: { team: "payments" } } });
        new PodV1(s, "pod", { metadata: { name: "p" }, spec: { serviceAccountName: "api", container } });
      }),
    ).toEqual([]);
  });

  test("an identity binding's service account that a federated credential also trusts needs no binding annotation", () => {
    const bound = (s: TerraformStack) => {
      new ServiceAccountV1(s, "sa", { metadata: { name: "prod", namespace: "environment", annotations: { "azure.workload.identity/client-id": "c" } } });
      new ClusterRoleV1(s, "role", { metadata: { name: "use-mi" }, rule: [{ apiGroups: ["cid.wi.aks.azure.com"], resources: ["c"], verbs: ["use-managed-identity"] }] });
      new ClusterRoleBindingV1(s, "binding", {
        metadata: { name: "use-mi" },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "use-mi" },
        subject: [{ kind: "ServiceAccount", name: "prod", namespace: "environment" }],
      });
      new PodV1(s, "pod", { metadata: { name: "p", namespace: "environment", labels: LABEL }, spec: { serviceAccountName: "prod", container } });
    };
    expect(
      findingsOf((s) => {
        bound(s);
        credential(s, "environment", "prod");
      }),
    ).toEqual([]);
    // A credential for another kind of subject (a GitHub environment) trusts no service account, whatever its parts.
    expect(
      findingsOf((s) => {
        bound(s);
        credential(s, "environment", "prod").addOverride("subject", "repo:org/app:environment:prod");
      }),
    ).toEqual([
      'AZWI017 hand/pod: runs as service account environment/prod, which an identity binding allows, without azure.workload.identity/use-identity-binding: "true": its token (audience api://AzureADTokenExchange) is trusted by no federated credential in this app',
    ]);
  });
});

describe("references to other objects", () => {
  test("a namespace given as a namespace resource's name is that namespace", () => {
    expect(
      findingsOf((s) => {
        const ns = new NamespaceV1(s, "ns", { metadata: { name: "kube-system" } });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: ns.metadata.name, labels: LABEL }, spec: { container } });
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/pod")]);
  });

  test("a namespace given as a (pre-v1) kubernetes_namespace's name is that namespace", () => {
    expect(
      findingsOf((s) => {
        const ns = new Namespace(s, "ns", { metadata: { name: "kube-system" } });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: ns.metadata.name, labels: LABEL }, spec: { container } });
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/pod")]);
  });

  test("a namespace given as another object's namespace is that namespace", () => {
    expect(
      findingsOf((s) => {
        const sa = new ServiceAccountV1(s, "sa", { metadata: { name: "api", namespace: "kube-system" } });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: sa.metadata.namespace, labels: LABEL }, spec: { serviceAccountName: sa.metadata.name, container } });
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/pod")]);
  });

  test("a service account name given by reference, written in a hand-written template, names that account", () => {
    expect(
      findingsOf((s) => {
        new ServiceAccountV1(s, "sa", { metadata: { name: "api", namespace: "apps" } });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps", labels: LABEL }, spec: { serviceAccountName: "${kubernetes_service_account_v1.sa.metadata[0].name}", container } });
        credential(s, "apps", "api");
      }),
    ).toEqual([expect.stringMatching(/^AZWI015 hand\/pod: kubernetes_pod_v1\.spec\.service_account_name is the hand-written Terraform template/)]);
  });

  test("a reference inside longer text, or to an object the app does not hold, is not followed", () => {
    expect(
      findingsOf((s) => {
        const ns = new NamespaceV1(s, "ns", { metadata: { name: "kube-system" } });
        new PodV1(s, "a", { metadata: { name: "a", namespace: `${ns.metadata.name}-x`, labels: LABEL }, spec: { container } });
        new PodV1(s, "b", { metadata: { name: "b", namespace: "x-${kubernetes_namespace_v1.ns.metadata[0].name}", labels: LABEL }, spec: { container } });
        new PodV1(s, "c", { metadata: { name: "c", namespace: "${kubernetes_namespace_v1.other.metadata[0].name}", labels: LABEL }, spec: { container } });
      }).filter((f) => !f.startsWith("AZWI015")),
    ).toEqual([]);
  });

  test("a cycle of references ends (the names stay unresolved)", () => {
    expect(
      findingsOf((s) => {
        const a = new NamespaceV1(s, "a", { metadata: { name: "${kubernetes_namespace_v1.b.metadata[0].name}" } });
        new NamespaceV1(s, "b", { metadata: { name: a.metadata.name } });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: a.metadata.name, labels: LABEL }, spec: { container } });
        credential(s, "kube-system", "default");
      }),
    ).toEqual([NO_POD("kube-system/default")]);
  });
});

describe("escape-hatch overrides", () => {
  test("an override of one attribute of a block keeps the block's other attributes", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps", labels: LABEL }, spec: { container } }).addOverride("metadata.namespace", "kube-system");
      }),
    ).toEqual([IN_KUBE_SYSTEM("hand/pod")]);
  });

  test("an override that removes a block (null) removes it", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "kube-system", labels: LABEL }, spec: { container } }).addOverride("metadata.labels", null);
      }),
    ).toEqual([]);
  });

  test("an override of a list replaces the list", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", labels: LABEL }, spec: { container } }).addOverride("spec.container", [
          { name: "sidecar", image: "busybox", security_context: { privileged: true } },
        ]);
      }),
    ).toEqual(['AZWI014 hand/pod: container "sidecar" is privileged or allows privilege escalation']);
  });

  test("a secret value overridden to null is no value in state", () => {
    expect(findingsOf((s) => void new KeyVaultSecret(s, "sec", { name: "s", keyVaultId: "/v", value: "x" }).addOverride("value", null))).toEqual([]);
  });
});

describe("tokens", () => {
  test("a list attribute given as one token (a variable) is resolved to its reference", () => {
    expect(
      findingsOf((s) => {
        const audiences = new TerraformVariable(s, "audiences", { type: "list(string)" });
        new FederatedIdentityCredential(s, "fic", {
          name: "fic",
          resourceGroupName: "rg",
          parentId: IDENTITY,
          issuer: "https://issuer.example.com/",
          subject: "system:serviceaccount:apps:api",
          audience: audiences.listValue,
        });
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "apps", labels: LABEL }, spec: { serviceAccountName: "api", container } });
      }),
    ).toEqual(['AZWI012 hand/fic: has audience "${var.audiences}"']);
  });

  test("labels given as one token (a function call) are not read as labels", () => {
    expect(
      findingsOf((s) => {
        new PodV1(s, "pod", { metadata: { name: "p", namespace: "kube-system", labels: Fn.merge([LABEL]) as any }, spec: { container } });
      }),
    ).toEqual([]);
  });
});

describe("where hand-written templates are looked for", () => {
  const template = "${var.who}";
  const attributesOf = (findings: string[]) => findings.filter((f) => f.startsWith("AZWI015")).map((f) => f.split(" is the ")[0]);

  test("in a Deployment's pod template and a CronJob's, through their blocks and lists", () => {
    expect(
      attributesOf(
        findingsOf((s) => {
          new DeploymentV1(s, "dep", {
            metadata: { name: "api", namespace: template },
            spec: {
              selector: { matchLabels: { app: "api" } },
              template: { metadata: { labels: { app: template } }, spec: { serviceAccountName: template, container: [{ name: "c", image: template, env: [{ name: "A", value: template }] }] } },
            },
          });
          new CronJobV1(s, "cron", {
            metadata: { name: "nightly" },
            spec: {
              schedule: "0 3 * * *",
              jobTemplate: { metadata: {}, spec: { template: { metadata: {}, spec: { initContainer: [{ name: "i", image: template }], container } } } },
            },
          });
        }),
      ),
    ).toEqual([
      "AZWI015 hand/dep: kubernetes_deployment_v1.metadata.namespace",
      'AZWI015 hand/dep: kubernetes_deployment_v1.spec.template.metadata.labels["app"]',
      "AZWI015 hand/dep: kubernetes_deployment_v1.spec.template.spec.service_account_name",
      "AZWI015 hand/dep: kubernetes_deployment_v1.spec.template.spec.container[0].image",
      "AZWI015 hand/dep: kubernetes_deployment_v1.spec.template.spec.container[0].env[0].value",
      "AZWI015 hand/cron: kubernetes_cron_job_v1.spec.job_template.spec.template.spec.init_container[0].image",
    ]);
  });

  test("in resources the rules otherwise do not read: an application's credential, an access policy, a manifest's parameters", () => {
    expect(
      attributesOf(
        findingsOf((s) => {
          new ApplicationFederatedIdentityCredential(s, "app-fic", {
            applicationId: "/applications/00000000-0000-0000-0000-000000000001",
            displayName: "fic",
            issuer: "https://issuer.example.com/",
            subject: template,
            audiences: ["api://AzureADTokenExchange"],
          });
          new KeyVaultAccessPolicyA(s, "policy", { keyVaultId: "/v", tenantId: "t", objectId: template });
          new Manifest(s, "spc", {
            manifest: { apiVersion: "secrets-store.csi.x-k8s.io/v1", kind: "SecretProviderClass", metadata: { name: "spc", namespace: "apps" }, spec: { provider: "azure", parameters: { clientID: template, keyvaultName: "kv" } } },
          });
        }),
      ),
    ).toEqual([
      "AZWI015 hand/app-fic: azuread_application_federated_identity_credential.subject",
      "AZWI015 hand/policy: azurerm_key_vault_access_policy.object_id",
      'AZWI015 hand/spc: kubernetes_manifest.manifest.spec.parameters["clientID"]',
    ]);
  });

  test("not in attributes given as tokens, nor where the value is missing", () => {
    expect(
      attributesOf(
        findingsOf((s) => {
          new ServiceAccountV1(s, "sa", { metadata: { name: "api", annotations: Fn.merge([{ a: template }]) as any } });
          new PodV1(s, "pod", { metadata: { name: "p" }, spec: { container } });
        }),
      ),
    ).toEqual([]);
  });
});
