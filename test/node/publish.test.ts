// What the registries' own tools say: publint (strict) and Are the Types Wrong (every resolution:
// node10, node16 from CJS and from ESM, bundler) over the packed tarball; `deno publish --dry-run`
// for JSR (type check and slow types); and Biome's linter over the tree.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { join } from "node:path";
import { SUBPATHS } from "../../tsup.config.js";
import { repoRoot } from "./child.js";
import { npmEnv, packedTarball } from "./tarball.js";
import { denoExecutable, runInGroup } from "../processes.mjs";

/** A dev dependency's bin, run with this Node (no npx lookup, no shell). */
function bin(pkg: string, path: string): string {
  return join(repoRoot(), "node_modules", pkg, path);
}

/** Runs `[command, ...args]` to its end (a tool's Node wrapper may start a binary: the group ends both). */
async function tool([command, ...args]: string[], options: { cwd?: string; timeoutMs?: number } = {}): Promise<string> {
  const timeoutMs = options.timeoutMs ?? 120_000;
  const { code, stdout, stderr, timedOut } = await runInGroup(command!, args, { cwd: options.cwd ?? repoRoot(), env: npmEnv(), timeoutMs });
  const failure = timedOut ? `${command} timed out after ${timeoutMs} ms` : code !== 0 ? `${command} exited with ${code}` : undefined;
  if (failure) throw new Error(`${failure}\n${stdout}\n${stderr}`.trim());
  return stdout + stderr;
}

const suite: SuiteFile = (t) => {
  t.group("publishing", () => {
    t.test(
      "publint --strict finds nothing in the tarball",
      async () => {
        const { tarball } = await packedTarball();
        const out = await tool([process.execPath, bin("publint", "src/cli.js"), "run", tarball, "--strict"]);
        assert.match(out, /All good!/);
      },
      { timeoutMs: 120_000 },
    );

    t.test(
      "attw: the types resolve for every subpath under node10, node16 (CJS and ESM) and bundler",
      async () => {
        const { tarball } = await packedTarball();
        const out = await tool([process.execPath, bin("@arethetypeswrong/cli", "dist/index.js"), tarball, "--format", "json"]);
        const report = JSON.parse(out.slice(out.indexOf("{")));
        assert.deepEqual(report.analysis.problems, []);
        const entrypoints = Object.keys(report.analysis.entrypoints);
        assert.deepEqual(entrypoints.sort(), [...Object.keys(SUBPATHS), "./package.json"].sort());
        for (const [name, entry] of Object.entries<any>(report.analysis.entrypoints)) {
          assert.deepEqual(Object.keys(entry.resolutions).sort(), ["bundler", "node10", "node16-cjs", "node16-esm"], name);
        }
      },
      { timeoutMs: 180_000 },
    );

    t.test(
      "deno publish --dry-run (JSR): every export type-checks, no slow types",
      async () => {
        // --sloppy-imports: our sources import "./x.js" for x.ts (TypeScript's convention); deno
        // publish rewrites those to "./x.ts" in what it uploads. Publish with the same flags.
        const out = await tool([denoExecutable(), "publish", "--dry-run", "--allow-dirty", "--sloppy-imports", "--no-provenance"], {
          timeoutMs: 240_000,
        });
        assert.match(out, /Success Dry run complete/);
        assert.ok(!/^\s*(warning|error)\b/im.test(out), out.slice(0, 3000));
      },
      { timeoutMs: 240_000 },
    );

    t.test(
      "biome finds nothing: lint and format (rules in biome.jsonc; `npm run lint`, `npm run format`)",
      async () => {
        await tool([process.execPath, bin("@biomejs/biome", "bin/biome"), "ci", "--error-on-warnings"], { timeoutMs: 120_000 });
      },
      { timeoutMs: 120_000 },
    );
  });
};
export default suite;
