/**
 * The rules of AKS identity bindings (`Microsoft.ContainerService/managedClusters/identityBindings`),
 * from the REST API spec (Azure/azure-rest-api-specs, specification/containerservice/resource-manager/
 * Microsoft.ContainerService/aks/stable/2026-05-01/managedClusters.json: the `identityBindingName`
 * path parameter and the IdentityBinding* definitions) and the AKS documentation
 * (MicrosoftDocs/azure-aks-docs articles/aks/identity-bindings.md, identity-bindings-concepts.md).
 */
import { Construct } from "constructs";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../core/constants";
import type { CredentialRecord } from "./federated-credential";
import { Problems } from "./problems";
import { lengthBetween, matches, Rule } from "./rules";

/** The federated credential AKS writes on the identity when the first binding for it is created. */
export const AKS_BINDING_CREDENTIAL_NAME = "aks-identity-binding";

/**
 * Identity binding name: the spec's `identityBindingName` has `pattern: ^[a-z][a-z0-9]{0,63}$` and
 * `maxLength: 63` (the pattern alone would allow 64).
 */
export const identityBindingName: readonly Rule[] = [
  lengthBetween(1, 63),
  matches(/^[a-z][a-z0-9]{0,63}$/, "lowercase letters and digits, starting with a letter (identity binding name: ^[a-z][a-z0-9]{0,63}$)"),
];

/** An ARM api-version of the identityBindings type: stable `YYYY-MM-DD` or `YYYY-MM-DD-preview`. */
export const identityBindingApiVersion: readonly Rule[] = [matches(/^\d{4}-\d{2}-\d{2}(-preview)?$/, "an ARM api-version such as 2026-05-01")];

/**
 * The spec's pattern of `properties.managedIdentity.resourceId`: resource group and identity names
 * of letters, digits and `-` only (no `_`, `.`, `(`, `)`), although ARM allows more in both.
 */
const SPEC_NAME = /^[a-zA-Z0-9-]+$/;

/**
 * Checks the binding's identity names (when literal) against the spec's `resourceId` pattern. The
 * service may or may not enforce the pattern; a name outside it is reported as a warning.
 *
 * @returns warning messages
 */
export function identityResourceIdWarnings(resourceGroupName: string | undefined, identityName: string | undefined): string[] {
  const out: string[] = [];
  for (const [what, value] of [["resource group", resourceGroupName], ["identity name", identityName]] as const) {
    if (value !== undefined && !SPEC_NAME.test(value)) {
      out.push(
        `IdentityBinding identity ${what} ${JSON.stringify(value)} is outside the REST API spec's pattern for properties.managedIdentity.resourceId ` +
          "(letters, digits and '-' only); AKS may refuse the binding – use an identity whose resource group and name match it",
      );
    }
  }
  return out;
}

/**
 * Counts the credential AKS writes on the identity (`aks-identity-binding`, one per identity however
 * many bindings refer to it; AKS never removes it) in the identity's record: it takes one of the
 * 20 federated credentials Entra allows. Reported on `scope` when it is one too many, or when a
 * credential of that name is already written by Terraform.
 */
export function countBindingCredential(scope: Construct, record: CredentialRecord, identityLabel: string): void {
  const p = new Problems();
  const first = record.names.get(AKS_BINDING_CREDENTIAL_NAME);
  if (first !== undefined && !first.startsWith("aks:")) {
    p.add(
      `IdentityBinding identity ${identityLabel}: ${first} writes a federated credential named ${JSON.stringify(AKS_BINDING_CREDENTIAL_NAME)}, ` +
        "the name AKS writes for identity bindings; rename that credential (AKS owns this one and Terraform must never manage it)",
    );
  }
  if (first === undefined) {
    if (record.count >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
      p.add(
        `IdentityBinding identity ${identityLabel} already has ${record.count} federated credentials; the binding makes AKS write ` +
          `${JSON.stringify(AKS_BINDING_CREDENTIAL_NAME)} as number ${record.count + 1}, and Entra allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} – ` +
          "move direct federations of this identity to the binding (or to another identity)",
      );
    }
    record.names.set(AKS_BINDING_CREDENTIAL_NAME, `aks:${scope.node.path}`);
    record.count++;
  }
  p.report(scope);
}
