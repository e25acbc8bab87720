// Which headers cross the proxy, in each direction. Requests: an allow-list (Key Vault needs few);
// responses: everything but hop-by-hop headers, cookies and what the proxy itself rewrites.

/**
 * Request headers forwarded to the vault by default (lower case); `forwardHeaders` adds to them.
 * @example
 * FORWARDED_REQUEST_HEADERS.includes("authorization"); // true: the page's own token goes to the vault
 */
export const FORWARDED_REQUEST_HEADERS: readonly string[] = [
  "authorization",
  "content-type",
  "accept",
  "accept-language",
  "x-ms-client-request-id",
  "x-ms-return-client-request-id",
  "traceparent",
  "tracestate",
];

/**
 * Response headers a page may read besides the CORS-safelisted ones (lower case); `exposeHeaders` adds to them.
 * @example
 * EXPOSED_RESPONSE_HEADERS.includes("www-authenticate"); // true: the client can discover the challenge
 */
export const EXPOSED_RESPONSE_HEADERS: readonly string[] = [
  // the challenge: without it a browser client cannot discover scope and tenant
  "www-authenticate",
  "x-ms-request-id",
  "x-ms-client-request-id",
  "x-ms-keyvault-service-version",
  "x-ms-keyvault-region",
  // the client's retry policy honours these; unexposed, a browser would back off blindly
  "retry-after",
  "retry-after-ms",
  "x-ms-retry-after-ms",
];

// Never forwarded, even when asked to: they name the connection, the caller's network or its
// cookies, none of which the vault should see or trust.
const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "transfer-encoding",
  "upgrade",
  "proxy-connection",
  "proxy-authenticate",
  "proxy-authorization",
  "te",
  "trailer",
  "trailers",
]);
const NEVER_FORWARDED =
  /^(host|cookie|cookie2|forwarded|via|origin|referer|content-length|x-forwarded-.*|x-real-ip|true-client-ip|x-client-ip|cf-.*|x-original-.*|x-rewrite-url|sec-.*)$/;

/** Whether a request header may be named in `forwardHeaders`. */
export function mayForward(name: string): boolean {
  return /^[a-z0-9!#$%&'*+.^_`|~-]+$/.test(name) && !HOP_BY_HOP.has(name) && !NEVER_FORWARDED.test(name);
}

/** The request headers that go to the vault: only the allowed ones, plus the caller's `Connection` list removed. */
export function requestHeadersFor(incoming: Headers, allowed: ReadonlySet<string>): Headers {
  // Headers named by Connection are hop-by-hop for this connection only (RFC 9110 §7.6.1).
  const connection = new Set(
    (incoming.get("connection") ?? "")
      .toLowerCase()
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out = new Headers();
  incoming.forEach((value, name) => {
    if (allowed.has(name) && !connection.has(name)) out.set(name, value);
  });
  return out;
}

/**
 * The vault's response headers as the page gets them: hop-by-hop headers, cookies and the vault's
 * own CORS headers dropped; `content-encoding` and `content-length` dropped too, because every
 * runtime's fetch hands over the body already decoded.
 */
export function responseHeadersFrom(upstream: Headers): Headers {
  const connection = new Set(
    (upstream.get("connection") ?? "")
      .toLowerCase()
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out = new Headers();
  upstream.forEach((value, name) => {
    if (
      HOP_BY_HOP.has(name) ||
      connection.has(name) ||
      name === "set-cookie" ||
      name === "set-cookie2" ||
      name === "content-encoding" ||
      name === "content-length" ||
      name.startsWith("access-control-")
    )
      return;
    out.append(name, value);
  });
  return out;
}
