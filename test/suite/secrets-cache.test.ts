// SecretCache in every runtime, with an injected clock: TTL and stale-while-revalidate timing,
// one read per name per client in flight (never across clients), the 404 negative cache, nbf/exp,
// the LRU bound, refresh/invalidate, and the shared store: sealed, names hashed, anything that does
// not open ignored. The adapters run against the runtime's own Cache API where it has one.
import type { Lib, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import type { SharedStore } from "../../src/secrets/index.js";

/** An in-memory store that records what it was given (the "fleet's" shared store in these tests). */
function memoryStore() {
  const data = new Map<string, string>();
  const puts: { key: string; value: string; ttlSeconds: number }[] = [];
  const store: SharedStore & { data: Map<string, string>; puts: typeof puts } = {
    data,
    puts,
    get: async (k) => data.get(k),
    put: async (k, v, ttlSeconds) => {
      puts.push({ key: k, value: v, ttlSeconds });
      data.set(k, v);
    },
    delete: async (k) => {
      data.delete(k);
    },
  };
  return store;
}

type Emu = ReturnType<Lib["emulator"]["createEmulator"]>;

/** A token provider for another app registration of the emulator (another identity). */
function appToken(emu: Emu, clientId: string, clientSecret: string) {
  return async (r: { scopes: string[]; tenantId?: string; signal?: AbortSignal }) => {
    const form = { grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: r.scopes.join(" ") };
    const res = await emu.fetch(`${emu.authorityHost}/${r.tenantId ?? emu.tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(form),
    });
    const json = (await res.json()) as { access_token: string; expires_in: number };
    return { token: json.access_token, expiresOnTimestamp: Date.now() + json.expires_in * 1000 };
  };
}

export function secretsCache(t: Registrar, lib: Lib): void {
  const { createEmulator } = lib.emulator;
  const { KeyVaultClient } = lib.core;
  const { SecretCache, setSecret, updateSecretProperties, workersCacheStore, workersKvStore, denoKvStore } = lib.secrets;
  const SEALING_KEY = "test-sealing-key-0123456789abcdef";

  function setup(start = Date.UTC(2026, 4, 1, 12)) {
    const clock = { now: start };
    const emu = createEmulator({ now: () => clock.now });
    const client = () => new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
    const reads = (name: string) =>
      emu.requests.filter((r) => r.method === "GET" && r.authorization && new URL(r.url).pathname.startsWith(`/secrets/${name}/`)).length;
    return { clock, emu, client, reads, admin: client() };
  }

  t.group("secret cache", () => {
    t.test(
      "TTL, then stale-while-revalidate: the old value at once, one refresh handed to waitUntil, then the new value; past the window a blocking read",
      async () => {
        const { clock, client, reads, admin } = setup();
        await setSecret(admin, "api-key", "v1");
        const cache = new SecretCache({ ttlMs: 60_000, staleWhileRevalidateMs: 30_000, now: () => clock.now });
        assert.equal(await cache.getValue(client(), "api-key"), "v1");
        assert.equal(reads("api-key"), 1);
        await setSecret(admin, "api-key", "v2");
        clock.now += 59_999;
        assert.equal(await cache.getValue(client(), "api-key"), "v1", "fresh until the TTL");
        assert.equal(reads("api-key"), 1);
        clock.now += 1;
        const handed: Promise<unknown>[] = [];
        const waitUntil = (p: Promise<unknown>) => {
          handed.push(p);
        };
        assert.equal(await cache.getValue(client(), "api-key", { waitUntil }), "v1", "stale, served at once");
        assert.equal(handed.length, 1, "the refresh went to waitUntil");
        assert.equal(await cache.getValue(client(), "api-key", { waitUntil }), "v1", "a second stale read does not start a second refresh");
        assert.equal(handed.length, 1);
        await Promise.all(handed);
        assert.equal(reads("api-key"), 2);
        assert.equal(await cache.getValue(client(), "api-key"), "v2", "refreshed");
        assert.deepEqual([cache.stats.hits, cache.stats.staleHits, cache.stats.vaultReads], [2, 2, 2]);
        await setSecret(admin, "api-key", "v3");
        clock.now += 60_000 + 30_000;
        assert.equal(await cache.getValue(client(), "api-key"), "v3", "past TTL + SWR: read before answering");
        assert.equal(reads("api-key"), 3);
      },
    );

    t.test("one read per name per client in flight; another client (another Workers request) reads on its own", async () => {
      const { clock, emu, client, reads, admin } = setup();
      await setSecret(admin, "db", "pw");
      emu.faults.add({ route: "GET /secrets/**", latencyMs: 50, times: Infinity });
      const cache = new SecretCache({ now: () => clock.now });
      const one = client(),
        two = client();
      const values = await Promise.all([
        ...Array.from({ length: 5 }, () => cache.getValue(one, "db")),
        ...Array.from({ length: 5 }, () => cache.getValue(two, "db")),
      ]);
      assert.deepEqual(values, Array(10).fill("pw"));
      assert.equal(reads("db"), 2, "one per client: no promise is shared across clients");
      assert.equal(await cache.getValue(client(), "db"), "pw", "the resolved value serves everyone afterwards");
      assert.equal(reads("db"), 2);
      emu.faults.clear();
      const controller = new AbortController();
      emu.faults.add({ route: "GET /secrets/**", latencyMs: 100 });
      const mine = client();
      const aborted = cache.getValue(mine, "other", { signal: controller.signal });
      const joined = cache.getValue(mine, "other");
      controller.abort(new Error("this caller gave up"));
      await assert.rejects(() => aborted, { message: /this caller gave up/ });
      await assert.rejects(() => joined, { status: 404 }, "the shared read carries no caller's signal");
    });

    t.test(
      "an entry serves only clients of the identity that read it: another app's client reads for itself (and is refused)",
      async () => {
        const { clock, emu, reads, admin } = setup();
        await setSecret(admin, "payroll", "s3cr3t");
        emu.registerClient({ clientId: "other-app", clientSecret: "other-secret", secretPermissions: ["list"] });
        const otherToken = appToken(emu, "other-app", "other-secret");
        const cache = new SecretCache({ now: () => clock.now });
        assert.equal(await cache.getValue(admin, "payroll"), "s3cr3t");
        const other = new KeyVaultClient(emu.vaultUrl, { getToken: otherToken, fetch: emu.fetch });
        await assert.rejects(() => cache.getValue(other, "payroll"), { status: 403 }, "not served the value another identity read");
        assert.equal(reads("payroll"), 2);
        assert.equal(
          await cache.getValue(new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch }), "payroll"),
          "s3cr3t",
          "the first identity's clients are still served",
        );
      },
    );

    t.test("404 is remembered for negativeTtlMs, then read again", async () => {
      const { clock, client, reads, admin } = setup();
      const cache = new SecretCache({ negativeTtlMs: 10_000, now: () => clock.now });
      const first = await assert.rejects(() => cache.get(client(), "later"), {
        name: "KeyVaultError",
        status: 404,
        code: "SecretNotFound",
      });
      const second = await assert.rejects(() => cache.get(client(), "later"), {
        name: "KeyVaultError",
        status: 404,
        code: "SecretNotFound",
      });
      assert.notEqual(first, second, "each caller gets its own error");
      assert.equal(reads("later"), 1);
      assert.equal(cache.stats.negativeHits, 1);
      await setSecret(admin, "later", "here");
      clock.now += 10_000;
      assert.equal(await cache.getValue(client(), "later"), "here");
      assert.equal(reads("later"), 2);
    });

    t.test(
      "exp and nbf: never served expired (the TTL stops at exp), not before nbf (ERR_SECRET_NOT_USABLE); disabled is the vault's 403",
      async () => {
        const { clock, client, reads, admin } = setup();
        const now = clock.now;
        await setSecret(admin, "short", "s", { expiresOn: new Date(now + 20_000) });
        await setSecret(admin, "early", "e", { notBefore: new Date(now + 30_000) });
        await setSecret(admin, "off", "o", { enabled: false });
        const cache = new SecretCache({ ttlMs: 300_000, staleWhileRevalidateMs: 60_000, negativeTtlMs: 60_000, now: () => clock.now });
        assert.equal(await cache.getValue(client(), "short"), "s");
        clock.now = now + 19_999;
        assert.equal(await cache.getValue(client(), "short"), "s");
        assert.equal(reads("short"), 1);
        clock.now = now + 20_000;
        await assert.rejects(() => cache.getValue(client(), "short"), {
          name: "KeyVaultClientError",
          code: "ERR_SECRET_NOT_USABLE",
          message: /secret short expired at/,
        });
        assert.equal(reads("short"), 2, "expired: read again (it may have a new version), still expired: refused");
        await setSecret(admin, "short", "renewed");
        clock.now += 60_000;
        assert.equal(await cache.getValue(client(), "short"), "renewed");
        clock.now = now;
        await assert.rejects(() => cache.getValue(client(), "early"), { code: "ERR_SECRET_NOT_USABLE", message: /is not valid before/ });
        await assert.rejects(() => cache.getValue(client(), "early"), { code: "ERR_SECRET_NOT_USABLE" });
        assert.equal(reads("early"), 1);
        clock.now = now + 30_000;
        assert.equal(await cache.getValue(client(), "early"), "e", "the miss lasted only until nbf");
        await assert.rejects(() => cache.getValue(client(), "off"), { name: "KeyVaultError", status: 403, code: "Forbidden" });
        await updateSecretProperties(admin, "off", "", { enabled: true });
        assert.equal(await cache.getValue(client(), "off"), "o", "a 403 is not remembered");
      },
    );

    t.test("bounded: the least recently used entry goes first (maxEntries)", async () => {
      const { clock, client, reads, admin } = setup();
      for (const n of ["a", "b", "c", "d"]) await setSecret(admin, n, n);
      const cache = new SecretCache({ maxEntries: 3, now: () => clock.now });
      const c = client();
      for (const n of ["a", "b", "c"]) await cache.getValue(c, n);
      await cache.getValue(c, "a");
      await cache.getValue(c, "d");
      assert.equal(cache.size, 3);
      assert.equal(cache.stats.evictions, 1);
      await cache.getValue(c, "a");
      assert.equal(reads("a"), 1, "a was used recently: kept");
      await cache.getValue(c, "b");
      assert.equal(reads("b"), 2, "b was the least recently used: evicted");
      const many = new SecretCache({ maxEntries: 50, negativeTtlMs: 60_000, now: () => clock.now });
      for (let i = 0; i < 200; i++) await many.get(c, `missing-${i}`).catch(() => undefined);
      assert.equal(many.size, 50, "remembered misses count too");
    });

    t.test(
      "shared store: an entry serves only the identity (token tid + oid) that read it; another identity reads the vault and is refused",
      async () => {
        const { clock, emu, reads, admin } = setup();
        await setSecret(admin, "payroll", "s3cr3t");
        emu.registerClient({ clientId: "other-app", clientSecret: "other-secret", secretPermissions: ["list"] });
        const store = memoryStore();
        const isolate = () => new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY });
        const mine = () => new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
        const theirs = appToken(emu, "other-app", "other-secret");
        const other = () => new KeyVaultClient(emu.vaultUrl, { getToken: theirs, fetch: emu.fetch });
        const first = isolate();
        assert.equal(await first.getValue(mine(), "payroll"), "s3cr3t");
        assert.equal(store.data.size, 1);
        await assert.rejects(() => first.getValue(other(), "payroll"), { status: 403 }, "same cache: not served from the store");
        assert.equal(first.stats.storeHits, 0);
        const second = isolate();
        await assert.rejects(() => second.getValue(other(), "payroll"), { status: 403 }, "another isolate: not served either");
        assert.equal(second.stats.storeHits, 0);
        assert.equal(reads("payroll"), 3, "each refused read went to the vault");
        const third = isolate();
        assert.equal(await third.getValue(mine(), "payroll"), "s3cr3t", "the identity that read it is served from the store");
        assert.deepEqual([third.stats.storeHits, third.stats.vaultReads], [1, 0]);
        // A token that names no identity (not a JWT): the store is neither read nor written.
        const opaque = new KeyVaultClient(emu.vaultUrl, {
          fetch: emu.fetch,
          getToken: () => ({ token: "opaque-token", expiresOnTimestamp: Date.now() + 3600_000 }),
        });
        const gets = store.get;
        let asked = 0;
        store.get = (k) => (asked++, gets(k));
        await assert.rejects(() => isolate().getValue(opaque, "payroll"), { status: 401 });
        assert.equal(asked, 0, "an identity that cannot be known never reads the store");
        // An app that names its partition shares entries under that name (and only those caches do).
        const named = (partition: string) => new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY, partition });
        assert.equal(await named("billing").getValue(mine(), "payroll"), "s3cr3t");
        const again = named("billing");
        assert.equal(await again.getValue(mine(), "payroll"), "s3cr3t");
        assert.equal(again.stats.storeHits, 1, "served under the partition");
        const elsewhere = named("reports");
        assert.equal(await elsewhere.getValue(mine(), "payroll"), "s3cr3t");
        assert.equal(elsewhere.stats.storeHits, 0, "another partition does not see it");
      },
    );

    t.test(
      "a 403 or 401 on refresh ends serving the entry, from memory and from the store: a disabled secret, a revoked permission",
      async () => {
        const { clock, emu, client, reads, admin } = setup();
        await setSecret(admin, "db", "pw");
        await setSecret(admin, "api", "key");
        const store = memoryStore();
        const isolate = () =>
          new SecretCache({ ttlMs: 60_000, staleWhileRevalidateMs: 60_000, now: () => clock.now, store, sealingKey: SEALING_KEY });
        const cache = isolate();
        assert.equal(await cache.getValue(client(), "db"), "pw");
        assert.equal(await cache.getValue(client(), "api"), "key");
        assert.equal(store.data.size, 2);
        // Disabled: the stale read's background refresh meets 403 SecretDisabled.
        await updateSecretProperties(admin, "db", "", { enabled: false });
        clock.now += 61_000;
        const handed: Promise<unknown>[] = [];
        const waitUntil = (p: Promise<unknown>) => void handed.push(p);
        assert.equal(await cache.getValue(client(), "db", { waitUntil }), "pw", "stale: served while the refresh runs");
        await Promise.all(handed);
        await assert.rejects(() => cache.getValue(client(), "db"), { status: 403 }, "memory: no longer served");
        await assert.rejects(() => isolate().getValue(client(), "db"), { status: 403 }, "store: no longer served");
        // Revoked: a foreground refresh meets 403 ForbiddenByPolicy.
        emu.setSecretPermissions(emu.clientId, ["list"]);
        await assert.rejects(() => cache.refresh(client(), "api"), { status: 403 });
        const other = isolate();
        await assert.rejects(() => other.getValue(client(), "api"), { status: 403 }, "store: no longer served");
        assert.equal(other.stats.storeHits, 0);
        assert.equal(reads("api"), 3);
        // A store without delete: a sealed tombstone takes the entry's place.
        emu.setSecretPermissions(emu.clientId, undefined);
        const keepAll = memoryStore();
        keepAll.delete = undefined;
        const keeper = () => new SecretCache({ now: () => clock.now, store: keepAll, sealingKey: SEALING_KEY });
        assert.equal(await keeper().getValue(client(), "api"), "key");
        emu.setSecretPermissions(emu.clientId, ["list"]);
        await assert.rejects(() => keeper().refresh(client(), "api"), { status: 403 });
        const late = keeper();
        await assert.rejects(() => late.getValue(client(), "api"), { status: 403 }, "the tombstone is not served");
        assert.deepEqual([late.stats.storeHits, late.stats.storeRejected], [0, 1]);
      },
    );

    t.test("refresh reads now (the cached copy stopped working); invalidate forgets, in the store too", async () => {
      const { clock, client, reads, admin } = setup();
      await setSecret(admin, "rotating", "old");
      const store = memoryStore();
      const cache = new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY });
      assert.equal(await cache.getValue(client(), "rotating"), "old");
      await setSecret(admin, "rotating", "new");
      assert.equal(await cache.getValue(client(), "rotating"), "old");
      assert.equal((await cache.refresh(client(), "rotating")).value, "new");
      assert.equal(await cache.getValue(client(), "rotating"), "new");
      const other = new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY });
      assert.equal(await other.getValue(client(), "rotating"), "new", "the refresh rewrote the store");
      assert.equal(reads("rotating"), 2);
      await cache.invalidate(client(), "rotating");
      assert.equal(store.data.size, 0, "the store entry is gone");
      assert.equal(await cache.getValue(client(), "rotating"), "new");
      assert.equal(reads("rotating"), 3);
    });

    t.test(
      "shared store: another isolate is served without a vault read; values sealed and names hashed; tampered, foreign-key, moved and old-format entries ignored",
      async () => {
        const { clock, client, reads, admin } = setup();
        await setSecret(admin, "partner-api-key", "sk_live_4f9a", { contentType: "text/plain" });
        const store = memoryStore();
        const isolate = () =>
          new SecretCache({ ttlMs: 60_000, staleWhileRevalidateMs: 0, now: () => clock.now, store, sealingKey: SEALING_KEY });
        const first = isolate();
        assert.equal(await first.getValue(client(), "partner-api-key"), "sk_live_4f9a");
        assert.equal(store.puts.length, 1);
        const [put] = store.puts;
        assert.match(put!.key, /^kvf-secret1:[A-Za-z0-9_-]{43}$/);
        assert.match(put!.value, /^kvf1\.[A-Za-z0-9_-]+$/);
        for (const leak of ["sk_live_4f9a", "partner-api-key", "text/plain"])
          assert.ok(
            !put!.key.includes(leak) &&
              !put!.value.includes(leak) &&
              !atob(
                put!.value.slice(5).replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - ((put!.value.length - 5) % 4)) % 4),
              ).includes(leak),
            `${leak} not in the store`,
          );
        assert.equal(put!.ttlSeconds, 60);
        const second = isolate();
        const shared = await second.get(client(), "partner-api-key");
        assert.deepEqual(
          [shared.value, shared.properties.contentType, second.stats.storeHits, second.stats.vaultReads],
          ["sk_live_4f9a", "text/plain", 1, 0],
        );
        assert.equal(reads("partner-api-key"), 1, "one vault read for two isolates");

        const sealed = store.data.get(put!.key)!;
        // The same entry sealed by an isolate with another key (what a store shared with another app holds).
        const foreignStore = memoryStore();
        await new SecretCache({ now: () => clock.now, store: foreignStore, sealingKey: "another-key-with-16+-bytes" }).getValue(
          client(),
          "partner-api-key",
        );
        const foreign = foreignStore.puts[0]!.value;
        const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === "A" ? "B" : "A") + text.slice(at + 1);
        let expectedReads = reads("partner-api-key");
        for (const [what, spoiled] of [
          ["tampered", flip(sealed, sealed.length - 3)],
          ["sealed under another key", foreign],
          ["old format", "kvf0." + sealed.slice(5)],
          ["not even base64", "kvf1.!!!"],
          ["not ours at all", '{"value":"x"}'],
        ] as const) {
          store.data.set(put!.key, spoiled);
          const cache = isolate();
          assert.equal(await cache.getValue(client(), "partner-api-key"), "sk_live_4f9a", what);
          assert.equal(cache.stats.storeRejected, 1, `${what}: ignored`);
          assert.equal(reads("partner-api-key"), ++expectedReads, `${what}: read from the vault instead`);
          assert.equal(store.data.get(put!.key) !== spoiled, true, `${what}: replaced by a good entry`);
        }
        // A sealed entry moved under another name's key does not open there (its key is bound in).
        await setSecret(admin, "other-name", "other-value");
        const owner = isolate();
        await owner.getValue(client(), "other-name");
        const otherKey = store.puts.at(-1)!.key;
        const victim = store.puts.find((p) => p.key !== otherKey)!.key;
        store.data.set(victim, store.data.get(otherKey)!);
        const fresh = isolate();
        assert.equal(await fresh.getValue(client(), "partner-api-key"), "sk_live_4f9a", "never the other secret's value");
        assert.equal(fresh.stats.storeRejected, 1);
      },
    );

    t.test("store writes: through waitUntil when given, never awaited by the answer; a failing store never breaks a read", async () => {
      const { clock, client, admin } = setup();
      await setSecret(admin, "w", "v");
      const slow = memoryStore();
      let release!: () => void;
      const gate = new Promise<void>((r) => {
        release = r;
      });
      const put = slow.put;
      slow.put = async (k, v, ttl) => {
        await gate;
        return put(k, v, ttl);
      };
      const handed: Promise<unknown>[] = [];
      const cache = new SecretCache({ now: () => clock.now, store: slow, sealingKey: SEALING_KEY });
      assert.equal(
        await cache.getValue(client(), "w", {
          waitUntil: (p) => {
            handed.push(p);
          },
        }),
        "v",
        "answered while the store write waits",
      );
      assert.equal(handed.length, 1);
      assert.equal(slow.data.size, 0);
      release();
      await Promise.all(handed);
      assert.equal(slow.data.size, 1);
      const broken: SharedStore = {
        get: async () => {
          throw new Error("store down");
        },
        put: () => {
          throw new Error("store down");
        },
        delete: async () => {
          throw new Error("store down");
        },
      };
      const resilient = new SecretCache({ now: () => clock.now, store: broken, sealingKey: SEALING_KEY });
      assert.equal(await resilient.getValue(client(), "w"), "v");
      await resilient.invalidate(client(), "w");
    });

    t.test("options are checked: a store needs a sealing key of 16+ bytes; bad numbers and clients are refused", async () => {
      const store = memoryStore();
      const cases: [() => unknown, RegExp][] = [
        [() => new SecretCache({ store }), /needs a sealingKey: secrets never sit in a shared store in the clear/],
        [() => new SecretCache({ store, sealingKey: "short" }), /at least 16 bytes .*got 5/],
        [() => new SecretCache({ store, sealingKey: 42 as any }), /must be a string, bytes or an HKDF CryptoKey; got a number/],
        [() => new SecretCache({ store: { get: () => null } as any, sealingKey: SEALING_KEY }), /store must have get\(key\) and put/],
        [() => new SecretCache({ ttlMs: -1 }), /ttlMs must be a number ≥ 0; got -1/],
        [() => new SecretCache({ maxEntries: 0 }), /maxEntries must be a number ≥ 1/],
        [() => new SecretCache().get({} as any, "x"), /the first argument must be a KeyVaultClient; got an object/],
        [
          () =>
            new SecretCache().get(new KeyVaultClient("https://v.vault.azure.net", { getToken: () => "t" }), "x", {
              waitUntil: "later" as any,
            }),
          /waitUntil must be a function/,
        ],
        [
          () => new SecretCache().get(new KeyVaultClient("https://v.vault.azure.net", { getToken: () => "t" }), "bad name"),
          /invalid secret name/,
        ],
      ];
      for (const [fn, message] of cases)
        await assert.rejects(async () => fn(), { name: "KeyVaultClientError", code: "ERR_INVALID_INPUT", message });
      const hkdf = await crypto.subtle.importKey("raw", new Uint8Array(32).fill(7), "HKDF", false, ["deriveKey"]);
      const { clock, client, admin } = setup();
      await setSecret(admin, "k", "v");
      const withCryptoKey = new SecretCache({ now: () => clock.now, store, sealingKey: hkdf });
      assert.equal(await withCryptoKey.getValue(client(), "k"), "v");
      assert.equal(
        await new SecretCache({ now: () => clock.now, store, sealingKey: new Uint8Array(32).fill(7) }).getValue(client(), "k"),
        "v",
        "the same bytes as raw key material open it",
      );
    });

    t.test(
      "a store that stalls, throws or answers garbage is a miss: the caller's signal and storeTimeoutMs end a stalled get; a stalled put never delays the answer",
      async () => {
        const { clock, client, reads, admin } = setup();
        await setSecret(admin, "s", "v");
        const never = new Promise<never>(() => {});
        const stalled: SharedStore = { get: () => never, put: () => never, delete: () => never };
        // Fails the test (instead of hanging it) when `promise` has not settled within `ms`.
        const within = async <T>(promise: Promise<T>, ms: number, what: string): Promise<T> => {
          let timer: ReturnType<typeof setTimeout> | undefined;
          const late = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`${what}: still waiting after ${ms} ms`)), ms);
          });
          try {
            return await Promise.race([promise, late]);
          } finally {
            clearTimeout(timer);
          }
        };
        const patient = new SecretCache({ now: () => clock.now, store: stalled, sealingKey: SEALING_KEY, storeTimeoutMs: 60_000 });
        const reason = new Error("the caller gave up");
        const caller = new AbortController();
        const pending = patient.getValue(client(), "s", { signal: caller.signal });
        setTimeout(() => caller.abort(reason), 20);
        const e = await within(
          pending.then(
            () => undefined,
            (err: unknown) => err,
          ),
          3_000,
          "a stalled store get after the caller's abort",
        );
        assert.equal(e, reason, "the caller's abort ends the wait on the store");
        const quick = new SecretCache({ now: () => clock.now, store: stalled, sealingKey: SEALING_KEY, storeTimeoutMs: 30 });
        assert.equal(await within(quick.getValue(client(), "s"), 3_000, "a stalled store get past storeTimeoutMs"), "v");
        assert.equal(quick.stats.vaultReads, 1, "read from the vault instead");
        // The put stalls too: neither the answer nor what waitUntil is handed waits for it past the limit.
        const handed: Promise<unknown>[] = [];
        const waitUntil = (p: Promise<unknown>) => void handed.push(p);
        assert.equal((await within(quick.refresh(client(), "s", { waitUntil }), 3_000, "a stalled put (waitUntil)")).value, "v");
        await within(Promise.all(handed), 3_000, "the promise handed to waitUntil");
        const slowPut = new SecretCache({ now: () => clock.now, store: stalled, sealingKey: SEALING_KEY, storeTimeoutMs: 60_000 });
        assert.equal((await within(slowPut.refresh(client(), "s"), 3_000, "a stalled put (no waitUntil)")).value, "v");
        await within(
          slowPut.invalidate(client(), "s", { signal: AbortSignal.timeout(20) }).catch(() => undefined),
          3_000,
          "invalidate",
        );
        // Garbage and failures of every kind: a miss, then the vault.
        const readsBefore = reads("s");
        const answers: (() => unknown)[] = [
          () => 42,
          () => ({ value: "kvf1.x" }),
          () => Promise.resolve(["kvf1.x"]),
          () => {
            throw new Error("sync failure");
          },
          () => Promise.reject(new Error("async failure")),
          // biome-ignore lint/suspicious/noThenProperty: a store that answers a rejecting thenable is the case under test
          () => ({ then: (_: unknown, reject: (e: unknown) => void) => reject(new Error("a thenable that rejects")) }),
        ];
        for (const answer of answers) {
          const odd = new SecretCache({
            now: () => clock.now,
            sealingKey: SEALING_KEY,
            store: { get: answer as SharedStore["get"], put: () => undefined },
          });
          assert.equal(await odd.getValue(client(), "s"), "v");
        }
        assert.equal(reads("s"), readsBefore + answers.length);
      },
    );

    t.test(
      "a store operation's time limit ends with it: no listener stays on the caller's signal, whether the store answers or stalls past storeTimeoutMs",
      async () => {
        const { clock, emu, admin } = setup();
        await setSecret(admin, "s", "v");
        // The emulator's token endpoint is left out of the count: its Request holds the signal it is given.
        const getToken = (r: { scopes: string[]; tenantId?: string }) =>
          emu.getToken(r.tenantId ? { scopes: r.scopes, tenantId: r.tenantId } : { scopes: r.scopes });
        const client = () => new KeyVaultClient(emu.vaultUrl, { getToken, fetch: emu.fetch });
        // The caller's signal, counting the abort listeners added to it and not yet removed.
        const caller = new AbortController();
        const signal = caller.signal;
        const listening = new Set<unknown>();
        const add = signal.addEventListener.bind(signal);
        const remove = signal.removeEventListener.bind(signal);
        signal.addEventListener = ((type: string, listener: any, options?: any) => {
          if (type === "abort") listening.add(listener);
          add(type, listener, options);
        }) as typeof signal.addEventListener;
        signal.removeEventListener = ((type: string, listener: any, options?: any) => {
          if (type === "abort") listening.delete(listener);
          remove(type, listener, options);
        }) as typeof signal.removeEventListener;
        const settled = () => new Promise((resolve) => setTimeout(resolve, 0));

        const store = memoryStore();
        const first = new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY });
        assert.equal(await first.getValue(client(), "s", { signal }), "v", "a store miss, then the vault");
        const second = new SecretCache({ now: () => clock.now, store, sealingKey: SEALING_KEY });
        assert.equal(await second.getValue(client(), "s", { signal }), "v");
        assert.equal(second.stats.storeHits, 1, "a store hit");
        await first.invalidate(client(), "s", { signal });
        await settled();
        assert.equal(listening.size, 0, "listeners left after a store that answers (the 500 ms limit has not passed)");

        const never = new Promise<never>(() => {});
        const stalled: SharedStore = { get: () => never, put: () => never, delete: () => never };
        const quick = new SecretCache({ now: () => clock.now, store: stalled, sealingKey: SEALING_KEY, storeTimeoutMs: 30 });
        assert.equal(await quick.getValue(client(), "s", { signal }), "v");
        await quick.invalidate(client(), "s", { signal });
        await settled();
        assert.equal(listening.size, 0, "listeners left after a store that stalls");
      },
    );

    t.test(
      "adapters: the Workers Cache API shape (this runtime's own CacheStorage where it has one), Workers KV and Deno KV shapes",
      async () => {
        const g = globalThis as any;
        let cacheLike: any;
        let own = false;
        if (g.caches?.default) {
          cacheLike = g.caches.default;
          own = true;
        } else if (g.caches?.open) {
          try {
            cacheLike = await g.caches.open(`kvf-test-${Math.random()}`);
            own = true;
          } catch {
            /* no CacheStorage here */
          }
        }
        if (!cacheLike) {
          const m = new Map<string, Response>();
          cacheLike = {
            match: async (r: Request) => m.get(r.url)?.clone(),
            put: async (r: Request, res: Response) => void m.set(r.url, res),
            delete: async (r: Request) => m.delete(r.url),
          };
        }
        const cacheStore = workersCacheStore(cacheLike, { baseUrl: `https://kvf-test.example/${Math.random().toString(36).slice(2)}/` });
        await cacheStore.put("kvf-secret1:a/b c", "sealed-1", 30);
        assert.equal(
          await cacheStore.get("kvf-secret1:a/b c"),
          "sealed-1",
          `round-trip (${own ? "this runtime's Cache API" : "a Map with the Cache API's shape"})`,
        );
        await cacheStore.delete!("kvf-secret1:a/b c");
        assert.equal(await cacheStore.get("kvf-secret1:a/b c"), undefined);

        const kvCalls: unknown[] = [];
        const kvData = new Map<string, string>();
        const kv = workersKvStore({
          get: async (k) => kvData.get(k) ?? null,
          put: async (k, v, o) => {
            kvCalls.push(o);
            kvData.set(k, v);
          },
          delete: async (k) => {
            kvData.delete(k);
          },
        });
        await kv.put("k", "v", 5);
        assert.deepEqual(kvCalls, [{ expirationTtl: 60 }], "KV's shortest expiry is 60 s");
        assert.equal(await kv.get("k"), "v");
        await kv.delete!("k");
        assert.equal(await kv.get("k"), null);

        const denoCalls: unknown[] = [];
        const denoData = new Map<string, unknown>();
        const deno = denoKvStore({
          get: async (k) => ({ value: denoData.get(JSON.stringify(k)) ?? null }),
          set: async (k, v, o) => {
            denoCalls.push([k, o]);
            denoData.set(JSON.stringify(k), v);
          },
          delete: async (k) => {
            denoData.delete(JSON.stringify(k));
          },
        });
        await deno.put("k", "v", 7);
        assert.deepEqual(denoCalls, [[["keyvault-fetch", "k"], { expireIn: 7000 }]]);
        assert.equal(await deno.get("k"), "v");
        await deno.delete!("k");
        assert.equal(await deno.get("k"), undefined);
      },
    );
  });
}
