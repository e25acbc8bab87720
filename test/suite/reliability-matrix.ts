// The fault matrix: each fault (429 with and without Retry-After, 5xx before and after the vault
// processed the request, dropped connections before and after, latency past the timeout, malformed
// and HTML bodies) × each operation class (read, idempotent writes, create, import, rotate, restore,
// recover, set-secret), once (a transient fault), always (a persistent one) or on the probe (a cold
// vault). Each cell runs against its own emulator and records what the server processed, how many
// times the client sent the operation, how long the call took and how it ended, and checks that
// nothing was lost: an unsafe operation never processed twice, no body without a token, no request
// to another origin. The suite asserts the expected outcome of every cell; `npm run reliability`
// runs the full matrix with the default policy (and the official SDK through the same faults).
import type { Lib } from "./harness.js";
import { classify, keep } from "./reliability-kit.js";

type Emulator = ReturnType<Lib["emulator"]["createEmulator"]>;
type Client = InstanceType<Lib["core"]["KeyVaultClient"]>;

/** Where a fault strikes: the operation's first authorized attempt, every attempt, or the cold vault's probe. */
export type When = "once" | "always" | "probe";

/** One kind of fault. `emulator` ones use the emulator's own injection; `wrapper` ones the fetch in front of it. */
export interface FaultKind {
  id: string;
  label: string;
  /** processed by the vault before the failure (the effect happened, the answer is lost) */
  after: boolean;
  emulator?: (timeoutMs: number) => Record<string, unknown>;
  wrapper?: { status: number; html: boolean };
}

const html =
  "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>nginx</center></body></html>";

export const FAULTS: FaultKind[] = [
  { id: "429-retry-after", label: "429 + Retry-After: 1 (s)", after: false, emulator: () => ({ status: 429, retryAfter: 1 }) },
  { id: "429-retry-after-ms", label: "429 + x-ms-retry-after-ms: 200", after: false, emulator: () => ({ status: 429, retryAfterMs: 200 }) },
  { id: "429-bare", label: "429, no Retry-After", after: false, emulator: () => ({ status: 429 }) },
  ...[500, 502, 503, 504].map((status) => ({
    id: `${status}-before`,
    label: `${status} before processing`,
    after: false,
    emulator: () => ({ status }),
  })),
  ...[500, 502, 503, 504].map((status) => ({
    id: `${status}-after`,
    label: `${status} after processing (answer lost)`,
    after: true,
    wrapper: { status, html: false },
  })),
  { id: "drop-before", label: "connection dropped before processing", after: false, emulator: () => ({ drop: "before" }) },
  { id: "drop-after", label: "connection dropped after processing", after: true, emulator: () => ({ drop: "after" }) },
  {
    id: "latency",
    label: "latency past the timeout",
    after: false,
    emulator: (t) => ({ latencyMs: t + Math.max(500, Math.round(t / 12)) }),
  },
  { id: "malformed", label: "malformed JSON body (200, cut in half)", after: true, emulator: () => ({ malformedBody: true }) },
  { id: "html-502", label: "HTML 502 from a gateway (before processing)", after: false, wrapper: { status: 502, html: true } },
  { id: "html-200", label: "HTML 200 page instead of the answer (after processing)", after: true, wrapper: { status: 200, html: true } },
];

/** What an operation class works with in one cell. */
export interface OpContext {
  emulator: Emulator;
  /** this cell's vault URL: the emulator's host on a port of its own, so its challenge cache entry is its own */
  vaultUrl: string;
  /** a client with no faults in front of it, for setup */
  clean: Client;
  /** the cell's key (or secret) name: cells share an emulator */
  name: string;
  /** state made by setup (a backup blob, a JWK to import) */
  state: Record<string, unknown>;
}

/** One operation class. */
export interface OpClass {
  id: string;
  label: string;
  /** unsafe to repeat: must never be processed twice */
  unsafe: boolean;
  /** the request the operation sends (faults match it) */
  method: string;
  path(name: string): RegExp;
  setup(lib: Lib, ctx: OpContext): Promise<void>;
  run(lib: Lib, client: Client, ctx: OpContext, signal?: AbortSignal): Promise<unknown>;
  /** how many times the vault's state shows the operation done (versions made), where it can tell */
  effects?(lib: Lib, ctx: OpContext): Promise<number>;
}

const digest = new Uint8Array(32).fill(9);
const opt = (signal?: AbortSignal) => (signal ? { signal } : {});
async function versions(lib: Lib, ctx: OpContext): Promise<number> {
  let n = 0;
  try {
    for await (const _ of lib.keys.listKeyVersions(ctx.clean, ctx.name)) n++;
  } catch (e) {
    if ((e as { status?: number }).status !== 404) throw e;
  }
  return n;
}

export const OPS: OpClass[] = [
  {
    id: "read",
    label: "read (getKey)",
    unsafe: false,
    method: "GET",
    path: (n) => new RegExp(`^/keys/${n}/?$`),
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.getKey(client, c.name, undefined, opt(signal)),
  },
  {
    id: "sign",
    label: "idempotent POST (sign)",
    unsafe: false,
    method: "POST",
    path: (n) => new RegExp(`^/keys/${n}(/[^/]*)?/sign$`),
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.sign(client, c.name, "ES256", digest, opt(signal)),
  },
  {
    id: "update",
    label: "idempotent write (updateKey, PATCH)",
    unsafe: false,
    method: "PATCH",
    path: (n) => new RegExp(`^/keys/${n}(/[^/]*)?$`),
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.updateKey(client, c.name, { tags: { reliability: "1" }, ...opt(signal) }),
  },
  {
    id: "create",
    label: "create (createKey)",
    unsafe: true,
    method: "POST",
    path: (n) => new RegExp(`^/keys/${n}/create$`),
    setup: async () => {},
    run: (lib, client, c, signal) => lib.keys.createKey(client, c.name, "EC", { curve: "P-256", ...opt(signal) }),
    effects: versions,
  },
  {
    id: "import",
    label: "import (importKey, PUT)",
    unsafe: true,
    method: "PUT",
    path: (n) => new RegExp(`^/keys/${n}$`),
    setup: async (_lib, c) => {
      const pair = (await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, true, ["sign", "verify"])) as CryptoKeyPair;
      c.state.jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    },
    run: (lib, client, c, signal) => lib.keys.importKey(client, c.name, c.state.jwk as JsonWebKey & Record<string, unknown>, opt(signal)),
    effects: versions,
  },
  {
    id: "rotate",
    label: "rotate (rotateKey)",
    unsafe: true,
    method: "POST",
    path: (n) => new RegExp(`^/keys/${n}/rotate$`),
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.rotateKey(client, c.name, opt(signal)),
    effects: async (lib, c) => (await versions(lib, c)) - 1,
  },
  {
    id: "restore",
    label: "restore (restoreKey)",
    unsafe: true,
    method: "POST",
    path: () => /^\/keys\/restore$/,
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
      c.state.backup = await lib.keys.backupKey(c.clean, c.name);
      await lib.keys.deleteKey(c.clean, c.name);
      await lib.keys.purgeDeletedKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.restoreKey(client, c.state.backup as Uint8Array, opt(signal)),
  },
  {
    id: "recover",
    label: "recover (recoverDeletedKey)",
    unsafe: true,
    method: "POST",
    path: (n) => new RegExp(`^/deletedkeys/${n}/recover$`),
    setup: async (lib, c) => {
      await lib.keys.createEcKey(c.clean, c.name);
      await lib.keys.deleteKey(c.clean, c.name);
    },
    run: (lib, client, c, signal) => lib.keys.recoverDeletedKey(client, c.name, opt(signal)),
  },
  {
    id: "set-secret",
    label: "set a secret (PUT /secrets/{name}, a new version each time)",
    unsafe: true,
    method: "PUT",
    path: (n) => new RegExp(`^/secrets/${n}$`),
    setup: async (_lib, c) => {
      // The emulator serves secrets once that work has landed; until then this class is skipped.
      const res = await c.clean.fetch(`/secrets/${c.name}-support`, {
        method: "PUT",
        body: '{"value":"x"}',
        headers: { "content-type": "application/json" },
      });
      await res.body?.cancel();
      if (res.status !== 200) throw new Unsupported(`the emulator answers PUT /secrets with ${res.status}`);
    },
    run: (lib, client, c, signal) => lib.core.request(client, "PUT", `/secrets/${c.name}`, { value: "s3cret value" }, opt(signal)),
    effects: async (lib, c) => {
      try {
        const page = await lib.core.request<{ value?: unknown[] }>(c.clean, "GET", `/secrets/${c.name}/versions`, undefined, {
          query: { maxresults: 25 },
        });
        return page?.value?.length ?? 0;
      } catch (e) {
        if ((e as { status?: number }).status === 404) return 0;
        throw e;
      }
    },
  },
];

/** Thrown by a setup when the emulator cannot serve the class (the cell is reported as skipped). */
export class Unsupported extends Error {}

/** Timeout and retry policy of a run. */
export interface Policy {
  id: string;
  timeoutMs: number;
  retry?: { retries?: number; minDelayMs?: number; maxDelayMs?: number; maxElapsedMs?: number };
}

/** The suite's policy: real rules, short waits (a Retry-After of 1 s is honoured; the deadline is 2.5 s). */
export const SUITE_POLICY: Policy = {
  id: "suite",
  timeoutMs: 2500,
  retry: { retries: 3, minDelayMs: 5, maxDelayMs: 1200, maxElapsedMs: 10_000 },
};
/** The client's defaults (60 s timeout; 3 retries, 500 ms base, 30 s cap). */
export const DEFAULT_POLICY: Policy = { id: "default", timeoutMs: 60_000 };

/** What one cell measured. */
export interface Cell {
  fault: string;
  op: string;
  when: When;
  contender: string;
  skipped?: string;
  /** authorized requests of the operation the vault processed (the effect happened) */
  processed: number;
  /** what the vault's state shows done (versions made), where it can tell; -1 where it cannot */
  effects: number;
  /** authorized requests of the operation the client sent */
  attempts: number;
  /** unauthenticated requests (probes) of the operation */
  probes: number;
  /** requests the fault struck (0: the client never sent the request the fault waits for) */
  struck: number;
  elapsedMs: number;
  outcome: string;
  /** nothing lost: an unsafe operation processed at most once; no body without a token; no other origin */
  processedTwice: boolean;
  bodyWithoutToken: number;
  otherOrigin: number;
}

/** A contender: how to make a faulty client from a fetch, and which error classes are its own. */
export interface Contender {
  id: string;
  make(ctx: OpContext, fetch: Emulator["fetch"], policy: Policy): { run(op: OpClass, signal?: AbortSignal): Promise<unknown> };
  classify(e: unknown): string;
}

/** keyvault-fetch itself. */
export function ours(lib: Lib): Contender {
  return {
    id: "keyvault-fetch",
    make: (ctx, fetch, policy) => {
      const client = new lib.core.KeyVaultClient(ctx.vaultUrl, {
        getToken: ctx.emulator.getToken,
        fetch,
        timeout: policy.timeoutMs,
        ...(policy.retry ? { retry: policy.retry } : {}),
      });
      // Every failure goes to the leak scan too (the emulator's tokens are JWTs: their shape is enough).
      return {
        run: (op, signal) =>
          op.run(lib, client, ctx, signal).catch((e) => {
            throw keep(`fault matrix ${op.id}`, e, []);
          }),
      };
    },
    classify: (e) => classify(lib, e),
  };
}

/** Emulators the cells share (each makes an RSA signing key for its authority: too dear to make per cell). */
export interface Venue {
  emulator: Emulator;
  host: string;
}
export function venue(lib: Lib): Venue {
  const emulator = lib.emulator.createEmulator({ seed: 7 });
  return { emulator, host: new URL(emulator.vaultUrl).hostname };
}

let serial = 0;
let nextPort = 9000;

/**
 * Runs one cell in a venue: the cell's own port (its own challenge cache entry), setup through a clean
 * client, the fault installed for this cell's requests only, the operation through a faulty client.
 */
export async function runCell(
  lib: Lib,
  contender: Contender,
  fault: FaultKind,
  op: OpClass,
  when: When,
  policy: Policy,
  place: Venue,
): Promise<Cell> {
  const id = String(++serial);
  const { emulator } = place;
  const cell: Cell = {
    fault: fault.id,
    op: op.id,
    when,
    contender: contender.id,
    processed: 0,
    effects: -1,
    attempts: 0,
    probes: 0,
    struck: 0,
    elapsedMs: 0,
    outcome: "",
    processedTwice: false,
    bodyWithoutToken: 0,
    otherOrigin: 0,
  };
  const vaultUrl = `https://${place.host}:${++nextPort}`;
  const cellOrigin = new URL(vaultUrl).origin;
  const emulatorOrigin = new URL(emulator.vaultUrl).origin;
  // The emulator serves its own origin: the cell's port is an address of ours, mapped on the way in.
  const toEmulator = (req: Request) => {
    const u = new URL(req.url);
    const headers = new Headers(req.headers);
    headers.set("x-reliability-cell", id);
    return { url: emulatorOrigin + u.pathname + u.search, headers };
  };
  const plain = (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    const m = toEmulator(req);
    return emulator.fetch(new Request(m.url, { method: req.method, headers: m.headers, body: req.body, duplex: "half" } as RequestInit));
  };
  // For a probe cell, setup goes through the emulator's own origin, so the cell's origin stays cold.
  const clean = new lib.core.KeyVaultClient(when === "probe" ? emulator.vaultUrl : vaultUrl, {
    getToken: emulator.getToken,
    fetch: when === "probe" ? emulator.fetch : plain,
  });
  const ctx: OpContext = { emulator, vaultUrl, clean, name: `${op.id.replace(/[^a-z]/g, "")}${id}`, state: {} };
  try {
    await op.setup(lib, ctx);
  } catch (e) {
    if (e instanceof Unsupported) return { ...cell, skipped: e.message };
    throw e;
  }
  // The cell's origin learns its challenge now (probe cells excepted: they start cold).
  if (when !== "probe") await (await clean.fetch("/keys?maxresults=1")).body?.cancel();
  const path = op.path(ctx.name);
  const isOp = (method: string, url: string) => method === op.method && path.test(new URL(url).pathname);
  // Requests the fault hit, by serial: the emulator calls a route predicate only while the fault has hits left, and a hit is certain.
  const hits = new Set<string>();
  const strikes = (req: Request) => {
    if (req.headers.get("x-reliability-cell") !== id || !isOp(req.method, req.url)) return false;
    const hit = when === "probe" ? !req.headers.has("authorization") : req.headers.has("authorization");
    if (hit) {
      hits.add(req.headers.get("x-reliability-request")!);
      cell.struck++;
    }
    return hit;
  };
  const times = when === "always" ? Infinity : 1;
  const installed = fault.emulator ? emulator.faults.add({ route: strikes, times, ...fault.emulator(policy.timeoutMs) }) : undefined;
  let wrapperLeft = fault.wrapper ? times : 0;
  let requestSerial = 0;
  // A fault status answers instead of the vault; latency only delays it (the vault serves it unless the caller gave up).
  const answersInstead = fault.emulator !== undefined && "status" in fault.emulator(0);

  const faulty = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const auth = req.headers.has("authorization");
    if (new URL(req.url).origin !== cellOrigin) cell.otherOrigin++;
    const body = req.body ? new Uint8Array(await req.arrayBuffer()) : undefined;
    if (body && body.length > 0 && !auth) cell.bodyWithoutToken++;
    const mine = isOp(req.method, req.url);
    if (mine) {
      if (auth) cell.attempts++;
      else cell.probes++;
    }
    const m = toEmulator(req);
    const n = String(++requestSerial);
    m.headers.set("x-reliability-request", n);
    const forward = () =>
      emulator.fetch(m.url, {
        method: req.method,
        headers: m.headers,
        ...(body ? { body } : {}),
        ...(init?.signal ? { signal: init.signal } : {}),
      });
    const counts = mine && auth;
    const w = fault.wrapper;
    if (w && wrapperLeft > 0 && mine && (when === "probe" ? !auth : auth)) {
      wrapperLeft--;
      cell.struck++;
      const text = w.html
        ? html
        : JSON.stringify({ error: { code: "InternalServerError", message: `Emulated ${w.status} after processing.` } });
      const headers = { "content-type": w.html ? "text/html" : "application/json; charset=utf-8" };
      if (fault.after) {
        const real = await forward();
        if (counts) cell.processed++;
        await real.body?.cancel();
      }
      return new Response(text, { status: w.status, headers });
    }
    try {
      const res = await forward();
      if (counts && !(hits.has(n) && answersInstead)) cell.processed++;
      return res;
    } catch (e) {
      // Dropped after processing: the vault did the work, the answer is lost.
      if (counts && hits.has(n) && fault.id === "drop-after") cell.processed++;
      throw e;
    }
  };
  const { run } = contender.make(ctx, faulty, policy);
  const started = Date.now();
  try {
    await run(op);
    cell.outcome = "ok";
  } catch (e) {
    cell.outcome = contender.classify(e);
  }
  cell.elapsedMs = Date.now() - started;
  if (installed) installed.remaining = 0;
  wrapperLeft = 0;
  cell.processedTwice = op.unsafe && cell.processed > 1;
  if (op.effects) {
    cell.effects = await op.effects(lib, {
      ...ctx,
      clean: new lib.core.KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch }),
    });
    // A request the vault served just as the caller gave up is invisible to the count; the state is the truth.
    cell.processed = Math.max(cell.processed, cell.effects);
  }
  return cell;
}

/** The outcome the suite expects of a cell with the client's rules (once and probe faults; `undefined`: only the invariants). */
export function expectedOutcome(fault: FaultKind, op: OpClass, when: When): string | undefined {
  if (when === "always") return undefined;
  const id = fault.id;
  if (when === "probe") {
    // The probe carries no body and no token: repeating it is always safe.
    if (id === "latency") return "KeyVaultClientError ERR_TIMEOUT";
    if (id === "malformed" || id === "html-200") return undefined;
    return "ok";
  }
  if (id.startsWith("429")) return "ok";
  if (id === "latency") return "KeyVaultClientError ERR_TIMEOUT";
  if (id === "malformed" || id === "html-200") return "KeyVaultClientError ERR_INVALID_RESPONSE";
  if (!op.unsafe) return "ok";
  if (id.startsWith("drop")) return "KeyVaultClientError ERR_NETWORK";
  const status = /^(\d{3})/.exec(id)?.[1] ?? (id === "html-502" ? "502" : undefined);
  return status ? `KeyVaultError ${status}` : undefined;
}

/** Runs cells with at most `concurrency` at once (each mostly waits: backoff, Retry-After, latency). */
export async function runCells<T>(jobs: (() => Promise<T>)[], concurrency: number): Promise<T[]> {
  const out: T[] = new Array(jobs.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, jobs.length) }, async () => {
      while (next < jobs.length) {
        const i = next++;
        out[i] = await jobs[i]!();
      }
    }),
  );
  return out;
}
