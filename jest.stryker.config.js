// Jest config used only by Stryker (`npm run mutation`, see stryker.config.json); `npm test` keeps jest.config.js.
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // Stryker's related-test lookup (--findRelatedTests) only follows imports inside `roots`: with roots limited to
  // __tests__ it silently skips tests that reach lib/ only through stacks/. testMatch still picks only __tests__.
  roots: ["<rootDir>/__tests__", "<rootDir>/lib", "<rootDir>/stacks"],
  // One test file that requires every in-process test file (see __tests__/support/all-tests.stryker.ts): a mutant's
  // run then loads the library once (~4 s) instead of once per test file (~11 s).
  testMatch: ["<rootDir>/__tests__/support/all-tests.stryker.ts"],
  // The snapshot test must not kill mutants (a mutant "killed" only because the snapshot changed tells nothing
  // about which behaviour is tested), so it is left out of the dry run. Stryker then never selects it for a
  // mutant (per-test coverage has no entry for it); for mutants run with all tests it is still excluded here.
  testNamePattern: "^(?!the default app's Terraform matches the reviewed snapshot)",
  // The aggregate file leaves out the tests that run the library in child processes (the packed consumer) or lint
  // files: they cover no mutant in-process.
  testPathIgnorePatterns: ["/node_modules/"],
  // Fail, never write, if a snapshot were ever missing.
  ci: true,
  verbose: false,
};
