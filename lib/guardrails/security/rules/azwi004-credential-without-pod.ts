import { USE_LABEL } from "../../../core/constants";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI004",
  severity: "warning",
  title: "A federated credential trusts a service account that no labelled pod in this app runs as",
  fix: "add the pod with FederatedWorkload.addPod, or suppress with the reason (e.g. pods are deployed by GitOps)",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_federated_identity_credential")) {
      const subject = e.body.subject;
      if (typeof subject !== "string" || !subject.startsWith("system:serviceaccount:")) continue;
      const [, , ns, sa] = subject.split(":");
      if (!ctx.labelledServiceAccounts.has(`${ns}/${sa}`)) {
        report(e, `trusts service account ${ns}/${sa}, but no pod in this app runs as it with ${USE_LABEL}: "true"`);
      }
    }
  },
});
