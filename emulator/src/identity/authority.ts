// The emulated Entra ID authority: token endpoint (client credentials with a secret or a
// client assertion), OpenID metadata, JWKS and instance discovery. Access tokens are RS256
// JWTs shaped like Entra v1 tokens, which is what Key Vault receives.
import { b64std, b64url, randomBytes, uuid } from "../bytes.js";
import {
  checkFederatedAssertion,
  storeFederatedCredential,
  type FederatedCredential,
  type StoredFederatedCredential,
} from "./federation.js";
import { decodeJwt, signJwt, verifyJwt, type DecodedJwt } from "./jwt.js";
import { InteractiveSignIn } from "./authorize.js";
import { inputError } from "../errors.js";
import type { Jwk, JwkInput } from "../jwk.js";

/**
 * A registered application (service principal) that may ask for tokens.
 * @example
 * const reader: ClientRegistration = { clientId: "reader-app", clientSecret: "s3cret" };
 * emu.registerClient({ ...reader, keyPermissions: ["get", "verify"] });
 */
export interface ClientRegistration {
  /** Application (client) id. */
  clientId: string;
  /** Tenant the application lives in (default: the emulator's tenant). */
  tenantId?: string;
  /** Accepted client secret, if any. */
  clientSecret?: string;
  /** Public keys (RSA JWK) whose private keys may sign client assertions. */
  publicKeyJwk?: JwkInput | JwkInput[];
  /**
   * Workload identity federation: external issuers whose tokens (for the given subject and
   * audience) the app accepts as client assertions.
   */
  federatedCredentials?: FederatedCredential[];
  /** Redirect URIs of a single-page app: users sign in for it with the authorization-code flow and PKCE. */
  redirectUris?: string[];
}

interface Client {
  clientId: string;
  tenantId: string;
  secret?: string;
  keys: JsonWebKey[];
  federated: StoredFederatedCredential[];
  objectId: string;
}

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JsonWebKey /** kept for saving the authority's state */;
  privateJwk: JsonWebKey;
}

/** The authority's state that outlives a restart: its signing keys and the tokens it issued. */
export interface AuthorityState {
  signingKeys: { kid: string; privateJwk: JsonWebKey }[];
  /** [uti, serial, exp] of each token still valid (revocation is judged by serial). */
  issued: [string, number, number][];
  serial: number;
  revokedThrough: number;
  revokedAt: number;
}

/**
 * What minting a token may override (tests use it to build expired or foreign tokens).
 * @example
 * const expired: MintOptions = { expiresInSeconds: -60 };
 * const token = await emu.mintToken(expired); // a test of the 401 an expired token gets
 */
export interface MintOptions {
  tenantId?: string;
  clientId?: string;
  /** Token audience, e.g. "https://vault.azure.net". */
  audience?: string;
  /** Lifetime from now in seconds (negative gives an expired token). Default 3599. */
  expiresInSeconds?: number;
  /** nbf relative to now in seconds. Default 0. */
  notBeforeSeconds?: number;
  /** Extra or replacing claims. */
  claims?: Record<string, unknown>;
  /** Mark the token CAE-capable (xms_cc: ["CP1"]), as tokens for CAE-capable clients are. Default true. */
  caeCapable?: boolean;
}

/** Why an access token was refused. */
export type TokenProblem = "malformed" | "unknown-key" | "signature" | "expired" | "not-yet-valid" | "audience" | "issuer" | "revoked";

/** Result of checking a bearer token. */
export type TokenCheck =
  | { ok: true; claims: Record<string, unknown> }
  | { ok: false; problem: TokenProblem; claims?: Record<string, unknown> };

const ASSERTION_TYPE = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/** The emulated Entra authority. One per emulator. */
export class Authority {
  readonly host: string;
  private readonly clients = new Map<string, Client>();
  private readonly tenants = new Set<string>();
  private readonly signingKeys: SigningKey[] = [];
  private readonly issued = new Map<string, { serial: number; exp: number }>();
  private serial = 0;
  private revokedThrough = 0;
  private revokedAt = 0;
  /** Hears every change worth saving (a key made, a token issued, sessions revoked). */
  onChange: () => void = () => {};
  private readonly spaRedirects = new Map<string, string[]>();
  private readonly signIn = new InteractiveSignIn({
    host: () => this.host,
    knownTenant: (t) => this.knownTenant(t),
    now: () => this.now(),
    lifetimeSeconds: () => this.tokenLifetimeSeconds,
    redirectUris: (t, id) =>
      this.clients.has(`${t.toLowerCase()}|${id.toLowerCase()}`)
        ? (this.spaRedirects.get(`${t.toLowerCase()}|${id.toLowerCase()}`) ?? [])
        : undefined,
    mintToken: (o) => this.mintToken(o),
    signJws: (p) => this.signJws(p),
  });

  constructor(
    authorityHost: string,
    readonly tenantId: string,
    private readonly now: () => number,
    private readonly tokenLifetimeSeconds = 3599,
    private readonly clockSkewSeconds = 300,
  ) {
    this.host = authorityHost.replace(/\/+$/, "");
    this.tenants.add(tenantId.toLowerCase());
  }

  /** Registers an application; tokens for it can then be requested. */
  registerClient(reg: ClientRegistration): void {
    if (!reg.clientId) throw inputError("registerClient: clientId is required");
    if (!reg.clientSecret && !reg.publicKeyJwk && !reg.federatedCredentials?.length && !reg.redirectUris?.length)
      throw inputError("registerClient: give clientSecret, publicKeyJwk, federatedCredentials and/or redirectUris");
    const tenantId = (reg.tenantId ?? this.tenantId).toLowerCase();
    this.tenants.add(tenantId);
    const keys = reg.publicKeyJwk === undefined ? [] : Array.isArray(reg.publicKeyJwk) ? reg.publicKeyJwk : [reg.publicKeyJwk];
    for (const k of keys) if (k.kty !== "RSA" || !k.n || !k.e) throw inputError("registerClient: publicKeyJwk must be an RSA public JWK");
    const federated = (reg.federatedCredentials ?? []).map(storeFederatedCredential);
    const existing = this.clients.get(`${tenantId}|${reg.clientId.toLowerCase()}`);
    if (reg.redirectUris?.length) this.spaRedirects.set(`${tenantId}|${reg.clientId.toLowerCase()}`, [...reg.redirectUris]);
    this.clients.set(`${tenantId}|${reg.clientId.toLowerCase()}`, {
      clientId: reg.clientId,
      tenantId,
      secret: reg.clientSecret,
      keys: keys.map((k) => ({ kty: "RSA", n: k.n, e: k.e })),
      federated,
      objectId: existing?.objectId ?? uuid(),
    });
  }

  /**
   * Registers an identity that has no credential of its own (a managed identity: its tokens come
   * from the identity endpoints, never from the token endpoint). Returns its object id.
   */
  registerIdentity(clientId: string, tenantId = this.tenantId): string {
    const key = `${tenantId.toLowerCase()}|${clientId.toLowerCase()}`;
    const existing = this.clients.get(key);
    if (existing) return existing.objectId;
    const objectId = uuid();
    this.clients.set(key, { clientId, tenantId: tenantId.toLowerCase(), keys: [], federated: [], objectId });
    return objectId;
  }

  /** Every CAE-capable token issued so far fails with a CAE challenge from now on. */
  revokeSessions(): void {
    this.revokedThrough = this.serial;
    this.revokedAt = Math.floor(this.now() / 1000);
    this.onChange();
  }

  /** Forgets issued tokens that have expired (past the clock skew too): they fail on lifetime anyway. */
  pruneIssued(): number {
    const now = Math.floor(this.now() / 1000);
    let n = 0;
    for (const [uti, t] of this.issued)
      if (t.exp + this.clockSkewSeconds < now) {
        this.issued.delete(uti);
        n++;
      }
    if (n) this.onChange();
    return n;
  }

  /** The state to save (signing keys with their private halves, issued tokens, revocation). */
  exportState(): AuthorityState {
    return {
      signingKeys: this.signingKeys.map((k) => ({ kid: k.kid, privateJwk: k.privateJwk })),
      issued: [...this.issued].map(([uti, t]) => [uti, t.serial, t.exp]),
      serial: this.serial,
      revokedThrough: this.revokedThrough,
      revokedAt: this.revokedAt,
    };
  }

  /** Restores saved state: tokens issued before a restart stay valid (and revocable). */
  async importState(state: AuthorityState): Promise<void> {
    const keys: SigningKey[] = [];
    for (const k of state.signingKeys) {
      const privateKey = await crypto.subtle.importKey("jwk", k.privateJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, false, [
        "sign",
      ]);
      keys.push({ kid: k.kid, privateKey, privateJwk: k.privateJwk, publicJwk: { kty: "RSA", n: k.privateJwk.n, e: k.privateJwk.e } });
    }
    this.signingKeys.length = 0;
    this.signingKeys.push(...keys);
    this.issued.clear();
    for (const [uti, serial, exp] of state.issued) this.issued.set(uti, { serial, exp });
    this.serial = state.serial;
    this.revokedThrough = state.revokedThrough;
    this.revokedAt = state.revokedAt;
  }

  /** The claims challenge Key Vault sends after a revocation (standard base64 of JSON). */
  caeClaims(): string {
    const json = JSON.stringify({
      access_token: { nbf: { essential: true, value: String(this.revokedAt) }, xms_caeerror: { value: "10012" } },
    });
    return btoa(json);
  }

  /** The v1 issuer Key Vault expects for a tenant. */
  issuerFor(tenantId: string): string {
    return `https://sts.windows.net/${tenantId}/`;
  }

  private async signingKey(): Promise<SigningKey> {
    const first = this.signingKeys[0];
    if (first) return first;
    // Concurrent first requests share one key generation. (Inside a deployed Worker serving
    // several requests, only requests arriving during these few milliseconds share the promise.)
    this.keyInFlight ??= this.generateSigningKey().finally(() => {
      this.keyInFlight = undefined;
    });
    return this.keyInFlight;
  }

  private keyInFlight: Promise<SigningKey> | undefined;

  private async generateSigningKey(): Promise<SigningKey> {
    const pair = (await crypto.subtle.generateKey(
      { name: "RSASSA-PKCS1-v1_5", modulusLength: 2048, publicExponent: new Uint8Array([1, 0, 1]), hash: "SHA-256" },
      true,
      ["sign", "verify"],
    )) as CryptoKeyPair;
    const jwk = await crypto.subtle.exportKey("jwk", pair.privateKey);
    const privateJwk: JsonWebKey = { kty: "RSA", n: jwk.n, e: jwk.e, d: jwk.d, p: jwk.p, q: jwk.q, dp: jwk.dp, dq: jwk.dq, qi: jwk.qi };
    const key: SigningKey = {
      kid: b64url(randomBytes(20)),
      privateKey: pair.privateKey,
      publicJwk: { kty: "RSA", n: jwk.n, e: jwk.e },
      privateJwk,
    };
    this.signingKeys.push(key);
    this.onChange();
    return key;
  }

  /** Issues a signed access token directly (the token endpoint uses this too). */
  async mintToken(opts: MintOptions = {}): Promise<{ token: string; expiresOn: number }> {
    const tenantId = opts.tenantId ?? this.tenantId;
    const clientId = opts.clientId ?? "00000000-0000-0000-0000-000000000000";
    const client = this.clients.get(`${tenantId.toLowerCase()}|${clientId.toLowerCase()}`);
    const now = Math.floor(this.now() / 1000);
    const exp = now + (opts.expiresInSeconds ?? this.tokenLifetimeSeconds);
    const uti = b64url(randomBytes(16));
    this.issued.set(uti, { serial: ++this.serial, exp });
    const oid = client?.objectId ?? uuid();
    const claims: Record<string, unknown> = {
      aud: opts.audience ?? "https://vault.azure.net",
      iss: this.issuerFor(tenantId),
      iat: now,
      nbf: now + (opts.notBeforeSeconds ?? 0),
      exp,
      appid: clientId,
      appidacr: "1",
      idp: this.issuerFor(tenantId),
      oid,
      sub: oid,
      tid: tenantId,
      uti,
      ver: "1.0",
      ...((opts.caeCapable ?? true) ? { xms_cc: ["CP1"] } : {}),
      ...opts.claims,
    };
    const key = await this.signingKey();
    const token = await signJwt({ typ: "JWT", alg: "RS256", x5t: key.kid, kid: key.kid }, claims, key.privateKey);
    this.onChange();
    return { token, expiresOn: exp };
  }

  /** Signs any payload as an RS256 JWS with the authority's key (release answers, attestation). */
  async signJws(payload: Record<string, unknown>): Promise<string> {
    const key = await this.signingKey();
    return signJwt({ alg: "RS256", kid: key.kid, x5t: key.kid, typ: "JWT" }, payload, key.privateKey);
  }

  /** The authority's public signing key as a PEM SubjectPublicKeyInfo. */
  async signerPem(): Promise<string> {
    const key = await this.signingKey();
    const pub = await crypto.subtle.importKey("jwk", key.publicJwk, { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256" }, true, ["verify"]);
    const der = b64std(new Uint8Array(await crypto.subtle.exportKey("spki", pub)));
    return `-----BEGIN PUBLIC KEY-----\n${der.replace(/(.{64})/g, "$1\n").replace(/\n$/, "")}\n-----END PUBLIC KEY-----\n`;
  }

  /** The authority's public signing keys (JWKS "keys"). */
  async jwks(): Promise<(Jwk & { kid: string })[]> {
    await this.signingKey();
    return this.signingKeys.map(
      (k) => ({ kty: "RSA", use: "sig", kid: k.kid, n: k.publicJwk.n, e: k.publicJwk.e }) as Jwk & { kid: string },
    );
  }

  /** Checks signature, lifetime and revocation; audience/issuer are checked by the caller's rules. */
  async checkToken(token: string, expected: { audiences: string[]; tenantId: string }): Promise<TokenCheck> {
    const jwt = decodeJwt(token);
    if (!jwt || jwt.header.alg !== "RS256") return { ok: false, problem: "malformed" };
    const key = this.signingKeys.find((k) => k.kid === jwt.header.kid);
    if (!key) return { ok: false, problem: "unknown-key" };
    if (!(await verifyJwt(jwt, key.publicJwk))) return { ok: false, problem: "signature" };
    const c = jwt.payload;
    const now = Math.floor(this.now() / 1000);
    if (typeof c.exp !== "number" || c.exp + this.clockSkewSeconds <= now) return { ok: false, problem: "expired", claims: c };
    if (typeof c.nbf === "number" && c.nbf - this.clockSkewSeconds > now) return { ok: false, problem: "not-yet-valid", claims: c };
    // Exact audience, as Key Vault checks it ("https://vault.azure.net/" is refused too).
    const aud = String(c.aud ?? "").toLowerCase();
    if (!expected.audiences.some((a) => a.toLowerCase() === aud)) return { ok: false, problem: "audience", claims: c };
    if (String(c.iss ?? "").toLowerCase() !== this.issuerFor(expected.tenantId).toLowerCase())
      return { ok: false, problem: "issuer", claims: c };
    // Revocation reaches only CAE-capable tokens (xms_cc cp1): a resource sends claims
    // challenges only to clients that said they can answer them; others live until they expire.
    const serial = this.issued.get(String(c.uti))?.serial;
    const caeCapable = JSON.stringify(c.xms_cc ?? "")
      .toUpperCase()
      .includes("CP1");
    if (serial === undefined || (caeCapable && serial <= this.revokedThrough)) return { ok: false, problem: "revoked", claims: c };
    return { ok: true, claims: c };
  }

  /** Serves an identity route, or returns undefined when the path is not one. */
  async handle(request: Request, url: URL): Promise<Response | undefined> {
    const seg = url.pathname.split("/").filter(Boolean);
    const tenant = seg[0] ?? "";
    const rest = seg.slice(1).join("/").toLowerCase();
    if (request.method === "GET" && tenant.toLowerCase() === "common" && rest === "discovery/instance") return this.instanceDiscovery(url);
    if (request.method === "GET" && (rest === "v2.0/.well-known/openid-configuration" || rest === ".well-known/openid-configuration")) {
      if (!this.knownTenant(tenant))
        return entraError(
          400,
          "invalid_tenant",
          90002,
          `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud.`,
        );
      return json(200, this.openIdConfiguration(tenant));
    }
    if (request.method === "GET" && (rest === "discovery/v2.0/keys" || rest === "discovery/keys")) {
      await this.signingKey();
      return json(200, {
        keys: this.signingKeys.map((k) => ({ kty: "RSA", use: "sig", kid: k.kid, x5t: k.kid, n: k.publicJwk.n, e: k.publicJwk.e })),
      });
    }
    if (rest === "oauth2/v2.0/authorize" && (request.method === "GET" || request.method === "POST"))
      return this.signIn.authorize(request, url, tenant);
    if (rest === "oauth2/v2.0/token" || rest === "oauth2/token") {
      if (request.method !== "POST") return entraError(405, "invalid_request", 900561, "The endpoint only accepts POST requests.");
      return this.token(request, tenant, rest === "oauth2/token");
    }
    return undefined;
  }

  private knownTenant(tenant: string): boolean {
    return this.tenants.has(tenant.toLowerCase());
  }

  private openIdConfiguration(tenant: string): Record<string, unknown> {
    const base = `${this.host}/${tenant}`;
    return {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${base}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      userinfo_endpoint: `${this.host}/oidc/userinfo`,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      http_logout_supported: true,
      frontchannel_logout_supported: true,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      claims_supported: ["sub", "iss", "cloud_instance_name", "aud", "exp", "iat", "auth_time", "acr", "nonce", "tid", "ver"],
      kerberos_endpoint: `${base}/kerberos`,
      tenant_region_scope: "WW",
      cloud_instance_name: "microsoftonline.com",
      cloud_graph_host_name: "graph.windows.net",
      msgraph_host: "graph.microsoft.com",
      rbac_url: "https://pas.windows.net",
    };
  }

  private instanceDiscovery(url: URL): Response {
    const host = new URL(this.host).host;
    const authz = url.searchParams.get("authorization_endpoint") ?? `${this.host}/common/oauth2/v2.0/authorize`;
    const tenant = authz.split("/").filter(Boolean)[2] ?? "common";
    return json(200, {
      tenant_discovery_endpoint: `${this.host}/${tenant}/v2.0/.well-known/openid-configuration`,
      "api-version": "1.1",
      metadata: [{ preferred_network: host, preferred_cache: host, aliases: [host] }],
    });
  }

  private async token(request: Request, tenant: string, v1: boolean): Promise<Response> {
    let form: URLSearchParams;
    try {
      form = new URLSearchParams(await request.text());
    } catch {
      return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    }
    if (!this.knownTenant(tenant))
      return entraError(
        400,
        "invalid_request",
        90002,
        `Tenant '${tenant}' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant.`,
      );
    const grant = form.get("grant_type");
    if (!grant) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'grant_type'.");
    if (!v1 && (grant === "authorization_code" || grant === "refresh_token")) return this.signIn.redeem(request, form, tenant);
    if (grant !== "client_credentials")
      return entraError(400, "unsupported_grant_type", 70003, `The app requested an unsupported grant type '${grant}'.`);

    // client_secret_basic carries the id and secret in the Authorization header.
    let clientId = form.get("client_id");
    let secret = form.get("client_secret");
    const basic = /^basic\s+(.+)$/i.exec(request.headers.get("authorization") ?? "");
    if (basic) {
      try {
        const [id, s] = atob(basic[1]!)
          .split(":")
          .map((x) => decodeURIComponent(x));
        clientId ??= id ?? null;
        secret ??= s ?? null;
      } catch {
        /* fall through to the missing-parameter errors */
      }
    }
    if (!clientId) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'client_id'.");
    const client = this.clients.get(`${tenant.toLowerCase()}|${clientId.toLowerCase()}`);
    if (!client)
      return entraError(
        400,
        "unauthorized_client",
        700016,
        `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
      );

    // Scope (v2) or resource (v1): exactly one resource, and client credentials need /.default.
    let resource: string;
    if (v1) {
      const r = form.get("resource");
      if (!r) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'resource'.");
      resource = r;
    } else {
      const scope = (form.get("scope") ?? "").trim();
      if (!scope) return entraError(400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'.");
      const scopes = scope.split(/\s+/).filter((s) => !["openid", "profile", "offline_access"].includes(s));
      if (scopes.length !== 1 || !scopes[0]!.endsWith("/.default")) {
        return entraError(
          400,
          "invalid_scope",
          1002012,
          `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
        );
      }
      resource = scopes[0]!.slice(0, -"/.default".length);
    }
    if (!/^https:\/\/[^\s/]+/i.test(resource)) {
      return entraError(
        400,
        "invalid_resource",
        500011,
        `The resource principal named ${resource} was not found in the tenant named ${tenant}. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You might have sent your authentication request to the wrong tenant.`,
      );
    }

    // Claims (CAE): must be JSON when present; a client asking for xms_cc gets a CAE-capable token.
    const claimsParam = form.get("claims");
    let caeCapable = false;
    if (claimsParam) {
      try {
        const parsed = JSON.parse(claimsParam);
        caeCapable = JSON.stringify(parsed?.access_token?.xms_cc ?? "")
          .toUpperCase()
          .includes("CP1");
      } catch {
        return entraError(400, "invalid_request", 90017, "The claims parameter is not valid JSON.");
      }
    }

    // Credential: a secret or a client assertion, not both, not neither.
    const assertion = form.get("client_assertion");
    if (assertion && secret)
      return entraError(401, "invalid_client", 7000218, "Only one client credential may be sent: 'client_assertion' or 'client_secret'.");
    let appidacr = "1";
    if (assertion) {
      if (form.get("client_assertion_type") !== ASSERTION_TYPE) {
        return entraError(
          400,
          "invalid_request",
          900144,
          `The request body must contain the following parameter: 'client_assertion_type' with the value '${ASSERTION_TYPE}'.`,
        );
      }
      const problem = await this.checkAssertion(assertion, client, tenant);
      if (problem) return problem;
      appidacr = "2";
    } else if (secret) {
      if (!client.secret || client.secret !== secret) {
        return entraError(
          401,
          "invalid_client",
          7000215,
          `Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '${client.clientId}'.`,
        );
      }
    } else {
      return entraError(
        401,
        "invalid_client",
        7000218,
        "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
      );
    }

    const { token } = await this.mintToken({
      tenantId: client.tenantId,
      clientId: client.clientId,
      audience: resource,
      caeCapable,
      claims: { appidacr },
    });
    return json(200, {
      token_type: "Bearer",
      expires_in: this.tokenLifetimeSeconds,
      ext_expires_in: this.tokenLifetimeSeconds,
      access_token: token,
    });
  }

  private async checkAssertion(assertion: string, client: Client, tenant: string): Promise<Response | undefined> {
    const jwt: DecodedJwt | undefined = decodeJwt(assertion);
    if (!jwt) return entraError(401, "invalid_client", 50027, "JWT token is invalid or malformed.");
    // An assertion the app did not sign itself (iss is not its id) is a federated token.
    if (jwt.payload.iss !== client.clientId) {
      const problem = await checkFederatedAssertion(jwt, client.federated, Math.floor(this.now() / 1000), this.clockSkewSeconds);
      return problem && entraError(problem.status, problem.error, problem.code, problem.description);
    }
    if (jwt.header.alg !== "RS256" && jwt.header.alg !== "PS256")
      return entraError(
        401,
        "invalid_client",
        5002738,
        `Invalid JWT token. '${String(jwt.header.alg)}' is not a supported signature algorithm. Supported signing algorithms are: 'RS256, PS256'.`,
      );
    if (client.keys.length === 0)
      return entraError(
        401,
        "invalid_client",
        700027,
        "The certificate with identifier used to sign the client assertion is not registered on application.",
      );
    let verified = false;
    for (const k of client.keys)
      if (await verifyJwt(jwt, k)) {
        verified = true;
        break;
      }
    if (!verified) return entraError(401, "invalid_client", 700027, "Client assertion failed signature validation.");
    const c = jwt.payload;
    const now = Math.floor(this.now() / 1000);
    if (
      typeof c.exp !== "number" ||
      c.exp + this.clockSkewSeconds <= now ||
      (typeof c.nbf === "number" && c.nbf - this.clockSkewSeconds > now)
    ) {
      return entraError(401, "invalid_client", 700024, "Client assertion is not within its valid time range.");
    }
    if (c.iss !== client.clientId || c.sub !== client.clientId)
      return entraError(
        401,
        "invalid_client",
        700023,
        "Client assertion audience claim does not match Realm issuer, or iss/sub do not name the client.",
      );
    const accepted = [`${this.host}/${tenant}/oauth2/v2.0/token`, `${this.host}/${tenant}/oauth2/token`, `${this.host}/${tenant}/v2.0`].map(
      (a) => a.toLowerCase(),
    );
    const auds = (Array.isArray(c.aud) ? c.aud : [c.aud]).map((a) => String(a).toLowerCase());
    if (!auds.some((a) => accepted.includes(a)))
      return entraError(
        401,
        "invalid_client",
        700212,
        `The audience claim of the client assertion must be the token endpoint, ${this.host}/${tenant}/oauth2/v2.0/token.`,
      );
    return undefined;
  }
}

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store, no-cache", pragma: "no-cache" },
  });
}

/** An Entra error answer: {error, error_description, error_codes, ...}. */
function entraError(status: number, error: string, code: number, description: string): Response {
  const trace = uuid(),
    correlation = uuid(),
    timestamp = new Date()
      .toISOString()
      .replace("T", " ")
      .replace(/\.\d+Z$/, "Z");
  return json(status, {
    error,
    error_description: `AADSTS${code}: ${description} Trace ID: ${trace} Correlation ID: ${correlation} Timestamp: ${timestamp}`,
    error_codes: [code],
    timestamp,
    trace_id: trace,
    correlation_id: correlation,
    error_uri: `https://login.microsoftonline.com/error?code=${code}`,
  });
}
