/** @type {import('jest').Config} */
module.exports = {
  testEnvironment: "node",
  roots: ["<rootDir>/__tests__"],
  testMatch: ["**/*.test.ts"],
  setupFilesAfterEnv: ["<rootDir>/__tests__/support/setup.ts"],
  // swc strips types without type-checking the providers' very large typings;
  // `npm run typecheck` (tsc --noEmit) is the type gate, run by .ci/run.
  transform: { "^.+\\.ts$": ["@swc/jest", { jsc: { target: "es2022" } }] },
  moduleFileExtensions: ["ts", "js", "json"],
  snapshotFormat: { escapeString: false, printBasicPrototype: false },
};
