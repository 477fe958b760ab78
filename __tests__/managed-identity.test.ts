import { Fn, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
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
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
    expect(id.resourceGroupName).toBe("rg-ids");
    id.addFederatedCredential(s, "fic", { name: "fic-a", issuer: ISSUER, subject: "system:serviceaccount:apps:a" });
    expect(only(synth(s), "azurerm_federated_identity_credential").body).toMatchObject({ parent_id: ID, resource_group_name: "rg-ids" });
  });

  test("fromAttributes accepts a resourceGroupName equal to the id's", () => {
    const s = newStack();
    ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333", resourceGroupName: "rg-ids" });
    expect(() => synth(s)).not.toThrow();
  });

  test.each(["other", "RG-IDS"])("fromAttributes refuses a resourceGroupName (%s) other than the id's: the credential would land elsewhere or be replaced on every plan", (rg) => {
    const s = newStack();
    ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333", resourceGroupName: rg });
    expect(() => synth(s)).toThrow(
      new RegExp(`ManagedIdentity\\.fromAttributes resourceGroupName "${rg}" differs from the resource group "rg-ids" in identityId: azurerm writes the credential under resource_group_name.*; drop resourceGroupName or make them equal`),
    );
  });

  test("fromAttributes writes an id copied in another case (as az prints it) in the spelling azurerm's parser wants", () => {
    const s = newStack();
    const lower = "/subscriptions/00000000-0000-0000-0000-000000000000/resourcegroups/rg-ids/providers/microsoft.managedidentity/userassignedidentities/shared";
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: lower, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
    id.addFederatedCredential(s, "fic", { name: "fic-a", issuer: ISSUER, subject: "system:serviceaccount:apps:a" });
    expect(only(synth(s), "azurerm_federated_identity_credential").body).toMatchObject({ parent_id: ID, resource_group_name: "rg-ids" });
  });

  test.each([
    [{ clientId: "c" }, /ManagedIdentity\.fromAttributes clientId "c" must be a GUID \(client id\)/],
    [{ principalId: "p" }, /ManagedIdentity\.fromAttributes principalId "p" must be a GUID \(principal object id\)/],
    [{ tenantId: "contoso.onmicrosoft.com" }, /ManagedIdentity\.fromAttributes tenantId "contoso\.onmicrosoft\.com" must be a GUID \(tenant id\)/],
    [{ identityId: ID.replace("00000000-0000-0000-0000-000000000000", "sub") }, /ManagedIdentity\.fromAttributes identityId subscription "sub" must be a GUID \(subscription id\)/],
    [{ identityId: ID.replace("/shared", "/ab") }, /ManagedIdentity\.fromAttributes identityId name "ab" must be 3–128 characters long/],
    [{ identityId: ID.replace("rg-ids", "rg.") }, /ManagedIdentity\.fromAttributes identityId resource group "rg\." must not end with '\.'/],
  ])("fromAttributes refuses %j", (override, message) => {
    const s = newStack();
    ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333", ...override });
    expect(() => synth(s)).toThrow(message);
  });

  describe("fromAttributes and the azurerm provider's subscription (azurerm writes the credential there)", () => {
    // A Kubernetes provider made first: the check must pick the azurerm one, not the first provider.
    const stackWithSubscription = (subscriptionId?: string) => {
      const stack = new TerraformStack(Testing.app(), "test");
      new KubernetesProvider(stack, "kubernetes", {});
      new AzurermProvider(stack, "azurerm", { features: [{}], subscriptionId });
      return stack;
    };
    const credential = (s: TerraformStack, identityId = ID) =>
      ManagedIdentity.fromAttributes(s, "id", { identityId, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" }).addFederatedCredential(s, "fic", { name: "fic-a", issuer: ISSUER, subject: "system:serviceaccount:apps:a" });

    test("refuses an identity in another subscription than the provider's, saying what to do", () => {
      const s = stackWithSubscription("99999999-9999-9999-9999-999999999999");
      credential(s);
      expect(() => synth(s)).toThrow(
        /identityId is in subscription "00000000-0000-0000-0000-000000000000", but the azurerm provider of this stack uses subscription "99999999-9999-9999-9999-999999999999": .* create the credential in a stack whose azurerm provider uses the identity's subscription/,
      );
    });

    test.each([
      ["ABCDEF00-0000-0000-0000-000000000000", "abcdef00-0000-0000-0000-000000000000"],
      ["abcdef00-0000-0000-0000-000000000000", "ABCDEF00-0000-0000-0000-000000000000"],
    ])("accepts the provider's subscription %s for an identity in %s (GUIDs compare without case)", (providerSubscription, identitySubscription) => {
      const s = stackWithSubscription(providerSubscription);
      credential(s, ID.replace("00000000-0000-0000-0000-000000000000", identitySubscription));
      expect(() => synth(s)).not.toThrow();
    });

    test.each([
      ["ABCDEF00-0000-0000-0000-000000000000", "abcdef00-0000-0000-0000-000000000000"],
      ["abcdef00-0000-0000-0000-000000000000", "ABCDEF00-0000-0000-0000-000000000000"],
    ])("writes parent_id with the provider's subscription spelling %s for an identity given in %s (azurerm reads it back so)", (providerSubscription, identitySubscription) => {
      const s = stackWithSubscription(providerSubscription);
      credential(s, ID.replace("00000000-0000-0000-0000-000000000000", identitySubscription));
      const parent = only(synth(s), "azurerm_federated_identity_credential").body.parent_id;
      expect(parent).toBe(ID.replace("00000000-0000-0000-0000-000000000000", providerSubscription));
    });

    test("keeps the identity's spelling of parent_id when the provider names no subscription", () => {
      const s = stackWithSubscription(undefined);
      credential(s, ID.replace("00000000-0000-0000-0000-000000000000", "ABCDEF00-0000-0000-0000-000000000000"));
      expect(only(synth(s), "azurerm_federated_identity_credential").body.parent_id).toContain("/subscriptions/ABCDEF00-0000-0000-0000-000000000000/");
    });

    test("accepts a provider with no subscription (read from the environment at deploy)", () => {
      const s = stackWithSubscription(undefined);
      credential(s);
      expect(() => synth(s)).not.toThrow();
    });

    test("checks the provider the credential uses, not an aliased one made before it", () => {
      const s = new TerraformStack(Testing.app(), "test");
      new AzurermProvider(s, "other", { features: [{}], alias: "other", subscriptionId: "99999999-9999-9999-9999-999999999999" });
      new AzurermProvider(s, "azurerm", { features: [{}], subscriptionId: "00000000-0000-0000-0000-000000000000" });
      credential(s);
      expect(() => synth(s)).not.toThrow();
    });
  });

  test("fromAttributes splits an id known only at apply with Terraform functions", () => {
    const s = newStack();
    const variable = new TerraformVariable(s, "identity_id", { type: "string" });
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: variable.stringValue, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
    expect(resolve(s, id.resourceGroupName)).toBe(resolve(s, Fn.element(Fn.split("/", variable.stringValue), 4)));
  });

  test("adds credentials with the token-exchange audience by default, or the one given, and lists them in order", () => {
    const s = newStack();
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
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
    const id = ManagedIdentity.fromAttributes(s, "id", { identityId: ID, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
    id.addFederatedCredential(s, "fic", { name: "-x", issuer: "http://issuer", subject: "system:serviceaccount:Apps:a" });
    expect(() => synth(s)).toThrow(/federated credential name "-x"[\s\S]*federated credential issuer "http:\/\/issuer"[\s\S]*federated credential subject "system:serviceaccount:Apps:a" must name a valid namespace/);
  });

  test.each(["not-an-id", `${ID}/federatedIdentityCredentials/x`, `/tenants/x${ID}`, ID.replace("Microsoft.ManagedIdentity", "Microsoft.KeyVault")])(
    "fromAttributes refuses the literal identityId %s, which azurerm would refuse as parent_id at plan",
    (identityId) => {
      const s = newStack();
      ManagedIdentity.fromAttributes(s, "id", { identityId, clientId: "11111111-1111-1111-1111-111111111111", principalId: "22222222-2222-2222-2222-222222222222", tenantId: "33333333-3333-3333-3333-333333333333" });
      expect(() => synth(s)).toThrow(/ManagedIdentity\.fromAttributes identityId ".*" must be a user-assigned identity id, \/subscriptions\/<subscription>\/resourceGroups\/<group>\/.* \(azurerm refuses any other parent_id at plan\)/);
    },
  );

  test("treats two identities named by one value known only at apply as the same identity", () => {
    const s = newStack();
    const rg = new TerraformVariable(s, "rg", { type: "string" }).stringValue;
    new ManagedIdentity(s, "a", { name: "id-x", resourceGroupName: rg, location: "eastus" });
    new ManagedIdentity(s, "b", { name: "id-y", resourceGroupName: rg, location: "eastus" });
    expect(() => synth(s)).not.toThrow();
    new ManagedIdentity(s, "c", { name: "id-x", resourceGroupName: rg, location: "eastus" });
    expect(() => synth(s)).toThrow(/\[test\/c\/identity\] user-assigned identity \(resource_group_name ".*", name "id-x"\) is already created by test\/a\/identity; .* the second create would fail \(the resource already exists\) – create it once and share that object/);
  });

  test("fromExisting refuses a resource group name no group can have", () => {
    const s = newStack();
    ManagedIdentity.fromExisting(s, "id", { name: "shared", resourceGroupName: "rg." });
    expect(() => synth(s)).toThrow(/ManagedIdentity\.fromExisting resourceGroupName "rg\." must not end with '\.'/);
  });
});
