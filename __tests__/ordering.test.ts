/**
 * Ordering Terraform cannot infer from a literal name: a resource group named by its literal name,
 * a namespace created by a workload of another stack.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { DataAzurermKeyVault } from "@cdktf/provider-azurerm/lib/data-azurerm-key-vault";
import { ResourceGroup } from "@cdktf/provider-azurerm/lib/resource-group";
import { AksWithOidc, FederatedWorkload, ManagedIdentity } from "../lib";
import { newStack, only, synth } from "./support/helpers";

function app(): { app: App; stack: (id: string) => TerraformStack; manifest: () => any } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-order-"));
  const a = new App({ outdir });
  return {
    app: a,
    stack: (id) => {
      const s = new TerraformStack(a, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      return s;
    },
    manifest: () => JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8")),
  };
}

describe("a resource group named by its literal name", () => {
  test("in the same stack: the resource waits for the group (depends_on)", () => {
    const s = newStack();
    const rg = new ResourceGroup(s, "rg", { name: "rg-apps", location: "eastus" });
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: "RG-Apps", location: "eastus" });
    const json = synth(s);
    expect(only(json, "azurerm_user_assigned_identity").body.depends_on).toEqual([`azurerm_resource_group.${rg.friendlyUniqueId}`]);
  });

  test("in another stack: the stack depends on the group's stack", () => {
    const { app: a, stack, manifest } = app();
    const platform = stack("platform");
    new ResourceGroup(platform, "rg", { name: "rg-apps", location: "eastus" });
    const workload = stack("workload");
    new ManagedIdentity(workload, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    a.synth();
    expect(manifest().stacks.workload.dependencies).toEqual(["platform"]);
  });

  test("in another stack: no depends_on across stacks (the stack dependency orders it)", () => {
    const { app: a, stack } = app();
    const platform = stack("platform");
    new ResourceGroup(platform, "rg", { name: "rg-apps", location: "eastus" });
    const workload = stack("workload");
    new ManagedIdentity(workload, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    a.synth();
    const json = JSON.parse(fs.readFileSync(path.join(a.outdir, "stacks", "workload", "cdk.tf.json"), "utf8"));
    const identity = Object.values(json.resource.azurerm_user_assigned_identity)[0] as { depends_on?: string[] };
    expect(identity.depends_on).toBeUndefined();
  });

  test("only resource groups are waited for: another resource that happens to have the group's name is not", () => {
    const s = newStack();
    new ManagedIdentity(s, "named-like-a-group", { name: "rg-apps", resourceGroupName: "rg-other", location: "eastus" });
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    const identities = synth(s).resource.azurerm_user_assigned_identity as Record<string, { name: string; depends_on?: string[] }>;
    expect(Object.values(identities).find((i) => i.name === "id-apps")!.depends_on).toBeUndefined();
  });

  test("a data source that names the group by its literal name is left alone (depends_on would defer its read to apply)", () => {
    const s = newStack();
    new ResourceGroup(s, "rg", { name: "rg-apps", location: "eastus" });
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    new DataAzurermKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: "rg-apps" });
    expect(only(synth(s), "azurerm_key_vault", "data").body.depends_on).toBeUndefined();
  });

  test("a group named by a value known only at apply is not matched by name (Terraform orders references itself)", () => {
    const s = newStack();
    const source = new ResourceGroup(s, "source", { name: "rg-source", location: "eastus" });
    // One token string for both: known only at apply (the source group's id).
    const name = source.id;
    new ResourceGroup(s, "rg", { name, location: "eastus" });
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: name, location: "eastus" });
    expect(only(synth(s), "azurerm_user_assigned_identity").body.depends_on).toBeUndefined();
  });

  test("a group added after a first synth is waited for at the next one", () => {
    const s = newStack();
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    expect(only(synth(s), "azurerm_user_assigned_identity").body.depends_on).toBeUndefined();
    const rg = new ResourceGroup(s, "rg", { name: "rg-apps", location: "eastus" });
    expect(only(synth(s), "azurerm_user_assigned_identity").body.depends_on).toEqual([`azurerm_resource_group.${rg.friendlyUniqueId}`]);
  });

  test("a group passed by reference adds nothing (Terraform infers the order)", () => {
    const s = newStack();
    const rg = new ResourceGroup(s, "rg", { name: "rg-apps", location: "eastus" });
    new ManagedIdentity(s, "id", { name: "id-apps", resourceGroupName: rg.name, location: "eastus" });
    expect(only(synth(s), "azurerm_user_assigned_identity").body.depends_on).toBeUndefined();
  });

  test("a group in a stack that depends on the user's stack cannot be applied first: refused with the fix", () => {
    const { app: a, stack } = app();
    const workload = stack("workload");
    new ManagedIdentity(workload, "id", { name: "id-apps", resourceGroupName: "rg-apps", location: "eastus" });
    const later = stack("later");
    new ResourceGroup(later, "rg", { name: "rg-apps", location: "eastus" });
    later.addDependency(workload);
    expect(() => a.synth()).toThrow(/names resource group "rg-apps" by its name; that group is later\/rg, created in stack later, which depends on stack workload/);
  });
});

describe("a namespace created by a workload of another stack", () => {
  test("makes the using stack depend on the creating stack (same cluster)", () => {
    const { app: a, stack, manifest } = app();
    const platform = stack("platform");
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const teamA = stack("team-a");
    aks.kubernetesProvider(teamA, "kubernetes");
    new FederatedWorkload(teamA, "a", { issuer: aks, namespace: "shared", createNamespace: true, serviceAccountName: "a", resourceGroupName: "rg", location: "eastus" });
    const teamB = stack("team-b");
    aks.kubernetesProvider(teamB, "kubernetes");
    new FederatedWorkload(teamB, "b", { issuer: aks, namespace: "shared", serviceAccountName: "b", identityName: "id-b", resourceGroupName: "rg", location: "eastus" });
    a.synth();
    expect(manifest().stacks["team-b"].dependencies).toContain("team-a");
  });
});

describe("a namespace created by a workload of another stack, at its edges", () => {
  function teams(clusterOfB: "same" | "other", createdIn: "team-a" | "team-b" = "team-a") {
    const { app: a, stack, manifest } = app();
    const platform = stack("platform");
    const aks = new AksWithOidc(platform, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    const other = new AksWithOidc(platform, "aks2", { name: "aks2", resourceGroupName: "rg", location: "eastus" });
    const teamA = stack("team-a");
    aks.kubernetesProvider(teamA, "kubernetes");
    new FederatedWorkload(teamA, "a", { issuer: aks, namespace: "shared", createNamespace: createdIn === "team-a", serviceAccountName: "a", resourceGroupName: "rg", location: "eastus" });
    const teamB = stack("team-b");
    const clusterB = clusterOfB === "same" ? aks : other;
    clusterB.kubernetesProvider(teamB, "kubernetes");
    new FederatedWorkload(teamB, "b", { issuer: clusterB, namespace: "shared", createNamespace: createdIn === "team-b", serviceAccountName: "b", identityName: "id-b", resourceGroupName: "rg", location: "eastus" });
    return { a, teamA, teamB, manifest };
  }

  test("a namespace of the same name on another cluster adds no dependency", () => {
    const { a, manifest } = teams("other");
    a.synth();
    expect(manifest().stacks["team-b"].dependencies ?? []).not.toContain("team-a");
  });

  test("a namespace created in a stack that depends on the user's stack is refused with the fix", () => {
    const { a, teamA, teamB } = teams("same");
    teamA.addDependency(teamB);
    expect(() => a.synth()).toThrow(/team-b\/b uses namespace shared; it is created by team-a\/a, created in stack team-a, which depends on stack team-b: it cannot be applied first/);
  });
});

describe("a namespace created in the same stack, or by several stacks", () => {
  test("a namespace created by a workload of the same stack adds no stack dependency (the stack never depends on itself)", () => {
    const { app: a, stack, manifest } = app();
    const s = stack("team");
    const aks = new AksWithOidc(s, "aks", { name: "aks", resourceGroupName: "rg", location: "eastus" });
    aks.kubernetesProvider(s, "kubernetes");
    new FederatedWorkload(s, "a", { issuer: aks, namespace: "shared", createNamespace: true, serviceAccountName: "a", resourceGroupName: "rg", location: "eastus" });
    new FederatedWorkload(s, "b", { issuer: aks, namespace: "shared", serviceAccountName: "b", identityName: "id-b", resourceGroupName: "rg", location: "eastus" });
    a.synth();
    expect(manifest().stacks.team.dependencies ?? []).toEqual([]);
  });

  test("of two stacks creating one namespace name on two clusters, the one on the workload's cluster is waited for", () => {
    const { app: a, stack, manifest } = app();
    const platform = stack("platform");
    const one = new AksWithOidc(platform, "one", { name: "aks-one", resourceGroupName: "rg", location: "eastus" });
    const two = new AksWithOidc(platform, "two", { name: "aks-two", resourceGroupName: "rg", location: "eastus" });
    for (const [id, cluster] of [["creator-one", one], ["creator-two", two]] as const) {
      const s = stack(id);
      cluster.kubernetesProvider(s, "kubernetes");
      new FederatedWorkload(s, "w", { issuer: cluster, namespace: "shared", createNamespace: true, serviceAccountName: "w", identityName: `id-${id}`, resourceGroupName: "rg", location: "eastus" });
    }
    const user = stack("user");
    one.kubernetesProvider(user, "kubernetes");
    new FederatedWorkload(user, "w", { issuer: one, namespace: "shared", serviceAccountName: "u", identityName: "id-user", resourceGroupName: "rg", location: "eastus" });
    a.synth();
    expect(manifest().stacks.user.dependencies).toContain("creator-one");
    expect(manifest().stacks.user.dependencies).not.toContain("creator-two");
  });
});
