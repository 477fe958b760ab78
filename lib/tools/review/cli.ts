#!/usr/bin/env node
/**
 * azwi-review [--base BASE] [--out FILE] [--inventory FILE] [--max-chars N] [--detailed-exitcode] DIR
 * (in this repository: npm run review -- …)
 * Writes the workload identity review of the cdktf synth output DIR (and what changed from BASE)
 * as GitHub-flavoured Markdown to stdout or FILE. Exit 0 on success, 2 on unreadable input; with
 * --detailed-exitcode, 0 when nothing identity-relevant changed from BASE and 3 when something did.
 */
import * as fs from "fs";
import { buildModel, loadSynthOutput, ReviewInputError } from "./model";
import { GITHUB_COMMENT_LIMIT, review } from "./render";

const USAGE = [
  "usage: azwi-review [--base BASE_DIR] [--out FILE] [--inventory FILE] [--max-chars N] [--detailed-exitcode] DIR",
  "  DIR                 a cdktf synth output directory (with manifest.json), e.g. cdktf.out",
  "  --base              the synth output of the base branch: the comment leads with what changed",
  "  --out               write the comment to FILE instead of stdout",
  "  --inventory         also write the full inventory (every chain, every change) to FILE",
  `  --max-chars         the comment's hard limit (default ${GITHUB_COMMENT_LIMIT}, GitHub's)`,
  "  --detailed-exitcode exit 0 when nothing identity-relevant changed from BASE, 3 when something did",
  "exit 0 on success, 2 on unreadable input (the message names the file)",
].join("\n");

/** Exit code with --detailed-exitcode when something identity-relevant changed. */
export const EXIT_CHANGED = 3;

export function main(argv: string[]): number {
  const opts: Record<string, string | undefined> = {};
  let detailed = false;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--base" || a === "--out" || a === "--inventory" || a === "--max-chars") {
      const v = argv[++i];
      if (v === undefined) {
        console.error(`${a} needs a value\n${USAGE}`);
        return 2;
      }
      opts[a] = v;
    } else if (a === "--detailed-exitcode") {
      detailed = true;
    } else if (a === "-h" || a === "--help") {
      console.log(USAGE);
      return 0;
    } else if (a.startsWith("-")) {
      console.error(`unknown option ${a}\n${USAGE}`);
      return 2;
    } else {
      positional.push(a);
    }
  }
  if (positional.length !== 1) {
    console.error(USAGE);
    return 2;
  }
  const maxChars = opts["--max-chars"] === undefined ? undefined : Number(opts["--max-chars"]);
  if (maxChars !== undefined && !(Number.isInteger(maxChars) && maxChars >= 2000)) {
    console.error(`--max-chars must be an integer of at least 2000\n${USAGE}`);
    return 2;
  }
  try {
    const headOut = loadSynthOutput(positional[0]);
    const baseOut = opts["--base"] === undefined ? undefined : loadSynthOutput(opts["--base"]);
    const head = buildModel(headOut);
    const baseModel = baseOut ? buildModel(baseOut) : undefined;
    const result = review(head, baseModel, { maxChars, inventoryFile: opts["--inventory"] });
    for (const w of head.warnings ?? []) console.error(`review: warning: ${w}`);
    if (opts["--out"]) fs.writeFileSync(opts["--out"], result.comment);
    else process.stdout.write(result.comment);
    if (opts["--inventory"]) fs.writeFileSync(opts["--inventory"], result.inventory);
    return detailed && baseModel && result.changed ? EXIT_CHANGED : 0;
  } catch (e) {
    if (e instanceof ReviewInputError) {
      console.error(`review: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module) process.exitCode = main(process.argv.slice(2));
