import { defineConfig, type Options } from "tsup";
import { common as library, finish } from "../tsup.config.js";

/**
 * The emulator package's public subpaths and their sources, built like the library's (see
 * ../tsup.config.ts): `dist/<file>.js` (and `.cjs`, `.d.ts`, `.d.cts`), `.` as `index`.
 */
export const SUBPATHS: Record<string, string> = {
  ".": "src/index.ts",
  "./server": "src/server.ts",
};

/** `dist/<file>.js` for a subpath: `.` is `index`, `./server` is `server`. */
export function distName(subpath: string): string {
  return subpath === "." ? "index" : subpath.slice(2).replaceAll("/", "-");
}

// The library's options (../tsup.config.ts: one build for every runtime, node: imports kept with
// their prefix, source maps for coverage only, nothing deleted under a parallel build), plus:
const common: Options = {
  ...library,
  // The vetted crypto (@noble/curves, @noble/ciphers) is bundled into the emulator's chunks, so the
  // package, its server and the CLI work with nothing else installed (no `dependencies`).
  noExternal: [/^@noble\//],
  esbuildOptions(options, context) {
    library.esbuildOptions?.(options, context);
    // Keep the @noble licence headers (`/*! … MIT License … */`) beside the code they cover.
    options.legalComments = "inline";
  },
};

export default defineConfig([
  {
    ...common,
    // The server is in the same build as the in-process API, so both import one shared chunk (one
    // `Faults` class); the CJS builds let Node before 20.19 require() them.
    entry: Object.fromEntries(Object.entries(SUBPATHS).map(([subpath, source]) => [distName(subpath), source])),
    format: ["esm", "cjs"],
    dts: { compilerOptions: { types: ["node"] } },
    splitting: true,
    onSuccess: () => finish((name) => !name.startsWith("cli.")),
  },
  {
    ...common,
    // The CLI is ESM only and imports the server entry as a sibling file (dist/server.js)
    // instead of bundling a second copy of it.
    entry: { cli: "src/cli.ts" },
    format: ["esm"],
    dts: false,
    esbuildPlugins: [
      {
        name: "server-entry",
        setup(build) {
          build.onResolve({ filter: /^\.\/server\.js$/ }, () => ({ path: "./server.js", external: true }));
        },
      },
    ],
    onSuccess: () => finish((name) => name.startsWith("cli.")),
  },
]);
