import * as fs from "fs";
import * as path from "path";
import { App, Aspects, TerraformStack } from "cdktf";
import { WorkloadIdentityChecks } from "../lib/guardrails/checks";
import { checkApp, GuardrailError } from "../lib/guardrails/check-app";
import { AppConfig, ConfigError, loadConfig, loadRegionSettings } from "./config";
import { environmentState } from "./backends";
import { buildEnvironments } from "./environments/build";
import { environmentFiles, loadEnvironments } from "./environments/load";
import { explainProblems } from "./environments/origins";
import type { StateSpec } from "./environments/types";
import { PlatformStack } from "./platform-stack";
import { SingleStack } from "./single-stack";
import { WorkloadStack } from "./workload-stack";

// The "./app" entry of the package: every public name is listed here once; the rest of stacks/ is
// internal to the app.
export { ConfigError, environmentThenContext, loadConfig } from "./config";
export type { AppConfig } from "./config";
export { PlatformStack } from "./platform-stack";
export { WorkloadStack } from "./workload-stack";
export { SingleStack } from "./single-stack";
export { EnvironmentError } from "./environments/load";
export type { StateSpec } from "./environments/types";

/**
 * What `cdktf synth` builds: with environment files (`ENVIRONMENTS_DIR`, default `environments`,
 * relative to the project), every environment's stacks; without, the default app from the seed
 * settings (stacks `platform` and `workload`, as before environments existed).
 */
export function buildConfiguredApp(app: App, lookup: (name: string) => string | undefined): TerraformStack[] {
  const given = lookup("ENVIRONMENTS_DIR");
  const dir = path.resolve(given ?? "environments");
  if (given !== undefined && !fs.existsSync(dir)) {
    throw new ConfigError([`ENVIRONMENTS_DIR ${JSON.stringify(given)} does not exist (it names the directory of the environment files, relative to the project)`]);
  }
  const files = environmentFiles(dir);
  if (files.length === 0) {
    if (given !== undefined) throw new ConfigError([`ENVIRONMENTS_DIR ${JSON.stringify(given)} has no .yaml or .yml files`]);
    return buildApp(app, loadConfig(lookup), defaultState(lookup));
  }
  const regions = loadRegionSettings(lookup);
  setRegionContext(app, regions);
  const stacks = buildEnvironments(app, loadEnvironments(files, regions), defaultState(lookup));
  attachChecks(stacks);
  return stacks;
}

/**
 * `checkApp` for the app {@link buildConfiguredApp} built: every problem at once, each problem of a
 * construct built from an environment file preceded by that entry's `file:line: field` (and every
 * other construct it names followed by its entry's), so a refusal points at the line to change.
 */
export function checkConfiguredApp(app: App): void {
  try {
    checkApp(app);
  } catch (e) {
    if (e instanceof GuardrailError) throw new GuardrailError(explainProblems(app, e.problems));
    throw e;
  }
}

/** The state setting names for environment files without `state` (set in CI, where local state is lost with the runner). */
export const DEFAULT_STATE_SETTINGS = ["TFSTATE_RESOURCE_GROUP", "TFSTATE_STORAGE_ACCOUNT", "TFSTATE_CONTAINER"] as const;

/**
 * The backend of environment files that name no `state`: Azure Storage when `TFSTATE_RESOURCE_GROUP`,
 * `TFSTATE_STORAGE_ACCOUNT` and `TFSTATE_CONTAINER` are set (blob `<env>/<stack>.tfstate`, Entra
 * sign-in, OIDC when `ARM_USE_OIDC` is `true`), local files otherwise. Some but not all set is an error.
 */
function defaultState(lookup: (name: string) => string | undefined): StateSpec | undefined {
  const [resourceGroup, storageAccount, container] = DEFAULT_STATE_SETTINGS.map((n) => lookup(n) || undefined);
  const given = DEFAULT_STATE_SETTINGS.filter((n) => lookup(n));
  if (given.length === 0) return undefined;
  if (given.length < DEFAULT_STATE_SETTINGS.length) {
    const missing = DEFAULT_STATE_SETTINGS.filter((n) => !lookup(n));
    throw new ConfigError([`${given.join(", ")} set but ${missing.join(", ")} not: the default state in Azure Storage needs all three (or none, for local state)`]);
  }
  return { backend: "azurerm", resourceGroup: resourceGroup!, storageAccount: storageAccount!, container: container!, useOidc: lookup("ARM_USE_OIDC") === "true" };
}

function setRegionContext(app: App, config: Pick<AppConfig, "additionalRegions" | "unsupportedFicRegions">): void {
  if (config.additionalRegions) app.node.setContext("azwi:additionalRegions", config.additionalRegions);
  if (config.unsupportedFicRegions) app.node.setContext("azwi:unsupportedFicRegions", config.unsupportedFicRegions);
}

function attachChecks(stacks: readonly TerraformStack[]): void {
  // The security rule pass runs on every stack's synth: the constructs attach it to their stacks
  // (lib/guardrails/auto.ts); attaching it here too covers a stack without any of them.
  const checks = new WorkloadIdentityChecks();
  for (const stack of stacks) Aspects.of(stack).add(checks);
}

/**
 * Builds the app's stacks for `config` (the same function main.ts and the tests use). `state`: where
 * they keep their state (`<stack>.tfstate` under the key prefix `default` in Azure Storage), local
 * files when undefined.
 */
export function buildApp(app: App, config: AppConfig, state?: StateSpec): TerraformStack[] {
  // Region lists reach the constructs' checks through context.
  setRegionContext(app, config);
  let stacks: TerraformStack[];
  if (config.stackLayout === "single-stack") {
    stacks = [new SingleStack(app, "workload-identity", config)];
  } else {
    const platform = new PlatformStack(app, "platform", config);
    stacks = [platform, new WorkloadStack(app, "workload", platform, config)];
  }
  // State in the project directory, by a relative path (no machine path in the synthesized JSON).
  for (const stack of stacks) environmentState(stack, "default", state);
  attachChecks(stacks);
  return stacks;
}
