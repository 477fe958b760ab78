import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI007",
  severity: "error",
  title: "A workload identity pod targets AKS virtual nodes, which do not support workload identity",
  fix: "remove the virtual-kubelet node selector and tolerations",
  check(ctx, report) {
    for (const pod of ctx.pods) {
      if (!pod.labelled) continue;
      const selector = pod.spec?.node_selector ?? {};
      // Stryker disable next-line ArrayDeclaration: a stand-in toleration has no key
      const tolerations: any[] = pod.spec?.toleration ?? [];
      const virtual = selector.type === "virtual-kubelet" || tolerations.some((t) => t?.key === "virtual-kubelet.io/provider" || t?.key === "azure.com/aci");
      if (virtual) report(pod.element, "targets virtual nodes (virtual-kubelet selector or toleration)");
    }
  },
});
