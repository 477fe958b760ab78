import { App } from "cdktf";
import { buildApp, ConfigError, environmentThenContext, loadConfig } from "./stacks";

// `cdktf synth|diff|deploy` runs this file. Settings come from the walkthroughs' environment
// variables, then cdktf context, then defaults (see README, "Configuration").
const app = new App();
try {
  const config = loadConfig(environmentThenContext(process.env, (name) => app.node.tryGetContext(name)));
  buildApp(app, config);
  app.synth();
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(1);
  }
  throw error;
}
