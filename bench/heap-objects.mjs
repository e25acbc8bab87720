// Where a call's heap in flight goes, by kind of object: a diagnostic beside the heap part (which
// gives the totals). Starts 1,000 calls against a transport that holds its answers, takes heap
// snapshots before and while they wait, and prints the difference per call by V8 node type and
// constructor, for `client.fetch` or, with `floor`, for the hand-written fetch the bench compares with.
// Usage: npm run build && node --expose-gc bench/heap-objects.mjs [floor]
import v8 from "node:v8";
import { KeyVaultClient } from "../dist/index.js";

const K = 1000;
const VAULT = "https://v.vault.azure.net";
const challenge = `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`;
const token = "t".repeat(40);
const answer = JSON.stringify({ key: { kid: `${VAULT}/keys/ec/1`, kty: "EC" } });

/** @type {((response: Response) => void)[]} */
let held = [];
/** @param {string} _url @param {RequestInit} init */
const transport = (_url, init) => {
  const headers = /** @type {Record<string, string>} */ (init.headers);
  if (!headers.authorization) return Promise.resolve(new Response("", { status: 401, headers: { "www-authenticate": challenge } }));
  return new Promise((resolve) => held.push(resolve));
};
const release = () => {
  for (const resolve of held) resolve(new Response(answer, { headers: { "content-type": "application/json" } }));
  held = [];
};

const client = new KeyVaultClient(VAULT, { getToken: () => ({ token, expiresOnTimestamp: Date.now() + 3600e3 }), fetch: transport });
const call = process.argv.includes("floor")
  ? async () => (await transport(`${VAULT}/keys/ec/1?api-version=2025-07-01`, { headers: { authorization: `Bearer ${token}` } })).json()
  : async () => (await client.fetch("/keys/ec/1")).json();

/** Heap snapshot totals by V8 node type (objects and closures by constructor name). */
function census() {
  const gc = /** @type {() => void} */ (globalThis.gc);
  if (!gc) throw new Error("run with node --expose-gc");
  gc();
  gc();
  const stream = v8.getHeapSnapshot();
  let text = "";
  for (let chunk = stream.read(); chunk !== null; chunk = stream.read()) text += chunk;
  const snap = JSON.parse(text);
  const width = snap.snapshot.meta.node_fields.length;
  const types = snap.snapshot.meta.node_types[0];
  /** @type {Map<string, { count: number; size: number }>} */
  const out = new Map();
  for (let i = 0; i < snap.nodes.length; i += width) {
    const type = types[snap.nodes[i]];
    const key = type === "object" || type === "closure" ? `${type}:${snap.strings[snap.nodes[i + 1]]}` : type;
    const entry = out.get(key) ?? { count: 0, size: 0 };
    entry.count++;
    entry.size += snap.nodes[i + 3];
    out.set(key, entry);
  }
  return out;
}

for (let i = 0; i < 300; i++) {
  const pending = call();
  await new Promise((r) => setImmediate(r));
  release();
  await pending;
}
const before = census();
const calls = Array.from({ length: K }, () => call());
for (let turn = 0; held.length < K && turn < 1000; turn++) await new Promise((r) => setImmediate(r));
const during = census();
const rows = [];
for (const [key, now] of during) {
  const was = before.get(key) ?? { count: 0, size: 0 };
  const size = (now.size - was.size) / K;
  if (Math.abs(size) >= 8) rows.push({ key, count: (now.count - was.count) / K, size });
}
rows.sort((a, b) => b.size - a.size);
console.log(`per call in flight: ${Math.round(rows.reduce((s, r) => s + r.size, 0))} B (snapshot self sizes)`);
for (const r of rows)
  console.log(`${r.key.padEnd(28)} ${r.count.toFixed(2).padStart(6)} objects ${Math.round(r.size).toString().padStart(5)} B`);
release();
await Promise.all(calls);
