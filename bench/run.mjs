#!/usr/bin/env node
// `npm run bench` (after the build): measures keyvault-fetch side by side with the official Azure SDK
// and aws4fetch, in one run, offline, and rewrites bench/RESULTS.md and bench/results.svg.
// Usage: node bench/run.mjs [--only bytes,roundtrips,cpu,local-remote,startup] [--write] [--quick]
//   --only   run some parts (then the files are written only with --write)
//   --quick  shorter timings, for trying the harness out
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { measureBundles } from "./bundles.mjs";
import { headline, renderMarkdown, renderSvg } from "./report.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(root, "dist");
const args = process.argv.slice(2);
const onlyArg = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const only = onlyArg ? onlyArg.split(",") : undefined;
const quick = args.includes("--quick");
const write = !only || args.includes("--write");
const wanted = (part) => !only || only.includes(part);

const version = (pkg) => JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;
const started = Date.now();
const loadBefore = loadavg()[0];
// `machine` and the figures are filled in below.
const results = /** @type {Parameters<typeof renderMarkdown>[0]} */ (/** @type {unknown} */ ({ skipped: {} }));

async function part(name, key, fn) {
  if (!wanted(name)) return;
  const t = Date.now();
  process.stdout.write(`${name} … `);
  try {
    results[key] = await fn();
    console.log(`${((Date.now() - t) / 1000).toFixed(1)} s`);
  } catch (e) {
    console.log("FAILED");
    console.error(e?.stack ?? e);
    results.skipped[name] = `failed: ${String(e?.message ?? e).split("\n")[0]}`;
  }
}

await part("bytes", "bytes", () => measureBundles(root));
await part("roundtrips", "roundTrips", async () => (await import("./roundtrips.mjs")).roundTrips({ dist }));
await part("cpu", "cpu", async () => (await import("./cpu.mjs")).cpuBench({ dist, ...(quick ? { time: 300, warmupTime: 100 } : {}) }));
await part("local-remote", "localRemote", async () => (await import("./local-remote.mjs")).localRemoteBench({ dist, ...(quick ? { time: 150 } : {}) }));
await part("startup", "startup", async () => (await import("./startup.mjs")).startupBench({ root, ...(quick ? { rounds: 2 } : {}) }));

const cpuModel = readFileSync("/proc/cpuinfo", "utf8").match(/^model name\s*:\s*(.+)$/m)?.[1]?.trim() ?? cpus()[0]?.model ?? "unknown CPU";
results.machine = {
  cpu: cpuModel, cores: cpus().length, load: [loadBefore, loadavg()[0]], node: process.version, platform: `${process.platform} ${process.arch}`,
  date: new Date().toISOString().replace(/\.\d+Z$/, "Z"), durationMs: Date.now() - started,
  esbuild: version("esbuild"), sdk: version("@azure/keyvault-keys"), aws4fetch: version("aws4fetch"), tinybench: version("tinybench"),
};

const markdown = renderMarkdown(results);
if (write) {
  writeFileSync(join(here, "RESULTS.md"), markdown);
  writeFileSync(join(here, "results.svg"), renderSvg(results));
  console.log(`wrote bench/RESULTS.md and bench/results.svg (${(results.machine.durationMs / 1000).toFixed(0)} s)`);
  for (const h of headline(results)) console.log(`- ${h}`);
} else {
  console.log(markdown);
}
process.exit(Object.keys(results.skipped).length ? 1 : 0);
