/**
 * The review's model of a synth output, one file per concern: {@link loadSynthOutput} (load.ts)
 * reads and checks the directory, resolve.ts follows references across stacks,
 * {@link buildModel} (build.ts) extracts the trust chains, relevance.ts decides what the
 * fail-safe diff compares, roles.ts names roles; the types are in types.ts.
 */
export { loadSynthOutput } from "./load";
export { buildModel, workloadOf } from "./build";
export { Resolver, stableJson } from "./resolve";
export { BUILT_IN_ROLES, roleFromDefinitionId } from "./roles";
export { INERT_ATTRIBUTES, INERT_DATA_TYPES, INERT_PATHS, INERT_RESOURCE_TYPES } from "./relevance";
export { pushTo, ReviewInputError } from "./util";
export { inertReason } from "./relevance";
export type { RawEntry } from "./relevance";
export type { Actor, Annotation, BindingLink, Chain, Credential, Grant, Identity, IdentityBindingEntry, Model, Ref, ScopeLevel, ServiceAccount, SharedAccess, StackDoc, SynthOutput, Workload } from "./types";
