// The cross-isolate store hook: any key-value store with a TTL, typed structurally (nothing is
// imported), plus adapters for the three shapes edge runtimes have: the Workers Cache API, Workers
// KV and Deno KV. A store is an optimisation: when it fails, the caller reads the vault instead.
import { Deadline } from "../deadline.js";
import { checkType, describe, invalid, optionsOf } from "../input.js";

/**
 * A shared key-value store with expiry: what {@link SecretCache} (sealed) and the public-key and
 * JWKS caches of `keyvault-fetch/keys` and `keyvault-fetch/jose` (public data only) use to let many
 * isolates share one vault read.
 * @example
 * const map = new Map<string, string>(); // one process only: a real store is shared (KV, Cache API, Redis, ...)
 * const store: SharedStore = { get: (k) => map.get(k), put: (k, v) => void map.set(k, v), delete: (k) => void map.delete(k) };
 * const cache = new SecretCache({ store, sealingKey: env.SECRET_CACHE_KEY });
 */
export interface SharedStore {
  /** The value stored under `key`, or null/undefined. */
  get(key: string): string | null | undefined | Promise<string | null | undefined>;
  /** Stores `value` under `key` for about `ttlSeconds` (a store may keep it shorter, never much longer). */
  put(key: string, value: string, ttlSeconds: number): unknown;
  /** Removes `key` (optional: without it, entries only expire). */
  delete?(key: string): unknown;
}

/**
 * The part of the Workers Cache API (`caches.default`) the adapter uses.
 * @example
 * const workersCache: CacheLike = caches.default; // or await caches.open("secrets")
 * const store = workersCacheStore(workersCache, { baseUrl: "https://example.com/__secret-cache/" });
 */
export interface CacheLike {
  match(request: Request): Promise<Response | undefined | null>;
  put(request: Request, response: Response): Promise<void>;
  delete(request: Request): Promise<boolean>;
}

/**
 * The part of a Workers KV namespace binding the adapter uses.
 * @example
 * const namespace: KvNamespaceLike = env.SECRET_CACHE; // a KV binding in wrangler.jsonc
 * const store = workersKvStore(namespace);
 */
export interface KvNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * The part of a `Deno.Kv` the adapter uses.
 * @example
 * const kv: DenoKvLike = await Deno.openKv();
 * const store = denoKvStore(kv, { prefix: ["my-app", "secrets"] });
 */
export interface DenoKvLike {
  get(key: readonly unknown[]): Promise<{ value: unknown }>;
  set(key: readonly unknown[], value: unknown, options?: { expireIn?: number }): Promise<unknown>;
  delete(key: readonly unknown[]): Promise<void>;
}

/**
 * The Workers Cache API as a store: one data centre's cache, shared by every isolate there. The
 * entries live under `baseUrl` (on a zone of yours in production: the Cache API does nothing on
 * workers.dev), as responses with `cache-control: max-age=<ttl>`.
 * @example
 * const store = workersCacheStore(caches.default, { baseUrl: "https://example.com/__secret-cache/" });
 */
export function workersCacheStore(cache: CacheLike, options: { baseUrl?: string } = {}): SharedStore {
  needs(cache, ["match", "put", "delete"], "workersCacheStore", "a Cache (caches.default, or await caches.open(name))");
  checkType(optionsOf(options, "workersCacheStore").baseUrl, "string", "workersCacheStore: baseUrl");
  const base = new URL(options.baseUrl ?? "https://keyvault-fetch.invalid/cache/");
  const request = (key: string) => new Request(new URL(encodeURIComponent(key), base));
  return {
    async get(key) {
      const res = await cache.match(request(key));
      return res ? res.text() : undefined;
    },
    put: (key, value, ttlSeconds) =>
      cache.put(
        request(key),
        new Response(value, {
          headers: { "cache-control": `max-age=${Math.max(1, Math.ceil(ttlSeconds))}`, "content-type": "text/plain" },
        }),
      ),
    delete: (key) => cache.delete(request(key)),
  };
}

/**
 * A Workers KV namespace as a store: global, eventually consistent (a write can take up to a
 * minute to reach other locations), and KV's shortest expiry is 60 s (shorter TTLs are raised to
 * it; readers still judge freshness by the entry's own time).
 * @example const store = workersKvStore(env.SECRET_CACHE);
 */
export function workersKvStore(namespace: KvNamespaceLike): SharedStore {
  needs(namespace, ["get", "put", "delete"], "workersKvStore", "a KV namespace binding (env.MY_NAMESPACE)");
  return {
    get: (key) => namespace.get(key),
    put: (key, value, ttlSeconds) => namespace.put(key, value, { expirationTtl: Math.max(60, Math.ceil(ttlSeconds)) }),
    delete: (key) => namespace.delete(key),
  };
}

/**
 * A Deno KV database as a store, under `prefix` (default `["keyvault-fetch"]`).
 * @example const store = denoKvStore(await Deno.openKv());
 */
export function denoKvStore(kv: DenoKvLike, options: { prefix?: readonly string[] } = {}): SharedStore {
  needs(kv, ["get", "set", "delete"], "denoKvStore", "a Deno KV database (await Deno.openKv())");
  const prefix = optionsOf(options, "denoKvStore").prefix ?? ["keyvault-fetch"];
  if (!Array.isArray(prefix) || prefix.some((p) => typeof p !== "string"))
    throw invalid(`denoKvStore: prefix must be an array of strings; got ${describe(prefix)}`);
  return {
    async get(key) {
      const { value } = await kv.get([...prefix, key]);
      return typeof value === "string" ? value : undefined;
    },
    put: (key, value, ttlSeconds) => kv.set([...prefix, key], value, { expireIn: Math.max(1, Math.ceil(ttlSeconds)) * 1000 }),
    delete: (key) => kv.delete([...prefix, key]),
  };
}

/** Throws unless `value` has the methods an adapter calls. */
function needs(value: unknown, methods: string[], fn: string, what: string): void {
  if (!value || methods.some((m) => typeof (value as Record<string, unknown>)[m] !== "function"))
    throw invalid(`${fn} takes ${what}: an object with ${methods.join(", ")}; got ${describe(value)}`);
}

/** How long one store operation may take by default, in ms: past it a read is a miss, a write is left to finish. */
export const STORE_TIMEOUT_MS = 500;

/**
 * What `operation` answers, or undefined when it throws, rejects or is still running when the
 * store's time limit (`timeoutMs`; false: none) passes or `signal` aborts (the store may go on
 * working; we stop waiting for it). The limit is a `Deadline`, as a vault call's is, and ends
 * with the wait: no timer or listener outlives it.
 */
export async function within<T>(
  operation: () => T,
  timeoutMs: number | false,
  signal: AbortSignal | undefined,
): Promise<Awaited<T> | undefined> {
  const deadline = new Deadline(timeoutMs, signal);
  try {
    deadline.check();
    return await deadline.race(Promise.resolve(operation()));
  } catch {
    return undefined;
  } finally {
    deadline.end();
  }
}

/** Reads a store, turning any failure, stall or non-string answer into a miss (a store never breaks a read). */
export async function storeGet(
  store: SharedStore,
  key: string,
  timeoutMs: number,
  signal: AbortSignal | undefined,
): Promise<string | undefined> {
  const v = await within(() => store.get(key), timeoutMs, signal);
  return typeof v === "string" ? v : undefined;
}

/**
 * Writes a store, ignoring failures; waits no longer than `timeoutMs` and `signal` allow (false and
 * no signal for a put no one awaits: no timer is kept for it).
 */
export async function storePut(
  store: SharedStore,
  key: string,
  value: string,
  ttlSeconds: number,
  timeoutMs: number | false,
  signal?: AbortSignal,
): Promise<void> {
  await within(() => store.put(key, value, ttlSeconds), timeoutMs, signal);
}

/** Deletes from a store when it can, ignoring failures (entries expire anyway); waits no longer than `timeoutMs` and `signal` allow. */
export async function storeDelete(store: SharedStore, key: string, timeoutMs: number | false, signal?: AbortSignal): Promise<void> {
  await within(() => store.delete?.(key), timeoutMs, signal);
}
