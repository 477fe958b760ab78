/**
 * The review fails closed: a change is silent only when it is on the reviewed inert lists
 * (relevance.ts); any other resource type, data source, top-level block or attribute, as the only
 * change of a pull request, is reported, and an unmodelled one is ⚠️ before any collapsed section.
 * Checked over random types, blocks and bodies (fast-check) on the default app's synth output.
 */
import fc from "fast-check";
import { buildModel, INERT_ATTRIBUTES, INERT_DATA_TYPES, INERT_PATHS, INERT_RESOURCE_TYPES, loadSynthOutput, SynthOutput } from "../lib/tools/review/model";
import { diffModels, NO_CHANGE, review } from "../lib/tools/review/render";
import { inertReason } from "../lib/tools/review/relevance";
import { synthDir } from "./support/review-fixtures";

const baseOut = loadSynthOutput(synthDir());
const baseModel = buildModel(baseOut);
const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v));

/** The base with one stack's JSON edited in memory. */
function headWith(stack: string, edit: (json: any) => void): SynthOutput {
  const stacks = baseOut.stacks.map((s) => (s.name === stack ? { ...s, json: clone(s.json) } : s));
  edit(stacks.find((s) => s.name === stack)!.json);
  return { ...baseOut, stacks };
}

/** Asserts the review of `head` against the base is not silent and leads with a ⚠️ line before any collapsed section. */
function expectFlagged(head: SynthOutput): void {
  const m = buildModel(head);
  const changes = diffModels(baseModel, m);
  expect(changes.some((c) => c.security)).toBe(true);
  const comment = review(m, baseModel).comment;
  expect(comment).not.toContain(NO_CHANGE);
  const firstWarning = comment.search(/^- ⚠️ \*\*/m);
  expect(firstWarning).toBeGreaterThan(-1);
  const details = comment.indexOf("<details>");
  if (details >= 0) expect(firstWarning).toBeLessThan(details);
}

const identifier = fc.stringMatching(/^[a-z][a-z0-9]{0,6}(_[a-z0-9]{1,8}){1,3}$/);
const name = fc.stringMatching(/^[a-z][a-z0-9_-]{0,12}$/);
const body = fc.dictionary(
  fc.stringMatching(/^[a-z][a-z_]{0,10}$/).filter((k) => INERT_ATTRIBUTES[k] === undefined),
  fc.oneof(fc.string({ maxLength: 20 }), fc.integer(), fc.boolean(), fc.array(fc.string({ maxLength: 8 }), { maxLength: 3 })),
  { minKeys: 1, maxKeys: 4 },
);
const stack = fc.constantFrom("platform", "workload");

describe("deny by default: nothing outside the inert lists is silent (fast-check)", () => {
  test("a new resource of any type not on the inert list is ⚠️", () => {
    fc.assert(
      fc.property(stack, identifier.filter((t) => INERT_RESOURCE_TYPES[t] === undefined), name, body, (s, type, n, b) => {
        expectFlagged(headWith(s, (json) => ((json.resource ??= {})[type] = { ...(json.resource[type] ?? {}), [`x${n}`]: b })));
      }),
      { numRuns: 60 },
    );
  });

  test("a new data source of any type not on the inert list is ⚠️", () => {
    fc.assert(
      fc.property(stack, identifier.filter((t) => INERT_DATA_TYPES[t] === undefined), name, body, (s, type, n, b) => {
        expectFlagged(headWith(s, (json) => ((json.data ??= {})[type] = { ...(json.data[type] ?? {}), [`x${n}`]: b })));
      }),
      { numRuns: 40 },
    );
  });

  test("any top-level block, known to Terraform or not, is ⚠️", () => {
    const keys = fc.oneof(
      fc.constantFrom("terraform", "provider", "locals", "variable", "output", "ephemeral", "check", "import", "moved", "removed", "module"),
      fc.stringMatching(/^[a-z][a-z_]{0,10}$/).filter((k) => !["resource", "data"].includes(k)),
    );
    fc.assert(
      fc.property(stack, keys, name, body, (s, key, n, b) => {
        expectFlagged(
          headWith(s, (json) => {
            const existing = json[key];
            if (existing && typeof existing === "object" && !Array.isArray(existing)) existing[`x${n}`] = b;
            else json[key] = { [`x${n}`]: b };
          }),
        );
      }),
      { numRuns: 60 },
    );
  });

  test("a new attribute on any existing resource is ⚠️ unless the attribute is inert", () => {
    const addresses = baseOut.stacks.flatMap((s) =>
      Object.entries<any>(s.json.resource ?? {}).flatMap(([type, byName]) =>
        INERT_RESOURCE_TYPES[type] === undefined ? Object.keys(byName).map((n) => [s.name, type, n] as const) : [],
      ),
    );
    expect(addresses.length).toBeGreaterThan(5);
    fc.assert(
      fc.property(
        fc.constantFrom(...addresses),
        fc.stringMatching(/^[a-z][a-z_]{2,12}$/),
        fc.oneof(fc.string({ maxLength: 10 }), fc.integer()),
        ([s, type, n], attr, value) => {
          fc.pre(inertReason(type, attr) === undefined);
          fc.pre(baseOut.stacks.find((x) => x.name === s)!.json.resource[type][n][attr] === undefined);
          const head = buildModel(headWith(s, (json) => (json.resource[type][n][attr] = value)));
          const changes = diffModels(baseModel, head);
          expect(changes.length).toBeGreaterThan(0);
          expect(review(head, baseModel).comment).not.toContain(NO_CHANGE);
        },
      ),
      { numRuns: 80 },
    );
  });

  test("a provisioner on an inert type is ⚠️", () => {
    fc.assert(
      fc.property(stack, fc.constantFrom(...Object.keys(INERT_RESOURCE_TYPES)), fc.string({ maxLength: 30 }), (s, type, command) => {
        expectFlagged(headWith(s, (json) => ((json.resource ??= {})[type] = { p: { provisioner: [{ "local-exec": { command } }] } })));
      }),
      { numRuns: 20 },
    );
  });
});

describe("the inert lists", () => {
  const doc = require("fs").readFileSync(require("path").join(__dirname, "..", "docs", "review.md"), "utf8") as string;

  test("docs/review.md states the rule and lists every inert entry with its reason; the README links it", () => {
    expect(doc).toContain("## Deny by default");
    for (const list of [INERT_RESOURCE_TYPES, INERT_DATA_TYPES, INERT_ATTRIBUTES]) {
      for (const [k, reason] of Object.entries(list)) expect(doc).toContain(`| \`${k}\` | ${reason} |`);
    }
    for (const p of INERT_PATHS) expect(doc).toContain(`| ${p.reason} |`);
    expect(require("fs").readFileSync(require("path").join(__dirname, "..", "README.md"), "utf8")).toContain("[docs/review.md](docs/review.md)");
  });

  test("every entry gives a reason", () => {
    for (const list of [INERT_RESOURCE_TYPES, INERT_DATA_TYPES, INERT_ATTRIBUTES]) {
      for (const [k, reason] of Object.entries(list)) expect([k, reason.length > 10]).toEqual([k, true]);
    }
  });

  test("a new inert resource is silent (the list is what makes it so)", () => {
    const m = buildModel(headWith("platform", (json) => ((json.resource ??= {}).random_string = { s: { length: 8 } })));
    expect(diffModels(baseModel, m)).toEqual([]);
  });
});

describe("what the issue's adversarial examples do now", () => {
  test("a terraform_data with a local-exec provisioner granting Owner is ⚠️", () => {
    const head = headWith("workload", (json) => {
      json.resource.terraform_data = { grant: { provisioner: [{ "local-exec": { command: "az role assignment create --role Owner --assignee x --scope /subscriptions/0" } }] } };
    });
    const changes = diffModels(baseModel, buildModel(head));
    expect(changes).toContainEqual(expect.objectContaining({ security: true, kind: "provisioner" }));
    expectFlagged(head);
  });

  test("a changed provider subscription is ⚠️ provider configuration changed", () => {
    const head = headWith("workload", (json) => {
      const azurerm = json.provider.azurerm;
      (Array.isArray(azurerm) ? azurerm[0] : azurerm).subscription_id = "00000000-0000-0000-0000-000000000001";
    });
    expect(diffModels(baseModel, buildModel(head))).toContainEqual(expect.objectContaining({ security: true, kind: "provider configuration changed" }));
  });

  test("a changed provider source is ⚠️ provider requirement changed", () => {
    const head = headWith("workload", (json) => {
      json.terraform.required_providers.azurerm.source = "evil/azurerm";
    });
    expect(diffModels(baseModel, buildModel(head))).toContainEqual(expect.objectContaining({ security: true, kind: "provider requirement changed" }));
  });

  test("a changed backend is ⚠️ state backend changed", () => {
    const head = headWith("workload", (json) => {
      json.terraform.backend = { azurerm: { storage_account_name: "elsewhere", container_name: "tfstate", key: "workload.tfstate" } };
    });
    expect(diffModels(baseModel, buildModel(head))).toContainEqual(expect.objectContaining({ security: true, kind: "state backend changed" }));
  });

  test("a dynamic block in a new service account is ⚠️ even though the new service account is modelled", () => {
    const head = headWith("workload", (json) => {
      json.resource.kubernetes_service_account_v1.extra = { metadata: { name: "extra", namespace: "default" }, dynamic: { secret: { for_each: "${var.x}", content: { name: "${secret.value}" } } } };
    });
    expect(diffModels(baseModel, buildModel(head))).toContainEqual(expect.objectContaining({ security: true, kind: "dynamic block" }));
  });
});

describe("the strict JSON reader", () => {
  const { readStrictJson, parseStrictJson } = require("../lib/tools/review/strict-json");

  test("reads what JSON.parse reads when no key repeats (fast-check)", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const text = JSON.stringify(v, null, 1);
        expect(readStrictJson(text)).toEqual(JSON.parse(text));
        expect(parseStrictJson(text)).toEqual(JSON.parse(text));
      }),
      { numRuns: 500 },
    );
  });

  test("refuses a repeated key at any depth, naming it and its line", () => {
    expect(() => readStrictJson('{"a": {"b": 1,\n "b": 2}}')).toThrow('duplicate key "b" (Terraform reads both, JSON.parse keeps one) at line 2, column 2');
  });

  test("keeps a __proto__ key as data", () => {
    expect(Object.keys(parseStrictJson('{"__proto__": {"x": 1}}') as object)).toEqual(["__proto__"]);
  });
});
