/**
 * The app-wide registry of real-world names: a second claim of one name, compared as the service
 * compares it, is refused on the second resource, naming both places – whichever construct (or the
 * user's own resource) makes it, in whichever stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { Manifest } from "@cdktf/provider-kubernetes/lib/manifest";
import { ServiceAccountV1 } from "@cdktf/provider-kubernetes/lib/service-account-v1";
import { AksWithOidc, FederatedWorkload, KeyVaultSecretAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { newStack, synth } from "./support/helpers";

const VAULT = { resourceGroupName: "rg", location: "eastus" };
function errorsOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("Azure names", () => {
  test("a vault name is global: two stacks creating one vault name (in any case) are refused", () => {
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), "azwi-reg-")) });
    for (const [id, name] of [["dev", "kv-apps"], ["prod", "KV-Apps"]]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new WorkloadKeyVault(s, "kv", { name, ...VAULT, resourceGroupName: `rg-${id}` });
    }
    expect(() => app.synth()).toThrow(/\[prod\/kv\/vault\] Key Vault \(name "KV-Apps"\) is already created by dev\/kv\/vault; names are unique in all of Azure/);
  });

  test("the user's own resources count: a plain azurerm_key_vault beside a WorkloadKeyVault of the same name", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new KeyVault(s, "mine", { name: "kv-apps", ...VAULT, tenantId: "00000000-0000-0000-0000-000000000000", skuName: "standard" });
    expect(() => synth(s)).toThrow(/\[test\/mine\] Key Vault \(name "kv-apps"\) is already created by test\/kv\/vault/);
  });

  test("a resource group is created once (in a stack the library is used in)", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new ResourceGroup(s, "a", { name: "rg-apps", location: "eastus" });
    new ResourceGroup(s, "b", { name: "RG-APPS", location: "eastus" });
    expect(() => synth(s)).toThrow(/\[test\/b\] resource group \(name "RG-APPS"\) is already created by test\/a/);
  });

  test("one role at one scope for one principal is one assignment: two grants of a shared identity to one secret are refused", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    const vault = new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    for (const sa of ["a", "b"]) {
      const w = new FederatedWorkload(s, sa, { issuer: "https://issuer.example.com/", serviceAccountName: sa, identity });
      new KeyVaultSecretAccess(s, `grant-${sa}`, { workload: w, vault, secrets: [{ name: "db", existing: true }] });
    }
    expect(errorsOf(() => synth(s))).toMatch(/\[test\/grant-b\/[^\]]+\] role assignment \(scope .*principal_id .*role_definition_name "Key Vault Secrets User"\) is already created by test\/grant-a\//);
  });

  test("different names are no collision", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "a", { name: "kv-a", ...VAULT });
    new WorkloadKeyVault(s, "b", { name: "kv-b", ...VAULT });
    expect(() => synth(s)).not.toThrow();
  });

  test("a duplicate is reported once when the same app is synthesized again", () => {
    const s = newStack();
    new WorkloadKeyVault(s, "kv", { name: "kv-apps", ...VAULT });
    new ResourceGroup(s, "a", { name: "rg-apps", location: "eastus" });
    new ResourceGroup(s, "b", { name: "rg-apps", location: "eastus" });
    errorsOf(() => synth(s));
    expect(errorsOf(() => synth(s)).match(/is already created by/g)).toHaveLength(1);
  });
});

describe("Kubernetes objects per cluster, across stacks", () => {
  test("two stacks creating one service account on one cluster are refused", () => {
    const app = Testing.app();
    const platform = new TerraformStack(app, "platform");
    new AzurermProvider(platform, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    for (const team of ["team-a", "team-b"]) {
      const s = new TerraformStack(app, team);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      aks.kubernetesProvider(s, "kubernetes");
      new FederatedWorkload(s, "w", { issuer: aks, namespace: "shared", serviceAccountName: "api", identityName: `id-${team}`, resourceGroupName: "rg", location: "eastus" });
    }
    const teamB = app.node.findChild("team-b") as TerraformStack;
    expect(() => synth(teamB)).toThrow(/Kubernetes ServiceAccount shared\/api on cluster rg\/aks is already created by team-a\/w\/service-account/);
  });

  test("a plain kubernetes_service_account_v1 beside a workload's service account in one stack and provider is refused", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const provider = aks.kubernetesProvider(s, "kubernetes");
    new FederatedWorkload(s, "w", { issuer: aks, namespace: "shared", serviceAccountName: "api", identityName: "id-api", resourceGroupName: "rg", location: "eastus" });
    new ServiceAccountV1(s, "mine", { provider, metadata: { name: "api", namespace: "shared" } });
    expect(() => app.synth()).toThrow(/\[s\/mine\] Kubernetes ServiceAccount shared\/api on cluster rg\/aks is already created by s\/w\/service-account/);
  });

  test("a kubernetes_manifest counts by the kind and metadata of its manifest", () => {
    const { app } = teams(["terraform"]);
    const other = new TerraformStack(app, "other");
    new AzurermProvider(other, "azurerm", { features: [{}] });
    const provider = aksOf(app).kubernetesProvider(other, "kubernetes");
    new Manifest(other, "sa", { provider, manifest: { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "api", namespace: "shared" } } });
    expect(() => app.synth()).toThrow(/\[team-0\/w\/service-account\] Kubernetes ServiceAccount shared\/api on cluster rg\/aks is also created by other\/sa \(a stack with no construct of this library\)/);
  });
});

/** A platform stack with one cluster, and one team stack per entry, each with a workload of service account shared/api in that mode. */
function teams(modes: ("terraform" | "manifests")[], directories: (string | undefined)[] = []) {
  const app = Testing.app();
  const platform = new TerraformStack(app, "platform");
  new AzurermProvider(platform, "azurerm", { features: [{}] });
  const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
  modes.forEach((mode, i) => {
    const s = new TerraformStack(app, `team-${i}`);
    new AzurermProvider(s, "azurerm", { features: [{}] });
    if (mode === "terraform") aks.kubernetesProvider(s, "kubernetes");
    new FederatedWorkload(s, "w", {
      issuer: aks,
      namespace: "shared",
      serviceAccountName: "api",
      identityName: `id-team-${i}`,
      resourceGroupName: "rg",
      location: "eastus",
      kubernetesObjects: mode,
      manifestsDirectory: directories[i],
    });
  });
  return { app };
}

function aksOf(app: App): AksWithOidc {
  return app.node.findChild("platform").node.findChild("aks") as AksWithOidc;
}

describe("GitOps manifests claim their objects on the cluster their workloads trust", () => {
  test("a service account in one stack's GitOps manifests and created by Terraform in another stack is refused", () => {
    const { app } = teams(["manifests", "terraform"]);
    expect(() => app.synth()).toThrow(
      /\[team-1\/w\/service-account\] Kubernetes ServiceAccount shared\/api on cluster rg\/aks is already created by the GitOps manifests team-0\/manifests\/10-serviceaccount\/shared\/api\.yaml\.tmpl; .*whichever applies it second fails \(AlreadyExists\) or overwrites the other's/,
    );
  });

  test("one service account in the GitOps manifests of two stacks for one cluster is refused, naming both files", () => {
    const { app } = teams(["manifests", "manifests"]);
    expect(() => app.synth()).toThrow(
      /\[team-1\/gitops-manifests\] Kubernetes ServiceAccount shared\/api on cluster rg\/aks is already created by the GitOps manifests team-0\/manifests\/10-serviceaccount\/shared\/api\.yaml\.tmpl; .*\(this one: the GitOps manifests team-1\/manifests\/10-serviceaccount\/shared\/api\.yaml\.tmpl\)/,
    );
  });

  test("the same names in the GitOps manifests of two different clusters are no collision", () => {
    const app = Testing.app();
    for (const name of ["aks-a", "aks-b"]) {
      const s = new TerraformStack(app, name);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      const aks = new AksWithOidc(s, "aks", { name, resourceGroupName: "rg", location: "eastus" });
      new FederatedWorkload(s, "w", { issuer: aks, namespace: "shared", serviceAccountName: "api", identityName: `id-${name}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    }
    expect(() => app.synth()).not.toThrow();
  });

  test("one GitOps directory holding workloads federated with two clusters is refused", () => {
    const app = Testing.app();
    const s = new TerraformStack(app, "s");
    new AzurermProvider(s, "azurerm", { features: [{}] });
    for (const name of ["aks-a", "aks-b"]) {
      const aks = new AksWithOidc(s, name, { name, resourceGroupName: "rg", location: "eastus" });
      new FederatedWorkload(s, `w-${name}`, { issuer: aks, namespace: "x", serviceAccountName: name, identityName: `id-${name}`, resourceGroupName: "rg", location: "eastus", kubernetesObjects: "manifests" });
    }
    expect(() => app.synth()).toThrow(/\[s\/gitops-manifests\] manifestsDirectory "manifests" holds workloads federated with clusters rg\/aks-a and rg\/aks-b; .*give each cluster's workloads their own manifestsDirectory/);
  });
});

describe("federated credentials are unique by name and by issuer + subject in their identity", () => {
  /** Stack "a": a cluster, a shared identity and a workload apps/api; stack "b": a hand-written credential on that identity. */
  function handWritten(subject: string) {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    new AzurermProvider(a, "azurerm", { features: [{}] });
    const identity = new ManagedIdentity(a, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    const aks = new AksWithOidc(a, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    aks.kubernetesProvider(a, "kubernetes");
    new FederatedWorkload(a, "w", { issuer: aks, namespace: "apps", serviceAccountName: "api", identity });
    const b = new TerraformStack(app, "b");
    new AzurermProvider(b, "azurerm", { features: [{}] });
    new FederatedIdentityCredential(b, "fic", { name: "by-hand", resourceGroupName: "rg", parentId: identity.resource!.id, audience: ["api://AzureADTokenExchange"], issuer: aks.oidcIssuerUrl, subject });
    return app;
  }

  test("a credential written by hand in another stack, on the same identity, issuer and subject, is refused (references compared by the address they name)", () => {
    expect(() => handWritten("system:serviceaccount:apps:api").synth()).toThrow(
      /\[a\/w\/federated-credential\] federated credential \(parent_id .*, issuer .*oidc_issuer_url.*, subject "system:serviceaccount:apps:api"\) is also created by b\/fic/,
    );
  });

  test("another subject on the same identity and issuer is no collision", () => {
    expect(() => handWritten("system:serviceaccount:apps:worker").synth()).not.toThrow();
  });
});

describe("the limit of 20 federated credentials per identity counts every credential on it, in any stack", () => {
  /** `viaWorkloads` workloads on one shared identity in stack "a", and `byHand` credentials written on it in stack "b". */
  function shared(viaWorkloads: number, byHand: number) {
    const app = Testing.app();
    const a = new TerraformStack(app, "a");
    new AzurermProvider(a, "azurerm", { features: [{}] });
    const identity = new ManagedIdentity(a, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    for (let i = 0; i < viaWorkloads; i++) {
      new FederatedWorkload(a, `w${i}`, { issuer: "https://issuer.example.com/", namespace: "apps", serviceAccountName: `sa-${i}`, identity, kubernetesObjects: "manifests" });
    }
    const b = new TerraformStack(app, "b");
    new AzurermProvider(b, "azurerm", { features: [{}] });
    for (let i = 0; i < byHand; i++) {
      new FederatedIdentityCredential(b, `fic-${i}`, {
        name: `by-hand-${i}`,
        resourceGroupName: "rg",
        parentId: identity.resource!.id,
        audience: ["api://AzureADTokenExchange"],
        issuer: "https://other-issuer.example.com/",
        subject: `system:serviceaccount:jobs:job-${i}`,
      });
    }
    return app;
  }

  test("15 credentials through workloads and 6 written by hand in another stack are refused", () => {
    expect(() => shared(15, 6).synth()).toThrow(
      /21 federated credentials on identity "a:\$\{azurerm_user_assigned_identity\.id_identity_[0-9A-F]+\.id\}" \(made in a, b, 15 of them through ManagedIdentity\); Entra allows 20 per identity/,
    );
  });

  test("15 and 5, twenty in all, are within the limit", () => {
    expect(() => shared(15, 5).synth()).not.toThrow();
  });
});
