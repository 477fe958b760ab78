// Jest config used only by the guardrails' mutation run (`npm run mutation:guardrails`, stryker.guardrails.config.json).
// The guardrails run inside every synth, so with the whole suite every guardrails mutant is covered by ~1,000 tests
// (estimated 12–15 hours on 2 cores). This run scores the guardrails files against their own specification tests:
// the rule files against security-rules/security-checks, the registry and ordering passes against theirs, the value
// rules against rules.test.ts and the value tests that go through the constructs' props, the security pass's context
// against security-context-spec, and the pass's wiring (checks.ts, checkApp, guardStack) against security-pass-spec.
// Kills by other tests do not count here, so the score can only be lower than the whole suite's.
const base = require("./jest.config.js");

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  roots: ["<rootDir>/__tests__", "<rootDir>/lib"],
  testMatch: [
    "<rootDir>/__tests__/security-rules.test.ts",
    "<rootDir>/__tests__/security-checks.test.ts",
    "<rootDir>/__tests__/registry.test.ts",
    "<rootDir>/__tests__/registry-names.test.ts",
    "<rootDir>/__tests__/ordering.test.ts",
    "<rootDir>/__tests__/rules.test.ts",
    // The value rules' specification through the constructs' props.
    "<rootDir>/__tests__/kubernetes-values.test.ts",
    "<rootDir>/__tests__/azure-values.test.ts",
    "<rootDir>/__tests__/synth-mistakes.test.ts",
    // The security pass's context and wiring (security/context.ts, checks.ts, check-app.ts, auto.ts).
    "<rootDir>/__tests__/security-context-spec.test.ts",
    "<rootDir>/__tests__/security-pass-spec.test.ts",
  ],
  ci: true,
  verbose: false,
};
