// The repository's TypeScript (5.9, pinned) run as a child process, and Deno's global types made
// loadable by it. Used by the "types" leg (test/typecheck.mjs) and the consumer test
// (test/node/consumer-types.test.ts).
import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { denoExecutable } from "../processes.mjs";

const require = createRequire(import.meta.url);
/** The repository root: the nearest folder up whose package.json is ours (this module may run bundled, from test/.out/). */
export const root = (() => {
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    const pkg = join(dir, "package.json");
    if (existsSync(pkg) && JSON.parse(readFileSync(pkg, "utf8")).name === "keyvault-fetch") return dir;
    if (dirname(dir) === dir) throw new Error("not inside the keyvault-fetch repository");
  }
})();
const tscBin = require.resolve("typescript/bin/tsc");
const tsLib = join(dirname(require.resolve("typescript/package.json")), "lib");

/** Runs `tsc -p project` plus `args`; resolves with its exit code and output (never rejects on type errors). */
export function tsc(project, args = []) {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [tscBin, "-p", project, "--pretty", "false", ...args],
      { cwd: root, maxBuffer: 64 * 1024 * 1024, timeout: 300_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== "number") reject(error);
        else resolve({ code: error ? error.code : 0, output: `${stdout}${stderr}`.trim() });
      },
    );
  });
}

/**
 * Writes the global types of the `deno` dev dependency's binary (`deno types`) to `file`, changed
 * only so that TypeScript 5.9 loads them outside Deno: references to libs TypeScript lacks are
 * dropped (the `deno.*` ones are inlined in the same output; `es2025.intl` is newer than 5.9;
 * `node` is Deno's patched @types/node, whose globals @types/node itself would clash with), and
 * the three names they take from those are declared empty: `Intl.DurationFormatOptions`,
 * `NodeJS.Timeout` and `node:net`'s `Socket` (Deno APIs for Node interop; we use none of them).
 */
export function writeDenoTypes(file) {
  let text = execFileSync(denoExecutable(), ["types"], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  text = text.replace(/^\/\/\/ <reference lib="([^"]+)" \/>$/gm, (line, lib) =>
    existsSync(join(tsLib, `lib.${lib.toLowerCase()}.d.ts`)) ? line : "",
  );
  text += [
    "",
    "declare namespace Intl { interface DurationFormatOptions {} }",
    "declare namespace NodeJS { interface Timeout {} }",
    'declare module "node:net" { export class Socket {} }',
    "",
  ].join("\n");
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(`${file}.${process.pid}`, text);
  renameSync(`${file}.${process.pid}`, file); // whole or not at all, for a reader in another run
  return file;
}
