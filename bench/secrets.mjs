// Secrets figures for the bench (self-contained: one function returns them, one renders them).
//  - bytes: an app that reads one secret with a client-secret token, ours vs @azure/keyvault-secrets
//    + @azure/identity (esbuild, minified ESM for the browser, gzip -9 and brotli -q 11);
//  - requests: 100 Worker requests over 10 isolates (miniflare, workerd) reading one secret, with
//    the vault and authority served by the emulator: what reaches Azure without a cache, with
//    SecretCache alone, and with SecretCache and a shared store (Workers KV, Cache API).
// Run alone: `npm run build && node bench/secrets.mjs`.
import { bundleText } from "./bundles.mjs";
import { bundleWorker, emulatorBindings, toEmulator } from "../test/workers.mjs";
import { Miniflare } from "miniflare";
import { join, dirname } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

export const SECRET_BUNDLES = [
  {
    id: "secret-app",
    label: "app: KeyVaultClient + getSecret + fromClientSecret",
    ours: true,
    entry: `export { KeyVaultClient } from "{dist}/index.js"; export { getSecret } from "{dist}/secrets.js"; export { fromClientSecret } from "{dist}/entra.js";`,
  },
  {
    id: "secret-app-cache",
    label: "app: KeyVaultClient + SecretCache + workersKvStore + fromClientSecret",
    ours: true,
    entry: `export { KeyVaultClient } from "{dist}/index.js"; export { SecretCache, workersKvStore } from "{dist}/secrets.js"; export { fromClientSecret } from "{dist}/entra.js";`,
  },
  {
    id: "secret-client",
    label: "SecretClient (every secret helper)",
    ours: true,
    entry: `export { SecretClient } from "{dist}/secrets.js";`,
  },
  {
    id: "azure-secrets-identity",
    label: "app: @azure/keyvault-secrets SecretClient + @azure/identity ClientSecretCredential",
    ours: false,
    entry: `export { SecretClient } from "@azure/keyvault-secrets"; export { ClientSecretCredential } from "@azure/identity";`,
  },
];

async function bundleBytes(root, entry) {
  return Buffer.from(await bundleText(root, { entry }));
}

// The Worker: a module-scope token provider and cache, a client per request (the Workers pattern).
const WORKER = `
import { KeyVaultClient } from "keyvault-fetch";
import { fromClientSecret } from "keyvault-fetch/entra";
import { SecretCache, getSecret, workersCacheStore, workersKvStore } from "keyvault-fetch/secrets";
let getToken, cache;
export default {
  async fetch(request, env, ctx) {
    getToken ??= fromClientSecret({ tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET });
    const store = env.MODE === "kv" ? workersKvStore(env.STORE) : env.MODE === "cache" ? workersCacheStore(caches.default) : undefined;
    cache ??= new SecretCache(store ? { store, sealingKey: env.SEALING_KEY } : {});
    const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken });
    const value = env.MODE === "none"
      ? (await getSecret(client, "db-password")).value
      : await cache.getValue(client, "db-password", new URL(request.url).searchParams.has("first") ? {} : { waitUntil: ctx.waitUntil.bind(ctx) });
    return new Response(value);
  },
};`;

export const SCENARIOS = [
  { mode: "none", label: "getSecret on every request (no cache)" },
  { mode: "memory", label: "SecretCache (memory only)" },
  { mode: "kv", label: "SecretCache + Workers KV store" },
  { mode: "cache", label: "SecretCache + Cache API store" },
];

/**
 * 100 requests over 10 isolates (one Miniflare, 10 Workers: 10 isolates sharing one KV namespace
 * and one Cache API): each isolate's first request one after another, then the other 90 at once.
 * Counts what reached the emulated Azure: all requests (challenge, token, reads) and secret reads.
 */
async function fleet(root, script, mode, isolates = 10, requests = 100) {
  const { createEmulator } = await import("@keyvault-fetch/emulator");
  const { KeyVaultClient } = await import(pathToFileURL(join(root, "dist/index.js")).href);
  const { setSecret } = await import(pathToFileURL(join(root, "dist/secrets.js")).href);
  const emu = createEmulator();
  await setSecret(new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch }), "db-password", "value");
  const mark = emu.requests.length;
  const outboundService = toEmulator(emu);
  const names = Array.from({ length: isolates }, (_, i) => `isolate-${i}`);
  const mf = new Miniflare({
    workers: names.map((name) => ({
      name,
      modules: true,
      script,
      compatibilityDate: "2025-09-01",
      kvNamespaces: { STORE: "store" },
      outboundService,
      bindings: {
        ...emulatorBindings(emu),
        SEALING_KEY: "bench-sealing-key-0123456789abcdef",
        MODE: mode,
      },
    })),
  });
  try {
    const workers = await Promise.all(names.map((n) => mf.getWorker(n)));
    const ask = async (w, first) => {
      const res = await w.fetch(`https://worker.example/${first ? "?first" : ""}`);
      if ((await res.text()) !== "value") throw new Error(`bad answer ${res.status}`);
    };
    for (const w of workers) await ask(w, true);
    await Promise.all(Array.from({ length: requests - isolates }, (_, i) => ask(workers[i % isolates], false)));
    const seen = emu.requests.slice(mark);
    return {
      azureRequests: seen.length,
      secretReads: seen.filter((r) => r.method === "GET" && r.authorization && r.url.includes("/secrets/db-password/")).length,
      tokenRequests: seen.filter((r) => r.target === "authority").length,
    };
  } finally {
    await mf.dispose();
  }
}

/**
 * Every secrets figure.
 * @param {{ root?: string }} [options] the repository root (its `dist/` must be built)
 * @returns {Promise<{ bytes: { id: string; label: string; ours: boolean; minified: number; gzip: number; brotli: number }[]; requests: { mode: string; label: string; workerRequests: number; isolates: number; azureRequests: number; secretReads: number; tokenRequests: number }[] }>}
 */
export async function secretsBench(options = {}) {
  const root = options.root ?? join(dirname(fileURLToPath(import.meta.url)), "..");
  const bytes = [];
  for (const b of SECRET_BUNDLES) {
    const raw = await bundleBytes(root, b.entry);
    bytes.push({
      id: b.id,
      label: b.label,
      ours: b.ours,
      minified: raw.length,
      gzip: gzipSync(raw, { level: 9 }).length,
      brotli: brotliCompressSync(raw, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: raw.length } })
        .length,
    });
  }
  const script = await bundleWorker(root, { contents: WORKER }, { minify: true });
  const requests = [];
  for (const s of SCENARIOS)
    requests.push({ mode: s.mode, label: s.label, workerRequests: 100, isolates: 10, ...(await fleet(root, script, s.mode)) });
  return { bytes, requests };
}

const kb = (n) => `${(n / 1000).toFixed(1)} KB`;

/** The figures as Markdown (for bench/RESULTS.md and the README). */
export function renderSecretsMarkdown(figures) {
  const sdk = figures.bytes.find((b) => !b.ours);
  const lines = [
    "## Secrets",
    "",
    "Bytes (esbuild, minified ESM for the browser):",
    "",
    "| what the app imports | minified | gzip | brotli |",
    "|---|---:|---:|---:|",
    ...figures.bytes.map(
      (b) =>
        `| ${b.label} | ${kb(b.minified)} | ${kb(b.gzip)}${b.ours && sdk ? ` (${(sdk.gzip / b.gzip).toFixed(1)}× less)` : ""} | ${kb(b.brotli)} |`,
    ),
    "",
    "100 Worker requests over 10 isolates reading one secret (miniflare; each isolate's first request one after another, then 90 at once):",
    "",
    "| | requests to Azure | secret reads | token requests |",
    "|---|---:|---:|---:|",
    ...figures.requests.map((r) => `| ${r.label} | ${r.azureRequests} | ${r.secretReads} | ${r.tokenRequests} |`),
    "",
  ];
  return lines.join("\n");
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await secretsBench();
  console.log(renderSecretsMarkdown(figures));
  if (process.argv.includes("--json")) console.log(JSON.stringify(figures, null, 2));
}
