// Part 5: start-up inside workerd (miniflare). Each contender is bundled into a module Worker whose
// first request makes one client and signs one digest against canned answers. Measured from outside
// (inside workerd the clock only moves on I/O): start workerd with the Worker, send the first request,
// read the answer. An empty Worker, measured the same way, is the baseline that gets subtracted.
import { build } from "esbuild";
import { Miniflare } from "miniflare";
import { join } from "node:path";

const WORKERS = {
  "empty Worker": `export default { async fetch() { return new Response("0"); } };`,
  "keyvault-fetch": `
    import { KeyVaultClient } from "{dist}/index.js";
    import { sign } from "{dist}/keys.js";
    import { cannedFetch, fixedGetToken, VAULT, VERSION } from "{bench}/canned.mjs";
    export default { async fetch() {
      const client = new KeyVaultClient(VAULT, { fetch: cannedFetch, getToken: fixedGetToken });
      const { result } = await sign(client, "ec/" + VERSION, "ES256", new Uint8Array(32));
      return new Response(String(result.length));
    } };`,
  "@azure/keyvault-keys": `
    import { CryptographyClient } from "@azure/keyvault-keys";
    import { cannedHttpClient, fixedCredential } from "{bench}/azure-adapter.mjs";
    import { VAULT, VERSION } from "{bench}/canned.mjs";
    export default { async fetch() {
      const client = new CryptographyClient(VAULT + "/keys/ec/" + VERSION, fixedCredential, { httpClient: cannedHttpClient, retryOptions: { maxRetries: 0 } });
      const { result } = await client.sign("ES256", new Uint8Array(32));
      return new Response(String(result.length));
    } };`,
};

async function bundleWorker(root, source) {
  const contents = source.replaceAll("{dist}", join(root, "dist")).replaceAll("{bench}", join(root, "bench"));
  const r = await build({
    stdin: { contents, resolveDir: root, loader: "js" },
    bundle: true,
    write: false,
    minify: true,
    format: "esm",
    platform: "browser",
    conditions: ["workerd", "worker", "browser"],
    target: "es2022",
    logLevel: "silent",
    metafile: true,
  });
  return { text: r.outputFiles[0].text, inputs: Object.keys(r.metafile.inputs) };
}

/**
 * What in a bundle is the Azure SDK's: its input files from `@azure/*` (and `@typespec/*`, which the
 * SDK's core depends on), and text only the SDK has (its logger's environment variable, its package
 * names). Empty for a bundle without Azure code.
 * @param {{ text: string; inputs: string[] }} bundle
 */
export function azureCodeIn(bundle) {
  const found = bundle.inputs.filter((f) => /(^|\/)node_modules\/@(azure|typespec)\//.test(f));
  for (const marker of ["AZURE_LOG_LEVEL", "@azure/"]) if (bundle.text.includes(marker)) found.push(`the text ${JSON.stringify(marker)}`);
  return found;
}

async function once(script) {
  const started = performance.now();
  const mf = new Miniflare({ modules: true, script, compatibilityDate: "2025-09-01" });
  try {
    await mf.ready;
    const res = await mf.dispatchFetch("http://localhost/");
    const text = await res.text();
    if (!res.ok) throw new Error(`the Worker answered ${res.status}: ${text.slice(0, 500)}`);
    return { ms: performance.now() - started, answer: text };
  } finally {
    await mf.dispose();
  }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

/**
 * Starts each Worker `rounds` times (interleaved, so drift hits all alike). On a shared machine other
 * work only ever adds time, so the best run is the figure compared; the median is reported too.
 * @returns {Promise<{ contender: string; bytes: number; bestMs: number; medianMs: number; overBaselineMs: number; runs: number[] }[]>}
 */
export async function startupBench({ root, rounds = 9 }) {
  const scripts = {};
  const bundles = {};
  for (const [name, source] of Object.entries(WORKERS)) {
    bundles[name] = await bundleWorker(root, source);
    scripts[name] = bundles[name].text;
  }
  // Our Worker's start-up must not carry the SDK's code (the canned answers once pulled in its logger);
  // the check must find the SDK's Worker's, or it proves nothing.
  const ours = azureCodeIn(bundles["keyvault-fetch"]);
  if (ours.length) throw new Error(`the keyvault-fetch Worker carries Azure SDK code: ${ours.slice(0, 5).join(", ")}`);
  if (!azureCodeIn(bundles["@azure/keyvault-keys"]).length)
    throw new Error("the Azure-code check found nothing in the SDK's own Worker: it is broken");
  const runs = Object.fromEntries(Object.keys(WORKERS).map((n) => [n, []]));
  for (const name of Object.keys(WORKERS)) await once(scripts[name]); // warm the disk cache and workerd binary
  for (let i = 0; i < rounds; i++) {
    for (const name of Object.keys(WORKERS)) {
      const { ms, answer } = await once(scripts[name]);
      if (name !== "empty Worker" && answer !== "64") throw new Error(`${name}: expected a 64-byte signature, got ${answer}`);
      runs[name].push(ms);
    }
  }
  const baseline = Math.min(...runs["empty Worker"]);
  return Object.keys(WORKERS).map((name) => ({
    contender: name,
    bytes: scripts[name].length,
    azureCode: azureCodeIn(bundles[name]).length,
    bestMs: Math.min(...runs[name]),
    medianMs: median(runs[name]),
    overBaselineMs: Math.min(...runs[name]) - baseline,
    runs: runs[name],
  }));
}
