// `npm run test:package`: the packaging and source checks that jest.config.js leaves out of `npm test`
// (the packed package in consumer projects, the app runner, the import graph, the public props).
const base = require("./jest.config.js");

const packageChecks = base.testPathIgnorePatterns.filter((pattern) => pattern.startsWith("/__tests__/"));

/** @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: undefined,
  testRegex: packageChecks,
  testPathIgnorePatterns: ["/node_modules/"],
};
