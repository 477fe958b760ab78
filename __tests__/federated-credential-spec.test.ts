/**
 * Specification of the rules of one federated credential and of its holder's credentials
 * (lib/guardrails/federated-credential), through ManagedIdentity.addFederatedCredential, and of
 * the region lists read from context (lib/guardrails/regions, Problems' regionSettings).
 */
import { Testing, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { ManagedIdentity } from "../lib";
import { normalizeRegion, regionList } from "../lib/guardrails/regions";
import { newStack, synthError } from "./support/helpers";

const ISSUER = "https://issuer.example.com/";

/** The synth error of one identity given the credentials. */
function credentialsError(...credentials: Array<{ name: string; subject: string; issuer?: string; audience?: string }>): string {
  const stack = newStack();
  const identity = new ManagedIdentity(stack, "id", { name: "id-1", resourceGroupName: "rg1", location: "westeurope" });
  credentials.forEach((c, i) => identity.addFederatedCredential(stack, `fic${i}`, { issuer: ISSUER, ...c }));
  return synthError(stack);
}

describe("one federated credential", () => {
  test("a name outside the rule is reported with its label and value", () => {
    expect(credentialsError({ name: "my fic", subject: "system:serviceaccount:apps:api" })).toMatch(/\[test\/fic0\] federated credential name "my fic" must /);
  });

  test("a subject starting system:serviceaccount: must be a whole Kubernetes subject", () => {
    expect(credentialsError({ name: "fic", subject: "system:serviceaccount:apps" })).toContain(
      '[test/fic0] federated credential subject "system:serviceaccount:apps" must have the form system:serviceaccount:<namespace>:<service account>',
    );
  });

  test("any other subject follows the general subject rules only", () => {
    expect(credentialsError({ name: "fic", subject: "repo:contoso/app:ref:refs/heads/main" })).toBe("");
  });

  test("an empty audience is reported with its label", () => {
    expect(credentialsError({ name: "fic", subject: "system:serviceaccount:apps:api", audience: "" })).toMatch(/\[test\/fic0\] federated credential audience "" must /);
  });
});

describe("the credentials of one holder", () => {
  test("names are unique per holder, compared without case; the message names the first user", () => {
    expect(
      credentialsError({ name: "Api", subject: "system:serviceaccount:apps:a" }, { name: "api", subject: "system:serviceaccount:apps:b" }),
    ).toContain(
      '[test/fic1] federated credential name "api" is already used on the same managed identity by test/fic0 ' +
        "(names are unique per holder, compared without case); set federatedCredentialName on one of them",
    );
  });

  test("different names on one holder are fine", () => {
    expect(credentialsError({ name: "fic-a", subject: "system:serviceaccount:apps:a" }, { name: "fic-b", subject: "system:serviceaccount:apps:b" })).toBe("");
  });

  test("a repeated issuer and subject is reported, naming the subject and the holder", () => {
    expect(
      credentialsError({ name: "fic-a", subject: "system:serviceaccount:apps:api" }, { name: "fic-b", subject: "system:serviceaccount:apps:api" }),
    ).toContain(
      '[test/fic1] federated credential "fic-b" repeats the issuer and subject "system:serviceaccount:apps:api" already trusted by its managed identity; ' +
        "issuer + subject must be unique per managed identity",
    );
  });
});

describe("region lists from context", () => {
  const stackWith = (context: Record<string, unknown>) => {
    const stack = new TerraformStack(Testing.app({ context }), "test");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    return stack;
  };
  const identityError = (context: Record<string, unknown>, location: string) => {
    const stack = stackWith(context);
    new ManagedIdentity(stack, "id", { name: "id-1", resourceGroupName: "rg1", location });
    return synthError(stack);
  };

  test("azwi:additionalRegions adds regions, as a list or a comma-separated string, normalized", () => {
    expect(identityError({}, "marsnorth")).toContain('ManagedIdentity.location "marsnorth" must be an Azure region');
    expect(identityError({ "azwi:additionalRegions": "venussouth, Mars North" }, "marsnorth")).toBe("");
    expect(identityError({ "azwi:additionalRegions": ["Mars North"] }, "Mars North")).toBe("");
  });

  test("azwi:unsupportedFicRegions replaces the built-in list; empty means the built-in list", () => {
    expect(identityError({ "azwi:unsupportedFicRegions": "westeurope" }, "westeurope")).toContain(
      'ManagedIdentity.location "westeurope" is a region where user-assigned managed identities cannot hold federated identity credentials',
    );
    expect(identityError({ "azwi:unsupportedFicRegions": "westeurope" }, "malaysiasouth")).toBe("");
    expect(identityError({ "azwi:unsupportedFicRegions": "" }, "malaysiasouth")).toContain('ManagedIdentity.location "malaysiasouth" is a region where');
  });

  test("regionList: unset, null or empty is no list; items are trimmed, normalized, and empty items dropped", () => {
    expect(regionList(undefined)).toBeUndefined();
    expect(regionList(null)).toBeUndefined();
    expect(regionList("")).toBeUndefined();
    expect(regionList(" East US ,, westeurope ,")).toEqual(["eastus", "westeurope"]);
    expect(regionList(["North Europe", " "])).toEqual(["northeurope"]);
  });

  test("normalizeRegion lowercases and removes spaces as the azurerm provider does", () => {
    expect(normalizeRegion("West US 2")).toBe("westus2");
  });
});
