/**
 * Azure values the constructs pass through to the provider, checked at synth by Azure's rules:
 * tags, group ids, versions, VM sizes, zones, network rules.
 */
import { AksWithOidc, ContainerRegistryAccess, ManagedIdentity, WorkloadKeyVault } from "../lib";
import { newStack, synth } from "./support/helpers";

const AKS = { name: "aks", resourceGroupName: "rg", location: "eastus" };
const VAULT = { name: "kv-apps", resourceGroupName: "rg", location: "eastus" };

function refusal(build: (s: ReturnType<typeof newStack>) => void): string {
  const s = newStack();
  build(s);
  try {
    synth(s);
  } catch (e) {
    return (e as Error).message;
  }
  return "";
}

describe("Azure values", () => {
  test.each([
    ["a tag name with a character Azure refuses", { "team/name": "x" }, /AksWithOidc\.tags name "team\/name" must not contain/],
    ["a tag value over 256 characters", { team: "x".repeat(257) }, /AksWithOidc\.tags "team" value .* must be at most 256 characters/],
    ["more than 50 tags", Object.fromEntries(Array.from({ length: 51 }, (_, i) => [`t${i}`, "x"])), /AksWithOidc\.tags has 51 tags; Azure allows at most 50/],
  ])("%s is refused", (_, tags, message) => {
    expect(refusal((s) => new AksWithOidc(s, "aks", { ...AKS, tags }))).toMatch(message);
  });

  test("50 tags of 512-character names and 256-character values are valid", () => {
    const tags = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(512, "n"), "v".repeat(256)]));
    expect(refusal((s) => new ManagedIdentity(s, "id", { name: "id-x", resourceGroupName: "rg", location: "eastus", tags }))).toBe("");
  });

  test("cluster values: admin group ids, Kubernetes version, VM size and zones", () => {
    const message = refusal(
      (s) =>
        new AksWithOidc(s, "aks", { ...AKS, adminGroupObjectIds: ["admins"], kubernetesVersion: "v1.31", systemNodePool: { vmSize: "D2s_v5", zones: ["1", "4"] } }),
    );
    expect(message).toMatch(/AksWithOidc\.adminGroupObjectIds entry "admins" must be a GUID \(an Entra group object id\)/);
    expect(message).toMatch(/AksWithOidc\.kubernetesVersion "v1\.31" must be a Kubernetes version/);
    expect(message).toMatch(/AksWithOidc\.systemNodePool\.vmSize "D2s_v5" must be/);
    expect(message).toMatch(/AksWithOidc\.systemNodePool\.zones entry "4" must be an availability zone/);
    expect(message).not.toMatch(/zones entry "1"/);
  });

  test("valid cluster values synthesize", () => {
    const ok = refusal(
      (s) =>
        new AksWithOidc(s, "aks", {
          ...AKS,
          adminGroupObjectIds: ["00000000-0000-0000-0000-000000000001"],
          kubernetesVersion: "1.31.2",
          systemNodePool: { vmSize: "Standard_D2s_v5", zones: ["1", "2", "3"] },
        }),
    );
    expect(ok).toBe("");
  });

  test("Key Vault network rules: IPv4 addresses or ranges, subnet ids", () => {
    const message = refusal(
      (s) =>
        new WorkloadKeyVault(s, "kv", {
          ...VAULT,
          networkRules: { ipRules: ["203.0.113.7", "203.0.113.0/24", "2001:db8::/32", "10.0.0.300"], subnetIds: ["my-subnet"] },
        }),
    );
    expect(message).toMatch(/ipRules entry "2001:db8::\/32" must be an IPv4 address or CIDR range/);
    expect(message).toMatch(/ipRules entry "10\.0\.0\.300" must be an IPv4/);
    expect(message).not.toMatch(/entry "203\.0\.113/);
    expect(message).toMatch(/subnetIds entry "my-subnet" must be a subnet resource id/);
  });

  test("a new registry's resource group is checked", () => {
    expect(
      refusal((s) => {
        const aks = new AksWithOidc(s, "aks", AKS);
        new ContainerRegistryAccess(s, "acr", { cluster: aks, create: { name: "acrapps01", resourceGroupName: "rg.", location: "eastus" } });
      }),
    ).toMatch(/ContainerRegistryAccess\.create\.resourceGroupName "rg\." must not end with '\.'/);
  });
});
