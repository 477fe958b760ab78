#!/usr/bin/env node
// Regenerates a bundled provider schema, schemas/providers/<name>-<version>.json.gz, from a git
// mirror of one of the lonegunmanb/terraform-<name>-schema repositories. Each tag of those holds the
// output of `terraform providers schema -json` for that provider version, one Go file per type
// (generated/{resource,data,ephemeral}/*.go, a JSON document in a raw string constant) and
// generated/register.go mapping type names to them.
//
// Usage: node scripts/provider-schemas.js GIT_DIR TAG PROVIDER [--provider-version V --note TEXT]
//   GIT_DIR   a mirror, e.g. the git directory that `git clone --mirror` (or the search tool's fetch) wrote
//   TAG       the tag to read, e.g. v4.55.0 (the provider version it holds is TAG without the "v")
//   PROVIDER  the provider's source address, e.g. registry.terraform.io/hashicorp/azurerm
//   --provider-version, --note  bundle TAG's schema for another provider version, with the reason
//             (only when the provider's own source proves the schema unchanged between them)
//
// Every resource, data source and ephemeral type of the provider is kept (all of them: gzipped the
// largest, azurerm, is about 120 KB). Descriptions and everything the validator does not read are
// stripped; keys are sorted so that a regeneration from the same tag writes the same bytes.
"use strict";
const { execFileSync } = require("child_process");
const fs = require("fs");
const path = require("path");
const zlib = require("zlib");

const FORMAT = 1;

function usage(message) {
  console.error(`${message}\nusage: node scripts/provider-schemas.js GIT_DIR TAG PROVIDER [--provider-version V --note TEXT]`);
  process.exit(2);
}

function git(gitDir, args, input) {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { input, maxBuffer: 1 << 30 });
}

/** Reads many blobs in one `git cat-file --batch` run: path → text. */
function readBlobs(gitDir, tag, paths) {
  const out = git(gitDir, ["cat-file", "--batch"], paths.map((p) => `${tag}:${p}`).join("\n") + "\n");
  const files = new Map();
  let at = 0;
  for (const p of paths) {
    const nl = out.indexOf(10, at);
    const header = out.subarray(at, nl).toString();
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!m) throw new Error(`${tag}:${p}: ${header}`);
    const size = Number(m[1]);
    files.set(p, out.subarray(nl + 1, nl + 1 + size).toString("utf8"));
    at = nl + 1 + size + 1;
  }
  return files;
}

/** The value of a Go string expression made of raw (`…`) and interpreted ("…") literals joined by +. */
function goString(expr) {
  let s = "";
  let i = 0;
  const skip = () => {
    while (i < expr.length && /[\s+]/.test(expr[i])) i++;
  };
  skip();
  while (i < expr.length) {
    if (expr[i] === "`") {
      const end = expr.indexOf("`", i + 1);
      s += expr.slice(i + 1, end);
      i = end + 1;
    } else if (expr[i] === '"') {
      let end = i + 1;
      while (expr[end] !== '"') end += expr[end] === "\\" ? 2 : 1;
      s += JSON.parse(expr.slice(i, end + 1));
      i = end + 1;
    } else {
      throw new Error(`unexpected Go expression at ${JSON.stringify(expr.slice(i, i + 40))}`);
    }
    skip();
  }
  return s;
}

/** Each `func NameSchema() *tfjson.Schema` of a generated file → the JSON it unmarshals. */
function schemasOfFile(text, file) {
  const consts = new Map();
  for (const m of text.matchAll(/^const (\w+) = ([\s\S]*?)\n(?=\n|func |const |var )/gm)) consts.set(m[1], goString(m[2]));
  const found = new Map();
  for (const m of text.matchAll(/^func (\w+)\(\) \*tfjson\.Schema \{[\s\S]*?json\.Unmarshal\(\[\]byte\((\w+)\)/gm)) {
    if (!consts.has(m[2])) throw new Error(`${file}: ${m[1]} reads ${m[2]}, which is not a string constant`);
    found.set(m[1], JSON.parse(consts.get(m[2])));
  }
  return found;
}

const ATTRIBUTE_KEYS = ["type", "nested_type", "required", "optional", "computed", "deprecated"];
const BLOCK_TYPE_KEYS = ["nesting_mode", "block", "min_items", "max_items"];

function stripBlock(block) {
  const out = {};
  if (block.attributes) out.attributes = mapSorted(block.attributes, stripAttribute);
  if (block.block_types) out.block_types = mapSorted(block.block_types, stripBlockType);
  if (block.deprecated) out.deprecated = true;
  return out;
}

function stripAttribute(a) {
  const out = {};
  for (const k of ATTRIBUTE_KEYS) {
    if (a[k] === undefined || a[k] === false) continue;
    out[k] = k === "nested_type" ? stripNestedType(a[k]) : a[k];
  }
  return out;
}

function stripNestedType(n) {
  const out = { attributes: mapSorted(n.attributes ?? {}, stripAttribute), nesting_mode: n.nesting_mode };
  if (n.min_items) out.min_items = n.min_items;
  if (n.max_items) out.max_items = n.max_items;
  return out;
}

function stripBlockType(b) {
  const out = {};
  for (const k of BLOCK_TYPE_KEYS) {
    if (b[k] === undefined || b[k] === 0) continue;
    out[k] = k === "block" ? stripBlock(b[k]) : b[k];
  }
  return out;
}

function mapSorted(obj, f) {
  return Object.fromEntries(
    Object.keys(obj)
      .sort()
      .map((k) => [k, f(obj[k])]),
  );
}

function main(argv) {
  const positional = [];
  const opts = {};
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === "--provider-version" || argv[i] === "--note") opts[argv[i]] = argv[++i];
    else if (argv[i].startsWith("-")) usage(`unknown option ${argv[i]}`);
    else positional.push(argv[i]);
  }
  if (positional.length !== 3) usage("GIT_DIR, TAG and PROVIDER are required");
  const [gitDir, tag, provider] = positional;
  if (!/^v\d+\.\d+\.\d+$/.test(tag)) usage(`TAG must look like v1.2.3, got ${tag}`);
  if ((opts["--provider-version"] === undefined) !== (opts["--note"] === undefined)) usage("--provider-version needs --note (the reason)");
  const version = opts["--provider-version"] ?? tag.slice(1);
  const name = provider.split("/").pop();

  const commit = git(gitDir, ["rev-parse", `${tag}^{commit}`]).toString().trim();
  const files = git(gitDir, ["ls-tree", "-r", "--name-only", tag, "generated/"])
    .toString()
    .split("\n")
    .filter((p) => /^generated\/(resource|data|ephemeral)\/[^/]+\.go$/.test(p) && !p.endsWith("_test.go"));
  const blobs = readBlobs(gitDir, tag, ["generated/register.go", ...files]);
  const register = blobs.get("generated/register.go");
  // The repository, from the Go import path register.go uses for its own generated packages.
  const origin = /"(github\.com\/[^/"]+\/[^/"]+?)(?:\/v\d+)?\/generated\/\w+"/.exec(register)?.[1];
  if (!origin) throw new Error(`${tag}: register.go imports no generated package; is this a terraform-<name>-schema repository?`);
  const functions = new Map();
  for (const f of files) {
    const pkg = f.split("/")[1];
    for (const [fn, schema] of schemasOfFile(blobs.get(f), f)) functions.set(`${pkg}.${fn}`, schema);
  }

  const kinds = { resources: "resource_schemas", dataSources: "data_source_schemas", ephemeralResources: "ephemeral_resource_schemas" };
  const out = {
    format: FORMAT,
    provider,
    version,
    source: { repository: `https://${origin}`, tag, commit },
    ...(opts["--note"] ? { note: opts["--note"] } : {}),
    resource_schemas: {},
    data_source_schemas: {},
    ephemeral_resource_schemas: {},
  };
  let count = 0;
  for (const m of register.matchAll(/^\s*(resources|dataSources|ephemeralResources)\["([^"]+)"\] = (\w+)\.(\w+)\(\)/gm)) {
    const schema = functions.get(`${m[3]}.${m[4]}`);
    if (!schema) throw new Error(`register.go maps ${m[2]} to ${m[3]}.${m[4]}, which no generated file defines`);
    out[kinds[m[1]]][m[2]] = { block: stripBlock(schema.block) };
    count++;
  }
  if (count === 0) throw new Error(`${tag}: register.go maps no types`);
  for (const k of Object.values(kinds)) out[k] = mapSorted(out[k], (x) => x);

  const target = path.join(__dirname, "..", "schemas", "providers", `${name}-${version}.json.gz`);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const json = JSON.stringify(out);
  fs.writeFileSync(target, zlib.gzipSync(json, { level: 9 }));
  const sizes = Object.values(kinds).map((k) => `${Object.keys(out[k]).length} ${k.replace(/_schemas$/, "s")}`);
  console.log(`${path.relative(process.cwd(), target)}: ${sizes.join(", ")}; ${json.length} bytes of JSON, ${fs.statSync(target).size} gzipped`);
}

main(process.argv.slice(2));
