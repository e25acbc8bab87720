// createEmulator: one in-process Azure Key Vault (or Managed HSM) plus its Entra authority,
// served by a standard fetch function.
import { b64url, buf, randomBytes, utf8, uuid, hex } from "./bytes.js";
import { faultBody, Faults, seededRandom } from "./faults.js";
import { Authority, type ClientRegistration, type MintOptions } from "./identity/authority.js";
import { ManagedIdentityEndpoints, type ManagedIdentityInfo, type EmulatorManagedIdentityOptions } from "./identity/managed-identity.js";
import { VaultService } from "./vault/service.js";
import { SecretVault, type SecretPermission } from "./vault/secrets-router.js";

/** Options of createEmulator. Everything has a sensible default. */
export interface EmulatorOptions {
  /** Vault name: the vault is https://<name>.vault.azure.net (default: a random name). */
  name?: string;
  /** Emulate a Managed HSM (https://<name>.managedhsm.azure.net, AES keys, /rng). */
  managedHsm?: boolean;
  /** Tenant id (default: a random UUID). */
  tenantId?: string;
  /** The registered application's client id (default: a random UUID). */
  clientId?: string;
  /** The registered application's secret (default: random). */
  clientSecret?: string;
  /** Seed for fault probabilities, so runs repeat exactly. */
  seed?: number;
  /** Override the vault URL (e.g. https://127.0.0.1:8443 for a server). */
  vaultUrl?: string;
  /** Entra authority host (default https://login.microsoftonline.com). May equal the vault origin. */
  authorityHost?: string;
  /** Resource named in challenges and required as token audience (default by mode). */
  resource?: string;
  /** Soft-delete retention, 7..90 days (default 90, "Recoverable+Purgeable"). */
  recoverableDays?: number;
  /** Purge protection: purge answers 403 and recoveryLevel drops "+Purgeable". Default false. */
  purgeProtection?: boolean;
  /** Clock in ms since epoch (default Date.now); lets tests move time for nbf/exp. */
  now?: () => number;
  /** Access token lifetime in seconds (default 3599). */
  tokenLifetimeSeconds?: number;
  /** How long a deletion takes to show in /deletedkeys (eventual consistency), ms. Default 0. */
  deletionDelayMs?: number;
  /** Secret that seals backup blobs; emulators sharing it can restore each other's backups. */
  backupSecret?: string;
  /**
   * Serve a managed identity: IMDS (`http://169.254.169.254/metadata/identity/oauth2/token`) and
   * an App Service identity endpoint, handing out tokens for its client id. `true` for defaults.
   * Off by default.
   */
  managedIdentity?: boolean | EmulatorManagedIdentityOptions;
  /** Throttle secrets by the service's published limits: past 4,000 reads or 300 sets per 10 s, 429 Throttled. Default false. */
  serviceLimits?: boolean;
}

/** One line of the request log. */
export interface RequestLogEntry {
  method: string;
  url: string;
  /** HTTP status, or 0 when the fetch rejected (unknown host, dropped connection, abort). */
  status: number;
  /** Whether the request carried an Authorization header. */
  authorization: boolean;
  /** Which side served it. */
  target: "vault" | "authority" | "managedIdentity" | "none";
  /** Injected faults that hit this request, if any. */
  faults?: string[];
}

/** Key permissions of a Key Vault access policy. */
export type KeyPermission = "get" | "list" | "update" | "create" | "import" | "delete" | "recover" | "backup" | "restore"
  | "decrypt" | "encrypt" | "unwrapKey" | "wrapKey" | "verify" | "sign" | "purge" | "release" | "rotate" | "getrotationpolicy" | "setrotationpolicy";

/** A token request, as the core library's GetToken receives it. */
export interface EmulatorTokenRequest { scopes: string[]; tenantId?: string; claims?: string; signal?: AbortSignal }

/** Error thrown by Emulator.getToken when the authority refuses (no secret in the message). */
export class EmulatorTokenError extends Error {
  override name = "EmulatorTokenError";
  constructor(message: string, readonly code: string, readonly status: number) { super(message); }
}

/** The emulator returned by createEmulator. */
export interface Emulator {
  /** Standard fetch serving the vault and the authority in-process. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** https://<name>.vault.azure.net (or .managedhsm.azure.net). */
  readonly vaultUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://login.microsoftonline.com unless overridden. */
  readonly authorityHost: string;
  /** The resource the vault requires, e.g. https://vault.azure.net. */
  readonly resource: string;
  readonly managedHsm: boolean;
  /** Token provider with real tokens from the emulated authority (through `fetch`). */
  readonly getToken: (request: EmulatorTokenRequest) => Promise<{ token: string; expiresOnTimestamp: number }>;
  /** Every request served (or refused) so far. */
  readonly requests: RequestLogEntry[];
  /** Fault injection. */
  readonly faults: Faults;
  /** After this, every CAE-capable token (xms_cc cp1) issued before gets a CAE insufficient_claims challenge. */
  revokeSessions(): void;
  /**
   * Registers another application (a secret, RSA public keys for client assertions, and/or federated
   * credentials trusting an external issuer's tokens), optionally with an access policy.
   */
  registerClient(registration: ClientRegistration & { keyPermissions?: KeyPermission[]; secretPermissions?: SecretPermission[] }): void;
  /**
   * Sets the access policy of a client: the key permissions it has (undefined: all, the default).
   * Calls outside it get 403 Forbidden with innererror ForbiddenByPolicy, as from a vault using access policies.
   */
  setKeyPermissions(clientId: string, permissions: KeyPermission[] | undefined): void;
  /**
   * Sets the secret permissions of a client's access policy (undefined: all, the default), as setKeyPermissions does for keys.
   * @example emu.setSecretPermissions("reader-app", ["get", "list"]); // a set is then 403 ForbiddenByPolicy
   */
  setSecretPermissions(clientId: string, permissions: SecretPermission[] | undefined): void;
  /** Signs a token directly (tests: expired, foreign-audience or foreign-tenant tokens). */
  mintToken(options?: MintOptions): Promise<string>;
  /** Trusts an attestation authority (issuer URL and its RSA public keys) for key release. */
  trustAttestationAuthority(issuer: string, keys: JsonWebKey[]): void;
  /** The authority's current public signing keys (JWKS "keys"). */
  authorityKeys(): Promise<JsonWebKey[]>;
  /**
   * The managed identity, when created with `managedIdentity`: its ids and the endpoints (IMDS,
   * App Service) that give its tokens through `fetch`.
   * @example
   * const emu = createEmulator({ managedIdentity: true });
   * const mi = emu.managedIdentity!;
   * const getToken = fromManagedIdentity({ identityEndpoint: mi.identityEndpoint, identityHeader: mi.identityHeader, fetch: emu.fetch });
   */
  readonly managedIdentity: ManagedIdentityInfo | undefined;
}

const sleep = (ms: number, signal?: AbortSignal | null) => new Promise<void>((resolve, reject) => {
  if (signal?.aborted) return reject(signal.reason);
  const t = setTimeout(() => { signal?.removeEventListener("abort", onAbort); resolve(); }, ms);
  const onAbort = () => { clearTimeout(t); reject(signal!.reason); };
  signal?.addEventListener("abort", onAbort, { once: true });
});

const originOf = (u: string): string => new URL(u).origin.toLowerCase();

/**
 * Creates an in-process Azure Key Vault (keys) with a real Entra token authority.
 * Runs on Web APIs only: Node, Deno, Cloudflare Workers and browsers.
 * @example
 * const emu = createEmulator();
 * const client = new KeyVaultClient(emu.vaultUrl, { fetch: emu.fetch, getToken: emu.getToken });
 * await client.request("POST", "/keys/demo/create", { kty: "EC", crv: "P-256" });
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  const managedHsm = options.managedHsm ?? false;
  const name = options.name ?? `kvemu-${hex(randomBytes(5))}`;
  if (!options.vaultUrl && !/^[0-9a-zA-Z-]{3,24}$/.test(name)) throw new TypeError(`createEmulator: invalid vault name '${name}' (3-24 letters, digits and hyphens)`);
  const vaultUrl = (options.vaultUrl ?? `https://${name}.${managedHsm ? "managedhsm" : "vault"}.azure.net`).replace(/\/+$/, "");
  const authorityHost = (options.authorityHost ?? "https://login.microsoftonline.com").replace(/\/+$/, "");
  const tenantId = options.tenantId ?? uuid();
  const clientId = options.clientId ?? uuid();
  const clientSecret = options.clientSecret ?? `emu~${b64url(randomBytes(24))}`;
  const resource = options.resource ?? (managedHsm ? "https://managedhsm.azure.net" : "https://vault.azure.net");
  const recoverableDays = options.recoverableDays ?? 90;
  if (!(Number.isInteger(recoverableDays) && recoverableDays >= 7 && recoverableDays <= 90)) throw new RangeError("createEmulator: recoverableDays must be an integer from 7 to 90");
  const now = options.now ?? (() => Date.now());
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);

  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
  const authority = new Authority(authorityHost, tenantId, now, tokenLifetimeSeconds);
  authority.registerClient({ clientId, tenantId, clientSecret });
  const identity = options.managedIdentity
    ? new ManagedIdentityEndpoints(authority, options.managedIdentity === true ? {} : options.managedIdentity, tokenLifetimeSeconds, now)
    : undefined;

  const sealKeyPromise = options.backupSecret === undefined
    ? Promise.resolve(randomBytes(32))
    : crypto.subtle.digest("SHA-256", buf(utf8(`keyvault-fetch emulator backup:${options.backupSecret}`))).then((d) => new Uint8Array(d));
  let vault: VaultService | undefined;
  // Settings made before the vault exists (it is created on its first request).
  const pendingTrust = new Map<string, JsonWebKey[]>();
  const policies = new Map<string, Set<string>>();
  const secrets = new SecretVault({ url: vaultUrl, recoverableDays, purgeProtection: options.purgeProtection ?? false });
  secrets.serviceLimits = options.serviceLimits === true;
  const getVault = async () => {
    const sealKey = await sealKeyPromise;
    // Check and create with no await in between, so concurrent first requests share one vault.
    if (!vault) {
      vault = new VaultService({
        url: vaultUrl, managedHsm, tenantId, resource, recoverableDays, purgeProtection: options.purgeProtection ?? false, deletionDelayMs: options.deletionDelayMs ?? 0,
        authorityHost, now, sealKey, secrets,
      }, authority);
      for (const [k, p] of policies) vault.accessPolicies.set(k, p);
      for (const [iss, keys] of pendingTrust) vault.attestationAuthorities.set(iss, keys);
    }
    return vault;
  };

  const faults = new Faults(random);
  const requests: RequestLogEntry[] = [];
  const vaultOrigin = originOf(vaultUrl);
  const authorityOrigin = originOf(authorityHost);

  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const origin = url.origin.toLowerCase();
    const entry: RequestLogEntry = { method: request.method, url: request.url, status: 0, authorization: request.headers.has("authorization"), target: "none" };
    requests.push(entry);
    if (request.signal?.aborted) throw request.signal.reason;

    let target: "vault" | "authority" | "managedIdentity" | undefined;
    if (origin === authorityOrigin && (origin !== vaultOrigin || isIdentityPath(url.pathname))) target = "authority";
    else if (origin === vaultOrigin) target = "vault";
    else if (identity?.endpointOf(url)) target = "managedIdentity";
    if (!target) throw new TypeError(`fetch failed: the emulator serves only ${vaultUrl} and ${authorityHost}${identity ? " and its managed identity endpoints" : ""}, not ${url.origin}`);
    entry.target = target;

    // Faults aimed at the authority reach the managed identity endpoints too: both give tokens.
    const faultTarget = target === "vault" ? "vault" : "authority";
    const effect = faults.take(request, url.pathname, faultTarget);
    if (effect.names.length) entry.faults = effect.names;
    if (effect.latencyMs > 0) await sleep(effect.latencyMs, request.signal);
    if (effect.drop === "before") throw new TypeError("fetch failed: connection reset by peer (emulated fault)");
    if (effect.status) {
      const s = effect.status;
      const headers = new Headers({ "content-type": "application/json; charset=utf-8", "x-ms-request-id": uuid() });
      if (s.retryAfter !== undefined) headers.set("retry-after", String(s.retryAfter));
      if (s.retryAfterMs !== undefined) { headers.set("x-ms-retry-after-ms", String(s.retryAfterMs)); headers.set("retry-after-ms", String(s.retryAfterMs)); }
      const cid = request.headers.get("x-ms-client-request-id");
      if (cid) headers.set("x-ms-client-request-id", cid);
      entry.status = s.status!;
      return new Response(JSON.stringify(s.body ?? faultBody(s.status!, faultTarget)), { status: s.status, headers });
    }

    let response: Response;
    if (target === "managedIdentity") {
      response = await identity!.handle(request, url);
    } else if (target === "authority") {
      response = (await authority.handle(request, url)) ?? new Response(JSON.stringify({ error: "invalid_request", error_description: "AADSTS900561: The endpoint does not exist.", error_codes: [900561] }), { status: 404, headers: { "content-type": "application/json; charset=utf-8" } });
    } else {
      response = await (await getVault()).handle(request, url);
    }
    if (request.signal?.aborted) throw request.signal.reason;
    if (effect.drop === "after") throw new TypeError("fetch failed: connection reset by peer after the request was processed (emulated fault)");
    entry.status = response.status;
    if (effect.malformed && response.status !== 204 && response.status !== 304) {
      const text = await response.text();
      return new Response(text.length > 1 ? text.slice(0, Math.floor(text.length / 2)) : "{", { status: response.status, headers: response.headers });
    }
    return response;
  }

  const emuFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const request = new Request(input, init);
    return serve(request);
  };

  function setKeyPermissions(id: string, permissions: KeyPermission[] | undefined): void {
    const key = id.toLowerCase();
    const set = permissions && new Set(permissions.map((p) => p.toLowerCase()));
    if (set) policies.set(key, set); else policies.delete(key);
    if (vault) { if (set) vault.accessPolicies.set(key, set); else vault.accessPolicies.delete(key); }
  }

  const getToken = async (req: EmulatorTokenRequest) => {
    const form = new URLSearchParams({ grant_type: "client_credentials", client_id: clientId, client_secret: clientSecret, scope: req.scopes.join(" ") });
    // Like the official credentials, ask for CAE-capable tokens (client capability cp1).
    form.set("claims", withCapability(req.claims));
    const res = await emuFetch(`${authorityHost}/${req.tenantId ?? tenantId}/oauth2/v2.0/token`, {
      method: "POST", body: form, headers: { "content-type": "application/x-www-form-urlencoded" }, signal: req.signal,
    });
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!res.ok || typeof json?.access_token !== "string") {
      throw new EmulatorTokenError(String(json?.error_description ?? `token request failed with HTTP ${res.status}`), String(json?.error ?? `HTTP_${res.status}`), res.status);
    }
    return { token: json.access_token, expiresOnTimestamp: now() + Number(json.expires_in) * 1000 };
  };

  return {
    fetch: emuFetch,
    vaultUrl, tenantId, clientId, clientSecret, authorityHost, resource, managedHsm,
    getToken, requests, faults,
    revokeSessions: () => authority.revokeSessions(),
    registerClient: (r) => {
      authority.registerClient(r);
      if (r.keyPermissions) setKeyPermissions(r.clientId, r.keyPermissions);
      if (r.secretPermissions) secrets.setPermissions(r.clientId, r.secretPermissions);
    },
    setKeyPermissions,
    setSecretPermissions: (id, permissions) => secrets.setPermissions(id, permissions),
    mintToken: async (o) => (await authority.mintToken({ audience: resource, tenantId, clientId, ...o })).token,
    trustAttestationAuthority: (issuer, keys) => {
      pendingTrust.set(issuer, keys);
      vault?.attestationAuthorities.set(issuer, keys);
    },
    authorityKeys: () => authority.jwks(),
    managedIdentity: identity?.info,
  };
}

/** Paths the authority serves (needed when the authority and the vault share one origin). */
function isIdentityPath(path: string): boolean {
  return /\/(oauth2\/(v2\.0\/)?token|v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/(v2\.0\/)?keys|discovery\/instance)$/i.test(path);
}

/** Claims may arrive as JSON or as the base64 a CAE challenge carries; cp1 is merged in. */
function withCapability(claims: string | undefined): string {
  let parsed: Record<string, any> = {};
  const t = claims?.trim() ?? "";
  if (t) {
    let json = t;
    if (!t.startsWith("{")) {
      try {
        const bin = atob(t.replace(/-/g, "+").replace(/_/g, "/") + "===".slice(0, (4 - (t.length % 4)) % 4));
        json = new TextDecoder().decode(Uint8Array.from(bin, (c) => c.charCodeAt(0)));
      } catch { /* sent as is; the authority answers invalid_request */ }
    }
    try { parsed = JSON.parse(json); } catch { return t; }
  }
  return JSON.stringify({ ...parsed, access_token: { ...parsed.access_token, xms_cc: { values: ["cp1"] } } });
}
