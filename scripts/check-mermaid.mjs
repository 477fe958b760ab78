#!/usr/bin/env node
// Parses a JSON list of Mermaid texts from stdin with mermaid's own parser (in a jsdom window), in
// one process; prints a JSON list of "ok:<diagram type>" or "error:<message>", one per text.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
globalThis.DOMParser = dom.window.DOMParser;
globalThis.Element = dom.window.Element;
globalThis.HTMLElement = dom.window.HTMLElement;
const { default: mermaid } = await import("mermaid");

let input = "";
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const text of JSON.parse(input)) {
  try {
    results.push(`ok:${(await mermaid.parse(text)).diagramType}`);
  } catch (error) {
    results.push(`error:${String(error?.message ?? error).split("\n")[0]}`);
  }
}
console.log(JSON.stringify(results));
