import { Testing } from "cdktf";

Testing.setupJest();

// cdktf records a full stack trace for every token it creates, only to say where an unresolvable
// token came from; under jest, source-map-support maps every frame of every such trace. The app
// command (azwi-app) switches it off the same way; CDKTF_TOKEN_STACK_TRACES=1 keeps it.
if (process.env.CDKTF_TOKEN_STACK_TRACES !== "1") {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require("cdktf/lib/tokens/private/stack-trace").captureStackTrace = () => [];
}
