import { IConstruct } from "constructs";

/**
 * Where each construct built from an environment file was written. The constructs find some
 * problems only once they are built (two pods with one name, an identity another environment also
 * creates, a name claimed twice across stacks by the app-wide registry); they report them by
 * construct path. The environment stacks record, for each construct they build from an entry, that
 * entry's `file:line: field`, and {@link explainProblems} puts it in front of every problem (and
 * after every other construct path a problem names), so each refusal names the file and the line.
 */

const originsByApp = new WeakMap<IConstruct, Map<string, string>>();

/** Records that `scope` (and everything under it, unless recorded more precisely) comes from `origin` (`file:line: field`). */
export function recordOrigin(scope: IConstruct, origin: string): void {
  recordOriginAt(scope, scope.node.path, origin);
}

/** Records the origin of the construct path `path` of `scope`'s app (a construct made later, or a path a problem names). */
export function recordOriginAt(scope: IConstruct, path: string, origin: string): void {
  const root = scope.node.root;
  let origins = originsByApp.get(root);
  if (!origins) originsByApp.set(root, (origins = new Map()));
  origins.set(path, origin);
}

/** The origin of the construct at `path` (or of its closest recorded parent), or undefined. */
export function originOf(root: IConstruct, path: string): string | undefined {
  const origins = originsByApp.get(root.node.root);
  if (!origins) return undefined;
  for (let p = path; p !== ""; p = p.includes("/") ? p.slice(0, p.lastIndexOf("/")) : "") {
    const found = origins.get(p);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** A construct path as problems write it: ids joined by '/' (an id holds no '/'). */
const PATH = /[A-Za-z0-9_][A-Za-z0-9_.-]*(?:\/[A-Za-z0-9_.-]+)*/g;

/**
 * `problems` (each naming construct paths, as checkApp and the security pass write them) with the
 * origin of the construct each is about in front (`file:line: field: …`), and every other
 * construct path it names followed by its origin in parentheses. Problems about constructs no
 * file produced are returned unchanged.
 */
export function explainProblems(root: IConstruct, problems: readonly string[]): string[] {
  const paths = new Set(root.node.root.node.findAll().map((c) => c.node.path));
  return problems.map((problem) => {
    let subject: string | undefined;
    const text = problem.replace(PATH, (candidate, offset: number) => {
      // A path is followed by "]", ":", ";", "," or a space; trailing dots belong to the sentence.
      const path = candidate.replace(/\.+$/, "");
      if (!paths.has(path) || !path.includes("/") && problem[offset - 1] !== "[") return candidate;
      const origin = originOf(root, path);
      if (origin === undefined) return candidate;
      if (subject === undefined) {
        subject = origin;
        return candidate;
      }
      return `${path} (${origin})${candidate.slice(path.length)}`;
    });
    return subject === undefined ? problem : `${subject}: ${text}`;
  });
}
