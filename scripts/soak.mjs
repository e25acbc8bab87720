#!/usr/bin/env node
// `npm run soak`: 100,000 operations of a seeded random mix against the in-process emulator with
// seeded random faults, in a child process with --expose-gc (scripts/soak-worker.mjs). Passes when
// no rejection went unhandled, every failure was one of our error classes (or the caller's own
// abort reason), and the heap after GC stayed flat (its slope over the run, after warm-up, under
// the limit below). Prints the figures; `--json` prints them as JSON.
// Usage: node scripts/soak.mjs [--ops 100000] [--seed 1] [--concurrency 32] [--json]
import { execFile } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The heap may grow by at most this much per 1,000 operations after warm-up (least-squares slope of
 * the post-GC samples). A leak of one small object per call (a listener, a timer, a map entry: 50
 * bytes or more) shows as 50 KB or more per 1,000 operations; the samples' noise (JIT, allocator, the
 * emulator's own state) moves the slope by up to about 10 KB between runs.
 */
export const HEAP_SLOPE_LIMIT = 32 * 1024;
/** Shorter runs are mostly warm-up (JIT, caches): their slope says nothing, and is not judged. */
export const HEAP_JUDGED_FROM = 20_000;

/** Runs the worker and returns its figures, with `pass` and the reasons it failed. */
export function runSoak({ ops = 100_000, seed = 1, concurrency = 32, samples = 100, plantLeak = 0 } = {}) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [
        "--expose-gc",
        join(here, "soak-worker.mjs"),
        "--ops",
        String(ops),
        "--seed",
        String(seed),
        "--concurrency",
        String(concurrency),
        "--samples",
        String(samples),
        "--plant-leak",
        String(plantLeak),
      ],
      { cwd: join(here, ".."), maxBuffer: 64 * 1024 * 1024, timeout: 60 * 60_000 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (!line)
          return reject(new Error(`the soak worker printed no figures (${error?.message ?? "no error"}):\n${stderr.slice(-4000)}`));
        const r = JSON.parse(line);
        const failures = Object.entries(r.outcomes)
          .filter(([k]) => k !== "ok")
          .reduce((s, [, n]) => s + n, 0);
        const why = [];
        if (r.ops !== ops) why.push(`${r.ops} of ${ops} operations ran`);
        if (r.unhandled.length) why.push(`${r.unhandled.length} unhandled rejections: ${r.unhandled.slice(0, 3).join(" | ")}`);
        if (r.outcomes.FOREIGN) why.push(`${r.outcomes.FOREIGN} failures not of our classes: ${r.foreign.slice(0, 3).join(" | ")}`);
        if (ops >= HEAP_JUDGED_FROM && r.heapSlopeBytesPer1000Ops > HEAP_SLOPE_LIMIT)
          why.push(`the heap grew ${r.heapSlopeBytesPer1000Ops} bytes per 1,000 operations (limit ${HEAP_SLOPE_LIMIT})`);
        resolve({ ...r, failures, pass: why.length === 0, why });
      },
    );
  });
}

/** One paragraph of text for a soak result. */
export function describeSoak(r) {
  const kinds = Object.entries(r.outcomes)
    .filter(([k]) => k !== "ok")
    .sort((a, b) => b[1] - a[1])
    .map(([k, n]) => `${n} ${k}`)
    .join(", ");
  const hits = Object.values(r.faultHits).reduce((s, n) => s + n, 0) + r.lostAnswers;
  return [
    `${r.ops.toLocaleString("en-US")} operations (seed ${r.seed}, ${r.concurrency} at a time) in ${(r.elapsedMs / 1000).toFixed(1)} s (${r.opsPerSecond} ops/s), ${r.vaultRequests.toLocaleString("en-US")} vault requests, ${hits.toLocaleString("en-US")} faults injected`,
    `${r.outcomes.ok.toLocaleString("en-US")} succeeded; ${r.failures.toLocaleString("en-US")} failed, all of our classes or the caller's abort: ${kinds}`,
    `unhandled rejections: ${r.unhandled.length}; failures of a foreign class: ${r.outcomes.FOREIGN ?? 0}`,
    `heap after GC: ${(r.heapFirst / 1048576).toFixed(2)} MB after warm-up, ${(r.heapLast / 1048576).toFixed(2)} MB at the end; slope ${(r.heapSlopeBytesPer1000Ops / 1024).toFixed(1)} KB per 1,000 operations (${r.ops >= HEAP_JUDGED_FROM ? `limit ${HEAP_SLOPE_LIMIT / 1024} KB` : `not judged under ${HEAP_JUDGED_FROM.toLocaleString("en-US")} operations`}; between the medians of the second and last quarters, ${(r.heapMedianGrowthBytesPer1000Ops / 1024).toFixed(1)} KB)`,
  ].join("\n");
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const arg = (name, fallback) => {
    const i = args.indexOf(`--${name}`);
    return i >= 0 ? Number(args[i + 1]) : fallback;
  };
  const r = await runSoak({ ops: arg("ops", 100_000), seed: arg("seed", 1), concurrency: arg("concurrency", 32) });
  if (args.includes("--json")) console.log(JSON.stringify(r));
  else console.log(describeSoak(r));
  console.log(r.pass ? "soak: pass" : `soak: FAIL\n- ${r.why.join("\n- ")}`);
  process.exit(r.pass ? 0 : 1);
}
