import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { App, DefaultTokenResolver, StringConcat, TerraformStack, Testing, Tokenization } from "cdktf";
import { AzurermProvider } from "@cdktf/provider-azurerm/lib/provider";
import { KubernetesProvider } from "@cdktf/provider-kubernetes/lib/provider";
import type { AppConfig } from "../../stacks";
import { expectValidStack, expectValidSynthOutput } from "./schema-validation";

/** A stack with the azurerm and kubernetes providers, as a user's own stack would have. */
export function newStack(id = "test"): TerraformStack {
  const app = Testing.app();
  const stack = new TerraformStack(app, id);
  new AzurermProvider(stack, "azurerm", { features: [{}] });
  new KubernetesProvider(stack, "kubernetes", {});
  return stack;
}

/** Synthesizes one stack with validations on, checks it against the provider schemas and parses it. */
export function synth(stack: TerraformStack): any {
  const json = JSON.parse(Testing.synth(stack, true));
  expectValidStack(stack.node.id, json);
  return json;
}

/** The synth error of a stack (its validations), or "" when it synthesizes. */
export function synthError(stack: TerraformStack): string {
  try {
    Testing.synth(stack, true);
    return "";
  } catch (e) {
    return (e as Error).message;
  }
}

/** Every resource (or data source with kind "data") of a type: [{ name, body }]. */
export function all(json: any, type: string, kind: "resource" | "data" = "resource"): Array<{ name: string; body: any }> {
  return Object.entries(json[kind]?.[type] ?? {}).map(([name, body]) => ({ name, body }));
}

/** The only resource of a type; fails the test if there are none or several. */
export function only(json: any, type: string, kind: "resource" | "data" = "resource"): { name: string; body: any } {
  const found = all(json, type, kind);
  if (found.length !== 1) throw new Error(`expected exactly one ${kind} ${type}, found ${found.length}`);
  return found[0];
}

/** The config the app uses with nothing set, with overrides. */
export function defaultConfig(env: Record<string, string> = {}): AppConfig {
  return appModule().loadConfig((name) => env[name]);
}

// The app (stacks/, with the environment files' loader) is loaded when a test first asks for it:
// most test files build their own stacks and need only the library.
const appModule = (): typeof import("../../stacks") => require("../../stacks");

/** Synthesizes the whole app (all stacks, cross-stack wiring) into a temp dir, checked against the provider schemas. */
export function synthApp(env: Record<string, string> = {}): { outdir: string; stacks: Record<string, any> } {
  const outdir = fs.mkdtempSync(path.join(os.tmpdir(), "azwi-app-"));
  const app = new App({ outdir });
  appModule().buildApp(app, defaultConfig(env));
  app.synth();
  expectValidSynthOutput(outdir);
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, "manifest.json"), "utf8"));
  const stacks: Record<string, any> = {};
  for (const [name, stack] of Object.entries<any>(manifest.stacks)) {
    stacks[name] = JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), "utf8"));
  }
  return { outdir, stacks };
}

/** Strips `${` `}` from a Terraform interpolation. */
export function expr(value: string): string {
  const m = /^\$\{(.*)\}$/.exec(value);
  if (!m) throw new Error(`not a single interpolation: ${value}`);
  return m[1];
}

/**
 * Follows a cross-stack reference `${data.terraform_remote_state.X.outputs.Y}` in `consumer` to the
 * producing stack's output value. Returns the value unchanged when it is not such a reference.
 */
export function acrossStacks(stacks: Record<string, any>, consumer: any, value: string): string {
  const m = /^\$\{data\.terraform_remote_state\.([^.]+)\.outputs\.([^}]+)\}$/.exec(value);
  if (!m) return value;
  const [, remoteName, outputName] = m;
  const remote = consumer.data.terraform_remote_state[remoteName];
  const producerName = Object.keys(stacks).find((s) => remote.config.path.endsWith(`terraform.${s}.tfstate`));
  if (!producerName) throw new Error(`no stack writes ${remote.config.path}`);
  return stacks[producerName].output[outputName].value;
}

/** Resolves tokens in `value` as they would be written into `stack`'s JSON. */
export function resolve(stack: TerraformStack, value: unknown): any {
  return Tokenization.resolve(value, {
    scope: stack,
    preparing: false,
    resolver: new DefaultTokenResolver(new StringConcat()),
  });
}

/**
 * A value made on first use and then shared by the tests that use it; in a Stryker run, made again
 * for each test. Assign it in a `beforeEach` (which runs inside each test's coverage window): the
 * construct code it runs then counts as covered by every test that reads it. Made at describe
 * level instead, that code would run outside any test, and Stryker would treat every mutant in it
 * as "static" (run with all tests, ~30 s each).
 */
export function sharedPerTest<T>(make: () => T): () => T {
  let cached: { key: string | undefined; value: T } | undefined;
  return () => {
    const key = (globalThis as { __stryker__?: unknown }).__stryker__ ? expect.getState().currentTestName : "";
    if (!cached || cached.key !== key) cached = { key, value: make() };
    return cached.value;
  };
}
