/** What the fail-safe diff compares: every block of the synth output, by address. */
import * as path from "path";
import type { SynthOutput } from "./types";
import { isObject } from "./util";

/**
 * Resource and data source types that decide who acts as whom or who can read what: role
 * assignments and definitions, Key Vaults and their access policies, identities and federated
 * credentials, every Entra (azuread) type (groups and members, applications, service principals,
 * their credentials), Kubernetes service accounts, workloads and RBAC, manifests, propagation
 * waits, and the cluster's identity settings.
 */
const RELEVANT_TYPE =
  /^(azurerm_(role_assignment|role_definition|pim_\w+|key_vault|key_vault_access_policy|key_vault_secret|user_assigned_identity|federated_identity_credential|kubernetes_cluster)|azuread_\w+|kubernetes_(service_account|pod|deployment|stateful_set|daemonset|daemon_set|job|cron_job|replication_controller|replica_set|manifest|role|role_binding|cluster_role|cluster_role_binding|secret)(_v1|_v2)?|time_sleep)$/;

/** Attributes that never change who can read what (descriptions, tags, timeouts, ordering, cdktf metadata). */
const IGNORED_ATTRIBUTES = new Set(["//", "tags", "description", "timeouts", "lifecycle", "depends_on"]);

/** For the cluster, only its identity settings; the rest (node pools, network…) is not reviewed here. */
const CLUSTER_ATTRIBUTES = new Set([
  "name", "resource_group_name", "location", "oidc_issuer_enabled", "workload_identity_enabled", "local_account_disabled",
  "azure_active_directory_role_based_access_control", "key_vault_secrets_provider", "identity", "provider", "count", "for_each",
]);

/** Workload attributes that are how it runs, not who it runs as (images, resources, probes, replicas). */
export const WORKLOAD_RUNTIME_PATH =
  /(^|\.)(container|init_container|containers|initContainers)(\[\d+\])?\.(image|image_pull_policy|imagePullPolicy|resources|liveness_probe|livenessProbe|readiness_probe|readinessProbe|startup_probe|startupProbe|port|ports|command|args|working_dir|workingDir|lifecycle)(\.|\[|$)|(^|\.)(replicas|strategy|min_ready_seconds|minReadySeconds|revision_history_limit|revisionHistoryLimit|progress_deadline_seconds|progressDeadlineSeconds)(\.|\[|$)/;

function relevantBody(type: string, body: any): any {
  if (!isObject(body)) return body;
  const kept: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(body)) {
    if (IGNORED_ATTRIBUTES.has(k)) continue;
    if (/kubernetes_cluster$/.test(type) && !CLUSTER_ATTRIBUTES.has(k)) continue;
    if (type === "azurerm_key_vault_secret" && /^value/.test(k)) continue;
    kept[k] = v;
  }
  return kept;
}

/** Every identity-relevant block of the synth output by address (`stack/type.name`, `stack/data.type.name`, `stack/module.name`, `stack/manifest:…`). */
export function rawResources(out: SynthOutput): Map<string, unknown> {
  const raw = new Map<string, unknown>();
  for (const s of out.stacks) {
    for (const kind of ["resource", "data"] as const) {
      for (const [type, byName] of Object.entries<any>(s.json?.[kind] ?? {})) {
        if (!RELEVANT_TYPE.test(type)) continue;
        for (const [name, body] of Object.entries<any>(byName)) raw.set(`${s.name}/${kind === "data" ? "data." : ""}${type}.${name}`, relevantBody(type, body));
      }
    }
    for (const [name, body] of Object.entries<any>(s.json?.module ?? {})) raw.set(`${s.name}/module.${name}`, relevantBody("module", body));
    for (const { file, object } of s.manifests ?? []) {
      const key = `${s.name}/manifest:${path.basename(file)}`;
      raw.set(key, [...((raw.get(key) as unknown[]) ?? []), object]);
    }
  }
  return raw;
}
