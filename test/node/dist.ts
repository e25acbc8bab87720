// The built files as a graph: which dist/ files an entry reaches through its static imports,
// dynamic imports and requires. dist/ may hold stale chunks of earlier builds (the build never
// deletes, so parallel builds of one tree are safe); walking from the entries sees only live ones.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const relativeImport = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)["'](\.\/[^"']+)["']/g;

/** The dist/ file names `entry` (e.g. `"index.js"`, `"index.d.ts"`) reaches, itself included, in visiting order. */
export function distClosure(root: string, entry: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const path = join(root, "dist", name);
    if (!existsSync(path)) throw new Error(`dist/${name} is imported but missing`);
    // Declarations name their chunks by the code file (`./client-X.js` is `client-X.d.ts`).
    const declaration = /\.d\.c?ts$/.test(name);
    for (const [, spec] of readFileSync(path, "utf8").matchAll(relativeImport)) {
      const file = spec!.slice(2);
      visit(declaration ? file.replace(/\.js$/, ".d.ts").replace(/\.cjs$/, ".d.cts") : file);
    }
  };
  visit(entry);
  return [...seen];
}

/** The source files a built file holds, from its source map (paths relative to the repository root). */
export function distSources(root: string, name: string): string[] {
  const map = JSON.parse(readFileSync(join(root, "dist", `${name}.map`), "utf8")) as { sources: string[] };
  return map.sources.map((s) => s.replace(/^(\.\.\/)+/, ""));
}
