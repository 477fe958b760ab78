import { MAX_FEDERATED_CREDENTIALS_PER_IDENTITY } from "../../../core/constants";
import { constructCredentials } from "../../../core/internal";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI013",
  severity: "error",
  title: "A managed identity has more than 20 federated credentials, or repeats an issuer + subject",
  fix: "spread workloads over more identities; remove the duplicate credential",
  check(ctx, report) {
    const perIdentity = new Map<string, { count: number; pairs: Set<string> }>();
    for (const e of ctx.resources("azurerm_federated_identity_credential")) {
      // azurerm 4.66 renames parent_id to user_assigned_identity_id: both are read.
      const parent = e.body.user_assigned_identity_id ?? e.body.parent_id;
      // Credentials made through ManagedIdentity are counted there (per identity, app-wide).
      if (constructCredentials.has(e.construct) || typeof parent !== "string") continue;
      const key = `${e.stack.node.path}|${parent}`;
      let entry = perIdentity.get(key);
      if (!entry) perIdentity.set(key, (entry = { count: 0, pairs: new Set() }));
      entry.count += 1;
      if (entry.count === MAX_FEDERATED_CREDENTIALS_PER_IDENTITY + 1) {
        report(e, `is credential number ${entry.count} of identity ${parent}; Entra allows ${MAX_FEDERATED_CREDENTIALS_PER_IDENTITY}`);
      }
      const pair = `${e.body.issuer}\n${e.body.subject}`;
      if (entry.pairs.has(pair)) report(e, `repeats issuer and subject ${JSON.stringify(e.body.subject)} on identity ${parent}`);
      entry.pairs.add(pair);
    }
  },
});
