// cdktf requires archiver (zip files for TerraformAsset) when it loads; the library makes no asset.
// Jest loads every module again for each test file, and archiver with its dependencies is about
// half of cdktf's load time. This stand-in (jest.config.js, moduleNameMapper) loads the real
// archiver from where cdktf would, on the first call.
"use strict";
const path = require("path");

let archiver;
module.exports = function archiverOnFirstUse(...args) {
  archiver ??= require(require.resolve("archiver", { paths: [path.dirname(require.resolve("cdktf"))] }));
  return archiver(...args);
};
