// SecretCache inside workerd (miniflare, no nodejs_compat), with the vault and authority served by
// the emulator: two concurrent requests share no promise; several Worker isolates sharing one KV
// namespace or one Cache API cost one vault read per TTL (and one per isolate without the store);
// two miniflare instances share a persisted KV; what the store holds is sealed.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { Miniflare } from "miniflare";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEmulator, type Emulator } from "@keyvault-fetch/emulator";
import { KeyVaultClient } from "keyvault-fetch";
import { setSecret } from "keyvault-fetch/secrets";
import { repoRoot } from "./child.js";
import { bundleWorker, emulatorBindings, toEmulator } from "../workers.mjs";

const SEALING_KEY = "workers-test-sealing-key-4c0f8a9b2e";

function workerOptions(script: string, emu: Emulator, name: string, storeKind: string) {
  return {
    name,
    modules: true,
    script,
    compatibilityDate: "2025-09-01",
    bindings: {
      ...emulatorBindings(emu),
      SEALING_KEY,
      STORE_KIND: storeKind,
    },
    kvNamespaces: { SECRET_STORE: "secret-store" },
    outboundService: toEmulator(emu),
  };
}

async function vault(): Promise<{ emu: Emulator; reads: () => number; all: () => number }> {
  const emu = createEmulator();
  const admin = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
  await setSecret(admin, "db-password", "correct horse battery staple");
  const mark = emu.requests.length;
  return {
    emu,
    reads: () =>
      emu.requests.slice(mark).filter((r) => r.method === "GET" && r.authorization && r.url.includes("/secrets/db-password/")).length,
    all: () => emu.requests.slice(mark).length,
  };
}

type Answer = { values: string[]; stats: Record<string, number> };
type Target = Miniflare | { fetch: (url: string, init?: any) => Promise<any> };
async function ask(worker: Target, query: string, now?: number): Promise<Answer> {
  const send = worker instanceof Miniflare ? (u: string, i?: any) => worker.dispatchFetch(u, i) : worker.fetch.bind(worker);
  const res = await send(`https://worker.example/?${query}`, now === undefined ? undefined : { headers: { "x-test-now": String(now) } });
  const text = await res.text();
  if (res.status !== 200) throw new Error(`the Worker answered ${res.status}: ${text.slice(0, 500)}`);
  return JSON.parse(text) as Answer;
}

/**
 * 100 Worker requests over 10 isolates: each isolate's first request one after another (the
 * isolates start cold, one by one), then the other 90 all at once.
 */
async function fleetRound(workers: Target[], now: number): Promise<void> {
  for (const w of workers) assert.deepEqual((await ask(w, "name=db-password&no-wait-until", now)).values, ["correct horse battery staple"]);
  const rest = Array.from({ length: 100 - workers.length }, (_, i) => ask(workers[i % workers.length]!, "name=db-password", now));
  for (const answer of await Promise.all(rest)) assert.deepEqual(answer.values, ["correct horse battery staple"]);
}

const suite: SuiteFile = (t) => {
  let script: Promise<string> | undefined;
  const worker = () => (script ??= bundleWorker(repoRoot(), { file: join(repoRoot(), "test/node/secrets-worker.mjs") }, { minify: true }));

  t.group("secret cache in workerd (miniflare)", () => {
    t.test(
      "two concurrent requests: each reads once for itself (no promise crosses requests), three reads in one request share one, then the value serves all",
      async () => {
        const { emu, reads } = await vault();
        emu.faults.add({ route: "GET /secrets/**", latencyMs: 300, times: 2 });
        const mf = new Miniflare(workerOptions(await worker(), emu, "single", "none"));
        try {
          const query = "name=db-password&name=db-password&name=db-password";
          const [a, b] = await Promise.all([ask(mf, query), ask(mf, query)]);
          assert.deepEqual(
            [a.values, b.values],
            [Array(3).fill("correct horse battery staple"), Array(3).fill("correct horse battery staple")],
          );
          assert.equal(reads(), 2, "one vault read per request in flight: each request's client waited on its own read");
          const c = await ask(mf, query);
          assert.deepEqual(c.values, Array(3).fill("correct horse battery staple"));
          assert.equal(reads(), 2, "the resolved value serves the next request");
          assert.equal(c.stats.hits, 3);
        } finally {
          await mf.dispose();
        }
      },
      { timeoutMs: 60_000 },
    );

    for (const kind of ["kv", "cache", "none"] as const) {
      t.test(
        `10 isolates, 100 requests, store ${kind === "none" ? "off: one read per isolate" : `${kind === "kv" ? "Workers KV" : "Cache API"}: one vault read per TTL`}`,
        async () => {
          const { emu, reads, all } = await vault();
          const names = Array.from({ length: 10 }, (_, i) => `isolate-${i}`);
          const script = await worker();
          const fleet = new Miniflare({ workers: names.map((n) => workerOptions(script, emu, n, kind)) });
          try {
            const workers = await Promise.all(names.map((n) => fleet.getWorker(n)));
            const t0 = Date.now();
            await fleetRound(workers, t0);
            assert.equal(reads(), kind === "none" ? 10 : 1, "vault reads in the first TTL");
            const firstRound = all();
            await fleetRound(workers, t0 + 61_000);
            assert.equal(reads(), kind === "none" ? 20 : 2, "vault reads after the TTL passed");
            assert.equal(
              firstRound,
              kind === "none" ? 30 : 3 + 9,
              "requests to the emulator in the first round: challenge, token and read, per isolate that read; with a store, one token call per other cold isolate (its identity, to find its entry)",
            );
          } finally {
            await fleet.dispose();
          }
        },
        { timeoutMs: 120_000 },
      );
    }

    t.test(
      "miniflare instances one after another on a persisted KV (temp folder, removed after): the second reads no vault; the KV holds only sealed values under hashed keys; a tampered entry is ignored",
      async () => {
        const { emu, reads } = await vault();
        const dir = mkdtempSync(join(tmpdir(), "kvf-secrets-kv-"));
        const script = await worker();
        const instance = (name: string) => new Miniflare({ ...workerOptions(script, emu, name, "kv"), kvPersist: join(dir, "kv") });
        // One instance at a time on the folder: miniflare's SQLite-backed KV refuses concurrent writers
        // now and then (SQLITE_BUSY), and the point is what one isolate leaves for the next.
        const a = instance("a");
        let b: Miniflare | undefined, c: Miniflare | undefined;
        try {
          assert.deepEqual((await ask(a, "name=db-password&no-wait-until")).values, ["correct horse battery staple"]);
          assert.equal(reads(), 1);
          // The put is not awaited by the answer: let it land before this isolate goes (on a loaded
          // machine it may still be sealing when the answer is out).
          const stored = await a.getKVNamespace("SECRET_STORE");
          for (let i = 0; i < 200 && (await stored.list()).keys.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
          await a.dispose();
          b = instance("b");
          const fromStore = await ask(b, "name=db-password");
          assert.deepEqual(
            [fromStore.values, fromStore.stats.storeHits, fromStore.stats.vaultReads, reads()],
            [["correct horse battery staple"], 1, 0, 1],
          );
          const kv = await b.getKVNamespace("SECRET_STORE");
          const { keys } = await kv.list();
          assert.equal(keys.length, 1);
          const key = keys[0]!.name;
          assert.match(key, /^kvf-secret1:[A-Za-z0-9_-]{43}$/);
          const value = (await kv.get(key))!;
          const decoded = Buffer.from(value.slice(5), "base64url").toString("latin1");
          for (const leak of ["correct horse", "db-password", emu.vaultUrl])
            assert.ok(!key.includes(leak) && !value.includes(leak) && !decoded.includes(leak), `${leak} is not in the store`);
          await kv.put(key, value.slice(0, -4) + (value.endsWith("AAAA") ? "BBBB" : "AAAA"));
          await b.dispose();
          b = undefined;
          c = instance("c");
          const tampered = await ask(c, "name=db-password&no-wait-until");
          assert.deepEqual(
            [tampered.values, tampered.stats.storeRejected, tampered.stats.vaultReads, reads()],
            [["correct horse battery staple"], 1, 1, 2],
          );
        } finally {
          await a.dispose().catch(() => {});
          await b?.dispose();
          await c?.dispose();
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;
