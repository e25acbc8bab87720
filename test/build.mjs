// Bundles the shared suite for every runtime leg:
//  - test/.out/suite.js : the suite alone (Node and Bun import the library from dist/ themselves)
//  - test/.out/all.js   : the library from dist/ + the suite, one ESM file for workerd, Deno and Chromium
//  - test/.out/edge.js  : the library + the suite bundled as Next.js and Vercel bundle an Edge
//                         Function (the `edge-light`, `worker` and `browser` conditions, package
//                         resolution through the exports maps), one classic script for the Edge Runtime
import { build } from "esbuild";
import { readdirSync, readFileSync, existsSync, mkdirSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
// Each run builds into its own folder, so parallel runs (several developers, one tree) do not collide.
export const out = process.env.KVF_TEST_OUT ?? join(root, "test/.out/default");
mkdirSync(out, { recursive: true });

// Recorded sessions and spec examples, copied byte-for-byte into the repository (see its README).
export function fixturesDir() {
  const dir = join(root, "test/fixtures");
  if (!existsSync(dir)) throw new Error(`fixtures not found: expected ${dir}`);
  return dir;
}

function loadFixtures() {
  const dir = fixturesDir();
  const read = (sub) =>
    Object.fromEntries(
      readdirSync(join(dir, sub))
        .filter((f) => f.endsWith(".json"))
        .map((f) => [basename(f, ".json"), JSON.parse(readFileSync(join(dir, sub, f), "utf8"))]),
    );
  return { recordings: read("recordings"), specExamples: read("spec-examples") };
}

const fixturesPlugin = {
  name: "fixtures",
  setup(b) {
    b.onResolve({ filter: /^virtual:fixtures$/ }, () => ({ path: "fixtures", namespace: "virtual" }));
    b.onLoad({ filter: /.*/, namespace: "virtual" }, () => ({ contents: JSON.stringify(loadFixtures()), loader: "json" }));
  },
};

// `keyvault-fetch` and its subpaths resolve to the built files, exactly what users import.
const distPlugin = {
  name: "dist",
  setup(b) {
    b.onResolve({ filter: /^keyvault-fetch(\/.*)?$/ }, (args) => {
      const sub = args.path.slice("keyvault-fetch".length).replace(/^\//, "") || "index";
      return { path: join(root, "dist", `${sub}.js`) };
    });
  },
};

/** @type {import("esbuild").BuildOptions} */
const common = {
  bundle: true,
  format: "esm",
  platform: "neutral",
  target: "es2022",
  mainFields: ["module", "main"],
  conditions: ["import", "default"],
  logLevel: "warning",
  // tsup's chunks import each other bare; with sideEffects: false esbuild rightly drops those imports
  logOverride: { "ignored-bare-import": "silent" },
};

await build({ ...common, entryPoints: [join(root, "test/suite/index.ts")], outfile: join(out, "suite.js"), plugins: [fixturesPlugin] });
await build({
  ...common,
  entryPoints: [join(root, "test/runners/all-entry.ts")],
  outfile: join(out, "all.js"),
  plugins: [fixturesPlugin, distPlugin],
});
// The Edge Runtime evaluates a script, not a module: `kvfEdgeSuite.run` is the entry's export.
await build({
  ...common,
  entryPoints: [join(root, "test/runners/all-entry.ts")],
  outfile: join(out, "edge.js"),
  format: "iife",
  globalName: "kvfEdgeSuite",
  platform: "browser",
  // Next.js's edge compiler: `edge-light` and `worker` before webpack's defaults for the web.
  mainFields: ["edge-light", "worker", "browser", "module", "main"],
  conditions: ["edge-light", "worker", "browser", "module", "import", "default"],
  plugins: [fixturesPlugin],
});
