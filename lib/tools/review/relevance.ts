/**
 * What the fail-safe diff compares. Deny by default: every block of every stack (resources, data
 * sources, modules, the top-level `terraform`, `provider`, `locals`, `variable`, `output`,
 * `ephemeral`, `check`, `import`, `moved` and `removed` blocks, any other top-level key) and every
 * Kubernetes object found next to a stack is compared. A difference is silent only when it is on
 * the reviewed inert lists below (one place, a reason per entry) or a modelled change explains it;
 * everything else is at least a ⚠️ unmodelled change. docs/review.md lists these entries.
 */
import type { RawEntry, SynthOutput } from "./types";

export type { RawEntry } from "./types";
import { isObject } from "./util";

/**
 * Resource types whose changes never decide who acts as whom or who can read what. Nothing else
 * may be added here without a reason a reviewer can check. A provisioner, a `connection` or a
 * `dynamic` block makes any resource relevant again (see {@link ALWAYS_REPORTED_PATH}).
 */
export const INERT_RESOURCE_TYPES: Readonly<Record<string, string>> = {
  azurerm_resource_group:
    "a container: who can act in it is decided by role assignments, which are reviewed, and a scope that references it is described by its name",
  random_string: "generates a value kept in state; where the value is used (a name, a secret) is reviewed there",
  random_id: "generates a value kept in state; where the value is used is reviewed there",
  random_pet: "generates a name kept in state; where the name is used is reviewed there",
  random_integer: "generates a number kept in state; where it is used is reviewed there",
  random_uuid: "generates a UUID kept in state; where it is used is reviewed there",
  random_password: "generates a value kept in state; the resource that stores or uses it is reviewed",
  time_static: "records a timestamp in state",
  time_offset: "computes a timestamp in state",
  time_rotating: "records a rotation timestamp in state",
};

/** Data source types that read without arguments that could point elsewhere. */
export const INERT_DATA_TYPES: Readonly<Record<string, string>> = {
  azurerm_client_config: "reads the deployer's own tenant, subscription and object id; it takes no arguments",
  azuread_client_config: "reads the deployer's own tenant and object id; it takes no arguments",
};

/** Attributes of any block that Terraform or Azure never use to decide access. */
export const INERT_ATTRIBUTES: Readonly<Record<string, string>> = {
  "//": "a comment in Terraform JSON (cdktf writes construct metadata here); Terraform ignores it",
  description: "free text for people; Terraform and Azure decide nothing by it",
  timeouts: "how long Terraform waits for an operation",
  tags:
    "labels on the Azure resource; while a grant's ABAC condition in base or head mentions tags, tag changes are reported instead",
};

/**
 * Attribute paths inert for one type, as a pattern over the changed path (`a.b[0].c`), with the
 * reason. Kubernetes workloads: how pods are sized, probed, exposed and rolled out; not what they
 * run (image, command, arguments, lifecycle hooks, environment, volumes) nor as whom.
 */
const WORKLOAD_INERT =
  /(^|\.)(container|init_container|containers|initContainers)(\[\d+\])?\.(image_pull_policy|imagePullPolicy|resources|liveness_probe|livenessProbe|readiness_probe|readinessProbe|startup_probe|startupProbe|port|ports)(\.|\[|$)|(^|\.)(replicas|strategy|min_ready_seconds|minReadySeconds|revision_history_limit|revisionHistoryLimit|progress_deadline_seconds|progressDeadlineSeconds|wait_for_rollout)(\.|\[|$)/;
const WORKLOAD_TYPES =
  /^(kubernetes_(pod|deployment|stateful_set|daemonset|daemon_set|job|cron_job|replication_controller|replica_set)(_v1)?|manifest:(Pod|Deployment|StatefulSet|DaemonSet|Job|CronJob|ReplicaSet|ReplicationController))$/;
export const INERT_PATHS: ReadonlyArray<{ readonly types: RegExp; readonly path: RegExp; readonly reason: string }> = [
  {
    types: /^azurerm_kubernetes_cluster$/,
    path: /^(default_node_pool|kubernetes_version|sku_tier|automatic_upgrade_channel|node_os_upgrade_channel|maintenance_window|maintenance_window_auto_upgrade|maintenance_window_node_os|dns_prefix|auto_scaler_profile|cost_analysis_enabled)(\.|\[|$)/,
    reason:
      "node sizes, counts, versions and maintenance: the cluster's identity settings (issuer, workload identity, local accounts, Azure AD, identity, kubelet identity) and everything else are reviewed",
  },
  {
    types: /^azurerm_key_vault_secret$/,
    path: /^(value|value_wo|value_wo_version|content_type|expiration_date|not_before_date)$/,
    reason: "the secret's content and dates, not who can read it",
  },
  { types: WORKLOAD_TYPES, path: WORKLOAD_INERT, reason: "how pods are sized, probed, exposed and rolled out" },
];

/**
 * Changes reported whatever a modelled change claims: provisioners and connections run commands
 * at apply with the deployer's credentials; `dynamic` blocks generate blocks the model cannot see.
 */
export const ALWAYS_REPORTED_PATH = /^(provisioner|connection|dynamic)(\.|\[|$)|(^|\.)dynamic(\.|\[|$)/;

/** Why a change at `path` in a block of `type` is silent, or undefined when it is not. `tagsMatter`: some grant condition reads tags. */
export function inertReason(type: string, path: string, tagsMatter = false): string | undefined {
  if (ALWAYS_REPORTED_PATH.test(path)) return undefined;
  const top = path.split(/[.[]/)[0];
  if (top === "tags" && tagsMatter) return undefined;
  if (!type.startsWith("manifest:") && INERT_ATTRIBUTES[top] !== undefined) return INERT_ATTRIBUTES[top];
  return INERT_PATHS.find((p) => p.types.test(type) && p.path.test(path))?.reason;
}

/** The address of a Kubernetes object found next to a stack: kind, namespace and name (not the file it is in). */
export function manifestKey(stack: string, object: any): string {
  const kind = String(object?.kind ?? "?");
  const ns = String(object?.metadata?.namespace ?? "default");
  const name = String(object?.metadata?.name ?? "?");
  const cluster = /^(Namespace|ClusterRole|ClusterRoleBinding|CustomResourceDefinition|PersistentVolume|StorageClass|MutatingWebhookConfiguration|ValidatingWebhookConfiguration|PriorityClass|APIService)$/.test(kind);
  return `${stack}/manifest:${kind}/${cluster ? "" : `${ns}/`}${name}`;
}

/** Top-level keys of Terraform JSON read block by block; any other top-level key is compared whole. */
const NAMED_BLOCKS = ["variable", "output", "check"] as const;
const TYPED_BLOCKS = ["resource", "data", "ephemeral"] as const;

/**
 * Every block of the synth output by address, except inert types: `stack/type.name`,
 * `stack/data.type.name`, `stack/ephemeral.type.name`, `stack/module.name`, `stack/provider.type`
 * (`.alias`), `stack/terraform`, `stack/local.name`, `stack/variable.name`, `stack/output.name`,
 * `stack/check.name`, `stack/import`, `stack/moved`, `stack/removed`, `stack/manifest:Kind/ns/name`.
 */
export function rawResources(out: SynthOutput): Map<string, RawEntry> {
  const raw = new Map<string, RawEntry>();
  for (const s of out.stacks) {
    const json = isObject(s.json) ? s.json : {};
    for (const [key, value] of Object.entries<any>(json)) {
      if (key === "//") continue;
      if ((TYPED_BLOCKS as readonly string[]).includes(key) && isObject(value)) {
        const prefix = key === "resource" ? "" : `${key}.`;
        for (const [type, byName] of Object.entries<any>(value)) {
          if (key === "resource" && INERT_RESOURCE_TYPES[type] !== undefined && !hasAlwaysReported(byName)) continue;
          if (key === "data" && INERT_DATA_TYPES[type] !== undefined && !hasAlwaysReported(byName)) continue;
          if (!isObject(byName)) {
            raw.set(`${s.name}/${prefix}${type}`, { type: `${prefix}${type}`, body: byName });
            continue;
          }
          for (const [name, body] of Object.entries<any>(byName)) raw.set(`${s.name}/${prefix}${type}.${name}`, { type: `${prefix}${type}`, body });
        }
      } else if (key === "module" && isObject(value)) {
        for (const [name, body] of Object.entries<any>(value)) raw.set(`${s.name}/module.${name}`, { type: "module", body });
      } else if ((NAMED_BLOCKS as readonly string[]).includes(key) && isObject(value)) {
        for (const [name, body] of Object.entries<any>(value)) raw.set(`${s.name}/${key}.${name}`, { type: key, body });
      } else if (key === "locals" && isObject(value)) {
        for (const [name, body] of Object.entries<any>(value)) raw.set(`${s.name}/local.${name}`, { type: "local", body });
      } else if (key === "provider" && isObject(value)) {
        for (const [type, configs] of Object.entries<any>(value)) {
          (Array.isArray(configs) ? configs : [configs]).forEach((config: any, i: number) => {
            const alias = isObject(config) && typeof config.alias === "string" ? `.${config.alias}` : i === 0 ? "" : `[${i}]`;
            raw.set(`${s.name}/provider.${type}${alias}`, { type: "provider", body: config });
          });
        }
      } else if (key === "terraform" && isObject(value)) {
        for (const [part, body] of Object.entries<any>(value)) {
          if (part === "required_providers" && isObject(body)) {
            for (const [p, req] of Object.entries<any>(body)) raw.set(`${s.name}/terraform.required_providers.${p}`, { type: "terraform.required_providers", body: req });
          } else raw.set(`${s.name}/terraform.${part}`, { type: `terraform.${part}`, body });
        }
      } else {
        // import, moved, removed, and any top-level key Terraform may read that this review does not know.
        raw.set(`${s.name}/${key}`, { type: key, body: value });
      }
    }
    for (const { object } of s.manifests ?? []) {
      const key = manifestKey(s.name, object);
      const previous = raw.get(key);
      raw.set(key, { type: `manifest:${String(object?.kind)}`, body: previous ? [previous.body, object] : object });
    }
  }
  return raw;
}

function hasAlwaysReported(byName: unknown): boolean {
  if (!isObject(byName)) return true;
  return Object.values(byName).some((b) => isObject(b) && Object.keys(b).some((k) => ALWAYS_REPORTED_PATH.test(k)));
}
