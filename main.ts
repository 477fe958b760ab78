import { App } from "cdktf";
import { checkApp, GuardrailError } from "./lib/guardrails/check-app";
import { buildApp, ConfigError, environmentThenContext, loadConfig } from "./stacks";

// `cdktf synth|diff|deploy` runs this file. Settings come from the walkthroughs' environment
// variables, then cdktf context, then defaults (see README, "Configuration").
const app = new App();
try {
  const config = loadConfig(environmentThenContext(process.env, (name) => app.node.tryGetContext(name)));
  buildApp(app, config);
  checkApp(app); // every problem of every stack at once, before anything is written
  app.synth();
} catch (error) {
  if (error instanceof ConfigError || error instanceof GuardrailError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
