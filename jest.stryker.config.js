// Jest config used only by Stryker (`npm run mutation`, see stryker.config.json); `npm test` keeps jest.config.js.
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  // Stryker's related-test lookup (--findRelatedTests) only follows imports inside `roots`: with roots limited to
  // __tests__ it silently skips tests that reach lib/ only through stacks/. testMatch still picks only __tests__.
  roots: ["<rootDir>/__tests__", "<rootDir>/lib", "<rootDir>/stacks"],
  testMatch: ["<rootDir>/__tests__/**/*.test.ts"],
  // The snapshot test must not kill mutants (a mutant "killed" only because the snapshot changed tells nothing
  // about which behaviour is tested), so it is left out of the dry run. Stryker then never selects it for a
  // mutant (per-test coverage has no entry for it); for mutants run with all tests it is still excluded here.
  testNamePattern: "^(?!the default app's Terraform matches the reviewed snapshot)",
  // Tests that run the library in child processes (the packed consumer) or lint files cover no
  // mutant in-process; leaving them out keeps the dry run short.
  testPathIgnorePatterns: ["/node_modules/", "consumer\\.test", "workflows\\.test", "architecture\\.test"],
  // Fail, never write, if a snapshot were ever missing.
  ci: true,
  verbose: false,
};
