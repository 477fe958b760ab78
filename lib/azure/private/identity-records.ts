/**
 * One record per Azure identity of the app, shared by every object that refers to it (new,
 * fromExisting, fromAttributes, in any stack): the federated credentials it holds (Entra's limit of
 * 20 and the unique issuer + subject are per identity) and the last write to its credentials in
 * each stack (writes are chained: Azure refuses concurrent credential writes under one identity).
 */
import { TerraformResource } from "cdktf";
import { IConstruct } from "constructs";
import { perApp } from "../../core/internal";
import { CredentialRecord, newCredentialRecord } from "../../guardrails/federated-credential";
import type { TerraformStack } from "cdktf";

export interface IdentityRecord extends CredentialRecord {
  /** The last resource in each stack that writes a federated credential of the identity. */
  readonly lastInStack: WeakMap<TerraformStack, TerraformResource>;
}

const records = perApp(() => new Map<string, IdentityRecord>());

/** Which Azure identity an identity object is, when knowable at synth (see ManagedIdentity). */
export const identityKeys = new WeakMap<object, string>();

/**
 * The record of the Azure identity `identity` refers to. An identity object this library did not
 * make is keyed by its `identityId` (a literal lowercased, or the token itself).
 */
export function identityRecord(scope: IConstruct, identity: object & { readonly identityId: string }): IdentityRecord {
  const key = identityKeys.get(identity) ?? identity.identityId.toLowerCase();
  const map = records(scope);
  let record = map.get(key);
  if (!record) map.set(key, (record = { ...newCredentialRecord(), lastInStack: new WeakMap() }));
  return record;
}
