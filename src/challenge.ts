// The Key Vault challenge protocol: parse WWW-Authenticate (RFC 7235), derive scope and tenant,
// verify the resource against the vault's host, and remember what was learned per origin.
import { KeyVaultClientError } from "./errors.js";

/**
 * One challenge of a `WWW-Authenticate` header. Scheme and parameter names are lower-cased.
 * @example
 * const [bearer]: AuthChallenge[] = parseWwwAuthenticate('Bearer authorization="https://login.microsoftonline.com/72f9", resource="https://vault.azure.net"');
 * bearer?.params.resource; // "https://vault.azure.net"
 */
export interface AuthChallenge {
  scheme: string;
  params: Record<string, string>;
  token68?: string;
}

/**
 * What a client needs to answer a Key Vault challenge.
 * @example
 * const challenge: VaultChallenge = { scope: "https://vault.azure.net/.default", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" };
 * const client = new KeyVaultClient("https://kv-proxy.example.com", { getToken, vaultOrigin: "https://myvault.vault.azure.net", challenge });
 */
export interface VaultChallenge {
  /** e.g. `https://vault.azure.net/.default` */
  scope: string;
  tenantId?: string;
  /** the authorization (authority) URL the challenge named */
  authorization?: string;
}

const MAX_HEADER = 16_384;
// One list element at the parser's position (sticky): an optional comma, a token, then either
// `= value` (quoted, or bare: servers send bare URLs, which are not RFC tokens) or a token68;
// or else only spaces and commas up to the end (no name: the header is done).
const STEP =
  /[ \t]*(,[ \t,]*)?([\w!#$%&'*+.^`|~-]+)(?:[ \t]*(=)[ \t]*(?:"((?:[^"\\]|\\[\s\S])*)"|([^\s,"]+))?|[ \t]+([\w.~+/-]+=*)(?=[ \t]*(?:,|$)))?|[ \t,]*$/y;

function invalid(message: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_CHALLENGE_INVALID", `WWW-Authenticate: ${message}`);
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
  if (typeof header !== "string" || header.length > MAX_HEADER) throw invalid("not a string, or too long");
  const out: AuthChallenge[] = [];
  let current: AuthChallenge | undefined;
  // 0: an element may start here; 1: after a bare scheme (its first parameter may follow a space);
  // 2: after a parameter or token68 (only a comma may follow)
  let state = 0;
  let i = 0;
  // Positions only, never the text: a hostile header may hold a token.
  const fail = (what: string) => invalid(`${what} at ${i}`);
  for (;;) {
    STEP.lastIndex = i;
    const m = STEP.exec(header);
    if (!m) throw fail("unexpected character");
    i = STEP.lastIndex;
    const [, comma, name, eq, quoted, bare, token68] = m as unknown as (string | undefined)[];
    if (!name) return out;
    const free = comma !== undefined || state === 0;
    if (eq) {
      if (!current || !(free || state === 1)) throw fail("unexpected parameter");
      const value = quoted !== undefined ? quoted.replace(/\\([\s\S])/g, "$1") : bare;
      if (value === undefined) throw fail("parameter without a value");
      const key = name.toLowerCase();
      if (Object.hasOwn(current.params, key)) throw fail("parameter given twice");
      current.params[key] = value;
      state = 2;
    } else {
      if (!free) throw fail('expected ","');
      // No prototype: a parameter named "constructor" or "__proto__" is just a parameter.
      out.push((current = { scheme: name.toLowerCase(), params: Object.create(null) as Record<string, string> }));
      if (token68) current.token68 = token68;
      state = token68 ? 2 : 1;
    }
  }
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
  const { resource, scope: rawScope, authorization = bearer.params.authorization_uri } = bearer.params;
  const scope = resource ? scopeFromResource(resource) : rawScope?.split(" ")[0];
  if (!scope) return undefined;
  const result: VaultChallenge = { scope };
  if (authorization) {
    result.authorization = authorization;
    const tenantId = tenantFromAuthorization(authorization);
    if (tenantId) result.tenantId = tenantId;
  }
  return result;
}

/**
 * `https://vault.azure.net` → `https://vault.azure.net/.default`
 * @example
 * scopeFromResource("https://vault.azure.net"); // "https://vault.azure.net/.default"
 */
export function scopeFromResource(resource: string): string {
  if (resource.endsWith("/.default")) return resource;
  return resource.replace(/\/+$/, "") + "/.default";
}

/**
 * The tenant of an authorization URL: its first path segment; `dstsv2` takes the second.
 * Returns undefined when the URL does not parse or has no path.
 * @example
 * tenantFromAuthorization("https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47"); // "72f988bf-…"
 */
export function tenantFromAuthorization(authorization: string): string | undefined {
  try {
    const [first, second] = new URL(authorization).pathname.split("/").filter(Boolean);
    return first?.toLowerCase() === "dstsv2" ? second : first;
  } catch {
    return undefined;
  }
}

/**
 * A CAE challenge: `error="insufficient_claims"` with the claims decoded to their JSON text.
 * @example
 * const res = await client.fetch("/keys");
 * const cae: ClaimsChallenge | undefined = claimsChallengeFromHeader(res.headers.get("www-authenticate") ?? "");
 * if (cae) console.log("the vault wants a token with", cae.claims);
 */
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
    // atob is forgiving about missing padding; the claims are UTF-8 JSON
    const binary = atob(bearer.params.claims.replace(/-/g, "+").replace(/_/g, "/"));
    claims = new TextDecoder("utf-8", { fatal: true }).decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
    JSON.parse(claims);
  } catch {
    throw invalid("claims are not base64 of JSON");
  }
  return { error: bearer.params.error, claims };
}

/**
 * Loopback hosts: `localhost`, `127.0.0.0/8`, `[::1]`.
 * @example
 * isLoopbackHost("127.0.0.1"); // true: allowInsecureLoopback may allow http:// here
 * isLoopbackHost("10.0.0.2");  // false
 */
export function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}

// One absolute URL and nothing else: scheme, a plain authority (no userinfo, %, \\, spaces or
// control characters), then path characters without spaces, query or fragment.
const SCOPE = /^([a-z][a-z\d+.-]*):\/\/([^\s/?#@%\\]+)(\/[^\s?#\\]*)?$/i;

/**
 * Checks that a challenge's scope (or resource), exactly as it will be sent to the token provider,
 * may receive a token for `vaultUrl`: one absolute URL with no spaces, https (http only for loopback
 * with `allowInsecureLoopback`), no userinfo, `%`, `\\` or control characters in its authority, and
 * the vault's host equal to its host or a subdomain of it. Throws `ERR_CHALLENGE_RESOURCE`.
 * @example verifyChallengeResource("https://vault.azure.net/.default", "https://myvault.vault.azure.net") // ok
 */
export function verifyChallengeResource(
  scopeOrResource: string,
  vaultUrl: string | URL,
  options: { allowInsecureLoopback?: boolean } = {},
): void {
  const why = refusal(scopeOrResource, new URL(vaultUrl).hostname, options.allowInsecureLoopback === true);
  if (why) throw new KeyVaultClientError("ERR_CHALLENGE_RESOURCE", `resource refused: ${why}`);
}

/** Why a scope may not receive a token for a vault host, or "" when it may. */
function refusal(scope: string, vaultHost: string, loopback: boolean): string {
  const m = SCOPE.exec(scope);
  let url: URL | undefined;
  try {
    url = m ? new URL(scope) : undefined;
  } catch {}
  if (!url) return "not a plain absolute URL";
  const host = url.hostname;
  // The parser must agree with what we read: the host we check is the host the token is for.
  if (!host || m![2]!.toLowerCase().replace(/:\d*$/, "") !== host) return "its host is ambiguous";
  if (url.protocol !== "https:" && !(loopback && url.protocol === "http:" && isLoopbackHost(host))) return "not https";
  const vh = vaultHost.toLowerCase();
  if (vh !== host && !vh.endsWith("." + host)) return `${vh} is not within ${host}`;
  return "";
}

/** The cache key of an origin: scheme, lower-cased host, and the port unless it is the default. */
export function originKey(url: string | URL): string {
  const u = typeof url === "string" ? new URL(url) : url; // a URL is not parsed again
  return `${u.protocol}//${u.host.toLowerCase()}`;
}

/**
 * How far a cached challenge was found acceptable, whoever learned it: 2 passes resource verification,
 * 1 passes it only with `allowInsecureLoopback`, 0 passes neither. A client uses a cached challenge
 * only at the level it would itself require, so a client that turned verification off can never
 * make a stricter client use what it learned.
 */
export type ChallengeLevel = 0 | 1 | 2;

interface CacheEntry {
  challenge: VaultChallenge;
  level: ChallengeLevel;
}

// Process/isolate-wide: resolved values only (never in-flight promises, which hang on Workers
// when awaited from another request). Pinned to the origin that produced them.
const MAX_ENTRIES = 1000;
const cache = new Map<string, CacheEntry>();

/** The level of a challenge for a vault host (see {@link ChallengeLevel}). */
export function challengeLevel(challenge: VaultChallenge, vaultHost: string): ChallengeLevel {
  return !refusal(challenge.scope, vaultHost, false) ? 2 : !refusal(challenge.scope, vaultHost, true) ? 1 : 0;
}

/** @internal A cached challenge for a cache key, if its level is at least `level`. */
export function knownChallenge(key: string, level: ChallengeLevel): VaultChallenge | undefined {
  const entry = cache.get(key);
  return entry && entry.level >= level ? entry.challenge : undefined;
}

/** @internal Caches a challenge under a key, with its level for `vaultHost`. */
export function rememberChallenge(key: string, challenge: VaultChallenge, vaultHost: string): void {
  cache.delete(key);
  if (cache.size >= MAX_ENTRIES) cache.delete(cache.keys().next().value as string);
  cache.set(key, { challenge: { ...challenge }, level: challengeLevel(challenge, vaultHost) });
}

/**
 * The challenge learned for an origin, if any (whether or not it passed verification).
 * @example
 * await client.fetch("/keys");
 * getCachedChallenge(client.vaultUrl); // { scope: "https://vault.azure.net/.default", tenantId, authorization }
 */
export function getCachedChallenge(url: string | URL): VaultChallenge | undefined {
  const entry = cache.get(originKey(url));
  return entry && { ...entry.challenge };
}

/**
 * Remembers a challenge for an origin (the cache is shared by every client in this isolate/process).
 * It is verified against the origin's host when used: a client that verifies challenges ignores it
 * unless it passes.
 * @example
 * // learned once (e.g. at deploy time): no discovery round trip for any client of this isolate
 * setCachedChallenge("https://myvault.vault.azure.net", { scope: "https://vault.azure.net/.default", tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47" });
 */
export function setCachedChallenge(url: string | URL, challenge: VaultChallenge): void {
  rememberChallenge(originKey(url), challenge, new URL(url).hostname);
}

/**
 * Forgets one origin's challenge, or all of them.
 * @example
 * clearChallengeCache("https://myvault.vault.azure.net"); // that vault is discovered again on the next call
 * clearChallengeCache();                                   // every origin (e.g. between tests)
 */
export function clearChallengeCache(url?: string | URL): void {
  if (url === undefined) cache.clear();
  else cache.delete(originKey(url));
}
