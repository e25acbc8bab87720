#!/usr/bin/env node
// `npm test` after the build: bundles the suite, runs every runtime leg (and the Node-only
// tests), prints each leg's count, and ends with one line `N passed, N failed`.
// A leg that cannot start is a failure, never a silent pass.
// Usage: node test/run.mjs [--leg node,workerd,deno,chromium,node-only,types] [--filter text] [--verbose]
import { execFileSync } from "node:child_process";
import { rmSync } from "node:fs";
import { fileURLToPath } from "node:url";

const outDir = fileURLToPath(new URL(`./.out/run-${process.pid}/`, import.meta.url));
process.env.KVF_TEST_OUT = outDir;

const args = process.argv.slice(2);
const opt = (name) => { const i = args.indexOf(name); return i >= 0 ? args[i + 1] : undefined; };
const legs = (opt("--leg") ?? "node,workerd,deno,chromium,node-only,types").split(",");
const filter = opt("--filter");
const verbose = args.includes("--verbose");

execFileSync(process.execPath, [new URL("./build.mjs", import.meta.url).pathname], { stdio: "inherit" });

const runners = {
  node: async () => (await import("./runners/node.mjs")).run(filter, verbose ? (n, ok) => console.log(`  ${ok === true ? "ok  " : ok === "skip" ? "skip" : "FAIL"} ${n}`) : undefined),
  workerd: async () => (await import("./runners/workerd.mjs")).run(filter),
  deno: async () => (await import("./runners/deno.mjs")).run(filter),
  chromium: async () => (await import("./runners/chromium.mjs")).run(filter),
  "node-only": async () => (await import("./node/run.mjs")).run(filter, verbose),
  types: async () => (await import("./typecheck.mjs")).run(filter), // tsc over src, test, bench, examples
};

let passed = 0, failed = 0, skipped = 0;
for (const leg of legs) {
  const started = Date.now();
  let r;
  try {
    if (!runners[leg]) throw new Error(`unknown leg ${leg}`);
    r = await runners[leg]();
  } catch (e) {
    console.error(`[${leg}] COULD NOT RUN: ${e?.stack ?? e}`);
    r = { passed: 0, failed: 1, skipped: 0, failures: [] };
  }
  for (const f of r.failures) console.error(`[${leg}] FAIL ${f.name}\n    ${f.error.replace(/\n/g, "\n    ")}`);
  console.log(`[${leg}] ${r.passed} passed, ${r.failed} failed, ${r.skipped} skipped (${((Date.now() - started) / 1000).toFixed(1)} s)`);
  passed += r.passed; failed += r.failed; skipped += r.skipped;
}
rmSync(outDir, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
