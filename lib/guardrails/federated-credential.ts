/**
 * The rules of one federated identity credential, shared by managed identities and Entra
 * applications (both hold at most 20, with unique issuer + subject).
 */
import { Construct } from "constructs";
import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../core/constants";
import type { FederatedCredentialOptions } from "../core/types";
import { Problems } from "./problems";
import * as R from "./rules";

/**
 * Checks one federated credential against Entra's rules and against the credentials its identity
 * already has (`existingCount`, and `trusted`: the issuer + subject pairs seen so far, updated here).
 */
export function validateFederatedCredential(
  scope: Construct,
  options: FederatedCredentialOptions,
  existingCount: number,
  trusted: Set<string>,
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
  if (existingCount >= MAX_FEDERATED_CREDENTIALS_PER_IDENTITY) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} would be number ${existingCount + 1} on its managed identity; ` +
        `Entra allows at most ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY} per identity – use another identity`,
    );
  }
  // Keyed on the raw strings: an unresolved issuer is the same token string wherever the same
  // cluster attribute is passed on, so a repeated cluster + subject is caught before apply too.
  const key = `${options.issuer}\n${options.subject}`;
  if (trusted.has(key)) {
    p.add(
      `federated credential ${JSON.stringify(options.name)} repeats the issuer and subject ${JSON.stringify(options.subject)} ` +
        `already trusted by its managed identity; issuer + subject must be unique per identity`,
    );
  }
  trusted.add(key);
  p.report(scope);
}
