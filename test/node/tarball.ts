// The package as a user gets it: `npm pack` of exactly what a clean build publishes, and an empty
// project outside the repository (so nothing resolves from our node_modules) with that tarball
// installed offline and nothing else. Made once per run, shared by the tests that need them.
//
// dist/ may hold stale chunks of earlier builds (the build never deletes under a parallel build),
// so the tarball is packed from a staging copy: package.json, the files `files` names outside
// dist/, and the dist/ files the exports map and bin reach. `prepack` (a clean rebuild) does not
// run; the package test checks that it would.
import { execFile, spawn } from "node:child_process";
import { copyFileSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { repoRoot } from "./child.js";
import { distClosure } from "./dist.js";
import { tempDir } from "./tmp.js";
import { stopGroup } from "../processes.mjs";

const run = promisify(execFile);

/** The dist/ files a user of every export and of the bin can load: code, declarations. */
export function liveDistFiles(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  const entries = new Set<string>();
  for (const [subpath, target] of Object.entries<any>(pkg.exports)) {
    if (subpath === "./package.json") continue;
    for (const p of [target.import.default, target.import.types, target.require.default, target.require.types])
      entries.add(p.replace("./dist/", ""));
  }
  for (const p of Object.values<string>(pkg.bin)) entries.add(p.replace(/^dist\//, ""));
  return [...new Set([...entries].flatMap((e) => distClosure(root, e)))].sort();
}

let packed: Promise<{ tarball: string; bytes: number; unpackedBytes: number; files: string[] }> | undefined;

/** `npm pack` of the staged package: the .tgz path, its size, its unpacked size and its files. */
export function packedTarball(): Promise<{ tarball: string; bytes: number; unpackedBytes: number; files: string[] }> {
  return (packed ??= (async () => {
    const root = repoRoot();
    const stage = join(tempDir("kvf-stage-"), "package");
    mkdirSync(join(stage, "dist"), { recursive: true });
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    copyFileSync(join(root, "package.json"), join(stage, "package.json"));
    for (const f of ["README.md", "LICENSE", ...pkg.files.filter((f: string) => !f.startsWith("dist/"))])
      copyFileSync(join(root, f), join(stage, f));
    for (const f of liveDistFiles(root)) copyFileSync(join(root, "dist", f), join(stage, "dist", f));
    const out = join(stage, "..");
    const { stdout } = await run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", out], { cwd: stage, env: npmEnv() });
    const [info] = JSON.parse(stdout);
    return {
      tarball: join(out, info.filename),
      bytes: info.size,
      unpackedBytes: info.unpackedSize,
      files: info.files.map((f: { path: string }) => f.path),
    };
  })());
}

let installed: Promise<string> | undefined;

/** An empty ESM project with only the tarball installed (offline: the package has no dependencies). */
export function consumerProject(): Promise<string> {
  return (installed ??= (async () => {
    const { tarball } = await packedTarball();
    const dir = tempDir("kvf-consumer-");
    writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "kvf-consumer", private: true, type: "module" }, null, 2));
    await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--ignore-scripts", "--no-package-lock", tarball], {
      cwd: dir,
      env: npmEnv(),
    });
    return dir;
  })());
}

/** `npx keyvault-emulator <args>` in `dir`; resolves with its environment lines once printed. */
export async function startInstalledCli(
  dir: string,
  args: string[],
): Promise<{ env: Record<string, string>; output: () => string; stop: () => Promise<number | null> }> {
  // Its own process group: npx starts the bin as a child, and stop() signals both, by group id.
  const child = spawn("npx", ["--offline", "keyvault-emulator", ...args], {
    cwd: dir,
    env: npmEnv(),
    detached: true,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "",
    stderr = "";
  child.stderr.on("data", (c: Buffer) => {
    stderr += c;
  });
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  // The whole group, waited for: npx may exit before the emulator it started has.
  const stop = async () => {
    await stopGroup(child);
    return exited;
  };
  const needed = [
    "KEYVAULT_URL",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
    "AZURE_AUTHORITY_HOST",
    ...(args.includes("--http") ? [] : ["NODE_EXTRA_CA_CERTS"]),
  ];
  return new Promise((resolve, reject) => {
    let late = false;
    // Too slow: stop it; the exit below then rejects, once it has exited.
    const timer = setTimeout(() => {
      late = true;
      void stop();
    }, 20_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c;
      const env = Object.fromEntries(
        stdout
          .split("\n")
          .filter((l) => /^[A-Z_]+=/.test(l))
          .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
      );
      if (needed.every((k) => env[k])) {
        clearTimeout(timer);
        resolve({ env, output: () => stdout + stderr, stop });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`${late ? "no environment lines within 20 s" : `exited with ${code} before printing`}\n${stdout}\n${stderr}`));
    });
  });
}

/** What the consumer project's node_modules holds (scoped packages as `@scope/name`). */
export function installedPackages(dir: string): string[] {
  const nm = join(dir, "node_modules");
  return readdirSync(nm)
    .filter((n) => !n.startsWith("."))
    .flatMap((n) => (n.startsWith("@") ? readdirSync(join(nm, n)).map((m) => `${n}/${m}`) : [n]))
    .sort();
}

let npmCache: string | undefined;

/**
 * npm without update checks or colour, without the settings of a surrounding `npm test`, and with a
 * cache of its own for the run (the tarball is new each build; the user's ~/.npm should not
 * collect one copy per run). Nothing here needs the registry.
 */
export function npmEnv(): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_(config_|package_|lifecycle_)/i.test(k)));
  npmCache ??= tempDir("kvf-npm-cache-");
  return {
    ...env,
    NO_UPDATE_NOTIFIER: "1",
    npm_config_update_notifier: "false",
    npm_config_fund: "false",
    npm_config_audit: "false",
    npm_config_cache: npmCache,
    NO_COLOR: "1",
  };
}
