// A Worker run for real under miniflare against the in-process emulator, for the Node-only tests
// and the bench: the Worker bundled as wrangler bundles it (esbuild, the workerd conditions, no
// nodejs_compat) with `keyvault-fetch[/sub]` resolved to the built dist/, as an installed package
// would be, and an outbound service that sends every request the Worker makes (authority and
// vault) to the emulator, with the bindings that point the Worker at it.
import { build } from "esbuild";
import { Response as MfResponse } from "miniflare";
import { join } from "node:path";

/**
 * Bundles a Worker module and returns its text. Throws when the bundle imports a `node:` module:
 * a Worker without nodejs_compat could not load it.
 * @param {string} root the repository root (its `dist/` must be built)
 * @param {{ file: string } | { contents: string }} entry the Worker's file, or its source (imports resolved from `root`)
 * @param {{ minify?: boolean }} [options]
 * @returns {Promise<string>}
 */
export async function bundleWorker(root, entry, options = {}) {
  const out = await build({
    ...("file" in entry ? { entryPoints: [entry.file] } : { stdin: { contents: entry.contents, resolveDir: root, loader: "js" } }),
    bundle: true,
    write: false,
    minify: options.minify ?? false,
    format: "esm",
    platform: "neutral",
    target: "es2022",
    conditions: ["workerd", "worker", "browser"],
    mainFields: ["module", "main"],
    logLevel: "silent",
    plugins: [
      {
        name: "keyvault-fetch-dist",
        setup(b) {
          b.onResolve({ filter: /^keyvault-fetch(\/[a-z]+)?$/ }, (args) => ({
            path: join(root, "dist", `${args.path.split("/")[1] ?? "index"}.js`),
          }));
        },
      },
    ],
  });
  const script = out.outputFiles[0].text;
  if (/\bfrom\s*["']node:|require\(["']node:/.test(script)) throw new Error("the Worker bundle imports a node: module");
  return script;
}

/**
 * The Worker bindings that point at the emulator: its vault, and its tenant and client with a secret
 * (what `fromClientSecret` takes).
 * @param {{ vaultUrl: string; tenantId: string; clientId: string; clientSecret: string }} emu
 * @returns {{ KEYVAULT_URL: string; AZURE_TENANT_ID: string; AZURE_CLIENT_ID: string; AZURE_CLIENT_SECRET: string }}
 */
export function emulatorBindings(emu) {
  return {
    KEYVAULT_URL: emu.vaultUrl,
    AZURE_TENANT_ID: emu.tenantId,
    AZURE_CLIENT_ID: emu.clientId,
    AZURE_CLIENT_SECRET: emu.clientSecret,
  };
}

/**
 * miniflare's `outboundService` for a Worker whose every fetch goes to the emulator: the request
 * as it left the Worker, the emulator's answer as it came back.
 * @param {{ fetch(url: string, init: RequestInit): Promise<Response> }} emu the in-process emulator
 * @returns {(request: import("miniflare").Request) => Promise<MfResponse>}
 */
export function toEmulator(emu) {
  return async (request) => {
    const body = request.method === "GET" || request.method === "HEAD" ? undefined : new Uint8Array(await request.arrayBuffer());
    const res = await emu.fetch(request.url, {
      method: request.method,
      headers: Object.fromEntries(request.headers),
      ...(body ? { body } : {}),
    });
    return new MfResponse(await res.arrayBuffer(), { status: res.status, headers: Object.fromEntries(res.headers) });
  };
}
