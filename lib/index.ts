export * from "./constants";
export * from "./aks-with-oidc";
export * from "./managed-identity";
export * from "./federated-workload";
export * from "./key-vault";
export * from "./key-vault-secret-access";
export { Problems } from "./validation";
export type { Rule } from "./validation";
