// The vault front door: bearer-token check with the exact challenges, api-version check,
// JSON body parsing, the service's response headers, and error bodies.
import { buf, concat, randomBytes, uuid } from "../bytes.js";
import { MissingPeerError } from "../crypto/ec.js";
import { ServiceError, badParameter } from "../errors.js";
import type { Authority, TokenCheck } from "../identity/authority.js";
import type { VaultContext } from "./context.js";
import { purgeExpiredDeletions } from "./lifecycle.js";
import { rotateDueKeys } from "./rotation.js";
import { routeVault } from "./router.js";
import { SecretVault } from "./secrets-router.js";
import { Store } from "./store.js";

/** Settings of one emulated vault. */
export interface VaultSettings {
  url: string;
  managedHsm: boolean;
  tenantId: string;
  resource: string;
  recoverableDays: number;
  purgeProtection: boolean;
  deletionDelayMs: number;
  authorityHost: string;
  now: () => number;
  sealKey: Uint8Array;
  /** The vault's secrets (made here unless given). */
  secrets?: SecretVault;
}

/** api-versions the emulator answers (the keys surface is the same for these). */
export const SUPPORTED_API_VERSIONS = [
  "7.0", "7.1", "7.2", "7.3", "7.4", "7.5", "7.6", "2025-07-01",
  "7.3-preview", "7.4-preview.1", "7.5-preview.1", "7.6-preview.1", "7.6-preview.2", "2025-06-01-preview",
];

/** One emulated vault (or Managed HSM). */
export class VaultService {
  readonly store: Store;
  readonly attestationAuthorities = new Map<string, JsonWebKey[]>();
  /** Access policies: key permissions by client id (a client without one may do everything). */
  readonly accessPolicies = new Map<string, Set<string>>();
  readonly secrets: SecretVault;

  constructor(private readonly s: VaultSettings, private readonly authority: Authority) {
    this.store = new Store({ url: s.url, managedHsm: s.managedHsm, recoverableDays: s.recoverableDays, purgeProtection: s.purgeProtection });
    this.secrets = s.secrets ?? new SecretVault({ url: s.url, recoverableDays: s.recoverableDays, purgeProtection: s.purgeProtection });
  }

  /** Serves one vault request. */
  async handle(request: Request, url: URL): Promise<Response> {
    const headers = this.headers(request);
    const auth = request.headers.get("authorization");
    const bearer = auth ? /^bearer\s+(\S+)\s*$/i.exec(auth)?.[1] : undefined;
    if (!bearer) return this.challenge(request, headers, "AKV10000: Request is missing a Bearer, PoP, or MTLS_POP token.");
    const check = await this.authority.checkToken(bearer, { audiences: [this.s.resource], tenantId: this.s.tenantId });
    if (!check.ok) return this.refuse(request, headers, check);

    try {
      const apiVersion = url.searchParams.get("api-version");
      if (!apiVersion) throw badParameter("The api-version query parameter (?api-version=) is required for all requests.");
      if (!SUPPORTED_API_VERSIONS.includes(apiVersion)) throw badParameter(`The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`);
      const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
      let body: unknown;
      if (text.trim()) {
        try { body = JSON.parse(text); } catch { throw badParameter("The request body is not valid JSON."); }
      }
      const nowMs = this.s.now();
      const ctx: VaultContext = {
        store: this.store, nowMs, nowSeconds: Math.floor(nowMs / 1000), managedHsm: this.s.managedHsm, url, body,
        deletionDelayMs: this.s.deletionDelayMs,
        seal: (p) => this.seal(p), open: (c) => this.open(c),
        signJws: (p) => this.authority.signJws(p), signerPem: () => this.authority.signerPem(),
        attestationAuthorities: this.attestationAuthorities,
        requirePermission: (permission) => this.requirePermission(check.claims, permission),
      };
      purgeExpiredDeletions(ctx);
      await rotateDueKeys(ctx);
      // Managed HSM has no secrets: its /secrets stays a 404 from the keys router.
      const answer = !this.s.managedHsm && SecretVault.serves(url.pathname)
        ? await this.secrets.route(ctx, check.claims, request.method, url.pathname)
        : await routeVault(ctx, request.method, url.pathname);
      if (answer.status === 204 || answer.body === undefined) {
        headers.delete("content-type");
        return new Response(null, { status: answer.status, headers });
      }
      return new Response(JSON.stringify(answer.body), { status: answer.status, headers });
    } catch (e) {
      if (e instanceof ServiceError) return new Response(JSON.stringify(e.body()), { status: e.status, headers });
      if (e instanceof MissingPeerError) return new Response(JSON.stringify({ error: { code: "NotImplemented", message: e.message } }), { status: 501, headers });
      // A bug or a runtime limit: answer like a failing service rather than a network error.
      return new Response(JSON.stringify({ error: { code: "InternalServerError", message: `The emulator failed: ${e instanceof Error ? e.message : String(e)}` } }), { status: 500, headers });
    }
  }

  private requirePermission(claims: Record<string, unknown>, permission: string): void {
    const appid = String(claims.appid ?? "");
    const allowed = this.accessPolicies.get(appid.toLowerCase());
    if (!allowed || allowed.has(permission.toLowerCase())) return;
    const vaultName = new URL(this.s.url).hostname.split(".")[0];
    throw new ServiceError(403, "Forbidden",
      `The user, group or application 'appid=${appid};oid=${String(claims.oid)};iss=${String(claims.iss)}' does not have keys ${permission} permission on key vault '${vaultName};location=emulator'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      "ForbiddenByPolicy");
  }

  private headers(request: Request): Headers {
    const h = new Headers({
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-cache",
      pragma: "no-cache",
      expires: "-1",
      "strict-transport-security": "max-age=31536000;includeSubDomains",
      "x-content-type-options": "nosniff",
      "x-ms-request-id": uuid(),
      "x-ms-keyvault-region": "emulator",
      "x-ms-keyvault-network-info": "conn_type=Ipv4;addr=127.0.0.1;act_addr_fam=InterNetwork;",
      date: new Date(this.s.now()).toUTCString(),
    });
    if (this.s.managedHsm) {
      h.set("x-ms-server-latency", "0");
      h.set("x-ms-build-version", "keyvault-fetch-emulator");
    } else {
      h.set("x-ms-keyvault-service-version", "1.9.0.0-keyvault-fetch-emulator");
    }
    const clientRequestId = request.headers.get("x-ms-client-request-id");
    if (clientRequestId) h.set("x-ms-client-request-id", clientRequestId);
    return h;
  }

  /** The 401 that tells a client where to get a token (Managed HSM: empty body, "OK" on GET). */
  private challenge(request: Request, headers: Headers, message: string): Response {
    headers.set("www-authenticate", `Bearer authorization="${this.s.authorityHost}/${this.s.tenantId}", resource="${this.s.resource}"`);
    if (this.s.managedHsm) return new Response(request.method === "GET" ? "OK" : null, { status: 401, headers });
    return new Response(JSON.stringify({ error: { code: "Unauthorized", message } }), { status: 401, headers });
  }

  private refuse(request: Request, headers: Headers, check: Exclude<TokenCheck, { ok: true }>): Response {
    const c = check.claims ?? {};
    switch (check.problem) {
      case "revoked": {
        headers.set("www-authenticate", `Bearer realm="", authorization_uri="${this.s.authorityHost}/common/oauth2/authorize", error="insufficient_claims", claims="${this.authority.caeClaims()}"`);
        if (this.s.managedHsm) return new Response(null, { status: 401, headers });
        return new Response(JSON.stringify({ error: { code: "Unauthorized", message: "AKV10019: The token has been revoked; continuous access evaluation requires a new token with the given claims." } }), { status: 401, headers });
      }
      case "audience": return this.challenge(request, headers, `AKV10022: Invalid audience. Expected ${this.s.resource}, found: ${String(c.aud)}.`);
      case "issuer": return this.challenge(request, headers, `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${this.s.tenantId}/, found ${String(c.iss)}.`);
      // Lifetime and signature failures carry the token library's IDX codes, as the service's do.
      case "expired": return this.challenge(request, headers, "Error validating token: IDX10223.");
      case "not-yet-valid": return this.challenge(request, headers, "Error validating token: IDX10222.");
      case "unknown-key": return this.challenge(request, headers, "AKV10046: Unable to resolve the key used for signature validation.");
      case "signature": return this.challenge(request, headers, "Error validating token: IDX10503.");
      default: return this.challenge(request, headers, "Error validating token: IDX12741.");
    }
  }

  private async sealCryptoKey(usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
    return crypto.subtle.importKey("raw", buf(this.s.sealKey), "AES-GCM", false, [usage]);
  }

  private async seal(plain: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(12);
    const ct = new Uint8Array(await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv) }, await this.sealCryptoKey("encrypt"), buf(plain)));
    return concat(iv, ct);
  }

  private async open(sealed: Uint8Array): Promise<Uint8Array | undefined> {
    if (sealed.length < 12 + 16) return undefined;
    try {
      return new Uint8Array(await crypto.subtle.decrypt({ name: "AES-GCM", iv: buf(sealed.slice(0, 12)) }, await this.sealCryptoKey("decrypt"), buf(sealed.slice(12))));
    } catch {
      return undefined;
    }
  }
}

