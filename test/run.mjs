#!/usr/bin/env node
// `npm test` after the build: bundles the suite, runs every runtime leg (and the Node-only
// tests), prints each leg's count and the Node leg's coverage, and ends with one line
// `N passed, N failed`. A leg that cannot start is a failure, never a silent pass.
// Usage: node test/run.mjs [--leg node,workerd,deno,chromium,node-only,types] [--filter text] [--verbose]
//        [--no-coverage]
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromiumExecutable } from "./chromium.mjs";
import { startCoverage } from "./coverage.mjs";
import { leftoverProcesses, markRun } from "./processes.mjs";

const outDir = fileURLToPath(new URL(`./.out/run-${process.pid}/`, import.meta.url));
process.env.KVF_TEST_OUT = outDir;
// Every process the run starts inherits this mark; the last check finds the ones still alive by it.
markRun();

const args = process.argv.slice(2);
const opt = (name) => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const legs = (opt("--leg") ?? "node,workerd,deno,chromium,node-only,types").split(",");
const filter = opt("--filter");
const verbose = args.includes("--verbose");
const coverage = !args.includes("--no-coverage");

// Chromium from the @sparticuz/chromium package is extracted into the temp directory on first use
// and reused after (/tmp/chromium, fonts/, the swiftshader libraries, and the locales/ folder
// Chromium makes beside itself). Resolve it before the run gets its own temp directory, so that
// cache stays where it is shared across runs. A failure here is left for the leg to report.
if (legs.some((leg) => leg === "chromium" || leg === "node-only") && !process.env.CHROMIUM_PATH) {
  try {
    process.env.CHROMIUM_PATH = await chromiumExecutable();
  } catch {
    /* the leg fails loudly */
  }
}

// The run's own temp directory: everything the tests, the CLI and the tools they start make with
// os.tmpdir() lands here (TMPDIR is read on each call and inherited by children), so the last
// Node-only test (test/node/tmpdir.test.ts) can compare it with this listing and name every
// leftover, unaffected by other runs or programs sharing the machine's temp directory.
const tmpRoot = mkdtempSync(join(tmpdir(), "kvf-run-"));
process.env.TMPDIR = tmpRoot;
process.env.KVF_TMP_ROOT = tmpRoot;
process.env.KVF_TMP_BEFORE = JSON.stringify(readdirSync(tmpRoot));

execFileSync(process.execPath, [new URL("./build.mjs", import.meta.url).pathname], { stdio: "inherit" });

const report = (n, ok) => console.log(`  ${ok === true ? "ok  " : ok === "skip" ? "skip" : "FAIL"} ${n}`);
const runners = {
  node: async () => (await import("./runners/node.mjs")).run(filter, verbose ? report : undefined),
  workerd: async () => (await import("./runners/workerd.mjs")).run(filter),
  deno: async () => (await import("./runners/deno.mjs")).run(filter),
  chromium: async () => (await import("./runners/chromium.mjs")).run(filter),
  "node-only": async () => (await import("./node/run.mjs")).run(filter, verbose),
  types: async () => (await import("./typecheck.mjs")).run(filter), // tsc over src, test, bench, examples
};

/**
 * The README states the Node leg's coverage ("**98.2 % of lines, 85.4 % of branches, 97.7 % of
 * functions**"); a figure more than one point from this run's is reported, so it cannot go stale.
 */
function readmeCoverageDrift(summary) {
  const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
  const stated = /\*\*([\d.]+) % of lines,\s+([\d.]+) % of branches,\s+([\d.]+) % of functions\*\*/.exec(readme);
  if (!stated) return "README.md states no coverage (**N % of lines, N % of branches, N % of functions**)";
  const measured = ["lines", "branches", "functions"].map((k) => Number(new RegExp(`([\\d.]+) % ${k}`).exec(summary)?.[1]));
  const off = measured.some((m, i) => !(Math.abs(m - Number(stated[i + 1])) <= 1));
  return off ? `README says ${stated[0]}; this run measured ${measured.join(" / ")} % (lines / branches / functions)` : undefined;
}

let passed = 0,
  failed = 0;
for (const leg of legs) {
  const started = Date.now();
  // The Node leg runs in this process against dist/; V8's own coverage of it is mapped back to src/.
  const covered = leg === "node" && coverage && !filter ? await startCoverage() : undefined;
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
  if (covered) {
    try {
      const summary = await covered.report(join(outDir, "coverage"), verbose);
      console.log(`[${leg}] coverage of src/ (V8, dist/ mapped back by source maps): ${summary}`);
      const stale = readmeCoverageDrift(summary);
      if (stale) {
        console.error(`[${leg}] FAIL the README's coverage figure: ${stale}`);
        failed++;
      }
    } catch (e) {
      console.error(`[${leg}] coverage report failed: ${e?.stack ?? e}`);
      failed++;
    }
  }
  passed += r.passed;
  failed += r.failed;
}
// esbuild's build service is a child of this process, kept for every build() the legs make in it.
await (await import("esbuild")).stop();
// The run's last check: no process it started is alive (test/processes.mjs; Linux only).
const leftover = await leftoverProcesses();
if (typeof leftover === "string") console.log(`[processes] check skipped: ${leftover}`);
else if (leftover.length) {
  const list = leftover.map((p) => `pid ${p.pid} (parent ${p.ppid}): ${p.args}`).join("\n    ");
  console.error(`[processes] FAIL ${leftover.length} process(es) this run started still alive (now killed):\n    ${list}`);
  failed++;
} else console.log("[processes] none of the processes this run started is alive");
rmSync(outDir, { recursive: true, force: true });
// Leftovers were reported by the tmpdir test; remove them anyway so no run leaves anything behind.
if (existsSync(tmpRoot)) rmSync(tmpRoot, { recursive: true, force: true });
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed > 0 || passed === 0 ? 1 : 0);
