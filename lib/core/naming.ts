/** `<prefix>-<namespace>-<sa>` with `.` turned into `-`, cut to `max` characters (Azure name rules). */
export function defaultName(prefix: string, namespace: string, serviceAccount: string, max: number): string {
  return `${prefix}-${namespace}-${serviceAccount}`.replace(/\./g, "-").slice(0, max).replace(/[-_]+$/, "");
}
