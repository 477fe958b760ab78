/**
 * `npm test`: every test of the library's behaviour, in-process. The packaging and source checks
 * (below) run in `npm run test:package` (jest.package.config.js), which CI runs after `npm test`.
 */
// Packaging and source checks: they pack the package or run the CLIs and the app runner as child
// processes in other projects, or read the source with a compiler (TypeScript, madge). They cover no
// library code in-process; each takes seconds of child processes or compilation.
const packageChecks = ["consumer", "consumer-cdktn", "app-runner", "architecture", "prop-owners"];

/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  testPathIgnorePatterns: ["/node_modules/", ...packageChecks.map((name) => `/__tests__/${name}\\.test\\.ts$`)],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  // Transpile only (tsconfig's isolatedModules makes ts-jest use transpileModule): type-checking the providers' very large typings per test
  // file would dominate; `npm test` runs `tsc --noEmit` once before jest instead.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  // cdktf's zip library, loaded on first use instead of with cdktf in every test file (see the file).
  moduleNameMapper: { "^archiver$": "<rootDir>/__tests__/support/archiver-on-first-use.js" },
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  // Lists every test by name, so a skipped tier (terraform validate) shows as skipped.
  verbose: true,
  // One worker per core: jest's default leaves one core idle (on 2 cores, 122 s instead of 70 s).
  maxWorkers: "100%",
};
