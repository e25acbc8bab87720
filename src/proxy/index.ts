/**
 * keyvault-fetch/proxy: the CORS proxy a browser needs to reach Key Vault (which sends no CORS
 * headers). One fetch handler, Web APIs only: a Cloudflare Worker's `fetch`, `Deno.serve`'s handler,
 * or a Node server's through `keyvault-fetch/proxy/server`. It forwards to exactly one vault and
 * nothing else.
 * @module keyvault-fetch/proxy
 * @example
 * import { createVaultProxy } from "keyvault-fetch/proxy";
 * Deno.serve(createVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"] }));
 */
export { createVaultProxy, DEFAULT_MAX_BODY_BYTES } from "./handler.js";
export type { VaultProxyOptions, ProxyHandler, ProxyErrorCode } from "./handler.js";
export { FORWARDED_REQUEST_HEADERS, EXPOSED_RESPONSE_HEADERS } from "./headers.js";
