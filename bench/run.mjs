#!/usr/bin/env node
// `npm run bench` (after the build): measures keyvault-fetch side by side with the official Azure SDK
// and aws4fetch, in one run, offline, and rewrites bench/RESULTS.md, bench/results.svg,
// bench/results.json (every figure, for re-rendering) and the generated lines of docs/performance.md's
// "Sizes and benchmarks" section.
// Usage: node bench/run.mjs [--only bytes,roundtrips,cpu,instructions,heap,local-remote,startup] [--write] [--quick]
//        node bench/run.mjs --render   (rewrites the reports from bench/results.json, measuring nothing)
//   --only   run some parts (then the files are written only with --write)
//   --quick  shorter timings, for trying the harness out
import { readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { PARTS } from "./parts.mjs";
import { renderMarkdown, renderSvg } from "./report.mjs";
import { valgrindAvailable } from "./instructions.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, "..");
const dist = join(root, "dist");
const args = process.argv.slice(2);
const onlyArg = args.includes("--only") ? args[args.indexOf("--only") + 1] : undefined;
const only = onlyArg ? onlyArg.split(",") : undefined;
const quick = args.includes("--quick");
const render = args.includes("--render");
const write = render || !only || args.includes("--write");
if (only)
  for (const name of only)
    if (!PARTS.some((p) => p.name === name)) throw new Error(`unknown part ${name}; parts: ${PARTS.map((p) => p.name).join(", ")}`);

const version = (pkg) => JSON.parse(readFileSync(join(root, "node_modules", pkg, "package.json"), "utf8")).version;

/** @type {any} the parts fill it in, or results.json does */
let results;
if (render) {
  results = JSON.parse(readFileSync(join(here, "results.json"), "utf8"));
} else {
  const started = Date.now();
  const loadBefore = loadavg()[0];
  results = { skipped: {} };
  const partSeconds = {};
  const wanted = PARTS.filter((part) => !only || only.includes(part.name));
  const measure = async (part, background = false) => {
    const t = Date.now();
    if (!background) process.stdout.write(`${part.name} … `);
    let note = "";
    try {
      results[part.key] = await part.run({ root, dist, quick });
      // A part may measure most of its rows and fail some: those count as not measured (and fail the run).
      const rows = Array.isArray(results[part.key]) ? results[part.key] : (results[part.key]?.rows ?? []);
      const failed = rows.filter((row) => row?.failed);
      for (const row of failed) results.skipped[`${part.name}: ${row.id}`] = `failed: ${row.failed}`;
      if (failed.length) note = ` (${failed.length} failed)`;
    } catch (e) {
      note = " FAILED";
      console.error(e?.stack ?? e);
      results.skipped[part.name] = `failed: ${String(e?.message ?? e).split("\n")[0]}`;
    }
    partSeconds[part.name] = (Date.now() - t) / 1000;
    console.log(`${background ? `${part.name} (in the background): ` : ""}${partSeconds[part.name].toFixed(1)} s${note}`);
  };
  // Load-independent parts run while the background one does; parts that time things run alone, last.
  const background = wanted
    .filter((p) => p.background)
    .map((p) => {
      console.log(`${p.name} … started in the background`);
      return measure(p, true);
    });
  for (const part of wanted.filter((p) => !p.background && !p.timing)) await measure(part);
  await Promise.all(background);
  for (const part of wanted.filter((p) => p.timing)) await measure(part);
  const cpuModel =
    readFileSync("/proc/cpuinfo", "utf8")
      .match(/^model name\s*:\s*(.+)$/m)?.[1]
      ?.trim() ??
    cpus()[0]?.model ??
    "unknown CPU";
  results.machine = {
    cpu: cpuModel,
    cores: cpus().length,
    load: [loadBefore, loadavg()[0]],
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    date: new Date().toISOString().replace(/\.\d+Z$/, "Z"),
    durationMs: Date.now() - started,
    partSeconds,
    quick,
    esbuild: version("esbuild"),
    sdk: version("@azure/keyvault-keys"),
    aws4fetch: version("aws4fetch"),
    tinybench: version("tinybench"),
    valgrind: valgrindAvailable(),
  };
}

const markdown = renderMarkdown(results, PARTS);
if (write) {
  writeFileSync(join(here, "RESULTS.md"), markdown);
  writeFileSync(join(here, "results.svg"), renderSvg(results, PARTS));
  if (!render) writeFileSync(join(here, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
  const readme = updateReadme(markdown);
  console.log(
    `wrote bench/RESULTS.md, bench/results.svg${render ? "" : ", bench/results.json"}${readme ? " and docs/performance.md's generated lines" : ""} (${(results.machine.durationMs / 1000).toFixed(0)} s)`,
  );
  for (const line of markdown.split("\n")) if (/^- (PASS|FAIL|NOT MEASURED):/.test(line)) console.log(line);
} else {
  console.log(markdown);
}
process.exit(Object.keys(results.skipped).length ? 1 : 0);

/**
 * Replaces the lines between `<!-- bench:generated -->` and `<!-- /bench:generated -->` in the
 * docs/performance.md with this run's headline, goals and losses (so it never states a figure
 * the last run did not produce). Returns whether it did.
 */
function updateReadme(md) {
  const file = join(root, "docs/performance.md");
  const text = readFileSync(file, "utf8");
  const open = "<!-- bench:generated -->",
    close = "<!-- /bench:generated -->";
  const a = text.indexOf(open),
    b = text.indexOf(close);
  if (a < 0 || b < a) return false;
  const section = (title) => {
    const m = md.match(new RegExp(`^## ${title}\\n\\n([\\s\\S]*?)(?=\\n## |(?![\\s\\S]))`, "m"));
    return m
      ? m[1]
          .trim()
          .split("\n")
          .filter((l) => l.startsWith("- "))
      : [];
  };
  const lines = [
    `From \`npm run bench\` on ${results.machine.date} (${(results.machine.durationMs / 1000 / 60).toFixed(1)} minutes; [full results](../bench/RESULTS.md), [method](../bench/README.md)):`,
    "",
    ...section("Headline"),
    "",
    "Goals:",
    "",
    ...section("Goals"),
    "",
    `Where we lose: ${section("Where we lose").length || "no"} comparison${section("Where we lose").length === 1 ? "" : "s"} lost or goal${section("Where we lose").length === 1 ? "" : "s"} missed, listed in [bench/RESULTS.md](../bench/RESULTS.md#where-we-lose).`,
  ];
  writeFileSync(file, `${text.slice(0, a + open.length)}\n${lines.join("\n")}\n${text.slice(b)}`);
  return true;
}
