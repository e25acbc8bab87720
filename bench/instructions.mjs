// Part 3b: instructions per call, a figure that does not depend on the machine's load. Each case of
// cases.mjs runs in its own Node process under valgrind's callgrind (bench/case-child.mjs): warmed up
// with instrumentation off, then measured in regions of calls between two markers (see the child),
// so start-up, module loading and warm-up are not counted. bench/README.md explains the method.
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { casesFor } from "./cases.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const VALGRIND = process.env.VALGRIND ?? "/usr/bin/valgrind";
const VGDB = process.env.VGDB ?? join(dirname(VALGRIND), "vgdb");

/** V8 flags of the measured process: JIT compilation and GC on the main thread, so a region's count does not depend on thread scheduling. */
export const NODE_FLAGS = ["--single-threaded", "--expose-gc", ...(process.env.KVF_V8_FLAGS ?? "").split(" ").filter(Boolean)];

/** Whether callgrind can run here (else the part is reported as not measured). */
export function valgrindAvailable() {
  const r = spawnSync(VALGRIND, ["--version"], { encoding: "utf8" });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/**
 * Measures every case (that takes part in "instructions"), `concurrency` processes at a time.
 * @param {{ dist?: string; warmup?: number; region?: number; regions?: number; concurrency?: number; timeoutMs?: number; only?: string[] }} [options]
 * @returns {Promise<{ id: string; perCall?: number; spread?: number; converged?: boolean; regions?: number[]; skipped?: string }[]>}
 */
export async function instructionsBench({
  dist,
  warmup = 3000,
  region = 200,
  regions = 5,
  concurrency = 2,
  timeoutMs = 300_000,
  only,
} = {}) {
  const version = valgrindAvailable();
  if (!version) throw new Error(`${VALGRIND} not found: instruction counts need valgrind`);
  const cases = casesFor("instructions").filter((c) => !only || only.includes(c.id));
  const results = new Array(cases.length);
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const i = next++;
      const options = { dist, warmup, region, regions, timeoutMs };
      // One retry: on a shared machine a valgrind process now and then dies of something else's doing.
      let row;
      for (let attempt = 1; !row; attempt++) {
        try {
          row = await measureCase(cases[i].id, options);
        } catch (e) {
          if (attempt >= 2) row = { failed: String(e.message).split("\n")[0] };
        }
      }
      results[i] = { id: cases[i].id, ...row };
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, cases.length) }, worker));
  return results;
}

/**
 * One case in one valgrind process: `warmup` calls uninstrumented, then an empty region (what the
 * markers cost), then `regions` regions of `region` calls. The figure is the median region: one in
 * which a major GC or a deoptimisation lands is an outlier it discards (scavenges, which every
 * region has, are counted); JIT compilation is taken out of every region (see COMPILE).
 */
async function measureCase(id, { dist, warmup, region, regions: count, timeoutMs }) {
  const dir = mkdtempSync(join(tmpdir(), "kvf-callgrind-"));
  const outFile = join(dir, "cg.out");
  const goFile = join(dir, "go");
  const args = [
    "--tool=callgrind",
    "--instr-atstart=no",
    `--callgrind-out-file=${outFile}`,
    "--zero-before=fdatasync*",
    "--dump-before=fsync*",
    "--dump-line=no",
    process.execPath,
    ...NODE_FLAGS,
    join(here, "case-child.mjs"),
    "instructions",
    id,
    dist,
    JSON.stringify({ warmup, outFile, goFile }),
  ];
  const started = performance.now();
  const child = spawn(VALGRIND, args, { stdio: ["pipe", "pipe", "pipe"] });
  let err = "";
  child.stderr.on("data", (d) => {
    err += d;
  });
  const closed = new Promise((resolve) => child.on("close", (code, signal) => resolve(code ?? signal)));
  const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
  const messages = jsonLines(child.stdout);
  const fail = async (why) => {
    child.kill("SIGKILL");
    const code = await closed;
    const log = err
      .split("\n")
      .filter((l) => !l.startsWith("=="))
      .join("\n")
      .slice(-2000);
    return new Error(
      `${id} under callgrind: ${why} (exit ${code}${performance.now() - started >= timeoutMs ? ", timed out" : ""})${log ? `: ${log}` : ""}`,
    );
  };
  try {
    const first = await messages.next();
    const ready = (performance.now() - started) / 1000;
    if (first.done) throw await fail("no answer");
    if (first.value.skipped) return { skipped: first.value.skipped };
    if (!first.value.ready) throw await fail(`unexpected ${JSON.stringify(first.value)}`);
    // Instrumentation on, through valgrind's gdbserver; the child spins until the go file exists.
    const r = spawnSync(VGDB, [`--pid=${child.pid}`, "instrumentation", "on"], { encoding: "utf8", timeout: 60_000 });
    if (r.status !== 0) throw await fail(`vgdb failed: ${r.stderr || r.stdout}`);
    writeFileSync(goFile, "");
    const run = async (n) => {
      child.stdin.write(`${n}\n`);
      const m = await messages.next();
      if (m.done || !m.value.dumped) throw await fail(`region of ${n} calls: ${m.done ? "no answer" : JSON.stringify(m.value)}`);
      return readDump(m.value.dumped);
    };
    const empty = await run(0);
    const regions = [];
    while (regions.length < count) {
      const d = await run(region);
      regions.push({
        perCall: (d.total - d.compile - (empty.total - empty.compile)) / region,
        compilePerCall: d.compile / region,
        gcPerCall: d.gc / region,
      });
    }
    child.stdin.end("exit\n");
    const code = await closed;
    if (code !== 0) throw await fail("did not exit cleanly");
    const sorted = [...regions].sort((a, b) => a.perCall - b.perCall);
    const median = sorted[sorted.length >> 1];
    // Regions well above the median are those a major GC cycle (incremental marking) or a
    // deoptimisation landed in; the spread of the others says how settled the warm-up left the case.
    const outliers = regions.filter((x) => x.perCall > OUTLIER * median.perCall).length;
    return {
      perCall: median.perCall,
      gcPerCall: median.gcPerCall,
      spread: spreadOf(sorted.filter((x) => x.perCall <= OUTLIER * median.perCall)),
      outliers,
      regions: regions.map((x) => Math.round(x.perCall)),
      compilePerCall: regions.map((x) => Math.round(x.compilePerCall)),
      region,
      warmup,
      readySeconds: ready,
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    clearTimeout(timer);
    if (!process.env.KVF_KEEP_CALLGRIND) rmSync(dir, { recursive: true, force: true });
    else console.error(`kept ${dir}`);
  }
}

const OUTLIER = 1.25;
const spreadOf = (rs) => Math.max(...rs.map((x) => x.perCall)) / Math.min(...rs.map((x) => x.perCall)) - 1;

/** The JSON lines a stream carries, as an async iterator. */
async function* jsonLines(stream) {
  let buffered = "";
  for await (const chunk of stream) {
    buffered += chunk;
    let nl;
    while ((nl = buffered.indexOf("\n")) >= 0) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      try {
        yield JSON.parse(line);
      } catch {
        /* not ours */
      }
    }
  }
}

// V8's JIT compiler entry points, called from generated code. Their cost (inclusive: everything they
// call) is taken out of a region: tier-up is a one-time cost, which normal Node runs on a background
// thread, and under valgrind (where a call is ~100x slower) it lasts for thousands of calls.
const COMPILE =
  /^v8::internal::Runtime_(CompileOptimized|CompileOptimizedOSR|CompileLazy|CompileBaseline|InstallBaselineCode|BytecodeBudgetInterrupt\w*|HealOptimizedCodeSlot)\b/;
// The garbage collector (self cost of V8's heap machinery): an approximate share, for the report.
const GC =
  /^(v8::internal::(Heap|Scavenger|ScavengerCollector|MarkCompactCollector|MinorMarkCompactCollector|MarkingVisitor|MainMarkingVisitor|MarkingWorklist|IncrementalMarking|ConcurrentMarking|Sweeper|Evacuat|RecordMigratedSlotVisitor|MemoryAllocator|PagedSpace|PagedSpaceBase|NewSpace|SemiSpace|SemiSpaceNewSpace|LargeObjectSpace|GlobalHandles|RememberedSet|SlotSet|TypedSlotSet|MemoryChunk|GCTracer|FreeList|FullMarkingVerifier|WeakObjectRetainer|ObjectStatsCollector|IterateAndScavengePromotedObjectsVisitor|RootScavengeVisitor)\w*::|cppgc::)/;

/**
 * Reads one callgrind dump: its total instructions, the inclusive cost of calls into the JIT compiler
 * (from the `calls=` records), and the self cost of GC functions.
 */
export function readDump(file) {
  const text = readFileSync(file, "utf8");
  const total = Number(text.match(/^totals:\s*(\d+)/m)?.[1]);
  if (!Number.isFinite(total)) throw new Error(`no totals in ${file}`);
  const names = new Map();
  let fn = "",
    cfn = "",
    afterCalls = false,
    compile = 0,
    gc = 0;
  const named = (line, skip) => {
    const close = line.indexOf(")");
    const key = line.slice(skip + 1, close);
    if (line.length > close + 1) names.set(key, line.slice(close + 2));
    return names.get(key) ?? "";
  };
  for (const line of text.split("\n")) {
    const c = line.charCodeAt(0);
    if ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 42) {
      // a cost line: position, Ir
      const ir = Number(line.slice(line.indexOf(" ") + 1));
      if (afterCalls) {
        afterCalls = false;
        if (COMPILE.test(cfn) && !COMPILE.test(fn)) compile += ir;
      } else if (GC.test(fn)) {
        gc += ir;
      }
    } else if (line.startsWith("fn=")) fn = named(line, 3);
    else if (line.startsWith("cfn=")) cfn = named(line, 4);
    else if (line.startsWith("calls=")) afterCalls = true;
  }
  return { total, compile, gc };
}

// `node bench/instructions.mjs [case ids…]` measures some cases and prints them (for trying it out).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const dist = join(here, "..", "dist");
  if (!existsSync(dist)) throw new Error("build first (npm run build)");
  const ids = process.argv.slice(2);
  const o = JSON.parse(process.env.KVF_INSTR_OPTIONS ?? "{}");
  for (const r of await instructionsBench({ dist, ...o, only: ids.length ? ids : undefined })) console.log(JSON.stringify(r));
}
