#!/usr/bin/env node
// The soak's workload, in a process of its own (run with --expose-gc by scripts/soak.mjs and by
// test/node/soak.test.ts): N operations of a seeded random mix against the in-process emulator,
// with seeded random faults on the vault and the authority, C at a time. It samples the heap after
// a full GC at intervals, records every unhandled rejection, classifies every failure, and prints
// one JSON line with the figures.
// Usage: node --expose-gc scripts/soak-worker.mjs [--ops 100000] [--seed 1] [--concurrency 32] [--samples 100] [--plant-leak bytes]
import { KeyVaultClient, KeyVaultClientError, KeyVaultError, request } from "../dist/index.js";
import * as keys from "../dist/keys.js";
import { createEmulator } from "../emulator/dist/index.js";

const args = process.argv.slice(2);
const arg = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const OPS = arg("ops", 100_000);
const SEED = arg("seed", 1);
const CONCURRENCY = arg("concurrency", 32);
const SAMPLES = arg("samples", 100);
// For proving the heap check can fail: keep about this many bytes per operation for ever.
const PLANT = arg("plant-leak", 0);
const planted = [];
const TIMEOUT = 2000;

const unhandled = [];
process.on("unhandledRejection", (e) => unhandled.push(String(e?.stack ?? e).slice(0, 300)));
process.on("uncaughtException", (e) => unhandled.push(`uncaught: ${String(e?.stack ?? e).slice(0, 300)}`));
if (typeof globalThis.gc !== "function") throw new Error("run with --expose-gc");

/** mulberry32: the workload's choices repeat exactly for a seed. */
function seeded(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = seeded(SEED);
const pick = (list) => list[Math.floor(random() * list.length)];

const emulator = createEmulator({ seed: SEED });
// Seeded faults on every vault request; the authority fails now and then too.
const FAULTS = [
  { status: 429, retryAfterMs: 2, probability: 0.02 },
  { status: 429, probability: 0.005 },
  { status: 503, probability: 0.01 },
  { status: 500, probability: 0.005 },
  { status: 502, probability: 0.003 },
  { status: 504, probability: 0.003 },
  { drop: "before", probability: 0.005 },
  { drop: "after", probability: 0.005 },
  { malformedBody: true, probability: 0.003 },
  { latencyMs: 2, probability: 0.03 },
  { latencyMs: TIMEOUT + 100, probability: 0.0005 },
  { target: "authority", status: 503, probability: 0.05 },
];
// Each fault is installed with a large, finite count: what it has left says how often it struck
// (the emulator's request log is bounded, so it cannot be counted from there).
const HITS = 1e12;
const installed = FAULTS.map((f) => ({ spec: f, fault: emulator.faults.add({ times: HITS, ...f }) }));
const describe = (f) =>
  [
    f.target === "authority" ? "authority" : "",
    f.status ? `status ${f.status}${f.retryAfterMs ? " + wait" : ""}` : "",
    f.drop ? (f.drop === "after" ? "drop after" : "drop") : "",
    f.malformedBody ? "malformed body" : "",
    f.latencyMs ? `latency ${f.latencyMs}ms` : "",
  ]
    .filter(Boolean)
    .join(" ");
// 5xx after processing (the answer lost) is not one of the emulator's faults: a fetch in front of it does it.
let lostAnswers = 0;
let vaultRequests = 0;
const fetch = async (input, init) => {
  vaultRequests++;
  const res = await emulator.fetch(input, init);
  if (random() < 0.003) {
    lostAnswers++;
    await res.body?.cancel();
    return Response.json({ error: { code: "InternalServerError", message: "lost" } }, { status: 503 });
  }
  return res;
};
const options = { getToken: emulator.getToken, fetch, timeout: TIMEOUT, retry: { retries: 3, minDelayMs: 1, maxDelayMs: 20 } };
let shared = new KeyVaultClient(emulator.vaultUrl, options);

const STABLE = Array.from({ length: 8 }, (_, i) => `stable-${i}`);
const CHURN = Array.from({ length: 10 }, (_, i) => `churn-${i}`);
const digest = new Uint8Array(32).fill(3);
const setup = new KeyVaultClient(emulator.vaultUrl, {
  getToken: emulator.getToken,
  fetch: emulator.fetch,
  timeout: 10_000,
  retry: { retries: 20, minDelayMs: 1, maxDelayMs: 5 },
});
const signatures = new Map();
for (const name of STABLE) {
  for (;;) {
    try {
      await keys.createEcKey(setup, name);
      break;
    } catch {
      /* a fault: try again */
    }
  }
}
for (const name of STABLE) {
  for (;;) {
    try {
      signatures.set(name, (await keys.sign(setup, name, "ES256", digest)).result);
      break;
    } catch {
      /* again */
    }
  }
}

/** The mix: weights and what each operation does with a client and an optional signal. */
const MIX = [
  [12, "sign", (c, o) => keys.sign(c, pick(STABLE), "ES256", digest, o)],
  [25, "getKey", (c, o) => keys.getKey(c, pick(STABLE), undefined, o)],
  [
    4,
    "verify",
    (c, o) => {
      const n = pick(STABLE);
      return keys.verify(c, n, "ES256", digest, signatures.get(n), o);
    },
  ],
  [
    15,
    "client.fetch",
    async (c, o) => {
      const r = await c.fetch(`/keys/${pick(STABLE)}`, o);
      await r.text();
      return r.status;
    },
  ],
  [8, "request", (c, o) => request(c, "GET", `/keys/${pick(STABLE)}/`, undefined, o)],
  [
    5,
    "listKeys",
    async (c, o) => {
      for await (const page of keys.listKeys(c, { maxPageSize: 5, ...o }).byPage()) return page.length;
    },
  ],
  [8, "updateKey", (c, o) => keys.updateKey(c, pick(STABLE), { tags: { n: String(Math.floor(random() * 100)) }, ...o })],
  [4, "createKey", (c, o) => keys.createEcKey(c, pick(CHURN), o)],
  [2, "rotateKey", (c, o) => keys.rotateKey(c, pick(CHURN), o)],
  [
    4,
    "deleteKey+purge",
    async (c, o) => {
      const n = pick(CHURN);
      await keys.deleteKey(c, n, o);
      await keys.purgeDeletedKey(c, n, o);
    },
  ],
  [2, "recover", (c, o) => keys.recoverDeletedKey(c, pick(CHURN), o)],
  [11, "getKey404", (c, o) => keys.getKey(c, `missing-${Math.floor(random() * 1000)}`, undefined, o)],
];
const total = MIX.reduce((s, [w]) => s + w, 0);
function choose() {
  let r = random() * total;
  for (const m of MIX) {
    r -= m[0];
    if (r < 0) return m;
  }
  return MIX[0];
}

const outcomes = {};
const byOp = {};
const foreign = [];
const count = (map, k) => {
  map[k] = (map[k] ?? 0) + 1;
};
const heap = [];
function faultHits() {
  const hits = {};
  for (const { spec, fault } of installed) hits[describe(spec)] = (hits[describe(spec)] ?? 0) + (HITS - fault.remaining);
  return hits;
}
let done = 0;
let started = 0;
const every = Math.max(1, Math.floor(OPS / SAMPLES));
const t0 = Date.now();

async function one() {
  const [, name, run] = choose();
  // A new client for a tenth of the calls (the Workers pattern), the shared one otherwise.
  const client = random() < 0.1 ? new KeyVaultClient(emulator.vaultUrl, options) : shared;
  let controller, reason, timer;
  if (random() < 0.02) {
    controller = new AbortController();
    reason = new Error("the caller gave up");
    timer = setTimeout(() => controller.abort(reason), Math.floor(random() * 6));
  }
  let outcome;
  try {
    await run(client, controller ? { signal: controller.signal } : {});
    outcome = "ok";
  } catch (e) {
    if (reason !== undefined && e === reason) outcome = "caller-abort";
    else if (e instanceof KeyVaultError) outcome = `KeyVaultError ${e.status}`;
    else if (e instanceof KeyVaultClientError) outcome = `KeyVaultClientError ${e.code}`;
    else {
      outcome = "FOREIGN";
      if (foreign.length < 20) foreign.push(`${name}: ${e?.name}: ${String(e?.message).slice(0, 200)}`);
    }
  }
  clearTimeout(timer);
  if (PLANT) planted.push(new Array(Math.ceil(PLANT / 8)).fill(started));
  count(outcomes, outcome);
  byOp[name] ??= {};
  count(byOp[name], outcome === "ok" ? "ok" : "failed");
}

async function lane() {
  while (started < OPS) {
    started++;
    await one();
    done++;
    if (done % every === 0) {
      globalThis.gc();
      globalThis.gc();
      heap.push({ ops: done, heapUsed: process.memoryUsage().heapUsed });
    }
  }
}
await Promise.all(Array.from({ length: CONCURRENCY }, lane));
shared = undefined;
const elapsedMs = Date.now() - t0;
// Least squares over the samples after the first quarter (warm-up: caches, JIT): bytes per 1,000 operations.
const steady = heap.slice(Math.floor(heap.length / 4));
const n = steady.length;
const mx = steady.reduce((s, p) => s + p.ops, 0) / n;
const my = steady.reduce((s, p) => s + p.heapUsed, 0) / n;
const slope =
  n > 1 ? steady.reduce((s, p) => s + (p.ops - mx) * (p.heapUsed - my), 0) / steady.reduce((s, p) => s + (p.ops - mx) ** 2, 0) : 0;
await new Promise((r) => setTimeout(r, 50));
// And the growth between the medians of the second and the last quarter of the samples, per 1,000 operations.
const q = Math.floor(heap.length / 4);
const med = (xs) => {
  const s = xs.map((p) => p.heapUsed).sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
};
// (the quarters' middles are 2 quarters of the operations apart)
const growth =
  q > 0
    ? ((med(heap.slice(3 * q)) - med(heap.slice(q, 2 * q))) / (heap[Math.floor(3.5 * q)].ops - heap[Math.floor(1.5 * q)].ops)) * 1000
    : 0;
process.stdout.write(
  JSON.stringify({
    ops: done,
    seed: SEED,
    concurrency: CONCURRENCY,
    elapsedMs,
    opsPerSecond: Math.round((done / elapsedMs) * 1000),
    outcomes,
    byOp,
    foreign,
    unhandled,
    lostAnswers,
    faultHits: faultHits(),
    vaultRequests,
    heap,
    heapSlopeBytesPer1000Ops: Math.round(slope * 1000),
    heapMedianGrowthBytesPer1000Ops: Math.round(growth),
    heapFirst: steady[0]?.heapUsed,
    heapLast: steady.at(-1)?.heapUsed,
  }) + "\n",
);
process.exit(0);
