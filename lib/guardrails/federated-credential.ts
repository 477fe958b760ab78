/**
 * The rules of one federated identity credential, shared by managed identities and Entra
 * applications (both hold at most 20, with unique issuer + subject).
 */
import { Construct } from "constructs";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../core/constants";
import type { FederatedCredentialOptions } from "../core/types";
import { Problems } from "./problems";
import * as R from "./rules";

/** What the credentials already written to one identity or application hold, for the per-holder rules. */
export interface CredentialRecord {
  /** Credentials counted so far. */
  count: number;
  /** issuer + subject pairs already trusted (a set, not a pairwise scan). */
  readonly trusted: Set<string>;
  /** Names already used, lowercased, with the construct path that used each. */
  readonly names: Map<string, string>;
}

/** A record with nothing in it. */
export function newCredentialRecord(): CredentialRecord {
  return { count: 0, trusted: new Set(), names: new Map() };
}

/**
 * Checks one federated credential against Entra's rules and against the credentials its holder
 * already has in `record` (updated here). `holder` names it in messages: "managed identity" or
 * "application".
 */
export function validateFederatedCredential(
  scope: Construct,
  options: FederatedCredentialOptions,
  record: CredentialRecord,
  holder: "managed identity" | "application",
): void {
  const p = new Problems();
  p.check("federated credential name", options.name, ...R.federatedCredentialName);
  p.check("federated credential issuer", options.issuer, ...R.issuerUrl);
  p.check(
    "federated credential subject",
    options.subject,
    ...(options.subject.startsWith("system:serviceaccount:") ? R.kubernetesSubject : R.subject),
  );
  p.check("federated credential audience", options.audience, R.lengthBetween(1, 600));
  if (record.count >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} would be number ${record.count + 1} on its ${holder}; ` +
        `Entra allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per ${holder} – use another ${holder}`,
    );
  }
  // Names are compared without case: a credential name is part of the resource's id, and Azure
  // resource ids compare case-insensitively; defaulted names (`api.v1` and `api-v1` both give
  // `…-api-v1`) collide too.
  const nameKey = options.name.toLowerCase();
  const first = record.names.get(nameKey);
  if (first !== undefined) {
    p.add(
      `federated credential name ${JSON.stringify(options.name)} is already used on the same ${holder} by ${first} ` +
        "(names are unique per holder, compared without case); set federatedCredentialName on one of them",
    );
  } else {
    record.names.set(nameKey, scope.node.path);
  }
  // Keyed on the raw strings: an unresolved issuer is the same token string wherever the same
  // cluster attribute is passed on, so a repeated cluster + subject is caught before apply too.
  const key = `${options.issuer}\n${options.subject}`;
  if (record.trusted.has(key)) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} repeats the issuer and subject ${JSON.stringify(options.subject)} ` +
        `already trusted by its ${holder}; issuer + subject must be unique per ${holder}`,
    );
  }
  record.trusted.add(key);
  record.count++;
  p.report(scope);
}
