// Shared pieces of the reliability suite: recognisable tokens, the error collector the leak scan
// reads, the checks every hostile-server test applies, and a few timing helpers. Runs in every
// runtime (no node: imports; Node's util.inspect is used only where the runtime has it).
import type { Lib } from "./harness.js";

const b64url = (text: string) => btoa(text).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");

/** A JWT-shaped token built for these tests (what Entra issues): header, claims, a fake signature. */
export function testJwt(tag: string): string {
  const header = b64url(JSON.stringify({ alg: "RS256", typ: "JWT", kid: "reliability" }));
  const claims = b64url(
    JSON.stringify({ aud: "https://vault.azure.net", iss: "https://sts.windows.net/t/", sub: `reliability-${tag}`, exp: 4102444800 }),
  );
  return `${header}.${claims}.${b64url(`signature-of-${tag}-`.repeat(3))}`;
}

/** An opaque token (no JWT shape): only exact matching can find it, so the library must know it. */
export function opaqueToken(tag: string): string {
  return `opq${tag.replace(/[^\w]/g, "")}Zk7QvT2sWm9Rx4Lp`;
}

/** Parts of a token that, found anywhere, mean it leaked (a truncated copy leaks too). */
export function tokenFragments(token: string): string[] {
  const parts = token.split(".");
  if (parts.length === 3) return [token, parts[1]!.slice(0, 24), parts[2]!.slice(0, 24)];
  return [token, token.slice(0, 16), token.slice(-16)];
}

const JWT_SHAPE = /eyJ[\w-]{2,}\.[\w-]{2,}\.[\w-]*/;

/** What a careless logger could print of an error: every string the leak scan searches. */
export function reachableTexts(e: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<unknown>();
  const util = (
    globalThis as { process?: { getBuiltinModule?: (m: string) => { inspect(v: unknown, o: object): string } | undefined } }
  ).process?.getBuiltinModule?.("node:util");
  const walk = (v: unknown, depth: number): void => {
    if (v === null || v === undefined || depth > 12) return;
    if (typeof v === "string") {
      out.push(v);
      return;
    }
    if (typeof v !== "object" && typeof v !== "function") {
      out.push(String(v));
      return;
    }
    if (seen.has(v)) return;
    seen.add(v);
    // A Response a KeyVaultError keeps (not enumerable, so printing the error skips it) is the
    // vault's own answer, already read: not searched here (see responseTexts).
    if (typeof Response !== "undefined" && v instanceof Response) return;
    try {
      out.push(String(v));
    } catch {
      /* a hostile toString */
    }
    const o = v as Record<string, unknown>;
    if (v instanceof Error) {
      out.push(String(v.message), String(v.stack));
    }
    try {
      out.push(JSON.stringify(v) ?? "");
    } catch {
      /* circular: the walk covers it */
    }
    if (typeof (o as { toJSON?: unknown }).toJSON === "function") {
      try {
        walk((o as { toJSON(): unknown }).toJSON(), depth + 1);
      } catch {
        /* ignore */
      }
    }
    for (const k of Object.keys(o)) {
      out.push(k);
      try {
        walk(o[k], depth + 1);
      } catch {
        /* a getter threw */
      }
    }
    if (v instanceof Error && "cause" in v) walk((v as { cause?: unknown }).cause, depth + 1);
    if (typeof AggregateError !== "undefined" && v instanceof AggregateError) walk(v.errors, depth + 1);
  };
  walk(e, 0);
  if (util) out.push(util.inspect(e, { depth: Infinity }));
  return out;
}

/** The answer a KeyVaultError keeps (its headers and status text), searched separately. */
export function responseTexts(e: unknown): string[] {
  const r = (e as { response?: unknown })?.response;
  if (typeof Response === "undefined" || !(r instanceof Response)) return [];
  const out = [r.statusText];
  r.headers.forEach((v, k) => out.push(`${k}: ${v}`));
  return out;
}

/** Where a secret or JWT-shaped text appears in what a logger could print of `e`, if anywhere. */
export function findLeak(e: unknown, secrets: readonly string[]): string | undefined {
  const fragments = secrets.flatMap(tokenFragments);
  for (const text of reachableTexts(e)) {
    for (const f of fragments)
      if (f.length >= 12 && text.includes(f)) return `"${f.slice(0, 12)}…" in ${JSON.stringify(text.slice(0, 240))}`;
    if (JWT_SHAPE.test(text)) return `JWT-shaped text in ${JSON.stringify(text.slice(0, 240))}`;
  }
  return undefined;
}

/** Every error the reliability tests caught, with the secrets that were in play: the leak scan reads them all. */
export const caught: { source: string; error: unknown; secrets: string[] }[] = [];

/** Records an error for the leak scan; returns it. */
export function keep<T>(source: string, error: T, secrets: readonly string[]): T {
  if (caught.length < 20_000) caught.push({ source, error, secrets: [...secrets] });
  return error;
}

/**
 * What a failure is: our two classes (with a code), the caller's own abort reason, or something
 * foreign (a defect: every failure must be one of ours or the caller's reason).
 */
export function classify(lib: Lib, e: unknown, callerReason?: unknown): string {
  if (callerReason !== undefined && e === callerReason) return "caller-abort";
  if (e instanceof lib.core.KeyVaultError) return `KeyVaultError ${e.status}`;
  if (e instanceof lib.core.KeyVaultClientError) return `KeyVaultClientError ${e.code}`;
  const x = e as { name?: unknown; message?: unknown };
  return `FOREIGN ${String(x?.name)}: ${String(x?.message).slice(0, 160)}`;
}

export const isForeign = (kind: string) => kind.startsWith("FOREIGN");

export const delay = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** `promise`, or "hung" once `ms` have passed (the watchdog of every bounded-time check). */
export function watchdog<T>(
  promise: Promise<T>,
  ms: number,
  started: number = Date.now(),
): Promise<{ value?: T; error?: unknown; hung: boolean; ms: number }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const guard = new Promise<{ hung: true; ms: number }>((r) => {
    timer = setTimeout(() => r({ hung: true, ms: Date.now() - started }), ms);
  });
  const settled = promise.then(
    (value) => ({ value, hung: false, ms: Date.now() - started }),
    (error) => ({ error, hung: false, ms: Date.now() - started }),
  );
  return Promise.race([settled, guard]).finally(() => clearTimeout(timer));
}

/** A body that sends `prefix`, then one byte every `everyMs` for `chunks` bytes (then ends), honouring `signal` or not. */
export function dribble(
  prefix: string,
  opts: { everyMs?: number; chunks?: number; signal?: AbortSignal | null } = {},
): ReadableStream<Uint8Array> {
  const every = opts.everyMs ?? 10,
    chunks = opts.chunks ?? 300;
  let timer: ReturnType<typeof setInterval> | undefined;
  return new ReadableStream<Uint8Array>({
    start(c) {
      c.enqueue(new TextEncoder().encode(prefix));
      let n = 0;
      timer = setInterval(() => {
        try {
          if (++n > chunks) {
            clearInterval(timer);
            c.close();
          } else c.enqueue(new TextEncoder().encode("a"));
        } catch {
          clearInterval(timer);
        }
      }, every);
      const signal = opts.signal;
      signal?.addEventListener(
        "abort",
        () => {
          clearInterval(timer);
          try {
            c.error(signal.reason);
          } catch {
            /* closed */
          }
        },
        { once: true },
      );
    },
    cancel() {
      clearInterval(timer);
    },
  });
}

let hostSerial = 0;
/** A vault host no other test uses (the challenge cache is isolate-wide). */
export function freshHost(tag: string): string {
  return `rel${tag}${++hostSerial}x${Math.floor(Math.random() * 1e9).toString(36)}.vault.azure.net`;
}

/** One request as a hostile double saw it. */
export interface Seen {
  url: string;
  method: string;
  authorization: string | null;
  bodyLength: number;
  redirect: RequestRedirect | undefined;
  at: number;
}

/** Reads what a client sent (without consuming the caller's objects: fetch is given a URL and an init). */
export async function observe(
  input: string | URL | Request,
  init: RequestInit | undefined,
): Promise<Seen & { body: string; signal: AbortSignal | null }> {
  const req = new Request(input, init);
  const body = init?.body === undefined || init.body === null ? "" : await req.text();
  return {
    url: req.url,
    method: req.method,
    authorization: req.headers.get("authorization"),
    bodyLength: body.length,
    body,
    redirect: init?.redirect,
    at: Date.now(),
    signal: init?.signal ?? null,
  };
}

/** Counts and percent, for reports. */
export const pct = (n: number, of: number) => (of ? `${((100 * n) / of).toFixed(1)} %` : "–");

/** A small seeded generator (mulberry32), so random moments repeat exactly. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
