// The bundles whose bytes we measure (bench part 1) and budget (test/node/size-budget.test.ts):
// each is what an app ships when it imports that much, bundled and minified by esbuild for the
// browser, then compressed with gzip and brotli at their highest levels.
import { build } from "esbuild";
import { join } from "node:path";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

/**
 * One bundle: `entry` is the source of an app's entry module; `{dist}` stands for the absolute
 * path of our built `dist/` folder (what `keyvault-fetch` resolves to for users).
 * `short` is the chart's label. `ours` marks our own bundles (the ones with a size budget); the others are the
 * peers; `peer` names the bundle an app would ship instead (the official SDK, with or without its credential library).
 */
export const BUNDLES = [
  {
    id: "client-fetch",
    peer: "azure-sdk",
    short: "KeyVaultClient",
    label: "KeyVaultClient (client.fetch)",
    ours: true,
    entry: `export { KeyVaultClient } from "{dist}/index.js";`,
  },
  {
    id: "core",
    peer: "azure-sdk",
    short: "keyvault-fetch (core, everything)",
    label: "everything the core exports (keyvault-fetch)",
    ours: true,
    entry: `export * from "{dist}/index.js";`,
  },
  {
    id: "sign-verify",
    peer: "azure-sdk",
    short: "KeyVaultClient + sign + verify",
    label: "KeyVaultClient + sign + verify",
    ours: true,
    entry: `export { KeyVaultClient } from "{dist}/index.js"; export { sign, verify } from "{dist}/keys.js";`,
  },
  {
    id: "key-client",
    peer: "azure-sdk",
    short: "KeyClient (all helpers)",
    label: "KeyClient (every key helper)",
    ours: true,
    entry: `export { KeyClient } from "{dist}/keys.js";`,
  },
  {
    id: "app-secret",
    short: "… + sign + verify + fromClientSecret",
    label: "app: KeyVaultClient + sign + verify + fromClientSecret (keyvault-fetch/entra)",
    ours: true,
    peer: "azure-sdk-identity",
    entry: `export { KeyVaultClient } from "{dist}/index.js"; export { sign, verify } from "{dist}/keys.js"; export { fromClientSecret } from "{dist}/entra.js";`,
  },
  {
    id: "certificate-with-key",
    short: "KeyVaultClient + getCertificateWithKey",
    label: "app: KeyVaultClient + getCertificateWithKey (keyvault-fetch/certificates)",
    ours: true,
    entry: `export { KeyVaultClient } from "{dist}/index.js"; export { getCertificateWithKey } from "{dist}/certificates.js";`,
  },
  {
    id: "certificate-client",
    peer: "azure-sdk-certificates",
    short: "CertificateClient (all helpers)",
    label: "CertificateClient (every certificate helper)",
    ours: true,
    entry: `export { CertificateClient } from "{dist}/certificates.js";`,
  },
  {
    id: "emulator",
    short: "emulator",
    label: "emulator (createEmulator)",
    ours: true,
    entry: `export { createEmulator } from "@keyvault-fetch/emulator";`,
  },
  {
    id: "azure-sdk",
    short: "Azure SDK keys (browser)",
    label: "@azure/keyvault-keys (KeyClient + CryptographyClient)",
    ours: false,
    entry: `export { KeyClient, CryptographyClient } from "@azure/keyvault-keys";`,
  },
  {
    id: "azure-sdk-identity",
    short: "Azure SDK keys + ClientSecretCredential",
    label: "app: @azure/keyvault-keys + @azure/identity ClientSecretCredential",
    ours: false,
    entry: `export { KeyClient, CryptographyClient } from "@azure/keyvault-keys"; export { ClientSecretCredential } from "@azure/identity";`,
  },
  {
    id: "azure-sdk-certificates",
    short: "Azure SDK certificates (browser)",
    label: "@azure/keyvault-certificates (CertificateClient)",
    ours: false,
    entry: `export { CertificateClient } from "@azure/keyvault-certificates";`,
  },
  {
    id: "aws4fetch",
    short: "aws4fetch",
    label: "aws4fetch (AwsClient)",
    ours: false,
    entry: `export { AwsClient } from "aws4fetch";`,
  },
];

/** esbuild's settings for every bundle we measure: minified ESM for the browser, everything inlined. */
export const BUNDLE_OPTIONS = /** @type {import("esbuild").BuildOptions} */ ({
  bundle: true,
  write: false,
  minify: true,
  format: "esm",
  platform: "browser",
  conditions: ["browser"],
  target: "es2022",
  legalComments: "none",
  logLevel: "silent",
});

/**
 * Bundles one entry (minified ESM for the browser, everything inlined) and returns its text.
 * @param {string} root the repository root
 * @param {{ entry: string }} bundle
 */
export async function bundleText(root, bundle) {
  const result = await build({
    ...BUNDLE_OPTIONS,
    stdin: { contents: bundle.entry.replaceAll("{dist}", join(root, "dist").replaceAll("\\", "/")), resolveDir: root, loader: "js" },
  });
  return result.outputFiles[0].text;
}

/**
 * Measures every bundle: minified, gzip (level 9) and brotli (quality 11) bytes.
 * @param {string} root the repository root (its `dist/` must be built)
 * @param {string[]} [ids] only these bundles (default: all)
 * @returns {Promise<{ id: string; label: string; short: string; ours: boolean; peer?: string; minified: number; gzip: number; brotli: number }[]>}
 */
export async function measureBundles(root, ids) {
  const out = [];
  for (const bundle of BUNDLES) {
    if (ids && !ids.includes(bundle.id)) continue;
    const bytes = Buffer.from(await bundleText(root, bundle));
    out.push({
      id: bundle.id,
      label: bundle.label,
      short: bundle.short,
      ours: bundle.ours,
      ...(bundle.peer ? { peer: bundle.peer } : {}),
      minified: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, {
        params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
      }).length,
    });
  }
  return out;
}

/**
 * Compares measured bundles with budgets (`{ [id]: { minified?: bytes, gzip?: bytes, brotli?: bytes } }`).
 * Returns one message per figure over its budget, and per budgeted bundle that was not measured.
 * @param {{ id: string; minified: number; gzip: number; brotli: number }[]} measured
 * @param {Record<string, Partial<Record<"minified" | "gzip" | "brotli", number>>>} budgets
 * @returns {string[]}
 */
export function overBudget(measured, budgets) {
  const problems = [];
  for (const [id, limits] of Object.entries(budgets)) {
    const m = measured.find((b) => b.id === id);
    if (!m) {
      problems.push(`${id}: budgeted but not measured`);
      continue;
    }
    for (const [figure, limit] of Object.entries(limits)) {
      if (typeof m[figure] !== "number") problems.push(`${id}: unknown figure ${figure}`);
      else if (m[figure] > limit)
        problems.push(`${id} is ${m[figure]} B ${figure}, over its budget of ${limit} B (+${m[figure] - limit} B)`);
    }
  }
  return problems;
}

/** Bundles whose bytes are split by source module (built from src/, so each module keeps its name). */
export const MODULE_BUNDLES = [
  { id: "client-fetch", label: "`client.fetch` alone", entry: `export { KeyVaultClient } from "./src/index.ts";` },
  { id: "core", label: "everything the core exports", entry: `export * from "./src/index.ts";` },
  {
    id: "sign-verify",
    label: "an app that signs and verifies",
    entry: `export { KeyVaultClient } from "./src/index.ts"; export { sign, verify } from "./src/keys/index.ts";`,
  },
];

/**
 * Where a bundle's bytes go: esbuild's own account of the minified bytes each source module adds
 * (the same settings as {@link bundleText}, built from src/), largest first, with the bundle's gzip size.
 * @param {string} root the repository root
 * @returns {Promise<{ id: string; label: string; minified: number; gzip: number; modules: { file: string; bytes: number }[] }[]>}
 */
export async function measureModules(root) {
  const out = [];
  for (const b of MODULE_BUNDLES) {
    const result = await build({ ...BUNDLE_OPTIONS, stdin: { contents: b.entry, resolveDir: root, loader: "ts" }, metafile: true });
    const text = Buffer.from(result.outputFiles[0].text);
    const inputs = Object.values(result.metafile.outputs)[0].inputs;
    const modules = Object.entries(inputs)
      .filter(([file, v]) => file !== "<stdin>" && v.bytesInOutput > 0)
      .map(([file, v]) => ({ file, bytes: v.bytesInOutput }))
      .sort((x, y) => y.bytes - x.bytes);
    out.push({ id: b.id, label: b.label, minified: text.length, gzip: gzipSync(text, { level: 9 }).length, modules });
  }
  return out;
}
