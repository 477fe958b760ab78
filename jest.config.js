/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  // Transpile only (tsconfig's isolatedModules makes ts-jest use transpileModule): type-checking the providers' very large typings per test
  // file would dominate; `npm test` runs `tsc --noEmit` once before jest instead.
  transform: { "^.+\\.ts$": ["ts-jest", { diagnostics: false }] },
  moduleFileExtensions: ["ts", "js", "json"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
  // Lists every test by name, so a skipped tier (terraform validate) shows as skipped.
  verbose: true,
  // One worker per core: jest's default leaves one core idle (on 2 cores, 122 s instead of 70 s).
  maxWorkers: "100%",
};
