// The CORS proxy: a standard fetch handler that forwards a browser's requests to exactly one vault.
// Web APIs only, so the same function is a Worker's `fetch`, Deno.serve's handler, or (through
// keyvault-fetch/proxy/server) a Node server's.
import { isLoopbackHost } from "../challenge.js";
import { KeyVaultClientError } from "../errors.js";
import { readCapped } from "../read-capped.js";
import { EXPOSED_RESPONSE_HEADERS, FORWARDED_REQUEST_HEADERS, mayForward, requestHeadersFor, responseHeadersFrom } from "./headers.js";

/**
 * Options of {@link createVaultProxy}. `vaultUrl` and `allowedOrigins` are required.
 * @example
 * const options: VaultProxyOptions = {
 *   vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"],
 *   allowPath: (path, method) => method === "POST" && path.endsWith("/sign"), // pages may only sign
 * };
 * export default { fetch: createVaultProxy(options) };
 */
export interface VaultProxyOptions {
  /** The one vault every request goes to, e.g. `https://myvault.vault.azure.net` (an origin: no path). */
  vaultUrl: string;
  /**
   * Page origins that may use the proxy, e.g. `["https://app.example.com"]`. Exact origins only:
   * `"*"` and `"null"` are refused. A request whose `Origin` is not listed is answered 403 and
   * never forwarded; requests without `Origin` (curl, server code) are forwarded unless `requireOrigin`.
   */
  allowedOrigins: readonly string[];
  /** Refuse requests that carry no `Origin` header (default false). */
  requireOrigin?: boolean;
  /** Largest request body, in bytes, counted as it streams in (default 262144, 256 KiB). */
  maxBodyBytes?: number;
  /** A path prefix the proxy is mounted under, stripped before forwarding (e.g. `"/kv"`; default none). */
  basePath?: string;
  /**
   * Narrows what may be called: gets the path as the vault will read it (dot-segments resolved,
   * lower-cased, as the vault ignores case: `/KEYS/Signer/sign` arrives as `/keys/signer/sign`; a
   * path with any `%` escape is refused before) and the method; false refuses with 403.
   */
  allowPath?: (path: string, method: string) => boolean;
  /** Further request headers to forward, besides {@link FORWARDED_REQUEST_HEADERS}. */
  forwardHeaders?: readonly string[];
  /** Further response headers to expose, besides {@link EXPOSED_RESPONSE_HEADERS}. */
  exposeHeaders?: readonly string[];
  /** How long a browser may cache a preflight answer, in seconds (default 600). */
  maxAgeSeconds?: number;
  /** Milliseconds to wait for the vault's answer headers (default 60000), or `false`. */
  timeout?: number | false;
  /** The fetch that reaches the vault (default: the global fetch). */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Allow an `http://` vault on loopback (a local emulator), default false. */
  allowInsecureLoopback?: boolean;
}

/**
 * A standard fetch handler: a Request in, a Response out.
 * @example
 * const proxy: ProxyHandler = createVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"] });
 * const answer = await proxy(new Request("https://kv-proxy.example.com/keys?api-version=2025-07-01"));
 */
export type ProxyHandler = (request: Request) => Promise<Response>;

/**
 * Codes of the proxy's own refusals, in `{"error":{"code","message"}}` bodies shaped like Key Vault's
 * (so `KeyVaultError.code` carries them) and in the `x-keyvault-proxy-error` header.
 * @example
 * try { await request(client, "GET", "/keys") }
 * catch (e) {
 *   const code = e instanceof KeyVaultError ? (e.code as ProxyErrorCode | string) : undefined;
 *   if (code === "ProxyOriginNotAllowed") console.error("add this page's origin to allowedOrigins");
 * }
 */
export type ProxyErrorCode =
  | "ProxyOriginNotAllowed"
  | "ProxyMethodNotAllowed"
  | "ProxyTargetNotAllowed"
  | "ProxyBodyTooLarge"
  | "ProxyUpstreamTimeout"
  | "ProxyUpstreamUnreachable";

/**
 * Default cap on a request body (256 KiB; Key Vault's own request bodies are a few KB).
 * @example
 * const proxy = createVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"], maxBodyBytes: 4 * DEFAULT_MAX_BODY_BYTES });
 */
export const DEFAULT_MAX_BODY_BYTES = 256 * 1024;

const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
// A vault path is segments of letters, digits, `-` and `_` (names, versions, collections). Nothing
// that could change the target survives this: no empty segment (`//host`), no dot segment, no `%`
// (so no encoded slash or dot), no backslash, no `@` or `:`.
const VAULT_PATH = /^(\/[A-Za-z0-9_-]+)+\/?$|^\/$/;

/**
 * Makes the CORS proxy for one vault: a fetch handler that answers preflights, adds CORS headers
 * for the allowed origins only (never `*`, never credentials, always `Vary: Origin`), exposes
 * `WWW-Authenticate` and the request ids, forwards only the headers Key Vault needs, caps the body,
 * never follows redirects, and passes the vault's answers (errors included) through unchanged.
 * Throws `KeyVaultClientError` (`ERR_INVALID_INPUT`, `ERR_INSECURE_URL`) for bad options.
 * @example
 * // a Cloudflare Worker, whole
 * import { createVaultProxy } from "keyvault-fetch/proxy";
 * const proxy = createVaultProxy({ vaultUrl: "https://myvault.vault.azure.net", allowedOrigins: ["https://app.example.com"] });
 * export default { fetch: proxy };
 */
export function createVaultProxy(options: VaultProxyOptions): ProxyHandler {
  const settings = validate(options);
  const send = options.fetch ?? ((input, init) => globalThis.fetch(input, init));

  return async (request: Request): Promise<Response> => {
    const origin = request.headers.get("origin");
    const allowed = origin !== null && settings.origins.has(origin);
    const cors = (headers: Headers): Headers => {
      appendVary(headers, "Origin");
      if (allowed) {
        headers.set("access-control-allow-origin", origin!);
        headers.set("access-control-expose-headers", settings.expose);
      }
      return headers;
    };
    const refuse = (status: number, code: ProxyErrorCode, message: string, extra?: Record<string, string>) =>
      new Response(JSON.stringify({ error: { code, message } }), {
        status,
        headers: cors(new Headers({ "content-type": "application/json; charset=utf-8", "x-keyvault-proxy-error": code, ...extra })),
      });

    if (origin !== null && !allowed) return refuse(403, "ProxyOriginNotAllowed", `origin ${origin} may not use this proxy`);
    if (origin === null && settings.requireOrigin) return refuse(403, "ProxyOriginNotAllowed", "requests must carry an Origin header");

    const method = request.method.toUpperCase();
    if (method === "OPTIONS") {
      if (!request.headers.has("access-control-request-method"))
        return refuse(405, "ProxyMethodNotAllowed", "OPTIONS is answered only as a CORS preflight", { allow: METHODS.join(", ") });
      const headers = cors(new Headers());
      appendVary(headers, "Access-Control-Request-Method");
      appendVary(headers, "Access-Control-Request-Headers");
      if (allowed) {
        headers.set("access-control-allow-methods", METHODS.join(", "));
        headers.set("access-control-allow-headers", settings.allowHeaders);
        headers.set("access-control-max-age", String(settings.maxAge));
      }
      return new Response(null, { status: 204, headers });
    }
    if (!METHODS.includes(method))
      return refuse(405, "ProxyMethodNotAllowed", `${method} is not a Key Vault method`, { allow: METHODS.join(", ") });

    const url = new URL(request.url);
    // The URL parser resolved dot-segments (`..`, `%2e%2e`); VAULT_PATH refuses any escape left.
    let path = url.pathname;
    const base = settings.basePath;
    if (base) {
      if (path !== base && !path.startsWith(base + "/")) return refuse(404, "ProxyTargetNotAllowed", `not under ${base}`);
      path = path.slice(base.length) || "/";
    }
    if (!VAULT_PATH.test(path)) return refuse(404, "ProxyTargetNotAllowed", "not a vault path");
    // Key Vault reads collections, names, versions and operations without regard to case.
    if (options.allowPath && !options.allowPath(path.toLowerCase(), method))
      return refuse(403, "ProxyTargetNotAllowed", `${method} ${path} is not allowed through this proxy`);
    const target = settings.vaultOrigin + path + url.search;
    // Defence in depth: whatever the path rule lets through must still name the vault.
    if (new URL(target).origin !== settings.vaultOrigin) return refuse(404, "ProxyTargetNotAllowed", "not a vault path");

    let body: Uint8Array<ArrayBuffer> | undefined;
    if (method !== "GET" && request.body) {
      // Content-Length may refuse early, but only the bytes counted as they arrive may admit.
      const declared = Number(request.headers.get("content-length") ?? "0");
      if (declared > settings.maxBody) {
        void request.body.cancel().catch(() => {});
        return refuse(413, "ProxyBodyTooLarge", `request bodies are limited to ${settings.maxBody} bytes`);
      }
      body = await readCapped(request.body, settings.maxBody);
      if (!body) return refuse(413, "ProxyBodyTooLarge", `request bodies are limited to ${settings.maxBody} bytes`);
    }

    const controller = new AbortController();
    const onAbort = () => controller.abort(request.signal.reason);
    if (request.signal?.aborted) throw request.signal.reason;
    request.signal?.addEventListener("abort", onAbort, { once: true });
    let timedOut = false;
    const timer =
      settings.timeout === false
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            controller.abort();
          }, settings.timeout);
    let upstream: Response;
    try {
      const init: RequestInit = {
        method,
        headers: requestHeadersFor(request.headers, settings.forward),
        redirect: "manual",
        signal: controller.signal,
      };
      if (body && body.length) init.body = body;
      upstream = await send(target, init);
    } catch (e) {
      if (request.signal?.aborted) throw request.signal.reason; // the caller left: nobody to answer
      if (timedOut) return refuse(504, "ProxyUpstreamTimeout", `the vault did not answer within ${settings.timeout} ms`);
      return refuse(502, "ProxyUpstreamUnreachable", "the vault could not be reached");
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener("abort", onAbort);
    }
    // Status, body and headers as the vault sent them (a 3xx too: it is never followed here).
    const headers = cors(responseHeadersFrom(upstream.headers));
    const nullBody = upstream.status === 204 || upstream.status === 304;
    return new Response(nullBody ? null : upstream.body, { status: upstream.status, statusText: upstream.statusText, headers });
  };
}

interface Settings {
  vaultOrigin: string;
  origins: Set<string>;
  requireOrigin: boolean;
  maxBody: number;
  basePath: string;
  forward: Set<string>;
  allowHeaders: string;
  expose: string;
  maxAge: number;
  timeout: number | false;
}

function validate(options: VaultProxyOptions): Settings {
  const bad = (message: string) => new KeyVaultClientError("ERR_INVALID_INPUT", `createVaultProxy: ${message}`);
  if (!options || typeof options !== "object") throw bad("options are required");
  let vault: URL;
  try {
    vault = new URL(String(options.vaultUrl));
  } catch {
    throw bad("vaultUrl must be an absolute URL");
  }
  if (vault.username || vault.password || vault.search || vault.hash || (vault.pathname !== "/" && vault.pathname !== "")) {
    throw bad("vaultUrl must be an origin (no path, query, fragment or credentials)");
  }
  if (vault.protocol !== "https:") {
    const loopback = vault.protocol === "http:" && isLoopbackHost(vault.hostname);
    if (!loopback) throw new KeyVaultClientError("ERR_INSECURE_URL", "createVaultProxy: vaultUrl must be https");
    if (!options.allowInsecureLoopback)
      throw new KeyVaultClientError("ERR_INSECURE_URL", "createVaultProxy: an http vault needs allowInsecureLoopback");
  }
  if (!Array.isArray(options.allowedOrigins) || options.allowedOrigins.length === 0)
    throw bad("allowedOrigins must list at least one origin");
  const origins = new Set<string>();
  for (const o of options.allowedOrigins) {
    if (o === "*" || o === "null") throw bad(`allowedOrigins cannot hold ${JSON.stringify(o)}: list exact origins`);
    let u: URL;
    try {
      u = new URL(String(o));
    } catch {
      throw bad(`allowedOrigins: ${JSON.stringify(o)} is not an origin`);
    }
    if (u.origin === "null" || u.username || u.password || u.pathname !== "/" || u.search || u.hash) {
      throw bad(`allowedOrigins: ${JSON.stringify(o)} is not an origin (scheme://host[:port], nothing after)`);
    }
    origins.add(u.origin);
  }
  const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBody) || maxBody < 0) throw bad("maxBodyBytes must be a non-negative integer");
  const basePath = (options.basePath ?? "").replace(/\/+$/, "");
  if (basePath && !VAULT_PATH.test(basePath)) throw bad("basePath must look like /segment[/segment]");
  const forward = new Set(FORWARDED_REQUEST_HEADERS);
  for (const h of options.forwardHeaders ?? []) {
    const name = String(h).toLowerCase();
    if (!mayForward(name))
      throw bad(`forwardHeaders: ${JSON.stringify(h)} is never forwarded (cookies, hop-by-hop and forwarding headers stay here)`);
    forward.add(name);
  }
  const expose = [...new Set([...EXPOSED_RESPONSE_HEADERS, ...(options.exposeHeaders ?? []).map((h) => String(h).toLowerCase())])];
  const maxAge = options.maxAgeSeconds ?? 600;
  if (!Number.isSafeInteger(maxAge) || maxAge < 0) throw bad("maxAgeSeconds must be a non-negative integer");
  const timeout = options.timeout === undefined ? 60_000 : options.timeout;
  if (timeout !== false && !(Number.isFinite(timeout) && timeout > 0)) throw bad("timeout must be a positive number of ms, or false");
  if (options.allowPath !== undefined && typeof options.allowPath !== "function") throw bad("allowPath must be a function");
  if (options.fetch !== undefined && typeof options.fetch !== "function") throw bad("fetch must be a function");
  return {
    vaultOrigin: vault.origin,
    origins,
    requireOrigin: options.requireOrigin === true,
    maxBody,
    basePath,
    forward,
    // content-type is not safelisted for JSON, and the client sends its own request id
    allowHeaders: [...forward].join(", "),
    expose: expose.join(", "),
    maxAge,
    timeout,
  };
}

function appendVary(headers: Headers, name: string): void {
  const current = headers.get("vary");
  if (!current) return headers.set("vary", name);
  if (current.trim() === "*") return;
  if (
    !current
      .toLowerCase()
      .split(",")
      .some((v) => v.trim() === name.toLowerCase())
  )
    headers.set("vary", `${current}, ${name}`);
}
