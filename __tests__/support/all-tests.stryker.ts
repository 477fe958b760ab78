// Used only by Stryker (jest.stryker.config.js): one test file that requires every test file, so that a mutant's
// run loads the library and the providers once instead of once per test file (jest gives each test file its own
// module registry; loading them was ~11 s of every mutant's run). The tests, their names and their assertions are
// unchanged; only the files that run nothing in-process are left out (see jest.stryker.config.js).
import * as fs from "fs";
import * as path from "path";

const dir = path.join(__dirname, "..");
const skipped = /^(consumer|workflows|architecture)\.test\.ts$/;
for (const file of fs.readdirSync(dir).sort()) {
  if (file.endsWith(".test.ts") && !skipped.test(file)) {
    require(path.join(dir, file));
  }
}
