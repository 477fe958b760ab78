/**
 * `new App({ skipValidation: true })` (cdktf's advice when validation fails) must not switch the
 * guardrails off silently: their errors still fail the synth, and the synth says what did not run.
 * Every stack with the library's constructs records in its JSON that the security pass ran.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, TerraformStack } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import { RoleAssignment } from "@cdktf/provider-azurerm/lib/role-assignment";
import { FederatedWorkload, ManagedIdentity } from "../lib";
import { GUARDRAILS_RECORD } from "../lib/core/constants";

/** An app with one stack holding a workload; `plant` adds a mistake. */
function appWith(skipValidation: boolean, plant?: (stack: TerraformStack, w: FederatedWorkload) => void): { app: App; outdir: string } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-skip-"));
  const app = new App({ outdir, skipValidation });
  const stack = new TerraformStack(app, "payments");
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new KubernetesProvider(stack, "kubernetes", {});
  const w = new FederatedWorkload(stack, "api", { issuer: "https://issuer.example.com/", namespace: "payments", serviceAccountName: "api", resourceGroupName: "rg", location: "eastus" });
  w.addPod("pod", { name: "pod", containers: [{ name: "main", image: "ghcr.io/org/app:1" }] });
  plant?.(stack, w);
  return { app, outdir };
}

const owner = (stack: TerraformStack, w: FederatedWorkload) =>
  new RoleAssignment(stack, "owner", { scope: "/subscriptions/00000000-0000-0000-0000-000000000000", roleDefinitionName: "Owner", principalId: w.identity.principalId });

const stackJson = (outdir: string) => JSON.parse(fs.readFileSync(path.join(outdir, "stacks", "payments", "cdk.tf.json"), "utf8"));

describe("skipValidation", () => {
  test("an Owner grant to a workload identity still fails the synth", () => {
    const { app } = appWith(true, owner);
    expect(() => app.synth()).toThrow(/\[AZWI001\] payments\/owner/);
  });

  test("the app-wide checks (a name claimed twice) and checks computed at synth (a missing SecretProviderClass) still fail the synth", () => {
    const { app } = appWith(true, (stack, w) => {
      new ManagedIdentity(stack, "again", { name: "id-payments-api", resourceGroupName: "rg", location: "eastus" });
      w.addPod("mounts", { name: "mounts", containers: [{ name: "main", image: "ghcr.io/org/app:1" }], secretsStore: { secretProviderClass: "missing" } });
    });
    expect(() => app.synth()).toThrow(/user-assigned identity \(resource_group_name "rg", name "id-payments-api"\) is already created by payments\/api\/identity/);
    expect(() => app.synth()).toThrow(/secretsStore\.secretProviderClass "missing": no SecretProviderClass/);
  });

  test("a construct's own problem still fails the synth", () => {
    const { app } = appWith(true, (stack) =>
      new FederatedWorkload(stack, "system", { issuer: "https://issuer.example.com/", namespace: "kube-system", serviceAccountName: "sys", resourceGroupName: "rg", location: "eastus" }),
    );
    expect(() => app.synth()).toThrow(/\[payments\/system\] FederatedWorkload\.namespace "kube-system" is ignored by the workload identity webhook/);
  });

  test("a clean app synthesizes with a warning that says which checks did not run", () => {
    const { app, outdir } = appWith(true);
    app.synth();
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
    const warnings = manifest.stacks.payments.annotations.filter((a: any) => a.level === "@cdktf/warn").map((a: any) => a.message);
    expect(warnings).toContainEqual(expect.stringMatching(/^skipValidation is on: .*guardrails of aks-workload-identity-cdktf still ran/));
    expect(stackJson(outdir)["//"][GUARDRAILS_RECORD]).toMatchObject({ securityPass: "ran", skipValidation: true, errors: 0 });
  });

  test("every stack with the library's constructs records that the security pass ran, and what it found", () => {
    const { app, outdir } = appWith(false, (_stack, w) => w.addPod("plain", { name: "plain", containers: [{ name: "main", image: "nginx" }] }));
    app.synth();
    expect(stackJson(outdir)["//"][GUARDRAILS_RECORD]).toEqual({ securityPass: "ran", skipValidation: false, errors: 0, warnings: expect.any(Number), suppressed: [] });
  });

  test("without skipValidation the Owner grant fails as a validation, as before", () => {
    const { app } = appWith(false, owner);
    expect(() => app.synth()).toThrow(/Validation failed with the following errors:[\s\S]*\[AZWI001\] payments\/owner/);
  });
});
