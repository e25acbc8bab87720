// Node-only leg: tests that need Node itself (the emulator's HTTPS server, the official
// Azure SDK against it, package contents, size budgets). Same harness as the shared suite.
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

export async function run(filter, verbose) {
  const outfile = `${process.env.KVF_TEST_OUT}/node-only.js`;
  await build({
    entryPoints: [fileURLToPath(new URL("./index.ts", import.meta.url))],
    outfile,
    bundle: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    logLevel: "warning",
  });
  const { runNodeOnly } = await import(outfile + `?t=${Date.now()}`);
  return runNodeOnly(
    filter,
    verbose ? (n, ok) => console.log(`  ${ok === true ? "ok  " : ok === "skip" ? "skip" : "FAIL"} ${n}`) : undefined,
  );
}
