import { USE_LABEL } from "../../../core/constants";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI005",
  severity: "error",
  title: 'A pod runs as a workload identity service account without the azure.workload.identity/use: "true" label',
  fix: "label the pod (FederatedWorkload.addPod always does); without it the webhook injects no token",
  check(ctx, report) {
    for (const pod of ctx.pods) {
      const account = `${pod.namespace}/${pod.serviceAccount}`;
      if (!pod.labelled && ctx.workloadServiceAccounts.has(account)) {
        report(pod.element, `runs as workload identity service account ${account} but lacks the label ${USE_LABEL}: "true"`);
      }
    }
  },
});
