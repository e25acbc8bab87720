// Part 3c: heap per call in flight. Each case of cases.mjs runs in its own Node process
// (bench/case-child.mjs, with --expose-gc) against a transport that holds its answers: `k` calls are
// started at once, and the heap after full collections while they all wait, minus the heap before,
// divided by `k`, is what one call in flight keeps alive. Timers outstanding are counted the same way.
import { spawn } from "node:child_process";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { casesFor } from "./cases.mjs";

const here = dirname(fileURLToPath(import.meta.url));

/**
 * @returns {Promise<{ id: string; bytesPerCall?: number; timersPerCall?: number; retainedPerCall?: number; skipped?: string }[]>}
 */
export async function heapBench({ dist, k = 1000, rounds = 5, warmup = 300 }) {
  const out = [];
  for (const c of casesFor("heap")) {
    let row;
    try {
      row = await measureCase(c.id, { dist, k, rounds, warmup });
    } catch (e) {
      row = { failed: String(e.message).split("\n")[0] };
    }
    out.push({ id: c.id, ...row });
  }
  return out;
}

function measureCase(id, options) {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--expose-gc", join(here, "case-child.mjs"), "heap", id, options.dist, JSON.stringify(options)],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    let out = "",
      err = "";
    child.stdout.on("data", (d) => {
      out += d;
    });
    child.stderr.on("data", (d) => {
      err += d;
    });
    child.on("close", (code) => {
      if (code !== 0) return reject(new Error(`${id} heap: exit ${code}: ${err.slice(-2000)}`));
      try {
        resolve(JSON.parse(out.trim().split("\n").pop()));
      } catch (e) {
        reject(new Error(`${id} heap: ${e.message}: ${out.slice(-500)}`));
      }
    });
  });
}
