// Types of workers.mjs, for the Node-only tests (test/node/*worker*.test.ts, entra-examples) and bench/secrets.mjs.
/** Bundles a Worker module (esbuild, workerd conditions, `keyvault-fetch` from `root`'s dist/); throws when it imports `node:`. */
export function bundleWorker(root: string, entry: { file: string } | { contents: string }, options?: { minify?: boolean }): Promise<string>;
/** The Worker bindings that point at the emulator: KEYVAULT_URL and the client-secret identity (AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET). */
export function emulatorBindings(emu: { vaultUrl: string; tenantId: string; clientId: string; clientSecret: string }): {
  KEYVAULT_URL: string;
  AZURE_TENANT_ID: string;
  AZURE_CLIENT_ID: string;
  AZURE_CLIENT_SECRET: string;
};
/** miniflare's `outboundService` sending every request the Worker makes to the emulator. */
export function toEmulator(emu: {
  fetch(url: string, init: RequestInit): Promise<Response>;
}): (request: import("miniflare").Request) => Promise<import("miniflare").Response>;
