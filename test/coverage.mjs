// Coverage of the Node leg: V8's precise coverage, taken in this process while the leg runs (the
// leg imports dist/ here), written in the NODE_V8_COVERAGE format with each dist file's source map
// in its `source-map-cache`, and reported by c8 over src/ (`--exclude-after-remap`). The build
// writes the maps but names them in no file (they stay out of the tarball), so they are handed to
// c8 here instead of being found through `//# sourceMappingURL=` comments.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
// The library's build and the emulator's (the leg imports both, the emulator by its package name).
const distUrls = ["dist", "emulator/dist"].map((d) => pathToFileURL(join(root, d)).href + "/");

/** Starts V8 precise coverage (block level, with counts); `report` stops it and summarises it. */
export async function startCoverage() {
  const session = new Session();
  session.connect();
  await session.post("Profiler.enable");
  await session.post("Profiler.startPreciseCoverage", { callCount: true, detailed: true });
  return {
    /** Writes the report under `dir` and returns the one-line summary (lines, branches, functions). */
    async report(dir, verbose) {
      const { result } = await session.post("Profiler.takePreciseCoverage");
      await session.post("Profiler.stopPreciseCoverage");
      await session.post("Profiler.disable");
      session.disconnect();
      const scripts = result.filter((s) => distUrls.some((url) => s.url.startsWith(url)));
      if (scripts.length === 0) throw new Error("no dist/ file ran under coverage");
      const cache = {};
      for (const s of scripts) {
        const file = fileURLToPath(s.url);
        if (!existsSync(`${file}.map`)) continue;
        const source = readFileSync(file, "utf8");
        const map = JSON.parse(readFileSync(`${file}.map`, "utf8"));
        // Absolute sources: c8 filters (`--include`) before it resolves a many-source map's
        // relative paths, and would otherwise drop every count silently (all files "100 %").
        map.sources = map.sources.map((p) => resolve(dirname(file), p));
        cache[s.url] = { data: map, lineLengths: source.split("\n").map((l) => l.length) };
      }
      const raw = join(dir, "v8");
      mkdirSync(raw, { recursive: true });
      writeFileSync(join(raw, "coverage-node-leg.json"), JSON.stringify({ result: scripts, "source-map-cache": cache }));
      const c8 = createRequire(import.meta.url).resolve("c8/bin/c8.js");
      const reporters = ["--reporter", "json-summary", ...(verbose ? ["--reporter", "text"] : [])];
      const text = execFileSync(
        process.execPath,
        [
          c8,
          "report",
          "--temp-directory",
          raw,
          "--reports-dir",
          join(dir, "report"),
          ...reporters,
          "--exclude-after-remap",
          "--include",
          "src/**",
          "--include",
          "emulator/src/**",
          "--exclude",
          "**/*.d.ts",
          "--all",
          "false",
        ],
        { cwd: root, encoding: "utf8" },
      );
      if (verbose) process.stdout.write(text);
      const { total } = JSON.parse(readFileSync(join(dir, "report", "coverage-summary.json"), "utf8"));
      const pct = (k) => `${total[k].pct.toFixed(1)} % ${k} (${total[k].covered}/${total[k].total})`;
      return `${pct("lines")}, ${pct("branches")}, ${pct("functions")}`;
    },
  };
}
