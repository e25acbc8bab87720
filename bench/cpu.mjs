// Part 3a: rate and CPU time per call. Every case of cases.mjs (floor, keyvault-fetch, the official
// SDK with both transports) against the canned vault, one call at a time, with tinybench, in one
// child process of its own (no other part's code or garbage). For each operation the contenders run
// interleaved, `rounds` times; each keeps its best round (on a shared machine other work only ever
// slows a round down). Besides tinybench's wall-clock rate, each round records the process's CPU
// time (user + system, all threads: GC and JIT included) divided by the calls it made.
import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { Bench } from "tinybench";
import { OPS, casesFor, loadContext, prepareCase } from "./cases.mjs";

const self = fileURLToPath(import.meta.url);

/**
 * Runs the part in a child process.
 * @returns {Promise<{ rows: { id: string; op: string; kind: string; opsPerSec: number; rme: number; cpuUsPerCall: number; samples: number }[]; skipped: Record<string, string> }>}
 */
export function cpuBench({ dist, time = 500, warmupTime = 120, rounds = 5 }) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [self, "--child", JSON.stringify({ dist, time, warmupTime, rounds })], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`cpu part exited with ${code}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (e) {
        reject(e);
      }
    });
  });
}

async function measure({ dist, time, warmupTime, rounds }) {
  const ctx = await loadContext({ dist });
  const cases = [];
  const skipped = {};
  for (const c of casesFor("cpu")) {
    const p = await prepareCase(ctx, c);
    if (p.skipped) skipped[c.id] = p.skipped;
    else cases.push({ ...c, fn: p.fn });
  }
  const best = new Map();
  for (let round = 0; round < rounds; round++) {
    for (const op of Object.keys(OPS)) {
      const bench = new Bench({ time, warmupTime });
      const counters = new Map();
      for (const c of cases.filter((k) => k.op === op)) {
        const counter = { calls: 0, cpu: undefined, cpuUs: 0 };
        counters.set(c.id, counter);
        const fn = c.fn;
        bench.add(
          c.id,
          () => {
            counter.calls++;
            return fn();
          },
          {
            async: true,
            beforeAll(mode) {
              if (mode === "run") {
                counter.calls = 0;
                counter.cpu = process.cpuUsage();
              }
            },
            afterAll(mode) {
              if (mode === "run") {
                const u = process.cpuUsage(counter.cpu);
                counter.cpuUs = u.user + u.system;
              }
            },
          },
        );
      }
      await bench.run();
      for (const task of bench.tasks) {
        const r = task.result;
        if (r.state !== "completed") throw new Error(`${task.name}: ${r.state} ${("error" in r && (r.error?.stack ?? r.error)) || ""}`);
        const c = cases.find((k) => k.id === task.name);
        const counter = counters.get(task.name);
        const row = {
          id: c.id,
          op: c.op,
          kind: c.kind,
          opsPerSec: 1000 / r.period,
          rme: r.latency.rme,
          samples: r.latency.samplesCount,
          cpuUsPerCall: counter.cpuUs / counter.calls,
        };
        const prior = best.get(c.id);
        if (!prior) best.set(c.id, { ...row, rounds: 1 });
        else {
          prior.rounds++;
          if (row.opsPerSec > prior.opsPerSec) Object.assign(prior, { opsPerSec: row.opsPerSec, rme: row.rme, samples: row.samples });
          prior.cpuUsPerCall = Math.min(prior.cpuUsPerCall, row.cpuUsPerCall);
        }
      }
    }
  }
  return { rows: [...best.values()], skipped };
}

if (process.argv[2] === "--child") {
  const result = await measure(JSON.parse(process.argv[3]));
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
