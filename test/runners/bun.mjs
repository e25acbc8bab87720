// Bun leg: the suite under Bun, the binary of the `@oven/bun-linux-x64-baseline` npm package run
// from node_modules (no install script, no global Bun). Like the Node leg, it imports the library
// and the emulator from their builds by package name, as a Bun app would.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { childResult, PRINT_RESULT } from "./child-result.mjs";

/** The Bun binary inside the npm package (npm keeps the tarball's executable bit). */
export function bunBinary() {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@oven/bun-linux-x64-baseline/package.json")), "bin", "bun");
}

export async function run(filter) {
  const out = process.env.KVF_TEST_OUT;
  const entry = join(out, "bun-entry.mjs");
  // The entry sits in test/.out/…, inside this package, so `keyvault-fetch` resolves to the root's
  // own exports (a self-reference) and `@keyvault-fetch/emulator` through node_modules.
  writeFileSync(
    entry,
    `import * as core from "keyvault-fetch";
import * as emulator from "@keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import * as proxy from "keyvault-fetch/proxy";
import * as secrets from "keyvault-fetch/secrets";
import * as certificates from "keyvault-fetch/certificates";
import { runSuite } from "./suite.js";
const result = await runSuite({ core, emulator, keys, entra, jose, proxy, secrets, certificates }, "bun", { filter: ${JSON.stringify(filter ?? "")} || undefined });
${PRINT_RESULT}\n`,
  );
  return childResult("bun", bunBinary(), ["run", "--no-install", entry], {
    cwd: out,
    env: { ...process.env, NO_COLOR: "1", DO_NOT_TRACK: "1" },
  });
}
