/**
 * References between resources, data sources and stacks: `${type.name.attr}` resolved to the
 * stack that holds its target, following cdktf's cross-stack references (outputs read through
 * `terraform_remote_state`) to the producing stack.
 */
import { isObject } from "./util";
import type { Ref, StackDoc, SynthOutput } from "./types";

/** Terraform names that are not resources: variables, locals, iteration values, functions' scopes. */
export const NOT_RESOURCES = new Set(["var", "local", "each", "count", "self", "path", "terraform", "module"]);

const REF = /^\$\{(data\.)?([a-z0-9_]+)\.([^.[\]}]+)((?:\.[A-Za-z0-9_-]+|\[\d+\])*)\}(.*)$/s;

export class Resolver {
  private readonly byName = new Map<string, StackDoc>();

  constructor(private readonly out: SynthOutput) {
    for (const s of out.stacks) this.byName.set(s.name, s);
  }

  public body(ref: Pick<Ref, "stack" | "kind" | "type" | "name">): any {
    return this.byName.get(ref.stack)?.json?.[ref.kind]?.[ref.type]?.[ref.name];
  }

  /**
   * Parses `value` in `stack`, following remote-state outputs to the producing stack. Returns
   * undefined for literals and for expressions it does not understand.
   */
  public ref(stack: string, value: unknown, depth = 0): Ref | undefined {
    if (typeof value !== "string" || depth > 8) return undefined;
    const m = REF.exec(value);
    if (!m) return undefined;
    const [, data, type, name, rest, suffix] = m;
    const attr = rest.replace(/^\./, "");
    // A local value or a variable's default that is itself a reference is followed to it.
    if (!data && (type === "local" || type === "var") && !attr) {
      const inner = this.ref(stack, this.indirect(stack, type, name), depth + 1);
      return inner ? { ...inner, suffix: inner.suffix + suffix } : undefined;
    }
    if (!data && NOT_RESOURCES.has(type)) return undefined;
    if (data && type === "terraform_remote_state") {
      const output = /^outputs\.(.+)$/.exec(attr)?.[1];
      const producer = output ? this.producerOf(stack, name, output) : undefined;
      if (!producer || !output) return undefined;
      const produced = this.byName.get(producer)?.json?.output?.[output]?.value;
      const inner = this.ref(producer, produced, depth + 1);
      return inner ? { ...inner, suffix: inner.suffix + suffix } : undefined;
    }
    return { stack, kind: data ? "data" : "resource", type, name, attr, suffix };
  }

  /** What `local.<name>` or `var.<name>` stands for in `stack`: the local's value, or the variable's default. */
  private indirect(stack: string, type: string, name: string): unknown {
    const json = this.byName.get(stack)?.json;
    return type === "local" ? json?.locals?.[name] : json?.variable?.[name]?.default;
  }

  /** The literal value of `value`, following references to literal attributes (e.g. a resource's `name`), local values and variable defaults. */
  public literal(stack: string, value: unknown, depth = 0): string | undefined {
    if (typeof value !== "string" || depth > 8) return undefined;
    const indirect = /^\$\{(local|var)\.([A-Za-z0-9_-]+)\}(.*)$/s.exec(value);
    if (indirect) {
      const lit = this.literal(stack, this.indirect(stack, indirect[1], indirect[2]), depth + 1);
      return lit === undefined ? undefined : lit + indirect[3];
    }
    const r = this.ref(stack, value, depth);
    if (!r) return value.includes("${") ? undefined : value;
    const body = this.body(r);
    if (!body) return undefined;
    const v = getPath(body, r.attr);
    const lit = this.literal(r.stack, v, depth + 1);
    return lit === undefined ? undefined : lit + r.suffix;
  }

  /** A stable, readable key for a resource: `stack/type.name`. */
  public key(r: Pick<Ref, "stack" | "kind" | "type" | "name">): string {
    return `${r.stack}/${r.kind === "data" ? "data." : ""}${r.type}.${r.name}`;
  }

  /**
   * The stack that a `terraform_remote_state` data source reads: cdktf names it
   * `cross-stack-reference-input-<producer stack>`, and its backend and config are the producer's
   * backend (local path, azurerm key, HCP Terraform workspace…). Either identifies the producer,
   * with any number of environments; a lone stack with the output is the last resort.
   */
  public producerOf(consumer: string, remoteName: string, output: string): string | undefined {
    const cacheKey = `${consumer}\u0000${remoteName}`;
    if (this.producers.has(cacheKey)) return this.producers.get(cacheKey);
    const found = this.findProducer(consumer, remoteName, output);
    this.producers.set(cacheKey, found);
    return found;
  }

  private readonly producers = new Map<string, string | undefined>();

  /**
   * The stack a `cross-stack-reference-input-<stack>` remote state is named for, when its backend
   * and config are not that stack's backend (cdktf writes them equal): Terraform reads the state
   * the config points to, which may hold anything.
   */
  public backendMismatch(consumer: string, remoteName: string): string | undefined {
    const remote = this.byName.get(consumer)?.json?.data?.terraform_remote_state?.[remoteName];
    const named = /^cross-stack-reference-input-(.+)$/.exec(remoteName)?.[1];
    const producer = named ? this.byName.get(named) : undefined;
    if (!producer || !isObject(remote)) return undefined;
    const wanted = stableJson({ backend: remote.backend === "remote" ? "cloud" : remote.backend, config: withoutWorkspace(remote.config) });
    return backendsOf(producer.json).includes(wanted) ? undefined : producer.name;
  }

  private findProducer(consumer: string, remoteName: string, output: string): string | undefined {
    const remote = this.byName.get(consumer)?.json?.data?.terraform_remote_state?.[remoteName];
    const named = /^cross-stack-reference-input-(.+)$/.exec(remoteName)?.[1];
    // A remote state named for a stack but configured for another backend reads that other
    // state: it is not followed (and loadSynthOutput warns).
    if (named && this.byName.has(named) && named !== consumer) return this.backendMismatch(consumer, remoteName) ? undefined : named;
    if (remote?.config !== undefined) {
      const wanted = stableJson({ backend: remote.backend === "remote" ? "cloud" : remote.backend, config: withoutWorkspace(remote.config) });
      const byBackend = this.out.stacks.filter((s) => s.name !== consumer && backendsOf(s.json).includes(wanted));
      if (byBackend.length === 1) return byBackend[0].name;
    }
    const statePath = String(remote?.config?.path ?? remote?.config?.key ?? "");
    const byPath = this.out.stacks.filter((s) => statePath.endsWith(`terraform.${s.name}.tfstate`));
    if (byPath.length === 1) return byPath[0].name;
    const withOutput = this.out.stacks.filter((s) => s.json?.output?.[output] !== undefined);
    return withOutput.length === 1 ? withOutput[0].name : undefined;
  }
}

export function withoutWorkspace(config: any): any {
  if (!isObject(config)) return config;
  const { workspace: _workspace, ...rest } = config;
  return rest;
}

/** The stack's backend as `{backend, config}` JSON: a `backend` block, or HCP Terraform's `cloud` block. */
export function backendsOf(json: any): string[] {
  const found: string[] = [];
  for (const [type, config] of Object.entries<any>(json?.terraform?.backend ?? {})) found.push(stableJson({ backend: type, config: withoutWorkspace(config) }));
  const cloud = json?.terraform?.cloud;
  if (isObject(cloud)) {
    found.push(stableJson({ backend: "cloud", config: { organization: cloud.organization, workspaces: cloud.workspaces, ...(cloud.hostname ? { hostname: cloud.hostname } : {}), ...(cloud.token ? { token: cloud.token } : {}) } }));
  }
  return found;
}

/** JSON with object keys sorted, to compare configurations. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(",")}]`;
  if (isObject(v)) return `{${Object.keys(v).filter((k) => v[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableJson(v[k])}`).join(",")}}`;
  return JSON.stringify(v) ?? "null";
}

export function getPath(body: any, attr: string): any {
  let cur = body;
  for (const part of attr.split(/\.|\[(\d+)\]/).filter((p) => p !== undefined && p !== "")) {
    if (cur === undefined || cur === null) return undefined;
    const index = /^\d+$/.test(part);
    // cdktf writes single nested blocks as objects, so `metadata[0]` may address an object.
    if (index) cur = Array.isArray(cur) ? cur[Number(part)] : cur;
    else cur = Array.isArray(cur) ? cur[0]?.[part] : cur[part];
  }
  return cur;
}
