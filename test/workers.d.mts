// Types of workers.mjs, for the Node-only tests (test/node/*worker*.test.ts, entra-examples) and bench/secrets.mjs.
/** Bundles a Worker module (esbuild, workerd conditions, `keyvault-fetch` from `root`'s dist/); throws when it imports `node:`. */
export function bundleWorker(root: string, entry: { file: string } | { contents: string }, options?: { minify?: boolean }): Promise<string>;
/** miniflare's `outboundService` sending every request the Worker makes to the emulator. */
export function toEmulator(emu: {
  fetch(url: string, init: RequestInit): Promise<Response>;
}): (request: import("miniflare").Request) => Promise<import("miniflare").Response>;
