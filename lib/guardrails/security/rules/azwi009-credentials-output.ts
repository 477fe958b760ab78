import { defineSecurityRule } from "../rule";

/** Outputs of these expose credentials: raw kubeconfigs, whole kubeconfig blocks, keys, certificates, passwords. */
const SECRET_OUTPUT = /kube_(admin_)?config_raw|kube_(admin_)?config(\[\d+\])?\}|\.client_key\}|\.client_certificate\}|\.password\}/;

export default defineSecurityRule({
  id: "AZWI009",
  severity: "error",
  title: "An output exposes cluster credentials without being marked sensitive",
  fix: "set sensitive: true on the output, or do not output credentials",
  check(ctx, report) {
    for (const e of ctx.outputs()) {
      if (e.body.sensitive !== true && SECRET_OUTPUT.test(JSON.stringify(e.body.value ?? ""))) report(e, "outputs cluster credentials");
    }
  },
});
