import { defineSecurityRule } from "../rule";

export default defineSecurityRule({
  id: "AZWI011",
  severity: "error",
  title: "A federated credential trusts the issuer of a cluster that has the OIDC issuer or workload identity turned off",
  fix: "set oidc_issuer_enabled and workload_identity_enabled on the cluster (AksWithOidc always does)",
  check(ctx, report) {
    for (const e of ctx.resources("azurerm_federated_identity_credential")) {
      const issuer = e.body.issuer;
      const ref = typeof issuer === "string" ? /^\$\{azurerm_kubernetes_cluster\.([^.]+)\.oidc_issuer_url\}$/.exec(issuer) : null;
      const cluster = ref ? ctx.at(e.stack, `azurerm_kubernetes_cluster.${ref[1]}`) : undefined;
      if (cluster && (cluster.body.oidc_issuer_enabled !== true || cluster.body.workload_identity_enabled !== true)) {
        report(
          e,
          `trusts cluster ${cluster.construct.node.path}, which has oidc_issuer_enabled=${cluster.body.oidc_issuer_enabled} and workload_identity_enabled=${cluster.body.workload_identity_enabled}`,
        );
      }
    }
  },
});
