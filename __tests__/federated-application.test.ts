/**
 * FederatedApplicationWorkload: owners, and the per-application rules of its credentials
 * (names, limit, reachable issuers), next to the managed-identity rules they share.
 */
import { TerraformStack } from "cdktf";
import { AzureadProvider } from "@cdktf/provider-azuread/lib/provider";
import { FederatedApplicationWorkload, FederatedWorkload, ManagedIdentity } from "../lib";
import { all, newStack, only, synth } from "./support/helpers";

const ISSUER = "https://oidc.eks.example.com/id/ABC";
const OWNER = "11111111-2222-3333-4444-555555555555";

function stackWithAzuread(): TerraformStack {
  const s = newStack();
  new AzureadProvider(s, "azuread", {});
  return s;
}
const shared = (n = 1) => ({ applicationId: `/applications/00000000-0000-0000-0000-00000000000${n}`, clientId: "c", principalId: "p", tenantId: "t" });

describe("owners of a new application", () => {
  test("default to the principal that runs Terraform, on the application and its service principal", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api" });
    const json = synth(s);
    const deployer = only(json, "azuread_client_config", "data").name;
    const owners = [`\${data.azuread_client_config.${deployer}.object_id}`];
    expect(only(json, "azuread_application").body.owners).toEqual(owners);
    expect(only(json, "azuread_service_principal").body.owners).toEqual(owners);
  });

  test("are the deployer and the given owners, each once, with one client-config data source per stack", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "a", owners: [OWNER, OWNER] });
    new FederatedApplicationWorkload(s, "b", { issuer: ISSUER, serviceAccountName: "b" });
    const json = synth(s);
    const deployer = only(json, "azuread_client_config", "data").name;
    const owners = all(json, "azuread_application").map((a) => a.body.owners);
    expect(owners).toEqual([[`\${data.azuread_client_config.${deployer}.object_id}`, OWNER], [`\${data.azuread_client_config.${deployer}.object_id}`]]);
  });

  test("leave the deployer out when deployerIsOwner is false", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer: ISSUER, serviceAccountName: "api", owners: [OWNER], deployerIsOwner: false });
    const json = synth(s);
    expect(json.data?.azuread_client_config).toBeUndefined();
    expect(only(json, "azuread_application").body.owners).toEqual([OWNER]);
  });

  test("refuse an owner that is not an object id", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer: ISSUER, serviceAccountName: "api", owners: ["alice@example.com"] });
    expect(() => synth(s)).toThrow(/FederatedApplicationWorkload\.owners entry "alice@example\.com" must be a GUID \(an Entra object id\)/);
  });

  test("are refused beside an existing application, which this construct does not own", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer: ISSUER, serviceAccountName: "api", application: shared(), owners: [OWNER] });
    expect(() => synth(s)).toThrow(/owners, deployerIsOwner and applicationDisplayName apply to a new application only/);
  });
});

describe("credential names after defaulting", () => {
  test("two workloads whose defaulted names coincide on one application are refused, naming both", () => {
    const s = stackWithAzuread();
    const application = shared();
    new FederatedApplicationWorkload(s, "dot", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api.v1", application });
    new FederatedApplicationWorkload(s, "dash", { issuer: ISSUER, namespace: "apps", serviceAccountName: "api-v1", application });
    expect(() => synth(s)).toThrow(/\[test\/dash\/federated-credential\] federated credential name "fic-apps-api-v1" is already used on the same application by test\/dot\/federated-credential/);
  });

  test("names that differ only in case collide on one managed identity", () => {
    const s = newStack();
    const identity = new ManagedIdentity(s, "id", { name: "id-shared", resourceGroupName: "rg", location: "eastus" });
    new FederatedWorkload(s, "a", { issuer: "https://issuer.example.com/", serviceAccountName: "a", identity, federatedCredentialName: "fic-Api" });
    new FederatedWorkload(s, "b", { issuer: "https://issuer.example.com/", serviceAccountName: "b", identity, federatedCredentialName: "fic-api" });
    expect(() => synth(s)).toThrow(/federated credential name "fic-api" is already used on the same managed identity by test\/a\/federated-credential/);
  });

  test("the same name on two different applications is fine", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "a", { issuer: ISSUER, serviceAccountName: "api", application: shared(1), federatedCredentialName: "fic-same" });
    new FederatedApplicationWorkload(s, "b", { issuer: ISSUER, serviceAccountName: "web", application: shared(2), federatedCredentialName: "fic-same" });
    expect(all(synth(s), "azuread_application_federated_identity_credential")).toHaveLength(2);
  });
});

describe("the 20-credential limit of an application", () => {
  test("is counted per application id, however many objects carry it, and the message names an application", () => {
    const s = stackWithAzuread();
    for (let i = 0; i < 21; i++) {
      new FederatedApplicationWorkload(s, `w${i}`, { issuer: ISSUER, serviceAccountName: `sa${i}`, application: { ...shared(), clientId: `copy-${i}` } });
    }
    expect(() => synth(s)).toThrow(/\[test\/w20\/federated-credential\] federated credential "fic-default-sa20" would be number 21 on its application; Entra allows at most 20 per application – use another application/);
  });

  test("20 credentials on one application synthesize", () => {
    const s = stackWithAzuread();
    for (let i = 0; i < 20; i++) {
      new FederatedApplicationWorkload(s, `w${i}`, { issuer: ISSUER, serviceAccountName: `sa${i}`, application: { ...shared() } });
    }
    expect(all(synth(s), "azuread_application_federated_identity_credential")).toHaveLength(20);
  });
});

describe("issuers Entra must reach", () => {
  test.each([
    ["https://localhost:8443/", /localhost resolves only on a private network or inside a cluster/],
    ["https://kubernetes.default.svc/", /kubernetes\.default\.svc resolves only on a private network/],
    ["https://kubernetes.default.svc.cluster.local", /resolves only on a private network/],
    ["https://oidc.corp.internal/issuer", /oidc\.corp\.internal resolves only on a private network/],
    ["https://issuer/", /issuer is a single-label host name/],
    ["https://10.0.0.4/", /10\.0\.0\.4 is a private, loopback or link-local address/],
    ["https://172.20.1.1:6443/", /172\.20\.1\.1 is a private/],
    ["https://192.168.1.10/", /192\.168\.1\.10 is a private/],
    ["https://127.0.0.1/", /127\.0\.0\.1 is a private/],
    ["https://169.254.169.254/", /169\.254\.169\.254 is a private/],
    ["https://100.64.0.1/", /100\.64\.0\.1 is a private/],
    ["https://[::1]/", /\[::1\] is a loopback, private or link-local IPv6 address/],
    ["https://[fd00::1]/", /\[fd00::1\] is a loopback/],
  ])("%s is refused with the reason", (issuer, reason) => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer, serviceAccountName: "api" });
    expect(() => synth(s)).toThrow(reason);
    expect(() => synth(s)).toThrow(/must be reachable from the internet: Entra fetches the issuer's OpenID configuration and keys/);
  });

  test.each(["https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE", "https://container.googleapis.com/v1/projects/p/locations/l/clusters/c", "https://172.32.0.1/", "https://8.8.8.8/", "https://token.actions.githubusercontent.com"])(
    "%s is accepted",
    (issuer) => {
      const s = stackWithAzuread();
      new FederatedApplicationWorkload(s, "app", { issuer, serviceAccountName: "api" });
      expect(only(synth(s), "azuread_application_federated_identity_credential").body.issuer).toBe(issuer);
    },
  );

  test("applies to managed identities too", () => {
    const s = newStack();
    new FederatedWorkload(s, "w", { issuer: "https://localhost/", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
    expect(() => synth(s)).toThrow(/federated credential issuer "https:\/\/localhost\/" must be reachable from the internet/);
  });
});

describe("messages name the class that was called", () => {
  test("a bad namespace of an application workload is reported as FederatedApplicationWorkload.namespace", () => {
    const s = stackWithAzuread();
    new FederatedApplicationWorkload(s, "app", { issuer: ISSUER, namespace: "kube-system", serviceAccountName: "api" });
    expect(() => synth(s)).toThrow(/FederatedApplicationWorkload\.namespace "kube-system"/);
  });

  test("a FederatedWorkload without resourceGroupName is reported with the other problems, not thrown", () => {
    const s = newStack();
    expect(() => new FederatedWorkload(s, "w", { issuer: ISSUER, namespace: "kube-system", serviceAccountName: "api" })).not.toThrow();
    const message = (() => {
      try {
        synth(s);
      } catch (e) {
        return (e as Error).message;
      }
      return "";
    })();
    expect(message).toMatch(/resourceGroupName and location are required to create a new identity/);
    expect(message).toMatch(/FederatedWorkload\.namespace "kube-system"/);
  });
});
