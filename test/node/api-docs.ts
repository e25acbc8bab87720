// The API reference as users see it: TypeDoc's model of every entry point (typedoc.json), what it
// documents, and every `@example` in it turned into a small module that a single TypeScript
// program type-checks against the built declarations (dist/*.d.ts, by package name).
//
// The convention for examples (CONTRIBUTING.md says it too): an example is the code a user would
// write, without the imports of what it shows. The wrapper imports every name an entry point
// exports that the example uses and does not import or declare itself (from the example's own
// entry point first), and declares the free variables in EXAMPLE_GLOBALS (`client`, `getToken`,
// `emu`, `data`, `digest`, ...) with their types. Anything else an example uses it must write.
import {
  Application,
  Logger,
  LogLevel,
  ReflectionKind,
  TSConfigReader,
  TypeDocReader,
  type Comment,
  type DeclarationReflection,
  type ProjectReflection,
  type Reflection,
} from "typedoc";
import ts from "typescript";
import { join, relative } from "node:path";

/** The package specifier of each TypeDoc module name (the `@module` tag of each entry point). */
export const ENTRY_POINTS = [
  "keyvault-fetch",
  "keyvault-fetch/keys",
  "keyvault-fetch/secrets",
  "keyvault-fetch/certificates",
  "keyvault-fetch/entra",
  "keyvault-fetch/jose",
  "keyvault-fetch/proxy",
  "@keyvault-fetch/emulator",
  "keyvault-fetch/proxy/server",
  "@keyvault-fetch/emulator/server",
] as const;

/**
 * The free variables examples may use, declared for the type check. Bytes are
 * `Uint8Array<ArrayBuffer>`, what `new Uint8Array(n)` and `TextEncoder` give.
 */
export const EXAMPLE_GLOBALS = `
import type { KeyVaultClient, GetToken } from "keyvault-fetch";
import type { KeyClient, KeyHandle, KeyVaultKey } from "keyvault-fetch/keys";
import type { SecretClient, SecretCache, KeyVaultSecret, KvNamespaceLike, CacheLike, DenoKvLike } from "keyvault-fetch/secrets";
import type { PublicClientApplicationLike } from "keyvault-fetch/entra";
import type { CertificateClient } from "keyvault-fetch/certificates";
import type { Emulator } from "@keyvault-fetch/emulator";
type Bytes = Uint8Array<ArrayBuffer>;
declare global {
  /** a client of the vault */
  const client: KeyVaultClient;
  const keyClient: KeyClient;
  const secretClient: SecretClient;
  const certificateClient: CertificateClient;
  /** a PFX, and DER certificates */
  const pfxBytes: Bytes, leafDer: Bytes, intermediateDer: Bytes;
  /** a handle on one key: keyClient.key("signer") */
  const handle: KeyHandle;
  /** a key as the vault returned it */
  const key: KeyVaultKey;
  const secret: KeyVaultSecret;
  /** a SecretCache */
  const cache: SecretCache;
  const getToken: GetToken;
  const emu: Emulator;
  const emulator: Emulator;
  const data: Bytes, digest: Bytes, signature: Bytes, plaintext: Bytes, ciphertext: Bytes, dek: Bytes, wrapped: Bytes, iv: Bytes, tag: Bytes, aad: Bytes, blob: Bytes;
  /** a key identifier with its version, e.g. a signature's kid */
  const kid: string;
  const vaultUrl: string, tenantId: string, clientId: string, clientSecret: string, jwe: string, attestationJwt: string;
  const allowedOrigins: string[];
  /** a JWT's exp, in seconds */
  const exp: number;
  const signal: AbortSignal;
  /** a Worker's environment (its vars, secrets and bindings) and context */
  const env: {
    KEYVAULT_URL: string; AZURE_TENANT_ID: string; AZURE_CLIENT_ID: string; AZURE_CLIENT_SECRET: string; AZURE_AUTHORITY_HOST: string;
    CERT_PEM: string; KEY_PEM: string; SECRET_CACHE: KvNamespaceLike; SECRET_CACHE_KEY: string;
    STATE: KvNamespaceLike; KV_STATE_KEY: string;
  };
  const ctx: { waitUntil(promise: Promise<unknown>): void };
  const msal: PublicClientApplicationLike;
  /** Workers' default cache (caches.default) */
  interface CacheStorage { readonly default: CacheLike }
  const Deno: {
    serve(handler: (request: Request) => Response | Promise<Response>): unknown;
    serve(options: { port?: number; cert?: string; key?: string }, handler: (request: Request) => Response | Promise<Response>): unknown;
    env: { get(name: string): string | undefined; toObject(): Record<string, string> };
    readTextFile(path: string): Promise<string>;
    openKv(): Promise<DenoKvLike>;
  };
}
export {};
`;

/** One export of one entry point, as TypeDoc documents it. */
export interface ApiItem {
  entry: string;
  name: string;
  kind: string;
  documented: boolean;
  examples: ApiExample[];
  /** functions, classes and constants must have an example; types should */
  needsExample: boolean;
  /** public methods of a class (own, not inherited) */
  methods: { name: string; documented: boolean; examples: ApiExample[] }[];
}

export interface ApiExample {
  /** `entry` + `.name` (+ `.method`), for messages */
  owner: string;
  entry: string;
  code: string;
  /** file:line of the commented declaration */
  source: string;
}

export interface ApiModel {
  messages: { level: "warning" | "error"; text: string }[];
  modules: { entry: string; documented: boolean; examples: ApiExample[] }[];
  items: ApiItem[];
  /** every exported name, by entry point */
  exportsOf: Map<string, Set<string>>;
  /** Writes the Markdown reference (typedoc.json's output, typedoc-plugin-markdown) into `out`. */
  render(out: string): Promise<void>;
}

class CollectingLogger extends Logger {
  readonly messages: ApiModel["messages"] = [];
  override log(message: string, level: LogLevel): void {
    super.log(message, level);
    if (level === LogLevel.Warn || level === LogLevel.Error)
      this.messages.push({ level: level === LogLevel.Warn ? "warning" : "error", text: message });
  }
}

/** Converts the entry points with typedoc.json's settings (nothing rendered) and validates the model. */
export async function loadApiModel(root: string): Promise<ApiModel> {
  // Readers chosen explicitly: the default ones would also read this process's argv.
  const app = await Application.bootstrapWithPlugins({ options: join(root, "typedoc.json") }, [new TypeDocReader(), new TSConfigReader()]);
  const logger = new CollectingLogger();
  app.logger = logger;
  const project = await app.convert();
  if (!project)
    return {
      messages: logger.messages.length ? logger.messages : [{ level: "error", text: "TypeDoc converted nothing" }],
      modules: [],
      items: [],
      exportsOf: new Map(),
      render: () => Promise.reject(new Error("TypeDoc converted nothing")),
    };
  app.validate(project);
  const render = async (out: string) => {
    app.options.setValue("out", out);
    await app.generateOutputs(project);
  };
  return { messages: logger.messages, ...inventory(project, root), render };
}

function inventory(project: ProjectReflection, root: string): Omit<ApiModel, "messages" | "render"> {
  const modules: ApiModel["modules"] = [];
  const items: ApiItem[] = [];
  const exportsOf = new Map<string, Set<string>>();
  for (const mod of project.children ?? []) {
    const entry = mod.name;
    modules.push({ entry, documented: hasSummary(mod.comment), examples: examplesOf([mod.comment], entry, entry, mod, root) });
    exportsOf.set(entry, new Set((mod.children ?? []).map((c) => c.name)));
    for (const child of mod.children ?? []) {
      const target =
        child.kind === ReflectionKind.Reference
          ? ((child as unknown as { getTargetReflectionDeep(): Reflection }).getTargetReflectionDeep() as DeclarationReflection)
          : child;
      const comments = commentsOf(target);
      const owner = `${entry}.${child.name}`;
      const methods =
        target.kind === ReflectionKind.Class
          ? (target.children ?? [])
              .filter(
                (m) =>
                  m.kind === ReflectionKind.Method && !m.inheritedFrom && !m.flags.isPrivate && !m.flags.isProtected && m.name !== "toJSON",
              )
              .map((m) => ({
                name: m.name,
                documented: commentsOf(m).some(hasSummary),
                examples: examplesOf(commentsOf(m), `${owner}.${m.name}`, entry, m, root),
              }))
          : [];
      items.push({
        entry,
        name: child.name,
        kind: ReflectionKind[target.kind] ?? String(target.kind),
        documented: comments.some(hasSummary),
        examples: examplesOf(comments, owner, entry, target, root),
        needsExample: (target.kind & (ReflectionKind.Function | ReflectionKind.Class | ReflectionKind.Variable)) !== 0,
        methods,
      });
    }
  }
  return { modules, items, exportsOf };
}

/** A declaration's comments: its own, its signatures', or those of the function type it has. */
function commentsOf(r: DeclarationReflection): (Comment | undefined)[] {
  const fromType = (r.type as { declaration?: DeclarationReflection } | undefined)?.declaration?.signatures ?? [];
  return [r.comment, ...(r.signatures ?? []).map((s) => s.comment), ...fromType.map((s) => s.comment)];
}

function hasSummary(c: Comment | undefined): boolean {
  return !!c && c.summary.some((p) => p.text.trim() !== "");
}

/** The code of each `@example` (TypeDoc keeps a function's comment on it and its signature: once each). */
function examplesOf(comments: (Comment | undefined)[], owner: string, entry: string, r: Reflection, root: string): ApiExample[] {
  const seen = new Set<string>();
  const out: ApiExample[] = [];
  const src = (r as DeclarationReflection).sources?.[0] ?? (r as DeclarationReflection).signatures?.[0]?.sources?.[0];
  const source = src ? `${relative(root, src.fullFileName)}:${src.line}` : owner;
  for (const c of comments) {
    for (const tag of c?.blockTags ?? []) {
      if (tag.tag !== "@example") continue;
      const text = tag.content.map((p) => p.text).join("");
      const code = [...text.matchAll(/```[\w-]*\n([\s\S]*?)```/g)].map((m) => m[1]!).join("\n") || text;
      if (seen.has(code)) continue;
      seen.add(code);
      out.push({ owner, entry, code, source });
    }
  }
  return out;
}

/** A module around one example: the imports it needs, then its code as written. */
export function wrapExample(example: ApiExample, exportsOf: Map<string, Set<string>>): string {
  const code = example.code;
  const imported = new Set<string>();
  for (const m of code.matchAll(/^\s*import\s+(?:type\s+)?([^"';]*?)\s+from\s+["'][^"']+["']/gm)) {
    for (const name of m[1]!.replace(/[{}]/g, " ").split(/[\s,]+/))
      if (name && name !== "type" && name !== "as" && name !== "*") imported.add(name);
  }
  const declared = new Set<string>();
  for (const m of code.matchAll(/\b(?:const|let|var|function|class)\s+([A-Za-z_$][\w$]*)/g)) declared.add(m[1]!);
  // Comments are left out (a word in one is no use of a name; "//" inside a URL is no comment), and
  // a spread is no member access.
  const used = new Set(
    code
      .replace(/(^|\s)\/\/[^\n]*/g, "$1")
      .replace(/\.\.\./g, " ")
      .match(/(?<![\w$.])[A-Za-z_$][\w$]*/g) ?? [],
  );
  const order = [example.entry, ...ENTRY_POINTS.filter((e) => e !== example.entry)];
  const imports = new Map<string, string[]>();
  for (const name of used) {
    if (imported.has(name) || declared.has(name)) continue;
    const from = order.find((e) => exportsOf.get(e)?.has(name));
    if (!from) continue;
    imports.set(from, [...(imports.get(from) ?? []), name]);
  }
  const head = [...imports].map(([from, names]) => `import { ${names.sort().join(", ")} } from "${from}";`);
  return `${head.join("\n")}\n${code}\nexport {};\n`;
}

/** One diagnostic of one example, located in its source comment. */
export interface ExampleProblem {
  message: string;
  line: string;
}

/**
 * Type-checks every module in one TypeScript program (in memory, no files written): each module's
 * problems, and those found elsewhere (the globals, the declarations). `dir` is where the modules
 * notionally live: inside the package, so `keyvault-fetch/...` resolves to its built declarations.
 */
export function typeCheckModules(dir: string, sources: string[]): { perModule: ExampleProblem[][]; elsewhere: string[] } {
  const options: ts.CompilerOptions = {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.ESNext,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ["lib.es2022.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"],
    types: ["node"],
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
  const files = new Map<string, string>([[join(dir, "example-globals.d.ts"), EXAMPLE_GLOBALS]]);
  const names = sources.map((_, i) => join(dir, `example-${String(i).padStart(3, "0")}.ts`));
  sources.forEach((source, i) => files.set(names[i]!, source));
  const host = ts.createCompilerHost(options);
  const { getSourceFile, fileExists, readFile } = host;
  host.getSourceFile = (file, language, onError, create) => {
    const text = files.get(file);
    return text !== undefined ? ts.createSourceFile(file, text, language) : getSourceFile.call(host, file, language, onError, create);
  };
  host.fileExists = (file) => files.has(file) || fileExists.call(host, file);
  host.readFile = (file) => files.get(file) ?? readFile.call(host, file);
  const program = ts.createProgram([...files.keys()], options, host);
  const perModule: ExampleProblem[][] = sources.map(() => []);
  const elsewhere: string[] = [];
  const index = new Map(names.map((n, i) => [n, i]));
  const all = [
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...program.getSemanticDiagnostics(),
  ];
  for (const d of all) {
    const message = ts.flattenDiagnosticMessageText(d.messageText, "\n");
    const i = d.file ? index.get(d.file.fileName) : undefined;
    if (i === undefined) {
      elsewhere.push(`${d.file ? d.file.fileName + ": " : ""}${message}`);
      continue;
    }
    const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
    perModule[i]!.push({ message, line: d.file!.text.split("\n")[line]?.trim() ?? "" });
  }
  return { perModule, elsewhere };
}
