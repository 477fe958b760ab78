import { Fn, TerraformVariable } from "cdktf";
import { ManagedIdentity } from "../lib";
import { all, newStack, only, resolve, synth } from "./support/helpers";

const ISSUER = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000000/11111111-1111-1111-1111-111111111111/";
const ID = "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-ids/providers/Microsoft.ManagedIdentity/userAssignedIdentities/shared";

describe("ManagedIdentity", () => {
  test("creates a user-assigned identity with its name, group, region and tags", () => {
    const s = newStack();
    new ManagedIdentity(s, "id", { name: "id-api", resourceGroupName: "rg1", location: "westeurope", tags: { team: "a" } });
    expect(only(synth(s), "azurerm_user_assigned_identity").body).toMatchObject({
      name: "id-api",
      resource_group_name: "rg1",
      location: "westeurope",
      tags: { team: "a" },
    });
  });

  test("exposes the new identity's attributes as references", () => {
    const s = newStack();
    const id = new ManagedIdentity(s, "id", { name: "id-api", resourceGroupName: "rg1", location: "eastus" });
    const name = only(synth(s), "azurerm_user_assigned_identity").name;
    expect(resolve(s, [id.identityId, id.clientId, id.principalId, id.tenantId, id.resourceGroupName])).toEqual(
      ["id", "client_id", "principal_id", "tenant_id", "resource_group_name"].map((a) => `\${azurerm_user_assigned_identity.${name}.${a}}`),
    );
    expect(id.resource).toBeDefined();
  });

  test("fromExisting reads the identity through a data source", () => {
    const s = newStack();
    const id = ManagedIdentity.fromExisting(s, "id", { name: "shared", resourceGroupName: "rg-ids" });
    const json = synth(s);
    const data = only(json, "azurerm_user_assigned_identity", "data");
    expect(data.body).toMatchObject({ name: "shared", resource_group_name: "rg-ids" });
    expect(resolve(s, id.clientId)).toBe(`\${data.azurerm_user_assigned_identity.${data.name}.client_id}`);
    expect(id.resourceGroupName).toBe("rg-ids");
    expect(all(json, "azurerm_user_assigned_identity")).toEqual([]);
  });

  test("fromAttributes takes the resource group from a literal id", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "c", principalId: "p", tenantId: "t" });
    expect(id.resourceGroupName).toBe("rg-ids");
    id.addFederatedCredential(s, "fic", { name: "fic-a", issuer: ISSUER, subject: "system:serviceaccount:apps:a" });
    expect(only(synth(s), "azurerm_federated_identity_credential").body).toMatchObject({ parent_id: ID, resource_group_name: "rg-ids" });
  });

  test("fromAttributes takes an explicit resource group over the id's", () => {
    const s = newStack();
    expect(ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "c", principalId: "p", tenantId: "t", resourceGroupName: "other" }).resourceGroupName).toBe("other");
  });

  test("fromAttributes splits an id known only at apply with Terraform functions", () => {
    const s = newStack();
    const variable = new TerraformVariable(s, "identity_id", { type: "string" });
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: variable.stringValue, clientId: "c", principalId: "p", tenantId: "t" });
    expect(resolve(s, id.resourceGroupName)).toBe(resolve(s, Fn.element(Fn.split("/", variable.stringValue), 4)));
  });

  test("adds credentials with the token-exchange audience by default, or the one given, and lists them in order", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "c", principalId: "p", tenantId: "t" });
    const a = id.addFederatedCredential(s, "a", { name: "fic-a", issuer: ISSUER, subject: "system:serviceaccount:apps:a" });
    const b = id.addFederatedCredential(s, "b", { name: "fic-b", issuer: "https://token.actions.githubusercontent.com", subject: "repo:o/r:ref:refs/heads/main", audience: "api://AzureADTokenExchange" });
    expect(id.federatedCredentials).toEqual([a, b]);
    const json = synth(s);
    const byName = Object.fromEntries(all(json, "azurerm_federated_identity_credential").map((r) => [r.body.name, r.body]));
    expect(byName["fic-a"].audience).toEqual(["api://AzureADTokenExchange"]);
    expect(byName["fic-b"].issuer).toBe("https://token.actions.githubusercontent.com");
  });

  test.each([
    [{ name: "ab" }, /ManagedIdentity\.name "ab" must be 3–128 characters long/],
    [{ resourceGroupName: "rg." }, /ManagedIdentity\.resourceGroupName "rg\." must not end with '\.'/],
    [{ location: "newzealandnorth" }, /ManagedIdentity\.location "newzealandnorth" is a region where user-assigned managed identities cannot hold federated identity credentials/],
    [{ location: "atlantis" }, /ManagedIdentity\.location "atlantis" must be an Azure region/],
  ])("rejects %j", (props, message) => {
    const s = newStack();
    new ManagedIdentity(s, "id", { name: "id-api", resourceGroupName: "rg1", location: "eastus", ...props });
    expect(() => synth(s)).toThrow(message);
  });

  test("rejects a bad credential name, issuer and subject at once", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "c", principalId: "p", tenantId: "t" });
    id.addFederatedCredential(s, "fic", { name: "-x", issuer: "http://issuer", subject: "system:serviceaccount:Apps:a" });
    expect(() => synth(s)).toThrow(/federated credential name "-x"[\s\S]*federated credential issuer "http:\/\/issuer"[\s\S]*federated credential subject "system:serviceaccount:Apps:a" must name a valid namespace/);
  });

  test("fromAttributes falls back to Terraform functions for a literal id without a resource group", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: "not-an-id", clientId: "c", principalId: "p", tenantId: "t" });
    expect(resolve(s, id.resourceGroupName)).toBe(resolve(s, Fn.element(Fn.split("/", "not-an-id"), 4)));
  });

  test("does not take the id of something below an identity for the identity", () => {
    const s = newStack();
    const below = ManagedIdentity.fromAttributes(s, "a", { identityId: `${ID}/federatedIdentityCredentials/x`, clientId: "c", principalId: "p", tenantId: "t" });
    const identity = ManagedIdentity.fromExisting(s, "b", { name: "shared", resourceGroupName: "rg-ids" });
    for (let i = 0; i < 11; i++) below.addFederatedCredential(s, `a${i}`, { name: `fic-a${i}`, issuer: ISSUER, subject: `system:serviceaccount:apps:a${i}` });
    for (let i = 0; i < 11; i++) identity.addFederatedCredential(s, `b${i}`, { name: `fic-b${i}`, issuer: ISSUER, subject: `system:serviceaccount:apps:b${i}` });
    expect(() => synth(s)).not.toThrow();
  });

  test("treats two identities named by one value known only at apply as the same identity", () => {
    const s = newStack();
    const rg = new TerraformVariable(s, "rg", { type: "string" }).stringValue;
    new ManagedIdentity(s, "a", { name: "id-x", resourceGroupName: rg, location: "eastus" });
    new ManagedIdentity(s, "b", { name: "id-y", resourceGroupName: rg, location: "eastus" });
    expect(() => synth(s)).not.toThrow();
    new ManagedIdentity(s, "c", { name: "id-x", resourceGroupName: rg, location: "eastus" });
    expect(() => synth(s)).toThrow(/ManagedIdentity\.name "id-x" in resource group .* is already created by test\/a; Azure would refuse the second create \(the resource already exists\) – share that identity object instead/);
  });

  test("fromExisting refuses a resource group name no group can have", () => {
    const s = newStack();
    ManagedIdentity.fromExisting(s, "id", { name: "shared", resourceGroupName: "rg." });
    expect(() => synth(s)).toThrow(/ManagedIdentity\.fromExisting resourceGroupName "rg\." must not end with '\.'/);
  });
});
