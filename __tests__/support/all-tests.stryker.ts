// Used only by Stryker (jest.stryker.config.js): one test file that requires every test file, so that a mutant's
// run loads the library and the providers once instead of once per test file (jest gives each test file its own
// module registry; loading them was ~11 s of every mutant's run). The tests, their names and their assertions are
// unchanged; left out are the files that run nothing in-process (see jest.stryker.config.js) and the
// review tool's tests, which synthesize the default app at module level: every construct mutant
// would then be "static" for Stryker (run against all tests, ~30 s each), and they test the review
// tool, not the constructs. The environments tests are left out too: they test stacks/environments
// (not mutated), and under Stryker each of them synthesizes two environments again (sharedPerTest),
// about 20 s for every mutant they cover. The validator's tests (validate.test.ts) are left out like the
// review tool's: they synthesize the default app once for all of them and test the tool, not the constructs.
// Construct code that other tests share goes through sharedPerTest.
import * as fs from "fs";
import * as path from "path";

const dir = path.join(__dirname, "..");
const skipped = /^(consumer.*|workflows|architecture|prop-owners|review.*|environments.*|validate)\.test\.ts$/;
for (const file of fs.readdirSync(dir).sort()) {
  if (file.endsWith(".test.ts") && !skipped.test(file)) {
    require(path.join(dir, file));
  }
}
