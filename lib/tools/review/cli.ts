#!/usr/bin/env node
/**
 * azwi-review [--base BASE] [--out FILE] DIR   (in this repository: npm run review -- …)
 * Writes the workload identity review of the cdktf synth output DIR (and what changed from BASE)
 * as GitHub-flavoured Markdown to stdout or FILE. Exit 0 on success, 2 on unreadable input.
 */
import * as fs from "fs";
import { buildModel, loadSynthOutput, ReviewInputError } from "./model";
import { renderReview } from "./render";

const USAGE = [
  "usage: azwi-review [--base BASE_DIR] [--out FILE] DIR",
  "  DIR       a cdktf synth output directory (with manifest.json), e.g. cdktf.out",
  "  --base    the synth output of the base branch: changes are listed first",
  "  --out     write the Markdown to FILE instead of stdout",
  "exit 0 on success, 2 on unreadable input",
].join("\n");

export function main(argv: string[]): number {
  let base: string | undefined;
  let out: string | undefined;
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === "--base" || a === "--out") {
      const v = argv[++i];
      if (v === undefined) {
        console.error(`${a} needs a value\n${USAGE}`);
        return 2;
      }
      if (a === "--base") base = v;
      else out = v;
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
  try {
    const head = buildModel(loadSynthOutput(positional[0]));
    const baseModel = base === undefined ? undefined : buildModel(loadSynthOutput(base));
    const markdown = renderReview(head, baseModel);
    if (out) fs.writeFileSync(out, markdown);
    else process.stdout.write(markdown);
    return 0;
  } catch (e) {
    if (e instanceof ReviewInputError) {
      console.error(`review: ${e.message}`);
      return 2;
    }
    throw e;
  }
}

if (require.main === module || process.env.AZWI_REVIEW_CLI === "1") {
  process.exitCode = main(process.argv.slice(process.env.AZWI_REVIEW_CLI === "1" ? 3 : 2));
}
