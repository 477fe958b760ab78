/**
 * The security pass as the library wires it: findings and their suppressions
 * (WorkloadIdentityChecks), how a stack reports them (validation, annotations, the record in the
 * synth output), `checkApp` listing every problem at once, and `guardStack` attaching the passes
 * once per stack and refusing a second copy of cdktf or of the library; the rule catalogue's rows.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { invokeAspects } from "cdktf/lib/synthesize/synthesizer";
import { Construct } from "constructs";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { FederatedIdentityCredential } from "@cdktf/provider-azurerm/lib/federated-identity-credential";
import { KeyVault } from "@cdktf/provider-azurerm/lib/key-vault";
import { KeyVaultSecret } from "@cdktf/provider-azurerm/lib/key-vault-secret";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { checkApp, GuardrailError, SECURITY_RULES, WorkloadIdentityChecks, WorkloadKeyVault } from "../lib";
import { formatFinding } from "../lib/guardrails/checks";
import { rulesMarkdown } from "../lib/guardrails/security/catalogue";
import { DuplicateCopyError, guardStack } from "../lib/guardrails/auto";
import { LiteralNameOrdering } from "../lib/guardrails/ordering";
import { RealNameRegistry } from "../lib/guardrails/registry";

const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "azwi-pass-"));

/** A stack with both providers in `app`, checked by one WorkloadIdentityChecks aspect. */
function checkedStack(app: App, id = "hand"): TerraformStack {
  const stack = new TerraformStack(app, id);
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new KubernetesProvider(stack, "k8s", {});
  Aspects.of(stack).add(new WorkloadIdentityChecks());
  return stack;
}

/** An AZWI003 error: a secret written with `value`. */
const secretWithValue = (s: Construct, id = "sec") => new KeyVaultSecret(s, id, { name: id, keyVaultId: "/v", value: "Hello!" });
/** An AZWI004 warning: a credential whose service account no labelled pod runs as. */
const lonelyCredential = (s: Construct, id = "fic", account = "api") =>
  new FederatedIdentityCredential(s, id, {
    name: id,
    resourceGroupName: "rg",
    parentId: "/subscriptions/x/resourceGroups/rg/providers/Microsoft.ManagedIdentity/userAssignedIdentities/id",
    issuer: "https://issuer.example.com/",
    subject: `system:serviceaccount:apps:${account}`,
    audience: ["api://AzureADTokenExchange"],
  });
/** An AZWI002 error: a vault without purge protection. */
const vaultWithoutPurgeProtection = (s: Construct, id = "kv") =>
  new KeyVault(s, id, { name: id, resourceGroupName: "rg", location: "eastus", tenantId: "t", skuName: "standard" });

const AZWI003 = (p: string) => `[AZWI003] ${p}: sets \`value\`, which Terraform keeps in state. Fix: ${SECURITY_RULES.AZWI003.fix}`;
const AZWI004 = (p: string) =>
  `[AZWI004] ${p}: trusts service account apps/api, but no pod in this app runs as it with azure.workload.identity/use: "true". Fix: ${SECURITY_RULES.AZWI004.fix}`;

/** The record of the security pass in a stack's JSON, after the aspects have run (as in a synth, which errors would stop). */
const recordOf = (stack: TerraformStack) => {
  invokeAspects(stack);
  return stack.toTerraform()["//"].azwi_guardrails;
};
const annotationsOf = (app: App, stack: string) =>
  JSON.parse(fs.readFileSync(path.join(app.outdir, "manifest.json"), "utf8")).stacks[stack].annotations.map((a: any) => `${a.level} ${a.message}`);
const messageOf = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error("did not throw");
};

describe("a finding", () => {
  test("is written as [rule] path: message. Fix: fix", () => {
    expect(formatFinding({ ruleId: "AZWI003", severity: "error", path: "hand/sec", message: "sets `value`", fix: "use value_wo" })).toBe(
      "[AZWI003] hand/sec: sets `value`. Fix: use value_wo",
    );
  });

  test("names the rule, its severity and fix, and the path of the offending resource", () => {
    const app = new App({ outdir: tmp() });
    secretWithValue(checkedStack(app));
    expect(WorkloadIdentityChecks.findings(app)).toEqual([
      { ruleId: "AZWI003", severity: "error", path: "hand/sec", message: "sets `value`, which Terraform keeps in state", fix: SECURITY_RULES.AZWI003.fix, suppressedBecause: undefined },
    ]);
  });

  test("of an app is computed once: later calls return the same findings", () => {
    const app = new App({ outdir: tmp() });
    secretWithValue(checkedStack(app));
    expect(WorkloadIdentityChecks.findings(app)).toBe(WorkloadIdentityChecks.findings(app));
  });
});

describe("WorkloadIdentityChecks.errors", () => {
  test("lists the unsuppressed errors only, formatted, leaving warnings and suppressed errors out", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    secretWithValue(stack, "sec");
    WorkloadIdentityChecks.suppress(secretWithValue(stack, "old"), "AZWI003", "a legacy secret, migrated next quarter");
    lonelyCredential(stack);
    expect(WorkloadIdentityChecks.errors(app)).toEqual([AZWI003("hand/sec")]);
  });
});

describe("a suppression", () => {
  test("must name a known rule, and the refusal lists the known rules", () => {
    const stack = new TerraformStack(new App({ outdir: tmp() }), "s");
    expect(messageOf(() => WorkloadIdentityChecks.suppress(stack, "AZWI999", "because of reasons"))).toBe(
      `WorkloadIdentityChecks.suppress: unknown rule "AZWI999"; known rules: ${Object.keys(SECURITY_RULES).join(", ")}`,
    );
    expect(Object.keys(SECURITY_RULES)).toEqual(expect.arrayContaining(["AZWI001", "AZWI015", "AZWI017"]));
  });

  test("needs a reason of at least 10 characters, not counting surrounding spaces", () => {
    const stack = new TerraformStack(new App({ outdir: tmp() }), "s");
    expect(messageOf(() => WorkloadIdentityChecks.suppress(stack, "AZWI003", "  123456789  "))).toBe(
      "WorkloadIdentityChecks.suppress(AZWI003) on s: give a reason of at least 10 characters",
    );
    expect(() => WorkloadIdentityChecks.suppress(stack, "AZWI003", "1234567890")).not.toThrow();
  });

  test("keeps its reason without surrounding spaces", () => {
    const app = new App({ outdir: tmp() });
    const secret = secretWithValue(checkedStack(app));
    WorkloadIdentityChecks.suppress(secret, "AZWI003", "   a legacy secret, migrated next quarter \n");
    expect(WorkloadIdentityChecks.findings(app).map((f) => f.suppressedBecause)).toEqual(["a legacy secret, migrated next quarter"]);
  });

  test("of two rules on one construct keeps both", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    const scope = new Construct(stack, "legacy");
    secretWithValue(scope);
    vaultWithoutPurgeProtection(scope);
    WorkloadIdentityChecks.suppress(scope, "AZWI003", "a legacy secret, migrated next quarter");
    WorkloadIdentityChecks.suppress(scope, "AZWI002", "a scratch vault whose secrets are regenerated");
    expect(WorkloadIdentityChecks.findings(app).map((f) => `${f.ruleId} ${f.path}: ${f.suppressedBecause}`).sort()).toEqual([
      "AZWI002 hand/legacy/kv: a scratch vault whose secrets are regenerated",
      "AZWI003 hand/legacy/sec: a legacy secret, migrated next quarter",
    ]);
  });

  test("on a scope covers everything below it, and only that rule", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    secretWithValue(stack);
    vaultWithoutPurgeProtection(stack);
    WorkloadIdentityChecks.suppress(stack, "AZWI003", "secrets of this stack are rotated by the pipeline");
    expect(WorkloadIdentityChecks.findings(app).map((f) => `${f.ruleId} ${f.path}: ${f.suppressedBecause}`)).toEqual([
      "AZWI002 hand/kv: undefined",
      "AZWI003 hand/sec: secrets of this stack are rotated by the pipeline",
    ]);
  });
});

describe("a stack's report of its findings", () => {
  test("fails the synth with the stack's unsuppressed errors, and annotates its warnings", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    secretWithValue(stack);
    lonelyCredential(stack);
    expect(messageOf(() => app.synth())).toContain(AZWI003("hand/sec"));
    expect(stack.node.validate()).toEqual([AZWI003("hand/sec")]);
  });

  test("is made once however many WorkloadIdentityChecks are attached", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    Aspects.of(stack).add(new WorkloadIdentityChecks());
    lonelyCredential(stack);
    app.synth();
    expect(annotationsOf(app, "hand")).toEqual([`@cdktf/warn ${AZWI004("hand/fic")}`]);
  });

  test("holds the findings of that stack only, not of a stack whose name it begins", () => {
    const app = new App({ outdir: tmp() });
    lonelyCredential(checkedStack(app, "hand"), "fic");
    lonelyCredential(checkedStack(app, "hand2"), "other");
    app.synth();
    expect(annotationsOf(app, "hand")).toEqual([`@cdktf/warn ${AZWI004("hand/fic")}`]);
    expect(annotationsOf(app, "hand2")).toEqual([`@cdktf/warn ${AZWI004("hand2/other")}`]);
  });

  test("of a stack nested in another holds its own findings, which the outer stack does not repeat", () => {
    const app = new App({ outdir: tmp() });
    const outer = checkedStack(app, "outer");
    const inner = new TerraformStack(outer, "inner");
    new AzurermProvider(inner, "azurerm", { features: [{}] });
    secretWithValue(inner);
    expect(WorkloadIdentityChecks.findings(app).map((f) => f.path)).toEqual(["outer/inner/sec"]);
    invokeAspects(outer);
    expect([outer.node.validate(), inner.node.validate()]).toEqual([[], [AZWI003("outer/inner/sec")]]);
  });

  test("is made on stacks, not on the resources the aspect also visits", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    const secret = secretWithValue(stack);
    expect(() => app.synth()).toThrow();
    expect(secret.node.validate()).toEqual([]);
    expect(Object.keys((secret as any).rawOverrides)).toEqual([]);
  });

  test("is recorded in the stack's JSON: the pass ran, the counts, and each suppressed finding with its reason and message", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    secretWithValue(stack);
    lonelyCredential(stack);
    lonelyCredential(stack, "fic2", "web");
    WorkloadIdentityChecks.suppress(vaultWithoutPurgeProtection(stack), "AZWI002", "a scratch vault whose secrets are regenerated");
    expect(recordOf(stack)).toEqual({
      securityPass: "ran",
      skipValidation: false,
      errors: 1,
      warnings: 2,
      suppressed: [{ rule: "AZWI002", path: "hand/kv", reason: "a scratch vault whose secrets are regenerated", message: "has purge protection off" }],
    });
  });

  test("with skipValidation, raises the errors and the library's own problems as error annotations and says which checks did not run", () => {
    const app = new App({ outdir: tmp(), skipValidation: true });
    const stack = checkedStack(app);
    secretWithValue(stack);
    new WorkloadKeyVault(stack, "vault", { name: "x", resourceGroupName: "rg", location: "eastus" });
    const thrown = messageOf(() => app.synth());
    expect(thrown).toContain(AZWI003("hand/sec"));
    expect(thrown).toMatch(/\[hand\/vault\] WorkloadKeyVault\.name "x"/);
    expect(recordOf(stack)).toMatchObject({ securityPass: "ran", skipValidation: true, errors: 1 });
    expect(stack.node.metadata.filter((m) => m.type === "@cdktf/warn").map((m) => m.data)).toEqual([
      "skipValidation is on: cdktf skips construct validations, but the guardrails of aks-workload-identity-cdktf still ran " +
        "(their errors fail the synth); validations of other libraries and of cdktf itself did not run",
    ]);
    expect(stack.node.validate()).toEqual([]);
  });
});

describe("checkApp", () => {
  test("passes an app without problems", () => {
    const app = new App({ outdir: tmp() });
    const stack = new TerraformStack(app, "plain");
    new AzurermProvider(stack, "azurerm", { features: [{}] });
    new KeyVault(stack, "kv", { name: "kv", resourceGroupName: "rg", location: "eastus", tenantId: "t", skuName: "standard", purgeProtectionEnabled: true });
    expect(() => checkApp(app)).not.toThrow();
  });

  test("lists a security error once, as the finding, though the stack's validation repeats it", () => {
    const app = new App({ outdir: tmp() });
    secretWithValue(checkedStack(app));
    const error = (() => {
      try {
        checkApp(app);
      } catch (e) {
        return e as GuardrailError;
      }
      throw new Error("checkApp passed");
    })();
    expect(error.name).toBe("GuardrailError");
    expect(error.problems).toEqual([AZWI003("hand/sec")]);
    expect(error.message).toBe(`1 problem(s) found; nothing was synthesized:\n  ${AZWI003("hand/sec")}`);
  });

  test("lists the problems the passes' aspects find (a vault name claimed in two stacks) before any synth", () => {
    const app = new App({ outdir: tmp() });
    for (const id of ["dev", "prod"]) {
      const s = new TerraformStack(app, id);
      new AzurermProvider(s, "azurerm", { features: [{}] });
      new WorkloadKeyVault(s, "kv", { name: "kv-apps", resourceGroupName: `rg-${id}`, location: "eastus" });
    }
    expect(messageOf(() => checkApp(app))).toMatch(
      /^1 problem\(s\) found; nothing was synthesized:\n {2}\[prod\/kv\/vault\] Key Vault \(name "kv-apps"\) is already created by dev\/kv\/vault/,
    );
  });

  test("lists construct validations with the construct's path, then the security errors", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    secretWithValue(stack);
    new WorkloadKeyVault(stack, "vault", { name: "x", resourceGroupName: "rg", location: "eastus" });
    const problems = (() => {
      try {
        checkApp(app);
      } catch (e) {
        return (e as GuardrailError).problems;
      }
      return [];
    })();
    expect(problems[problems.length - 1]).toBe(AZWI003("hand/sec"));
    expect(problems.slice(0, -1)).toEqual([expect.stringMatching(/^\[hand\/vault\] WorkloadKeyVault\.name "x"/)]);
  });
});

describe("guardStack", () => {
  test("attaches the ordering, the name registry and the security pass to a stack once, keeping one the user attached", () => {
    const app = new App({ outdir: tmp() });
    const stack = checkedStack(app);
    guardStack(stack);
    guardStack(new Construct(stack, "child"));
    const all = Aspects.of(stack).all;
    expect([LiteralNameOrdering, RealNameRegistry, WorkloadIdentityChecks].map((k) => all.filter((a) => a instanceof k).length)).toEqual([1, 1, 1]);
  });

  test("refuses a stack of another copy of cdktf", () => {
    // Another copy's TerraformStack carries the same marker (TerraformStack.isStack) but is not this copy's class.
    class ForeignStack extends Construct {
      constructor(scope: Construct, id: string) {
        super(scope, id);
        Object.defineProperty(this, Symbol.for("cdktf/TerraformStack"), { value: true });
      }
    }
    const scope = new Construct(new ForeignStack(new App({ outdir: tmp() }), "foreign"), "w");
    const cdktf = path.dirname(require.resolve("cdktf/package.json"));
    expect(() => guardStack(scope)).toThrow(DuplicateCopyError);
    expect(messageOf(() => guardStack(scope))).toBe(
      `foreign/w: the app was built with another copy of cdktf than aks-workload-identity-cdktf uses (${cdktf}). ` +
        "Two copies cannot see each other's resources, so the guardrails would be skipped. Install cdktf once: " +
        "it is a peer dependency (npm ls cdktf; npm dedupe; no `npm link` of the library next to its own node_modules)",
    );
  });

  test("refuses an app of another copy of cdktf", () => {
    class ForeignApp extends Construct {
      constructor() {
        super(undefined as unknown as Construct, "");
        Object.defineProperty(this, Symbol.for("cdktf/App"), { value: true });
      }
    }
    const stack = new TerraformStack(new ForeignApp(), "s");
    expect(messageOf(() => guardStack(stack))).toMatch(/^s: the app was built with another copy of cdktf than aks-workload-identity-cdktf uses/);
  });

  test("refuses to run when another copy of the library has registered itself", () => {
    const copies: Set<string> = (globalThis as any)[Symbol.for("aks-workload-identity-cdktf/copies")];
    const other = "/elsewhere/node_modules/aks-workload-identity-cdktf";
    copies.add(other);
    try {
      const stack = new TerraformStack(new App({ outdir: tmp() }), "s");
      const error = (() => {
        try {
          guardStack(stack);
        } catch (e) {
          return e as Error;
        }
        throw new Error("guardStack passed");
      })();
      expect(error.name).toBe("DuplicateCopyError");
      expect(error.message).toBe(
        `s: 2 copies of aks-workload-identity-cdktf are loaded (${path.resolve(__dirname, "..")}, ${other}); ` +
          "their guardrails cannot see each other's resources. Install it once (npm ls aks-workload-identity-cdktf; npm dedupe)",
      );
      expect(Aspects.of(stack).all).toEqual([]);
    } finally {
      copies.delete(other);
    }
  });
});

describe("the rule catalogue (docs/rules.md)", () => {
  const rule = (id: string, title: string, fix: string) => ({ id, severity: "warning" as const, title, fix });

  test("has one row per rule: id, severity, title, fix and the rule's file, with table pipes escaped", () => {
    expect(rulesMarkdown([rule("AZWI003", "a title with a | pipe", "a fix | or two | pipes")]).split("\n").slice(-3)).toEqual([
      "|---|---|---|---|---|",
      "| AZWI003 | warning | a title with a \\| pipe | a fix \\| or two \\| pipes | `lib/guardrails/security/rules/azwi003-secret-value-in-state.ts` |",
      "",
    ]);
  });

  test("refuses a rule without its file", () => {
    expect(() => rulesMarkdown([rule("AZWI099", "t", "f")])).toThrow("rulesMarkdown: rule AZWI099 has no file lib/guardrails/security/rules/azwi099-*.ts");
  });

  test("does not take a longer id's file for a rule (AZWI001 is not azwi0010-…)", () => {
    expect(() => rulesMarkdown([rule("AZWI01", "t", "f")])).toThrow("rulesMarkdown: rule AZWI01 has no file");
  });
});
