// Jest config used only by the guardrails' mutation run (`npm run mutation:guardrails`, stryker.guardrails.config.json).
// The guardrails run inside every synth, so with the whole suite every guardrails mutant is covered by ~1,000 tests
// (estimated 12–15 hours on 2 cores). This run scores the guardrails files against their own specification tests:
// the rule files against security-rules/security-checks, the registry and ordering passes against theirs, the value
// rules against rules.test.ts and the value tests that go through the constructs' props, the identity-binding checks,
// the credential rules, the template scanner and the region lists against their own specification files, the security
// pass's context against security-context-spec, and the pass's wiring (checks.ts, checkApp, guardStack) against
// security-pass-spec. The prop-owner table (prop-owners.ts) is data whose every line is module-level, so not mutated
// here; its specification is the package test prop-owners.test.ts, which reads the props from the type declarations.
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
    // The identity-binding checks, the credential rules, the template scanner, the region lists.
    "<rootDir>/__tests__/identity-binding-spec.test.ts",
    "<rootDir>/__tests__/federated-credential-spec.test.ts",
    "<rootDir>/__tests__/terraform-templates.test.ts",
    // The security pass's context and wiring (security/context.ts, checks.ts, check-app.ts, auto.ts).
    "<rootDir>/__tests__/security-context-spec.test.ts",
    "<rootDir>/__tests__/security-pass-spec.test.ts",
  ],
  ci: true,
  verbose: false,
};
