import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI006",
  severity: "error",
  title: "A workload identity pod is in kube-system, which the webhook ignores",
  fix: "move it to another namespace",
  check(ctx, report) {
    for (const pod of ctx.pods) {
      if (pod.labelled && pod.namespace === "kube-system") report(pod.element, "is a workload identity pod in kube-system");
    }
  },
});
