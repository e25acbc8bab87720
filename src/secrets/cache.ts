// SecretCache: secrets read once and served from memory, safe on Workers. The cache holds resolved
// values only (a promise made while serving one Workers request hangs when another awaits it);
// in-flight reads are shared only by callers of one client, which on Workers lives for one request.
// Optionally a shared store (Cache API, KV, Deno KV) lets many isolates share one read, sealed.
import { providerOf, type KeyVaultClient } from "../client.js";
import { KeyVaultClientError, KeyVaultError, type RequestSummary } from "../errors.js";
import { describe, invalid, resolveSecret, type SecretAddress } from "./ids.js";
import { toSecret, type RestSecret } from "./model.js";
import { readSecret } from "./operations.js";
import { identityOf } from "./identity.js";
import { checkSealingKey, createSealer, type Sealer, type SealingKeyInput } from "./seal.js";
import { STORE_TIMEOUT_MS, storeDelete, storeGet, storePut, type SharedStore } from "./store.js";
import type { KeyVaultSecret, OperationOptions } from "./types.js";

/**
 * Options of a {@link SecretCache}.
 * @example
 * const options: SecretCacheOptions = { ttlMs: 600_000, staleWhileRevalidateMs: 120_000, negativeTtlMs: 5_000, maxEntries: 100 };
 * const secrets = new SecretCache(options);
 */
export interface SecretCacheOptions {
  /** How long a value is served after it was read, in ms (default 300 000: five minutes). */
  ttlMs?: number;
  /**
   * After the TTL, how long the old value is still served while one refresh runs in the
   * background, in ms (default 60 000; 0 turns it off). Never past the secret's `exp`.
   */
  staleWhileRevalidateMs?: number;
  /** How long a 404 (or a secret outside its nbf/exp window) is remembered, in ms (default 10 000). */
  negativeTtlMs?: number;
  /** The most entries kept; the least recently used go first (default 500). */
  maxEntries?: number;
  /** A store shared by isolates (see {@link workersCacheStore}, {@link workersKvStore}, {@link denoKvStore}). */
  store?: SharedStore;
  /**
   * Required with `store`: the key that seals entries (AES-GCM) and hashes their names (HMAC).
   * A string or bytes of at least 16 bytes (32 random ones recommended: a Worker secret), or an HKDF CryptoKey.
   */
  sealingKey?: SealingKeyInput;
  /**
   * With `store`: the name under which this cache's entries are shared, instead of the identity
   * read from each client's token (its tenant and object id). Name one only if every client you
   * pass to this cache may read the same secrets: caches with the same partition and sealing key
   * serve each other's entries.
   */
  partition?: string;
  /**
   * How long one store operation may take, in ms (default 500): a store that has not answered by
   * then is a miss (reads) or is left to finish on its own (writes). The caller's `signal` ends the
   * wait too.
   */
  storeTimeoutMs?: number;
  /** The clock, ms since epoch (default `Date.now`). */
  now?: () => number;
}

/**
 * Options of {@link SecretCache.get}.
 * @example
 * const options: CachedSecretOptions = { version: "0123456789abcdef0123456789abcdef", waitUntil: ctx.waitUntil.bind(ctx) };
 * const { value } = await cache.get(client, "db-password", options);
 */
export interface CachedSecretOptions extends OperationOptions {
  /** A version (default: the newest; may also be given in the name as `"name/version"`). */
  version?: string;
  /**
   * Where a background refresh (and a store write) may keep running after the answer: a Worker's
   * `ctx.waitUntil.bind(ctx)`. Without it a refresh still runs, but the runtime may cut it short.
   */
  waitUntil?: (promise: Promise<unknown>) => void;
}

/**
 * Counters, for tests and dashboards.
 * @example
 * const stats: SecretCacheStats = cache.stats;
 * console.log(`${stats.hits} hits, ${stats.vaultReads} vault reads, ${stats.storeHits} from the shared store`);
 */
export interface SecretCacheStats {
  /** Served from memory while fresh. */
  hits: number;
  /** Served from memory past the TTL, with a refresh started (stale-while-revalidate). */
  staleHits: number;
  /** Served from the shared store. */
  storeHits: number;
  /** Store entries ignored because they did not open (tampered, another key, another format) or were expired. */
  storeRejected: number;
  /** Requests to the vault. */
  vaultReads: number;
  /** Served from the negative cache (a recent 404 or unusable secret). */
  negativeHits: number;
  /** Entries dropped to stay within `maxEntries`. */
  evictions: number;
}

interface ValueEntry {
  kind: "value";
  /** the identity (token provider) whose client read it: only its clients are served this entry */
  owner: object;
  bundle: RestSecret;
  fetchedAt: number;
  freshUntil: number;
  staleUntil: number;
  /** When a background refresh started (a number, not a promise: other requests only look at it). */
  refreshingSince?: number;
}
interface NegativeEntry {
  kind: "negative";
  owner: object;
  until: number;
  /** A 404 as the vault said it, or the reason a secret is not usable now. */
  error:
    | {
        status: number;
        code: string;
        message: string;
        innerError: unknown;
        requestId: string | undefined;
        body: unknown;
        request: RequestSummary;
      }
    | { unusable: string };
}
type Entry = ValueEntry | NegativeEntry;

/** A refresh that started this long ago and has not finished is taken for lost; another may start. */
const REFRESH_GRACE_MS = 30_000;

const whole = (n: unknown, what: string, min: number): number => {
  if (typeof n !== "number" || !Number.isFinite(n) || n < min)
    throw invalid(`${what} must be a number ≥ ${min}; got ${typeof n === "number" ? n : describe(n)}`);
  return n;
};

/**
 * A cache of secret values. An entry in memory serves only clients made with the same `getToken` as
 * the client that read it (another identity reads for itself). In the shared store, which belongs to
 * the app whose `sealingKey` opens it, an entry serves only clients of the same identity: the tenant
 * and object id of their provider's token (or the app's `partition`). A client whose identity cannot
 * be known (an opaque token) does not use the store. On an isolate that holds no token yet, knowing
 * the identity costs one token call, which the client then reuses for its own calls.
 *
 * - **Isolate-safe**: only resolved values are kept; concurrent reads share one request only when
 *   they come through the same client (on Workers: make the client per request, keep the cache at
 *   module scope).
 * - **TTL and stale-while-revalidate**, with `waitUntil` so a refresh finishes after the response;
 *   `exp` bounds both, so an expired secret is never served; outside `nbf`/`exp` a read fails with
 *   `ERR_SECRET_NOT_USABLE`. A 404 is remembered for `negativeTtlMs`.
 * - **Bounded**: at most `maxEntries` (LRU).
 * - **Shared store** (opt-in): values sealed with AES-GCM under `sealingKey`, names HMAC-hashed; an
 *   entry that does not open is ignored and the vault is read instead.
 * @example
 * const cache = new SecretCache({ ttlMs: 300_000 });                 // module scope
 * export default {
 *   async fetch(request: Request, env: { KEYVAULT_URL: string }, ctx: { waitUntil(p: Promise<unknown>): void }) {
 *     const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken }); // per request
 *     const apiKey = await cache.getValue(client, "partner-api-key", { waitUntil: ctx.waitUntil.bind(ctx) });
 *     return fetch("https://partner.example/api", { headers: { authorization: `Bearer ${apiKey}` } });
 *   },
 * };
 */
export class SecretCache {
  readonly stats: SecretCacheStats = {
    hits: 0,
    staleHits: 0,
    storeHits: 0,
    storeRejected: 0,
    vaultReads: 0,
    negativeHits: 0,
    evictions: 0,
  };
  readonly #ttl: number;
  readonly #swr: number;
  readonly #negative: number;
  readonly #max: number;
  readonly #now: () => number;
  readonly #store: SharedStore | undefined;
  readonly #sealingKey: SealingKeyInput | undefined;
  readonly #partition: string | undefined;
  readonly #storeTimeout: number;
  #sealer: Sealer | undefined;
  readonly #entries = new Map<string, Entry>();
  readonly #inflight = new WeakMap<KeyVaultClient, Map<string, Promise<ValueEntry>>>();

  constructor(options: SecretCacheOptions = {}) {
    if (!options || typeof options !== "object") throw invalid(`SecretCache takes an options object; got ${describe(options)}`);
    this.#ttl = whole(options.ttlMs ?? 300_000, "ttlMs", 0);
    this.#swr = whole(options.staleWhileRevalidateMs ?? 60_000, "staleWhileRevalidateMs", 0);
    this.#negative = whole(options.negativeTtlMs ?? 10_000, "negativeTtlMs", 0);
    this.#max = whole(options.maxEntries ?? 500, "maxEntries", 1);
    this.#now = options.now ?? Date.now;
    if (options.store !== undefined) {
      const s = options.store;
      if (!s || typeof s.get !== "function" || typeof s.put !== "function")
        throw invalid("store must have get(key) and put(key, value, ttlSeconds)");
      if (options.sealingKey === undefined)
        throw invalid("a shared store needs a sealingKey: secrets never sit in a shared store in the clear");
      checkSealingKey(options.sealingKey);
      this.#store = s;
      this.#sealingKey = options.sealingKey;
    }
    if (options.partition !== undefined && (typeof options.partition !== "string" || !options.partition))
      throw invalid(`partition must be a non-empty string; got ${describe(options.partition)}`);
    this.#partition = options.partition;
    this.#storeTimeout = whole(options.storeTimeoutMs ?? STORE_TIMEOUT_MS, "storeTimeoutMs", 1);
  }

  /** Entries held now (values and remembered misses). */
  get size(): number {
    return this.#entries.size;
  }

  /**
   * The secret, from memory when fresh (or stale within the window, refreshing in the background),
   * else from the shared store, else from the vault.
   * @example const { value, properties } = await cache.get(client, "db-password", { waitUntil: ctx.waitUntil.bind(ctx) });
   */
  async get(client: KeyVaultClient, name: string, options: CachedSecretOptions = {}): Promise<KeyVaultSecret> {
    const { address, key } = this.#address(client, name, options);
    const now = this.#now();
    const entry = this.#entries.get(key);
    // An entry read by another identity is not served: this client might not be allowed to read it.
    if (entry && entry.owner === ownerOf(client)) {
      if (entry.kind === "value") {
        if (now < entry.freshUntil) {
          this.#touch(key, entry);
          this.stats.hits++;
          return toSecret(entry.bundle);
        }
        if (now < entry.staleUntil) {
          this.#touch(key, entry);
          this.stats.staleHits++;
          this.#revalidate(client, address, key, entry, options, now);
          return toSecret(entry.bundle);
        }
        this.#entries.delete(key);
      } else if (now < entry.until) {
        this.stats.negativeHits++;
        throw rebuild(entry);
      } else {
        this.#entries.delete(key);
      }
    }
    const shared = await this.#fromStore(client, key, now, options.signal);
    if (shared) {
      this.#set(key, shared);
      if (now >= shared.freshUntil) this.#revalidate(client, address, key, shared, options, now);
      return toSecret(shared.bundle);
    }
    return toSecret((await this.#load(client, address, key, options)).bundle);
  }

  /**
   * Just the value of {@link get}.
   * @example const password = await cache.getValue(client, "db-password");
   */
  async getValue(client: KeyVaultClient, name: string, options: CachedSecretOptions = {}): Promise<string> {
    return (await this.get(client, name, options)).value;
  }

  /**
   * Reads the secret from the vault now and caches the answer (in the store too): for "the cached
   * copy stopped working" (a rotated password, a revoked API key).
   * @example
   * const connect = async (password: string) => { console.log("connecting with a password of", password.length, "characters") };
   * try { await connect(await cache.getValue(client, "db-password")) }
   * catch { await connect((await cache.refresh(client, "db-password")).value) } // rotated: read it again
   */
  async refresh(client: KeyVaultClient, name: string, options: CachedSecretOptions = {}): Promise<KeyVaultSecret> {
    const { address, key } = this.#address(client, name, options);
    this.#entries.delete(key);
    return toSecret((await this.#load(client, address, key, options)).bundle);
  }

  /**
   * Forgets a secret (every cached version of it, and its entries in the shared store): the next
   * read goes to the vault.
   * @example await cache.invalidate(client, "db-password", { signal: AbortSignal.timeout(2_000) });
   */
  async invalidate(client: KeyVaultClient, name: string, options: { signal?: AbortSignal } = {}): Promise<void> {
    const { address } = this.#address(client, name, {});
    const prefix = cacheKey(vaultOf(client), { name: address.name, version: "" });
    const exact = cacheKey(vaultOf(client), address);
    const keys = new Set([exact]);
    for (const k of this.#entries.keys()) if (address.version ? k === exact : k.startsWith(prefix)) keys.add(k);
    for (const k of keys) this.#entries.delete(k);
    const signal = options?.signal;
    const identity = this.#store?.delete && (await this.#identity(client, signal));
    if (identity) {
      const sealer = await this.#getSealer();
      await Promise.all(
        [...keys].map(async (k) => storeDelete(this.#store!, await sealer.storeKey(`${identity}\n${k}`), this.#storeTimeout, signal)),
      );
      if (signal?.aborted) throw signal.reason;
    }
  }

  /**
   * Forgets everything held in memory (the shared store keeps its entries until they expire).
   * @example
   * cache.clear(); // e.g. between tests; the next read of each name goes to the vault (or the store)
   */
  clear(): void {
    this.#entries.clear();
  }

  #address(client: KeyVaultClient, name: string, options: CachedSecretOptions): { address: SecretAddress; key: string } {
    if (!client || typeof client.vaultUrl !== "string" || typeof client.fetch !== "function")
      throw invalid(`the first argument must be a KeyVaultClient; got ${describe(client)}`);
    if (options === null || typeof options !== "object")
      throw invalid(`options must be an object ({ version, waitUntil, signal }); got ${describe(options)}`);
    if (options.waitUntil !== undefined && typeof options.waitUntil !== "function")
      throw invalid("waitUntil must be a function (a Worker's ctx.waitUntil.bind(ctx))");
    const address = resolveSecret(client, name, options.version);
    return { address, key: cacheKey(vaultOf(client), address) };
  }

  /** One read per name per client at a time; the read carries no caller's signal (each caller stops waiting on its own). */
  #load(client: KeyVaultClient, address: SecretAddress, key: string, options: CachedSecretOptions): Promise<ValueEntry> {
    let flights = this.#inflight.get(client);
    if (!flights) this.#inflight.set(client, (flights = new Map()));
    let pending = flights.get(key);
    if (!pending) {
      const mine = flights;
      pending = this.#read(client, address, key, options.waitUntil).finally(() => mine.delete(key));
      flights.set(key, pending);
    }
    return options.signal ? untilAborted(pending, options.signal) : pending;
  }

  async #read(
    client: KeyVaultClient,
    address: SecretAddress,
    key: string,
    waitUntil: CachedSecretOptions["waitUntil"],
  ): Promise<ValueEntry> {
    this.stats.vaultReads++;
    let bundle: RestSecret;
    try {
      bundle = await readSecret(client, address);
    } catch (e) {
      if (e instanceof KeyVaultError && (e.status === 401 || e.status === 403)) await this.#revoke(client, key, waitUntil);
      if (e instanceof KeyVaultError && e.status === 404) {
        const { status, code, message, innerError, requestId, body, request } = e;
        this.#set(key, {
          kind: "negative",
          owner: ownerOf(client),
          until: this.#now() + this.#negative,
          error: { status, code, message, innerError, requestId, body, request },
        });
      }
      throw e;
    }
    const now = this.#now();
    const entry = this.#entryFor(bundle, now, ownerOf(client));
    const why = unusable(bundle, now);
    if (why) {
      const nbf = bundle.attributes?.nbf;
      const until = Math.min(now + this.#negative, typeof nbf === "number" && nbf * 1000 > now ? nbf * 1000 : Infinity);
      const negative: NegativeEntry = {
        kind: "negative",
        owner: ownerOf(client),
        until,
        error: { unusable: `secret ${address.name} ${why}` },
      };
      this.#set(key, negative);
      throw rebuild(negative);
    }
    this.#set(key, entry);
    if (this.#store) {
      // Sealing is local work and is awaited; the store's put is not: a stalled store never delays
      // the answer (waitUntil, when given, keeps the put alive, for no longer than storeTimeoutMs).
      const out = await this.#sealed(client, key, entry);
      if (out && waitUntil) waitUntil(storePut(this.#store, out.storeKey, out.sealed, out.ttlSeconds, this.#storeTimeout));
      else if (out) void storePut(this.#store, out.storeKey, out.sealed, out.ttlSeconds, false);
    }
    return entry;
  }

  /** A stale entry: one background refresh, unless another (maybe another request's) started recently. */
  #revalidate(
    client: KeyVaultClient,
    address: SecretAddress,
    key: string,
    entry: ValueEntry,
    options: CachedSecretOptions,
    now: number,
  ): void {
    if (entry.refreshingSince !== undefined && now - entry.refreshingSince < REFRESH_GRACE_MS) return;
    entry.refreshingSince = now;
    const done = this.#load(client, address, key, { ...(options.waitUntil ? { waitUntil: options.waitUntil } : {}) }).then(
      () => undefined,
      // A failed refresh leaves the stale value (a 404 replaced it already); the next stale read tries again.
      () => {
        entry.refreshingSince = undefined;
      },
    );
    options.waitUntil?.(done);
  }

  #entryFor(bundle: RestSecret, fetchedAt: number, owner: object): ValueEntry {
    const exp = bundle.attributes?.exp;
    const expMs = typeof exp === "number" ? exp * 1000 : Infinity;
    const freshUntil = Math.min(fetchedAt + this.#ttl, expMs);
    return { kind: "value", owner, bundle, fetchedAt, freshUntil, staleUntil: Math.min(freshUntil + this.#swr, expMs) };
  }

  #set(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
    while (this.#entries.size > this.#max) {
      this.#entries.delete(this.#entries.keys().next().value!);
      this.stats.evictions++;
    }
  }

  #touch(key: string, entry: Entry): void {
    this.#entries.delete(key);
    this.#entries.set(key, entry);
  }

  /** The derived keys: each caller derives its own until one is kept (no promise is shared). */
  async #getSealer(): Promise<Sealer> {
    return this.#sealer ?? (this.#sealer = await createSealer(this.#sealingKey!));
  }

  /** Who a client is for the store: the app's partition, else the identity its token names, else unknown (no store). */
  async #identity(client: KeyVaultClient, signal: AbortSignal | undefined): Promise<string | undefined> {
    if (this.#partition !== undefined) return `partition:${this.#partition}`;
    const identity = await identityOf(client, signal);
    return identity && `identity:${identity}`;
  }

  // The shared store belongs to the app whose sealing key opens it, and each entry to the identity
  // that read it: it is filed (store key) and sealed (AAD, payload) under that identity.
  async #fromStore(client: KeyVaultClient, key: string, now: number, signal: AbortSignal | undefined): Promise<ValueEntry | undefined> {
    if (!this.#store) return undefined;
    const identity = await this.#identity(client, signal);
    if (!identity) return undefined;
    const sealer = await this.#getSealer();
    const storeKey = await sealer.storeKey(`${identity}\n${key}`);
    const sealed = await storeGet(this.#store, storeKey, this.#storeTimeout, signal);
    if (signal?.aborted) throw signal.reason;
    if (sealed === undefined) return undefined;
    const plain = await sealer.open(storeKey, sealed);
    let payload: { v?: unknown; identity?: unknown; key?: unknown; at?: unknown; bundle?: RestSecret } | undefined;
    try {
      payload = plain === undefined ? undefined : JSON.parse(plain);
    } catch {
      payload = undefined;
    }
    if (
      !payload ||
      payload.v !== 2 ||
      payload.identity !== identity ||
      payload.key !== key ||
      typeof payload.at !== "number" ||
      typeof payload.bundle?.id !== "string" ||
      typeof payload.bundle.value !== "string"
    ) {
      this.stats.storeRejected++;
      return undefined;
    }
    const entry = this.#entryFor(payload.bundle, Math.min(payload.at, now), ownerOf(client));
    if (now >= entry.staleUntil || unusable(payload.bundle, now)) {
      this.stats.storeRejected++;
      return undefined;
    }
    this.stats.storeHits++;
    return entry;
  }

  /**
   * The vault refused this identity (a disabled secret, a revoked permission): its entry stops being
   * served, from memory and from the store. Another identity's entry stays (it was not refused).
   * The store's delete (or, without one, a sealed tombstone in its place) is not awaited, like a put.
   */
  async #revoke(client: KeyVaultClient, key: string, waitUntil: CachedSecretOptions["waitUntil"]): Promise<void> {
    if (this.#entries.get(key)?.owner === ownerOf(client)) this.#entries.delete(key);
    const store = this.#store;
    const identity = store && (await this.#identity(client, undefined));
    if (!store || !identity) return;
    const sealer = await this.#getSealer();
    const storeKey = await sealer.storeKey(`${identity}\n${key}`);
    const limit = waitUntil ? this.#storeTimeout : false;
    const gone = store.delete
      ? storeDelete(store, storeKey, limit)
      : storePut(
          store,
          storeKey,
          await sealer.seal(storeKey, JSON.stringify({ v: 2, identity, key, revoked: true })),
          Math.ceil((this.#ttl + this.#swr) / 1000) + 1,
          limit,
        );
    waitUntil?.(gone);
  }

  /** The entry sealed for the store, with its store key and TTL (undefined: not for the store). */
  async #sealed(
    client: KeyVaultClient,
    key: string,
    entry: ValueEntry,
  ): Promise<{ storeKey: string; sealed: string; ttlSeconds: number } | undefined> {
    const ttlSeconds = Math.max(1, Math.ceil((entry.staleUntil - this.#now()) / 1000));
    if (!Number.isFinite(ttlSeconds)) return;
    // After the read, the client holds the token the vault accepted: its identity is known without a call.
    const identity = await this.#identity(client, undefined);
    if (!identity) return;
    const sealer = await this.#getSealer();
    const storeKey = await sealer.storeKey(`${identity}\n${key}`);
    const sealed = await sealer.seal(storeKey, JSON.stringify({ v: 2, identity, key, at: entry.fetchedAt, bundle: entry.bundle }));
    return { storeKey, sealed, ttlSeconds };
  }
}

const ownerOf = (client: KeyVaultClient): object => providerOf(client) ?? client;

/** The vault a client reaches: its URL and, behind a proxy, the origin the vault calls itself. */
const vaultOf = (client: KeyVaultClient): string =>
  client.vaultOrigin && client.vaultOrigin !== new URL(client.vaultUrl).origin
    ? `${client.vaultUrl} ${client.vaultOrigin}`
    : client.vaultUrl;

/** One cache key per vault, name and version (names and versions compare case-insensitively). */
function cacheKey(vaultUrl: string, address: SecretAddress): string {
  return `${vaultUrl.toLowerCase()}\n${address.name.toLowerCase()}\n${address.version.toLowerCase()}`;
}

/** Why a secret must not be served now, or undefined. */
function unusable(bundle: RestSecret, now: number): string | undefined {
  const a = bundle.attributes ?? {};
  if (a.enabled === false) return "is disabled";
  if (typeof a.nbf === "number" && now < a.nbf * 1000) return `is not valid before ${new Date(a.nbf * 1000).toISOString()}`;
  if (typeof a.exp === "number" && now >= a.exp * 1000) return `expired at ${new Date(a.exp * 1000).toISOString()}`;
  return undefined;
}

/** A fresh error for a remembered miss (errors are values; each caller gets its own). */
function rebuild(entry: NegativeEntry): Error {
  const e = entry.error;
  if ("unusable" in e) return new KeyVaultClientError("ERR_SECRET_NOT_USABLE", e.unusable);
  return new KeyVaultError({ ...e, response: new Response(null, { status: e.status }) });
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
