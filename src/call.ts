// A call's first step: the vault's address checked once per client, and each call's URL, headers
// and body captured when it starts (later changes by the caller change nothing).
import { isLoopbackHost, originKey } from "./challenge.js";
import { KeyVaultClientError } from "./errors.js";

/** One call as prepared: what is sent. */
export interface Call {
  url: string;
  method: string;
  headers: Record<string, string>;
  /** a pending promise while a stream, Blob or Request body is read */
  body: string | Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer>> | null;
  idempotent: boolean | undefined;
  signal: AbortSignal | undefined;
}

/** Where a client's calls go, and what each carries. */
export interface Site {
  /** the vault's (or proxy's) URL, without a trailing slash */
  vaultUrl: string;
  /** origin keys an absolute URL may have: the vault URL's, and `vaultOrigin`'s */
  origins: readonly string[];
  /** `?api-version=…` */
  query: string;
  /** the client's own headers, lower-cased */
  headers: Record<string, string>;
}

export const REQUEST_ID = "x-ms-client-request-id";

const invalid = (message: string) => new KeyVaultClientError("ERR_INVALID_INPUT", message);
// Key Vault's collections: a vault URL that names one is a request path given in the wrong place.
const COLLECTION = /\/(keys|secrets|certificates|storage|deleted(keys|secrets|certificates|storage))(\/|$)/i;

/** A vault URL (or `vaultOrigin`) as a client accepts it: absolute, https (or loopback http by opt-in), nothing but a path. */
export function checkVaultUrl(input: string | URL, what: string, allowLoopback: boolean): URL {
  if (input === undefined || input === null || input === "") throw invalid(`${what} is ${input === "" ? "empty" : input}`);
  let url: URL;
  try {
    url = new URL(String(input));
  } catch {
    throw invalid(`invalid ${what}: expected an absolute URL such as https://myvault.vault.azure.net`);
  }
  if (url.username || url.password) throw invalid(`${what} with credentials`);
  if (url.search || url.hash) throw invalid(`${what} with a query or fragment`);
  if (COLLECTION.test(url.pathname))
    throw invalid(`${what} ${url.origin}${url.pathname} names a collection: pass the vault's URL (${url.origin}) and the path to fetch`);
  if (url.protocol !== "https:") {
    const local = url.protocol === "http:" && isLoopbackHost(url.hostname);
    if (!local || !allowLoopback)
      throw new KeyVaultClientError(
        "ERR_INSECURE_URL",
        local
          ? `${what}: plain http needs allowInsecureLoopback: true (loopback only, for local emulators)`
          : `${what} must start with https:// (got ${url.protocol}): Key Vault is served over https only`,
      );
  }
  return url;
}

/** Captures one call: its URL on the vault, method, headers (with a request id) and body. */
export function prepareCall(site: Site, input: string | URL | Request, init: RequestInit | undefined, idempotent?: boolean): Call {
  const request = input instanceof Request ? input : undefined;
  const url = resolve(site, request ? request.url : (input as string | URL));
  const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
  // A caller's authorization never goes out: the client replaces it with the token, or deletes it for a probe.
  const headers = headerRecord(init?.headers, headerRecord(request?.headers, { ...site.headers }));
  headers[REQUEST_ID] ||= requestId();
  const raw = init?.body ?? undefined;
  let body: Call["body"] = null;
  if (method === "GET" || method === "HEAD") {
    if (raw != null || request?.body) throw invalid(`${method} cannot have a body`);
  } else if (typeof raw === "string") {
    body = raw;
  } else if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
    // A copy, not a view: Node's Buffer#slice is a view, and the caller may reuse its buffer.
    const view = raw as Partial<ArrayBufferView<ArrayBuffer>>;
    body = new Uint8Array(view.buffer ?? (raw as ArrayBuffer), view.byteOffset, raw.byteLength).slice();
  } else if (raw != null) {
    // Streams, Blobs, FormData, URLSearchParams: read once through a Request (which also gives the
    // content type), so the challenge and retries can resend them.
    const copy = new Request(url, { method, body: raw, duplex: "half" } as RequestInit);
    const type = copy.headers.get("content-type");
    if (type) headers["content-type"] ??= type;
    body = bytesOf(copy);
  } else if (request?.body) {
    body = bytesOf(request);
  }
  return { url, method, headers, body, idempotent, signal: init?.signal ?? request?.signal ?? undefined };
}

/** A path resolves against the vault URL; an absolute URL must be on one of the site's origins. */
function resolve(site: Site, input: string | URL): string {
  let url = String(input);
  if (url[0] === "/" || !/^[a-z][a-z\d+.-]*:/i.test(url)) {
    url = (url[0] === "/" ? site.vaultUrl : site.vaultUrl + "/") + url;
  } else {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      throw invalid("not a URL");
    }
    const key = originKey(u);
    if (u.username || u.password || !site.origins.includes(key)) {
      throw new KeyVaultClientError("ERR_FOREIGN_ORIGIN", `${u.origin} is not the vault`);
    }
    // On vaultOrigin (ids, nextLinks): sent to the proxy.
    url = key === site.origins[0] ? u.href : site.vaultUrl + u.pathname + u.search;
  }
  const q = url.indexOf("?");
  if (q < 0) return url + site.query;
  return /[?&]api-version=/i.test(url.slice(q)) ? url : url + "&" + site.query.slice(1);
}

/** Adds any HeadersInit to a lower-cased record (the form fetch is given). */
export function headerRecord(init: HeadersInit | undefined, out: Record<string, string> = {}): Record<string, string> {
  if (init)
    for (const [k, v] of init instanceof Headers || Array.isArray(init) ? new Headers(init) : Object.entries(init))
      out[k.toLowerCase()] = String(v);
  return out;
}

// An async function, so the promise is always this realm's: `call.body instanceof Promise` tells a
// body still being read. The Edge Runtime's Request belongs to another realm, and so would a promise
// chained onto its arrayBuffer().
const bytesOf = async (r: Request): Promise<Uint8Array<ArrayBuffer>> => new Uint8Array(await r.arrayBuffer());

// Drawn on first use, not at load: Workers refuse random values in the global scope.
let prefix: string | undefined;
let serial = 0;
/** A UUID-shaped request id: a random per-isolate prefix and a counter. */
function requestId(): string {
  prefix ??= crypto
    .getRandomValues(new Uint8Array(8))
    .reduce((s, b) => s + (b | 256).toString(16).slice(1), "")
    .replace(/^(.{8})(.{4}).(.{3}).*/, "$1-$2-4$3-8000-");
  return prefix + (++serial).toString(16).padStart(12, "0");
}
