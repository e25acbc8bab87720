import { defineConfig, type Options } from "tsup";

/**
 * The package's public subpaths and their sources. Each builds to `dist/<file>.js` (and `.cjs`,
 * `.d.ts`, `.d.cts`), where `<file>` is the subpath with `/` as `-` (`.` is `index`). Adding a
 * subpath is one line here, plus its block in package.json `exports`, its line in `typesVersions`
 * and in jsr.json `exports`; test/node/package.test.ts names whatever is missing, ready to paste.
 */
export const SUBPATHS: Record<string, string> = {
  ".": "src/index.ts",
  "./keys": "src/keys/index.ts",
  "./entra": "src/entra/index.ts",
  "./jose": "src/jose/index.ts",
  "./proxy": "src/proxy/index.ts",
  "./proxy/server": "src/proxy/server.ts",
  "./secrets": "src/secrets/index.ts",
  "./certificates": "src/certificates/index.ts",
};

/** `dist/<file>.js` for a subpath: `.` is `index`, `./proxy/server` is `proxy-server`. */
export function distName(subpath: string): string {
  return subpath === "." ? "index" : subpath.slice(2).replaceAll("/", "-");
}

export const common: Options = {
  target: "es2022",
  // One build for every runtime; the proxy server's node: imports stay imports (only it has them).
  platform: "neutral",
  external: [/^node:/],
  esbuildOptions(options) {
    options.mainFields = ["module", "main"];
    options.conditions = ["import", "default"];
  },
  // `node:http` stays `node:http` (Deno and Bun need the prefix; tsup would strip it).
  removeNodeProtocol: false,
  // Maps for the coverage report (test/run.mjs maps dist/ back to src/); not in the tarball (see
  // package.json `files`), and no file names them, so nothing points at a missing map.
  sourcemap: true,
  clean: false, // several developers may build one tree at once; never delete under them
  treeshake: true,
};

export default defineConfig({
  ...common,
  // The proxy's server is in the same build as the rest, so it imports the one shared chunk of what
  // it serves; its CJS build lets Node before 20.19 require() it.
  entry: Object.fromEntries(Object.entries(SUBPATHS).map(([subpath, source]) => [distName(subpath), source])),
  format: ["esm", "cjs"],
  dts: { compilerOptions: { types: ["node"] } },
  splitting: true,
  onSuccess: () => finish(() => true),
});

/**
 * Two fixes to what esbuild wrote in `dist/` (of the working directory), in place (each build
 * touches only the files `ours` names: the emulator's two builds run at the same time; its config,
 * emulator/tsup.config.ts, uses this too):
 * - A class that names itself in its body comes out as `var KeyVaultError = class _KeyVaultError`,
 *   so `KeyVaultError.name`, stacks and util.inspect would say `_KeyVaultError`. esbuild's
 *   `keepNames` fixes that with a `__name(fn, "fn")` call after every function, which no bundler can
 *   tree-shake (an app that signs would ship every key helper: 15 KB became 40 KB). Instead the
 *   inner name `_X` becomes ` X` (the class expression's own binding, same meaning; a space keeps
 *   every column, so the source maps stay exact).
 * - The `//# sourceMappingURL=` lines go: the maps stay out of the tarball, and a published file
 *   must not name a file that is not there (bundlers warn about it). Coverage finds the maps by name.
 */
export async function finish(ours: (name: string) => boolean): Promise<void> {
  const { readdir, readFile, writeFile } = await import("node:fs/promises");
  for (const name of await readdir("dist")) {
    if (!/\.c?js$/.test(name) || !ours(name)) continue;
    const path = `dist/${name}`;
    const text = await readFile(path, "utf8");
    // (tsup appends the comment once more to esbuild's own, hence `+`.)
    let fixed = text.replace(/(?:\n\/\/# sourceMappingURL=[^\n]*)+\n?$/, "\n");
    for (const [, outer] of text.matchAll(/\b(?:var|let|const) ([A-Za-z$][\w$]*) = class _\1\b/g)) {
      const inner = new RegExp(`(?<![\\w$.])_${outer!.replaceAll("$", "\\$")}(?![\\w$])`, "g");
      fixed = fixed.replace(inner, ` ${outer}`);
    }
    if (fixed !== text) await writeFile(path, fixed);
  }
}
