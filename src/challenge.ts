// The Key Vault challenge protocol: parse WWW-Authenticate (RFC 7235), derive scope and tenant,
// verify the resource against the vault's host, and remember what was learned per origin.
import { utf8Decode, base64UrlDecode } from "./encoding.js";
import { KeyVaultClientError } from "./errors.js";

/** One challenge of a `WWW-Authenticate` header. Scheme and parameter names are lower-cased. */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
}

/** What a client needs to answer a Key Vault challenge. */
export interface VaultChallenge {
  /** e.g. `https://vault.azure.net/.default` */
  scope: string;
  tenantId?: string;
  /** the authorization (authority) URL the challenge named */
  authorization?: string;
}

const TCHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;
const TOKEN68 = /^[A-Za-z0-9\-._~+/]+=*/;
const MAX_HEADER = 16 * 1024;

function invalid(message: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_CHALLENGE_INVALID", `invalid WWW-Authenticate header: ${message}`);
}

/**
 * Parses a `WWW-Authenticate` header into its challenges (RFC 7235): several challenges, quoted
 * and unquoted values, any letter case, `=` inside quoted values, token68. Throws
 * `KeyVaultClientError` `ERR_CHALLENGE_INVALID` on malformed input and nothing else.
 * @example
 * parseWwwAuthenticate('Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"')
 * // [{ scheme: "bearer", params: { authorization: "https://login.microsoftonline.com/t", resource: "https://vault.azure.net" } }]
 */
export function parseWwwAuthenticate(header: string): AuthChallenge[] {
  if (typeof header !== "string") throw invalid("not a string");
  if (header.length > MAX_HEADER) throw invalid("too long");
  const s = header;
  const n = s.length;
  let i = 0;
  const isWs = (c: string | undefined) => c === " " || c === "\t";
  const skipWs = () => { while (i < n && isWs(s[i])) i++; };
  const readToken = () => { const start = i; while (i < n && TCHAR.test(s[i]!)) i++; return s.slice(start, i); };
  const readValue = (): string => {
    if (s[i] === '"') {
      i++;
      let out = "";
      while (i < n) {
        const c = s[i]!;
        if (c === "\\") {
          if (i + 1 >= n) break;
          out += s[i + 1];
          i += 2;
        } else if (c === '"') {
          i++;
          return out;
        } else {
          out += c;
          i++;
        }
      }
      throw invalid("unterminated quoted string");
    }
    // Lenient unquoted value: servers send bare URLs, which are not RFC tokens.
    const start = i;
    while (i < n && !isWs(s[i]) && s[i] !== "," && s[i] !== '"') i++;
    if (i === start) throw invalid(`missing value at ${start}`);
    return s.slice(start, i);
  };

  const out: AuthChallenge[] = [];
  for (;;) {
    while (i < n && (s[i] === "," || isWs(s[i]))) i++;
    if (i >= n) break;
    const scheme = readToken();
    if (!scheme) throw invalid(`unexpected character at ${i}`);
    const challenge: AuthChallenge = { scheme: scheme.toLowerCase(), params: {} };
    out.push(challenge);
    if (i < n && !isWs(s[i]) && s[i] !== ",") throw invalid(`unexpected character after scheme at ${i}`);
    skipWs();
    if (i >= n || s[i] === ",") continue; // a scheme alone
    // token68 form: `Scheme abc==` followed by end or a comma
    const rest = s.slice(i);
    const t68 = TOKEN68.exec(rest);
    if (t68) {
      const after = rest.slice(t68[0].length).replace(/^[ \t]*/, "");
      if ((after === "" || after.startsWith(",")) && !/^[^=]+=[^=]/.test(t68[0])) {
        // `name=` alone is not a parameter (a value is required), so it is token68 too
        challenge.token68 = t68[0];
        i += t68[0].length;
        continue;
      }
    }
    // auth-params, comma separated; a token not followed by "=" starts the next challenge
    let first = true;
    while (i < n) {
      if (!first) {
        if (s[i] !== ",") throw invalid(`expected "," at ${i}`);
        while (i < n && (s[i] === "," || isWs(s[i]))) i++;
        if (i >= n) break;
      }
      const nameStart = i;
      const name = readToken();
      if (!name) throw invalid(`unexpected character at ${i}`);
      skipWs();
      if (s[i] !== "=") {
        // the start of another challenge
        if (first) throw invalid(`expected "=" after ${JSON.stringify(name)}`);
        i = nameStart;
        break;
      }
      i++;
      skipWs();
      const value = readValue();
      const key = name.toLowerCase();
      if (Object.prototype.hasOwnProperty.call(challenge.params, key)) throw invalid(`parameter ${key} given twice`);
      challenge.params[key] = value;
      skipWs();
      first = false;
    }
  }
  return out;
}

function bearerOf(header: string): AuthChallenge | undefined {
  return parseWwwAuthenticate(header).find((c) => c.scheme === "bearer");
}

/**
 * Derives scope and tenant from a Key Vault challenge header: scope is `resource + "/.default"`
 * (else `scope`), tenant is the first path segment of `authorization`/`authorization_uri`
 * (the second after `dstsv2`). Returns undefined for a header without a Bearer challenge that
 * names a resource or scope (a CAE challenge, for example).
 * @example
 * challengeFromHeader('Bearer authorization="https://login.microsoftonline.com/72f9", resource="https://vault.azure.net"')
 * // { scope: "https://vault.azure.net/.default", tenantId: "72f9", authorization: "https://login.microsoftonline.com/72f9" }
 */
export function challengeFromHeader(header: string): VaultChallenge | undefined {
  const bearer = bearerOf(header);
  if (!bearer) return undefined;
  const { resource, scope: rawScope } = bearer.params;
  const authorization = bearer.params.authorization ?? bearer.params.authorization_uri;
  let scope: string | undefined;
  if (resource) scope = scopeFromResource(resource);
  else if (rawScope) scope = rawScope.split(" ")[0];
  if (!scope) return undefined;
  const result: VaultChallenge = { scope };
  if (authorization) {
    result.authorization = authorization;
    const tenantId = tenantFromAuthorization(authorization);
    if (tenantId) result.tenantId = tenantId;
  }
  return result;
}

/** `https://vault.azure.net` → `https://vault.azure.net/.default` */
export function scopeFromResource(resource: string): string {
  if (resource.endsWith("/.default")) return resource;
  return resource.replace(/\/+$/, "") + "/.default";
}

/**
 * The tenant of an authorization URL: its first path segment; `dstsv2` takes the second.
 * Returns undefined when the URL does not parse or has no path.
 */
export function tenantFromAuthorization(authorization: string): string | undefined {
  let url: URL;
  try { url = new URL(authorization); } catch { return undefined; }
  const segments = url.pathname.split("/").filter(Boolean);
  const first = segments[0];
  if (first?.toLowerCase() === "dstsv2") return segments[1];
  return first;
}

/** A CAE challenge: `error="insufficient_claims"` with the claims decoded to their JSON text. */
export interface ClaimsChallenge {
  error: string;
  claims: string;
}

/**
 * Recognises a continuous-access-evaluation challenge and decodes its claims (standard base64,
 * padded or not). Returns undefined when the header is not one.
 * @example claimsChallengeFromHeader('Bearer realm="", error="insufficient_claims", claims="eyJ9"')
 */
export function claimsChallengeFromHeader(header: string): ClaimsChallenge | undefined {
  const bearer = bearerOf(header);
  if (!bearer || bearer.params.error !== "insufficient_claims" || !bearer.params.claims) return undefined;
  let claims: string;
  try {
    claims = utf8Decode(base64UrlDecode(bearer.params.claims));
    JSON.parse(claims);
  } catch {
    throw invalid("claims are not base64 of JSON");
  }
  return { error: bearer.params.error, claims };
}

const BAD_AUTHORITY = /[@%\\\s\u0000-\u001f\u007f]/;

function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

/** Loopback hosts: `localhost`, `127.0.0.0/8`, `[::1]`. */
export { isLoopbackHost };

/**
 * Checks that a challenge's resource (or scope) may receive a token for `vaultUrl`: https only
 * (http only for loopback with `allowInsecureLoopback`), no userinfo, `%`, `\`, spaces or control
 * characters in its authority, and the vault's host equal to the resource's host or a subdomain of it.
 * Throws `KeyVaultClientError` `ERR_CHALLENGE_RESOURCE`.
 * @example verifyChallengeResource("https://vault.azure.net/.default", "https://myvault.vault.azure.net") // ok
 */
export function verifyChallengeResource(scopeOrResource: string, vaultUrl: string | URL, options: { allowInsecureLoopback?: boolean } = {}): void {
  const refuse = (why: string) => new KeyVaultClientError("ERR_CHALLENGE_RESOURCE", `challenge resource refused: ${why}`);
  const m = /^([a-zA-Z][a-zA-Z0-9+.-]*):\/\/([^/?#]*)/.exec(scopeOrResource);
  if (!m) throw refuse("not an absolute URL");
  const authority = m[2]!;
  if (BAD_AUTHORITY.test(authority)) throw refuse("its authority holds userinfo or forbidden characters");
  let resource: URL;
  try { resource = new URL(scopeOrResource); } catch { throw refuse("not a valid URL"); }
  if (resource.username || resource.password) throw refuse("it holds userinfo");
  const vault = typeof vaultUrl === "string" ? new URL(vaultUrl) : vaultUrl;
  if (resource.protocol !== "https:") {
    const loopbackOk = options.allowInsecureLoopback && resource.protocol === "http:" && isLoopbackHost(resource.hostname);
    if (!loopbackOk) throw refuse("it is not https");
  }
  const rh = resource.hostname.toLowerCase();
  const vh = vault.hostname.toLowerCase();
  if (!rh) throw refuse("it has no host");
  if (vh !== rh && !vh.endsWith("." + rh)) throw refuse(`the vault host ${vh} is not ${rh} nor a subdomain of it`);
}

/** The cache key of an origin: scheme, lower-cased host, and the port unless it is the default. */
export function originKey(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url;
  return `${u.protocol}//${u.host.toLowerCase()}`;
}

// Process/isolate-wide: resolved values only (never in-flight promises, which hang on Workers
// when awaited from another request). Pinned to the origin that produced them.
const MAX_ENTRIES = 1000;
const cache = new Map<string, VaultChallenge>();

/** The challenge learned for an origin, if any. */
export function getCachedChallenge(url: string | URL): VaultChallenge | undefined {
  return cache.get(originKey(url));
}

/** Remembers a challenge for an origin (the cache is shared by every client in this isolate/process). */
export function setCachedChallenge(url: string | URL, challenge: VaultChallenge): void {
  const key = originKey(url);
  cache.delete(key);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { ...challenge });
}

/** Forgets one origin's challenge, or all of them. */
export function clearChallengeCache(url?: string | URL): void {
  if (url === undefined) cache.clear();
  else cache.delete(originKey(url));
}
