#!/usr/bin/env node
/**
 * azwi-app [ENTRY] [ARGS…]   (the cdktf.json app command: `"app": "npx azwi-app main.ts"`)
 *
 * Runs a cdktf app written in TypeScript without type-checking it (type errors are `tsc --noEmit`'s
 * job, in the project's test command): each of the app's own `.ts` files that it reaches is
 * transpiled with the project's TypeScript and its tsconfig.json, once per content, into
 * `node_modules/.cache/azwi-app/`; later runs read the cache and do not load TypeScript at all.
 * Errors keep their source positions: a syntax error names file:line:col, and a runtime error's
 * stack points at `.ts` lines (inline source maps, for the app's own files only). cdktf's stack
 * trace per token is off unless CDKTF_TOKEN_STACK_TRACES=1. Packages in node_modules are loaded
 * as the JavaScript they ship; a `.ts` file there is refused.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type * as TS from "typescript";

// Part of every cache key: a change to how files are transpiled here invalidates old entries.
const RUNNER_CACHE_VERSION = "azwi-app 1";

const USAGE = [
  "usage: azwi-app [ENTRY] [ARGS…]",
  "  ENTRY  the app's TypeScript entry point; default main.ts",
  "runs the app with its own .ts files transpiled (no type-check; run tsc --noEmit for that), cached by content",
  "in node_modules/.cache/azwi-app; CDKTF_TOKEN_STACK_TRACES=1 keeps cdktf's stack trace per token",
].join("\n");

/** A file the app reaches cannot be transpiled; the message names file:line:col. */
export class AppSourceError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "AppSourceError";
  }
}

interface ModuleLike {
  _compile(code: string, filename: string): void;
}

const NodeModule = require("module") as {
  _extensions: Record<string, (module: ModuleLike, filename: string) => void>;
  _load(request: string, parent: unknown, isMain: boolean): unknown;
};

/** The directory of the nearest `name` at or above `dir`, if any. */
function findUp(dir: string, name: string): string | undefined {
  for (let d = dir; ; d = path.dirname(d)) {
    if (fs.existsSync(path.join(d, name))) return d;
    if (path.dirname(d) === d) return undefined;
  }
}

const sha = (text: string) => crypto.createHash("sha256").update(text).digest("hex");

function readOrUndefined(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** Writes through a temporary file and a rename, so a concurrent run reads a whole entry or none. */
function writeAtomically(file: string, text: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(temporary, text);
  fs.renameSync(temporary, file);
}

interface Project {
  /** Where the entry's own modules (cdktf, typescript) resolve from. */
  readonly dir: string;
  readonly cacheDir: string;
  /** The tsconfig.json the app is transpiled with, if there is one. */
  readonly tsconfig?: string;
}

/**
 * node_modules/.cache/azwi-app of the project: ignored wherever node_modules is, removed with it,
 * and the place other build tools keep their caches. Without a node_modules directory (a global
 * install), a directory per user under the system's temporary directory.
 */
function projectOf(entry: string): Project {
  const dir = findUp(path.dirname(entry), "package.json") ?? path.dirname(entry);
  const modules = findUp(dir, "node_modules");
  const cacheDir = modules
    ? path.join(modules, "node_modules", ".cache", "azwi-app")
    : path.join(os.tmpdir(), `azwi-app-${os.userInfo().uid}`);
  const configDir = findUp(path.dirname(entry), "tsconfig.json");
  return { dir, cacheDir, tsconfig: configDir ? path.join(configDir, "tsconfig.json") : undefined };
}

/** The project's TypeScript, loaded on the first cache miss only. */
class Compiler {
  private ts?: typeof TS;
  private options?: TS.CompilerOptions;
  /** What every entry depends on besides its own text: this runner, the TypeScript version, the tsconfig files. */
  public readonly salt: string;

  constructor(private readonly project: Project) {
    const tsPackage = this.resolve("typescript/package.json");
    const tsVersion = tsPackage ? (JSON.parse(fs.readFileSync(tsPackage, "utf8")) as { version: string }).version : "none";
    // The tsconfig.json and the files it extends (recorded when it was last parsed) are part of every key.
    const configs = this.configFiles();
    this.salt = [RUNNER_CACHE_VERSION, tsVersion, ...configs.map((f) => `${f}\n${readOrUndefined(f) ?? ""}`)].join("\0");
  }

  private resolve(request: string): string | undefined {
    try {
      return require.resolve(request, { paths: [this.project.dir] });
    } catch {
      return undefined;
    }
  }

  private get configRecord(): string {
    return path.join(this.project.cacheDir, `config-${sha(this.project.tsconfig ?? "none").slice(0, 16)}.json`);
  }

  private configFiles(): string[] {
    if (!this.project.tsconfig) return [];
    const recorded = readOrUndefined(this.configRecord);
    const files = recorded ? (JSON.parse(recorded) as string[]) : [this.project.tsconfig];
    return files[0] === this.project.tsconfig ? files : [this.project.tsconfig];
  }

  private typescript(): typeof TS {
    if (this.ts) return this.ts;
    const file = this.resolve("typescript");
    if (!file) {
      throw new AppSourceError(
        `azwi-app: TypeScript is not installed in ${this.project.dir}; it transpiles the app with the project's own TypeScript: npm install --save-dev typescript`,
      );
    }
    this.ts = require(file) as typeof TS;
    return this.ts;
  }

  /** The project's compiler options, with what running in Node needs: CommonJS, inline source maps, one file at a time. */
  private compilerOptions(): TS.CompilerOptions {
    if (this.options) return this.options;
    const ts = this.typescript();
    let options: TS.CompilerOptions = { target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    if (this.project.tsconfig) {
      const parsed = ts.getParsedCommandLineOfConfigFile(this.project.tsconfig, {}, {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (d) => {
          throw new AppSourceError(`azwi-app: ${formatDiagnostic(ts, d)}`);
        },
      });
      if (parsed) {
        const configErrors = parsed.errors.filter((d) => d.category === ts.DiagnosticCategory.Error && d.code !== 18003); // 18003: no inputs found
        if (configErrors.length) throw new AppSourceError(configErrors.map((d) => `azwi-app: ${formatDiagnostic(ts, d)}`).join("\n"));
        options = parsed.options;
        const files = [this.project.tsconfig, ...((parsed.options.configFile as TS.TsConfigSourceFile | undefined)?.extendedSourceFiles ?? []).map((f) => path.resolve(f))];
        if (JSON.stringify(files) !== JSON.stringify(this.configFiles())) writeAtomically(this.configRecord, JSON.stringify(files));
      }
    }
    const running: TS.CompilerOptions = {
      ...options,
      module: ts.ModuleKind.CommonJS,
      isolatedModules: true,
      noEmit: false,
      declaration: false,
      declarationMap: false,
      emitDeclarationOnly: false,
      composite: false,
      incremental: false,
      sourceMap: false,
      inlineSourceMap: true,
      inlineSources: false,
    };
    // Output paths, and what only the Node16/NodeNext/bundler resolutions allow (TypeScript refuses
    // them next to CommonJS): transpiling one file at a time needs none of them.
    for (const name of [
      "outDir", "outFile", "rootDir", "tsBuildInfoFile", "moduleResolution", "resolvePackageJsonExports", "resolvePackageJsonImports",
      "customConditions", "allowImportingTsExtensions", "rewriteRelativeImportExtensions", "verbatimModuleSyntax",
    ]) {
      delete running[name];
    }
    this.options = running;
    return this.options;
  }

  /** The file's JavaScript: from the cache when its text (and the salt) is unchanged, else transpiled and cached. */
  public javascript(file: string, source: string): string {
    const key = sha(`${this.salt}\0${file}\0${source}`);
    // One cache entry per source file (named by its path), holding the key of the text it was made
    // from: an edited file replaces its entry, so the cache never outgrows the project.
    const entry = path.join(this.project.cacheDir, `${sha(file).slice(0, 32)}.js`);
    const cached = readOrUndefined(entry);
    // The key goes last: the first line may be a shebang.
    const trailer = `\n// azwi-app ${key}\n`;
    if (cached?.endsWith(trailer)) return cached.slice(0, -trailer.length);
    const ts = this.typescript();
    const out = ts.transpileModule(source, { fileName: file, compilerOptions: this.compilerOptions(), reportDiagnostics: true });
    const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
    if (errors.length) throw new AppSourceError(errors.map((d) => formatDiagnostic(ts, d)).join("\n"));
    try {
      writeAtomically(entry, out.outputText + trailer);
    } catch {
      // A read-only cache costs a transpile per run, nothing else.
    }
    return out.outputText;
  }
}

function formatDiagnostic(ts: typeof TS, d: TS.Diagnostic): string {
  const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
  if (!d.file || d.start === undefined) return `error TS${d.code}: ${message}`;
  const { line, character } = d.file.getLineAndCharacterOfPosition(d.start);
  return `${d.file.fileName}:${line + 1}:${character + 1} - error TS${d.code}: ${message}`;
}

const isPackageFile = (file: string) => file.split(path.sep).includes("node_modules");

/**
 * Registers the `.ts` loader and returns the absolute entry. Only the app's own files get source
 * maps: cdktf and the provider packages carry inline maps that Node would otherwise decode on
 * every load (about 16 MB and 30 ms for a small app).
 */
export function installAppRunner(entry: string): string {
  const file = path.resolve(entry);
  if (!fs.existsSync(file)) throw new AppSourceError(`azwi-app: ${entry} not found (from ${process.cwd()})`);
  const project = projectOf(file);
  const compiler = new Compiler(project);

  const mapsWanted = !process.sourceMapsEnabled;
  const setMaps = (on: boolean) => {
    if (mapsWanted) process.setSourceMapsEnabled(on);
  };
  const loadJs = NodeModule._extensions[".js"];
  NodeModule._extensions[".js"] = (module, filename) => {
    if (!mapsWanted || !process.sourceMapsEnabled) return loadJs(module, filename);
    setMaps(false);
    try {
      loadJs(module, filename);
    } finally {
      setMaps(true);
    }
  };
  NodeModule._extensions[".ts"] = (module, filename) => {
    if (isPackageFile(filename)) {
      throw new AppSourceError(
        `azwi-app: ${filename} is TypeScript inside node_modules; azwi-app transpiles the app's own files only, and packages must ship JavaScript`,
      );
    }
    const code = compiler.javascript(filename, fs.readFileSync(filename, "utf8"));
    setMaps(true);
    module._compile(code, filename);
  };
  setMaps(true);

  // cdktf captures a full stack trace (Error.stackTraceLimit = Infinity) for every token it creates,
  // only to say where an unresolvable token came from: with thousands of resources that is a third
  // of the synth time and much of its memory. The app's own copy of cdktf is the one to switch off.
  if (process.env.CDKTF_TOKEN_STACK_TRACES !== "1") {
    try {
      const stackTrace = require(require.resolve("cdktf/lib/tokens/private/stack-trace", { paths: [path.dirname(file), project.dir] }));
      stackTrace.captureStackTrace = () => [];
    } catch {
      // No cdktf where the app is: nothing to switch off.
    }
  }
  return file;
}

/** Runs `entry` as the main module with `args` after it in process.argv; returns the exit code for usage and source errors. */
export function main(argv: string[]): number | undefined {
  if (argv[0] === "--help" || argv[0] === "-h") {
    console.log(USAGE);
    return 0;
  }
  const [entry = "main.ts", ...args] = argv;
  // A source error is printed as its message alone (file:line:col), wherever the require that met
  // it was; every other error stays uncaught, so Node prints it with the line that threw.
  process.on("uncaughtExceptionMonitor", (error) => {
    if (!(error instanceof AppSourceError)) return;
    console.error(error.message);
    process.exit(1);
  });
  let file: string;
  try {
    file = installAppRunner(entry);
  } catch (error) {
    if (!(error instanceof AppSourceError)) throw error;
    console.error(error.message);
    return 1;
  }
  process.argv = [process.argv[0], file, ...args];
  NodeModule._load(file, null, true);
  return undefined;
}

if (require.main === module) {
  const code = main(process.argv.slice(2));
  if (code !== undefined) process.exitCode = code;
}
