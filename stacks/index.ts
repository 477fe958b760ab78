import { App, Aspects, TerraformStack } from "cdktf";
import { WorkloadIdentityChecks } from "../lib/guardrails/checks";
import { AppConfig } from "./config";
import { PlatformStack } from "./platform-stack";
import { SingleStack } from "./single-stack";
import { WorkloadStack } from "./workload-stack";

export * from "./config";
export * from "./platform-stack";
export * from "./workload-stack";
export * from "./single-stack";

/** Builds the app's stacks for `config` (the same function main.ts and the tests use). */
export function buildApp(app: App, config: AppConfig): void {
  // Region lists reach the constructs' checks through context.
  if (config.additionalRegions) app.node.setContext("azwi:additionalRegions", config.additionalRegions);
  if (config.unsupportedFicRegions) app.node.setContext("azwi:unsupportedFicRegions", config.unsupportedFicRegions);
  let stacks: TerraformStack[];
  if (config.stackLayout === "single-stack") {
    stacks = [new SingleStack(app, "workload-identity", config)];
  } else {
    const platform = new PlatformStack(app, "platform", config);
    stacks = [platform, new WorkloadStack(app, "workload", platform, config)];
  }
  // The security rule pass runs on every stack's synth: the constructs attach it to their stacks
  // (lib/guardrails/auto.ts); attaching it here too covers a stack without any of them.
  const checks = new WorkloadIdentityChecks();
  for (const stack of stacks) Aspects.of(stack).add(checks);
}
