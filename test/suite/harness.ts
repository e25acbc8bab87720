// A tiny test harness that runs unchanged in Node, workerd, Deno, Chromium, Bun and the Edge Runtime:
// no globals, no node: imports. Suite files register tests; a runner executes them.
import type * as Core from "../../src/index.js";
import type * as Emulator from "../../emulator/src/index.js";
import type * as Keys from "../../src/keys/index.js";
import type * as Entra from "../../src/entra/index.js";
import type * as Jose from "../../src/jose/index.js";
import type * as Proxy from "../../src/proxy/index.js";
import type * as Secrets from "../../src/secrets/index.js";
import type * as Certificates from "../../src/certificates/index.js";

export type Runtime = "node" | "workerd" | "deno" | "chromium" | "bun" | "edge";

/** Every runtime but the browser: for tests that set what a page cannot (an `Origin` header, shared memory). */
export const NOT_IN_BROWSERS: Runtime[] = ["node", "workerd", "deno", "bun", "edge"];

/** One recorded HTTP exchange (see test/fixtures/README.md). */
export interface RecordedEntry {
  RequestUri: string;
  RequestMethod: string;
  RequestHeaders: Record<string, string>;
  RequestBody: unknown;
  StatusCode: number;
  ResponseHeaders: Record<string, string>;
  ResponseBody: unknown;
}
export interface Recording {
  Entries: RecordedEntry[];
  Variables: Record<string, string>;
}

/** What every suite receives: the built library, as users import it, plus test data. */
export interface Lib {
  core: typeof Core;
  emulator: typeof Emulator;
  keys: typeof Keys;
  entra: typeof Entra;
  jose: typeof Jose;
  proxy: typeof Proxy;
  secrets: typeof Secrets;
  certificates: typeof Certificates;
  runtime: Runtime;
  fixtures: {
    /** keyed by file name without `.json`, e.g. `ec__sign-verify-es256` */
    recordings: Record<string, Recording>;
    specExamples: Record<string, any>;
  };
}

/** Recordings of the keys SDK's tests (the others are named `secrets__…` and `certificates__…`). */
export function isKeysRecording(name: string): boolean {
  return !/^(secrets|certificates)__/.test(name);
}

export type TestFn = () => unknown | Promise<unknown>;
export interface TestCase {
  name: string;
  fn: TestFn;
  /** run only in these runtimes (default: all) */
  only?: Runtime[];
  timeoutMs?: number;
}

export interface Registrar {
  test(name: string, fn: TestFn, opts?: { only?: Runtime[]; timeoutMs?: number }): void;
  group(prefix: string, body: () => void): void;
}

export type SuiteFile = (t: Registrar, lib: Lib) => void;

export interface Result {
  runtime: Runtime;
  passed: number;
  failed: number;
  skipped: number;
  failures: { name: string; error: string }[];
  durationMs: number;
}

export function collect(files: SuiteFile[], lib: Lib): TestCase[] {
  const tests: TestCase[] = [];
  const prefixes: string[] = [];
  const t: Registrar = {
    test(name, fn, opts) {
      tests.push({ name: [...prefixes, name].join(" › "), fn, ...opts });
    },
    group(prefix, body) {
      prefixes.push(prefix);
      try {
        body();
      } finally {
        prefixes.pop();
      }
    },
  };
  for (const f of files) f(t, lib);
  return tests;
}

function describeError(e: unknown): string {
  if (e instanceof Error) return `${e.name}: ${e.message}${e.stack ? "\n" + e.stack.split("\n").slice(1, 6).join("\n") : ""}`;
  try {
    return JSON.stringify(e);
  } catch {
    return String(e);
  }
}

export async function runTests(
  tests: TestCase[],
  runtime: Runtime,
  opts: { filter?: string; onResult?: (name: string, ok: boolean | "skip", error?: string) => void } = {},
): Promise<Result> {
  const started = Date.now();
  const result: Result = { runtime, passed: 0, failed: 0, skipped: 0, failures: [], durationMs: 0 };
  for (const tc of tests) {
    if ((tc.only && !tc.only.includes(runtime)) || (opts.filter && !tc.name.includes(opts.filter))) {
      result.skipped++;
      opts.onResult?.(tc.name, "skip");
      continue;
    }
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      const limit = tc.timeoutMs ?? 20_000;
      await Promise.race([
        Promise.resolve().then(tc.fn),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new Error(`timed out after ${limit} ms`)), limit);
        }),
      ]);
      result.passed++;
      opts.onResult?.(tc.name, true);
    } catch (e) {
      const error = describeError(e);
      result.failed++;
      result.failures.push({ name: tc.name, error });
      opts.onResult?.(tc.name, false, error);
    } finally {
      clearTimeout(timer);
    }
  }
  result.durationMs = Date.now() - started;
  return result;
}
