// The store hook outside secrets: KeyHandle public keys and getJwks documents shared by isolates
// through a SharedStore (public data, unsealed, but only entries of the right shape and version are
// used), and the bound on KeyHandle's per-client version cache (LRU, filled here).
import type { Lib, Registrar } from "./harness.js";
import * as assert from "./assert.js";
import type { SharedStore } from "../../src/secrets/index.js";

const VAULT = "https://canned.vault.azure.net";
const version = (i: number) => i.toString(16).padStart(32, "0");

function memoryStore(): SharedStore & { data: Map<string, string> } {
  const data = new Map<string, string>();
  return {
    data,
    get: async (k) => data.get(k),
    put: async (k, v) => {
      data.set(k, v);
    },
    delete: async (k) => {
      data.delete(k);
    },
  };
}

export function secretsStores(t: Registrar, lib: Lib): void {
  const { KeyVaultClient } = lib.core;
  const { KeyClient, MAX_CACHED_KEY_VERSIONS } = lib.keys;
  const { getJwks } = lib.jose;
  const { createEmulator } = lib.emulator;

  t.group("store hook and bounds for keys and JWKS", () => {
    t.test(
      "KeyHandle's version cache is bounded: 1000 versions per client (MAX_CACHED_KEY_VERSIONS), least recently used out first",
      async () => {
        const max = MAX_CACHED_KEY_VERSIONS;
        assert.equal(max, 1000);
        const gets: string[] = [];
        // Canned answers for GET /keys/k/{version}: one EC public key, the version in its kid.
        const fetch = async (input: string | URL | Request) => {
          const url = new URL(input instanceof Request ? input.url : String(input));
          const v = url.pathname.split("/")[3]!;
          gets.push(v);
          const body = {
            key: {
              kid: `${VAULT}/keys/k/${v}`,
              kty: "EC",
              crv: "P-256",
              key_ops: ["sign", "verify"],
              x: "f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU",
              y: "x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0",
            },
            attributes: { enabled: true, created: 1, updated: 1 },
          };
          return new Response(JSON.stringify(body), { status: 200, headers: { "content-type": "application/json" } });
        };
        const client = new KeyClient(VAULT, { getToken: () => "token", fetch, challenge: { scope: "https://vault.azure.net/.default" } });
        for (let i = 0; i <= max; i++) await client.key("k", version(i)).getPublicKey();
        assert.equal(gets.length, max + 1);
        await client.key("k", version(1)).getPublicKey();
        assert.equal(gets.length, max + 1, "version 1 is still cached (and now the most recent)");
        await client.key("k", version(0)).getPublicKey();
        assert.equal(gets.at(-1), version(0), "version 0 was evicted when version 1000 came in");
        await client.key("k", version(1)).getPublicKey();
        await client.key("k", version(2)).getPublicKey();
        assert.deepEqual(gets.slice(max + 1), [version(0), version(2)], "adding version 0 evicted the least recently used (2), not 1");
        const other = new KeyClient(VAULT, { getToken: () => "token", fetch, challenge: { scope: "https://vault.azure.net/.default" } });
        await other.key("k", version(5)).getPublicKey();
        assert.equal(gets.at(-1), version(5), "each client has its own cache");
      },
      { timeoutMs: 60_000 },
    );

    t.test("KeyHandle with a store: another isolate verifies locally without reading the vault; a wrong entry is ignored", async () => {
      const emu = createEmulator();
      const admin = new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const key = await admin.createEcKey("signer", { curve: "P-256" });
      const other = await admin.createEcKey("other", { curve: "P-256" });
      const data = new TextEncoder().encode("signed once, verified by a fleet");
      const { result: signature } = await admin.key("signer").signData("ES256", data);
      const store = memoryStore();
      const keyGets = () => emu.requests.filter((r) => r.method === "GET" && new URL(r.url).pathname.startsWith("/keys/")).length;
      const isolate = () => new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const before = keyGets();
      const first = await isolate().key(key.id, undefined, { store }).verifyData("ES256", data, signature);
      assert.deepEqual([first.result, first.local], [true, true]);
      assert.equal(keyGets(), before + 1);
      assert.equal(store.data.size, 1);
      const [entryKey] = store.data.keys();
      assert.equal(entryKey, `kvf-pubkey1:${key.id.toLowerCase()}`);
      assert.ok(!store.data.get(entryKey!)!.includes('"d"'), "public members only");
      const second = await isolate().key(key.id, undefined, { store }).verifyData("ES256", data, signature);
      assert.deepEqual([second.result, second.local, keyGets()], [true, true, before + 1], "served from the store");
      const stored = await isolate().key(key.id, undefined, { store }).getPublicKey();
      assert.ok(stored.properties.createdOn instanceof Date, "dates come back as Dates");
      // Another key's entry under this key's name, then junk: both are ignored and read from the vault.
      const otherEntry = JSON.stringify({
        ...JSON.parse(store.data.get(entryKey!)!),
        ...{
          id: other.id,
          name: "other",
          properties: { ...JSON.parse(store.data.get(entryKey!)!).properties, version: other.properties.version },
        },
        key: other.key,
      });
      for (const spoiled of [otherEntry, "{not json"]) {
        store.data.set(entryKey!, spoiled);
        const again = await isolate().key(key.id, undefined, { store }).verifyData("ES256", data, signature);
        assert.deepEqual([again.result, again.local], [true, true]);
      }
      assert.equal(keyGets(), before + 3);
      await assert.rejects(async () => isolate().key(key.id, undefined, { store: {} as any }), {
        code: "ERR_INVALID_INPUT",
        message: /store must have get/,
      });
    });

    t.test("getJwks with a store: one vault read for the fleet per TTL, with the TTL given; junk entries are ignored", async () => {
      const emu = createEmulator();
      const admin = new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      await admin.createEcKey("issuer", { curve: "P-256" });
      await admin.rotateKey("issuer");
      const puts: number[] = [];
      const store = memoryStore();
      const put = store.put;
      store.put = async (k, v, ttl) => {
        puts.push(ttl);
        return put(k, v, ttl);
      };
      const vaultCalls = () => emu.requests.filter((r) => r.target === "vault" && r.authorization).length;
      const isolate = () => new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const before = vaultCalls();
      const jwks = await getJwks(isolate(), "issuer", { store, storeTtlSeconds: 120 });
      assert.equal(jwks.keys.length, 2);
      const used = vaultCalls() - before;
      assert.ok(used >= 1);
      assert.deepEqual(puts, [120]);
      const again = await getJwks(isolate(), "issuer", { store });
      assert.deepEqual(again, jwks);
      assert.equal(vaultCalls() - before, used, "the second isolate read the store only");
      assert.deepEqual(
        await getJwks(isolate(), "issuer", { store, use: "sig", alg: "ES256" }),
        jwks,
        "another alg option is another entry",
      );
      const [k] = store.data.keys();
      store.data.set(k!, JSON.stringify({ keys: [{ kty: "EC" }] }));
      assert.deepEqual(await getJwks(isolate(), "issuer", { store }), jwks, "a malformed document is read again from the vault");
    });

    t.test("KeyHandle and getJwks with a store that never answers or throws: a miss after 500 ms, read from the vault", async () => {
      const emu = createEmulator();
      const admin = new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const key = await admin.createEcKey("signer", { curve: "P-256" });
      const data = new TextEncoder().encode("a store must never hang a read");
      const { result: signature } = await admin.key("signer").signData("ES256", data);
      const calls: string[] = [];
      const stuck: SharedStore = {
        get: (k) => (calls.push(`get ${k.split(":")[0]}`), new Promise<string>(() => {})),
        put: (k) => (calls.push(`put ${k.split(":")[0]}`), new Promise<void>(() => {})),
      };
      const failing: SharedStore = {
        get: () => Promise.reject(new Error("store down")),
        put: () => {
          throw new Error("store down");
        },
      };
      const isolate = () => new KeyClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      for (const store of [stuck, failing]) {
        const started = Date.now();
        const verified = await isolate().key(key.id, undefined, { store }).verifyData("ES256", data, signature);
        assert.deepEqual([verified.result, verified.local], [true, true]);
        const jwks = await getJwks(isolate(), "signer", { store });
        assert.equal(jwks.keys.length, 1);
        const took = Date.now() - started;
        // A stalled get and a stalled put each, for the key and the document: four limits of 500 ms.
        if (store === stuck) assert.ok(took >= 1900 && took < 10_000, `waited ${took} ms`);
        else assert.ok(took < 1900, `a failing store is not waited for (${took} ms)`);
      }
      assert.deepEqual(calls, ["get kvf-pubkey1", "put kvf-pubkey1", "get kvf-jwks1", "put kvf-jwks1"]);
      const aborted = new AbortController();
      aborted.abort(new Error("caller gave up"));
      await assert.rejects(async () => getJwks(isolate(), "signer", { store: stuck, signal: aborted.signal }), {
        message: /caller gave up/,
      });
    });
  });
}
