import { first } from "../context";
import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI014",
  severity: "warning",
  title: "A workload identity pod runs a privileged container or allows privilege escalation",
  fix: "drop privileged/allow_privilege_escalation (FederatedWorkload.addPod's defaults do)",
  check(ctx, report) {
    for (const pod of ctx.pods) {
      if (!pod.labelled) continue;
      // Stryker disable next-line ArrayDeclaration: a stand-in container has no security_context
      const containers: any[] = [...(pod.spec?.container ?? []), ...(pod.spec?.init_container ?? [])];
      const risky = containers.find((c) => {
        // Stryker disable next-line OptionalChaining: the security context hands containers over as objects (podParts), never null
        const sc = first(c?.security_context) ?? {};
        return sc.privileged === true || sc.allow_privilege_escalation === true;
      });
      if (risky) report(pod.element, `container ${JSON.stringify(risky.name)} is privileged or allows privilege escalation`);
    }
  },
});
