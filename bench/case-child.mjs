// The child process of the instruction and heap parts: measures ONE case of cases.mjs in a fresh
// Node process (no other contender's code loaded, no other part's garbage), and prints its figures
// as one JSON line on stdout.
//
//   node --single-threaded --expose-gc bench/case-child.mjs instructions <case> <dist> <json options>
//     run under valgrind --tool=callgrind by instructions.mjs (see there and bench/README.md)
//   node --expose-gc bench/case-child.mjs heap <case> <dist> <json options>
import { existsSync, fdatasyncSync, fsyncSync, openSync, readSync } from "node:fs";
import { caseById, loadContext, prepareCase, settle } from "./cases.mjs";

const [mode, id, dist, json] = process.argv.slice(2);
const options = JSON.parse(json ?? "{}");
const gc = globalThis.gc;
if (typeof gc !== "function") throw new Error("run with --expose-gc");

const emit = (o) => process.stdout.write(`${JSON.stringify(o)}\n`);

/**
 * Warms the case up, waits for the parent to switch callgrind's instrumentation on, then runs
 * regions of calls on the parent's command (one line on stdin: a number of calls, or "exit"), each
 * between two markers the parent's valgrind options act on: fdatasync() zeroes the counters
 * (--zero-before) and fsync() writes them to a file (--dump-before). The parent reads each file and
 * decides whether to run another region (instructions.mjs).
 */
async function instructions() {
  const { warmup, outFile, goFile } = options;
  const ctx = await loadContext({ dist });
  const prepared = await prepareCase(ctx, caseById(id));
  if (prepared.skipped) return emit({ skipped: prepared.skipped });
  const fn = prepared.fn;
  for (let i = 0; i < warmup; i++) await fn();
  const fd = openSync(`${outFile}.marker`, "w");
  emit({ ready: true });
  // Spin (not block) until the parent has switched instrumentation on: valgrind answers vgdb
  // between basic blocks, which a process blocked in a system call does not run.
  while (!existsSync(goFile)) for (let i = 0; i < 1e5; i++);
  const stdin = lines(0);
  for (let dump = 1; ; dump++) {
    const command = stdin();
    if (command === undefined || command === "exit") break;
    const n = Number(command);
    fdatasyncSync(fd);
    for (let i = 0; i < n; i++) await fn();
    fsyncSync(fd);
    emit({ dumped: `${outFile}.${dump}`, calls: n });
  }
}

/** A synchronous line reader (blocking reads are fine once instrumentation is on). */
function lines(fd) {
  let buffered = "";
  const chunk = Buffer.alloc(256);
  return () => {
    for (;;) {
      const nl = buffered.indexOf("\n");
      if (nl >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        return line.trim();
      }
      let n;
      try {
        n = readSync(fd, chunk, 0, chunk.length, null);
      } catch (e) {
        if (e.code === "EAGAIN") continue;
        throw e;
      }
      if (n === 0) return undefined;
      buffered += chunk.toString("utf8", 0, n);
    }
  };
}

const timers = () => process.getActiveResourcesInfo().filter((r) => r === "Timeout").length;
/** Heap in use after full collections: V8's heap plus memory outside it (ArrayBuffers, external strings). */
function heapNow() {
  gc();
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
}

/**
 * Starts `k` calls at once against a transport that holds every answer, waits until all of them
 * reach it, and measures heap (after full collections) and timers while they are pending, against
 * the same before; then releases them and measures what stays after they settle. Repeated `rounds`
 * times; the median round is kept.
 */
async function heap() {
  const { k, rounds, warmup } = options;
  const ctx = await loadContext({ dist, held: true });
  const prepared = await prepareCase(ctx, caseById(id));
  if (prepared.skipped) return emit({ skipped: prepared.skipped });
  const fn = prepared.fn;
  for (let i = 0; i < warmup; i++) await settle(ctx, fn());
  const results = [];
  for (let round = 0; round < rounds; round++) {
    const calls = new Array(k).fill(undefined); // allocated before the baseline: not counted
    const before = heapNow();
    const timersBefore = timers();
    for (let i = 0; i < k; i++) calls[i] = fn();
    for (let turn = 0; ctx.net.pending() < k; turn++) {
      if (turn > 1000) throw new Error(`${id}: only ${ctx.net.pending()} of ${k} calls reached the transport`);
      await new Promise((r) => setImmediate(r));
    }
    const during = heapNow();
    const timersDuring = timers();
    ctx.net.release();
    const answers = await Promise.all(calls);
    if (answers.length !== k) throw new Error("lost calls");
    answers.length = 0;
    calls.length = 0;
    const after = heapNow();
    results.push({
      bytesPerCall: (during - before) / k,
      timersPerCall: (timersDuring - timersBefore) / k,
      retainedPerCall: (after - before) / k,
    });
  }
  results.sort((a, b) => a.bytesPerCall - b.bytesPerCall);
  emit({ ...results[results.length >> 1], rounds: results, k });
}

if (mode === "instructions") await instructions();
else if (mode === "heap") await heap();
else throw new Error(`unknown mode ${mode}`);
