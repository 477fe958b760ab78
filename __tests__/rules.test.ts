import fc from "fast-check";
import * as R from "../lib/guardrails/rules";

const ok = (rules: readonly R.Rule[], v: string) => R.firstProblem(v, rules) === undefined;

describe("name rules (property-based, against the documented rules)", () => {
  // Small alphabets, so that the characters the rules care about (hyphens, dots, case, digits at
  // the edges) turn up often enough for the properties to bite.
  const alnum = ["a", "Z", "5"];
  const lower = ["a", "z", "5"];
  const str = (chars: string[], min: number, max: number) =>
    fc.array(fc.constantFrom(...chars), { minLength: min, maxLength: max }).map((a) => a.join(""));

  test("Key Vault names: 3–24 letters/digits/hyphens, letter first, alphanumeric last, no '--'", () => {
    const reference = (v: string) =>
      v.length >= 3 && v.length <= 24 && /^[A-Za-z]/.test(v) && /[A-Za-z0-9]$/.test(v) && /^[A-Za-z0-9-]+$/.test(v) && !v.includes("--");
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 30), (v) => ok(R.keyVaultName, v) === reference(v)), { numRuns: 2000 });
  });

  test("federated credential names: 3–120, alphanumeric first, then letters, digits, '-' and '_'", () => {
    const reference = (v: string) => v.length >= 3 && v.length <= 120 && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", ".", " "], 0, 130), (v) => ok(R.federatedCredentialName, v) === reference(v)), { numRuns: 2000 });
  });

  test("managed identity names: 3–128, alphanumeric first, then letters, digits, '-' and '_'", () => {
    const reference = (v: string) => v.length >= 3 && v.length <= 128 && /^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 140), (v) => ok(R.identityName, v) === reference(v)), { numRuns: 2000 });
  });

  test("Key Vault secret names: 1–127 letters, digits and hyphens", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 127 && /^[A-Za-z0-9-]+$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 135), (v) => ok(R.keyVaultSecretName, v) === reference(v)), { numRuns: 2000 });
  });

  test("AKS cluster names: 1–63, alphanumeric at both ends, '-' and '_' inside", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 63 && /^[A-Za-z0-9]([A-Za-z0-9_-]*[A-Za-z0-9])?$/.test(v);
    fc.assert(fc.property(str([...alnum, "-", "_", "."], 0, 70), (v) => ok(R.aksClusterName, v) === reference(v)), { numRuns: 2000 });
  });

  test("resource group names: 1–90 of letters, digits, '_-.()', not ending in '.'", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 90 && /^[A-Za-z0-9_.()-]+$/.test(v) && !v.endsWith(".");
    fc.assert(fc.property(str([...alnum, "-", "_", ".", "(", ")", " ", "/"], 0, 95), (v) => ok(R.resourceGroupName, v) === reference(v)), { numRuns: 2000 });
  });

  test("namespaces: DNS-1123 labels", () => {
    const reference = (v: string) => v.length >= 1 && v.length <= 63 && /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(v) && v !== "kube-system";
    fc.assert(fc.property(str([...lower, "-", ".", "A"], 0, 70), (v) => ok(R.workloadNamespace, v) === reference(v)), { numRuns: 2000 });
  });

  test("service account names: DNS-1123 subdomains", () => {
    const reference = (v: string) =>
      v.length >= 1 && v.length <= 253 && v.split(".").every((part) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(part));
    fc.assert(fc.property(str([...lower, "-", ".", "_"], 0, 40), (v) => ok(R.dns1123Subdomain, v) === reference(v)), { numRuns: 2000 });
  });
});

describe("name rules (examples and messages)", () => {
  test.each([
    ["keyVaultName", "ab", /must be 3–24 characters long \(is 2\)/],
    ["keyVaultName", "1vault", /starting with a letter/],
    ["keyVaultName", "my--vault", /consecutive hyphens/],
    ["keyVaultName", "vault-", /ending with a letter or digit/],
    ["keyVaultSecretName", "my_secret", /letters, digits and '-' only/],
    ["federatedCredentialName", "-fic", /starting with a letter or digit/],
    ["federatedCredentialName", "ab", /3–120/],
    ["identityName", "my identity", /managed identity name/],
    ["aksClusterName", "aks-", /AKS cluster name/],
    ["aksDnsPrefix", "aks_1", /AKS DNS prefix/],
    ["nodePoolName", "System", /AKS node pool name/],
    ["resourceGroupName", "rg.", /must not end with '.'/],
    ["tenantId", "contoso.onmicrosoft.com", /a GUID/],
    ["issuerUrl", "http://issuer.example.com/", /https:\/\/ URL/],
    ["issuerUrl", " https://issuer.example.com/", /whitespace/],
    ["issuerUrl", "https://*.example.com/", /wildcards/],
    ["kubernetesSubject", "system:serviceaccount:default", /system:serviceaccount:<namespace>:<service account>/],
    ["kubernetesSubject", "system:serviceaccount:Default:sa", /valid namespace/],
    ["workloadNamespace", "kube-system", /ignored by the workload identity webhook/],
    ["labelKey", "azure.workload.identity/use/x", /at most one '\/'/],
    ["labelValue", "-x", /label value/],
  ] as const)("%s rejects %j", (rule, value, message) => {
    expect(R.firstProblem(value, (R as any)[rule])).toMatch(message);
  });

  test("token expiration must be 3600–86400 seconds", () => {
    expect(R.firstProblem(3599, R.tokenExpirationSeconds)).toBe("must be an integer from 3600 to 86400");
    expect(R.firstProblem(86400, R.tokenExpirationSeconds)).toBeUndefined();
  });

  test("issuer URLs longer than 600 characters are rejected", () => {
    expect(R.firstProblem(`https://issuer.example.com/${"a".repeat(600)}`, R.issuerUrl)).toMatch(/1–600 characters/);
  });

  test("accepts the AKS issuer format", () => {
    expect(R.firstProblem("https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/", R.issuerUrl)).toBeUndefined();
  });
});

describe("region rules", () => {
  test("accept known regions, normalized like azurerm", () => {
    expect(R.firstProblem("East US", [R.knownRegion()])).toBeUndefined();
  });

  test("reject unknown regions with a hint", () => {
    expect(R.firstProblem("mars-north", [R.knownRegion()])).toMatch(/must be an Azure region .*azwi:additionalRegions/);
  });

  test("accept additional regions from settings", () => {
    expect(R.firstProblem("marsnorth", [R.knownRegion({ additionalRegions: ["marsnorth"] })])).toBeUndefined();
  });

  test("reject regions without federated credentials on user-assigned identities, with the link", () => {
    expect(R.firstProblem("Malaysia South", [R.federationRegion()])).toMatch(/cannot hold federated identity credentials \(https:\/\/learn\.microsoft\.com\//);
  });

  test("let the unsupported list be replaced", () => {
    expect(R.firstProblem("malaysiasouth", [R.federationRegion({ unsupportedFicRegions: [] })])).toBeUndefined();
    expect(R.firstProblem("eastasia", [R.federationRegion({ unsupportedFicRegions: ["eastasia"] })])).toMatch(/cannot hold/);
  });
});
