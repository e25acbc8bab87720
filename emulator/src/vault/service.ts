// The vault front door: bearer-token check with the exact challenges, api-version check,
// JSON body parsing, the service's response headers, and error bodies. It also owns the
// vault's state as a whole: the parts (keys; other object kinds plug in the same way), the
// access policies, the one sweep of time-driven changes, and export/import of all of it.
import { buf, concat, randomBytes, uuid } from "../bytes.js";
import { MissingPeerError } from "../crypto/ec.js";
import { ServiceError, badParameter, inputError } from "../errors.js";
import type { Authority, TokenCheck } from "../identity/authority.js";
import { apiShape, NEWEST, shapeAnswer } from "./api-version.js";
import type { PermissionKind, VaultContext } from "./context.js";
import { purgeExpiredDeletions } from "./lifecycle.js";
import { rotateDueKeys } from "./rotation.js";
import { routeVault } from "./router.js";
import { CertificateVault } from "./certificates-router.js";
import { CertificateStore } from "./certificates-store.js";
import { SecretVault } from "./secrets-router.js";
import { SecretStore } from "./secrets-store.js";
import { Store } from "./store.js";

export { SUPPORTED_API_VERSIONS } from "./api-version.js";

/** Settings of one emulated vault. */
export interface VaultSettings {
  url: string;
  /** The vault's name (its identity in saved state). */
  name: string;
  managedHsm: boolean;
  tenantId: string;
  resource: string;
  recoverableDays: number;
  purgeProtection: boolean;
  deletionDelayMs: number;
  authorityHost: string;
  now: () => number;
  /** The key that seals backup blobs (shared by the emulator's vaults). */
  sealKey: () => Promise<Uint8Array>;
  /** Throttle secrets by the service's published limits. */
  serviceLimits?: boolean;
  /** How long a Self-issued certificate takes on the emulator's clock, ms (0: issued within the create call). */
  certificateDelayMs?: number;
}

/** Permissions of one client's access policy, per object kind; a kind left out is not restricted. */
export type AccessPolicy = Partial<Record<PermissionKind, Set<string>>>;

/** Something that changed because time passed: a rotation policy fired, a deleted item reached its purge date. */
export interface SweepEvent {
  kind: string;
  id: string;
}

/**
 * One kind of object a vault holds (keys today): how its state is saved, restored and reset,
 * and what changes when time passes. The vault collects them, so saving, resetting and sweeping
 * a vault covers every part; another kind (secrets) registers one more part.
 */
export interface VaultPart {
  /** Set by the vault: the part calls it after every change of its state (the emulator saves then). */
  onChange: () => void;
  serialize(): unknown;
  /** Replaces the state (throws, changing nothing, on data serialize() did not make). */
  deserialize(data: unknown): void;
  clear(): void;
  /** Time-driven changes due now (by the emulator's clock). */
  sweep(ctx: VaultContext): Promise<SweepEvent[]>;
}

/**
 * A vault's state as exportState() gives it: JSON-safe, private key material included.
 * @example
 * const fixture: VaultState = emu.vault(emu.vaultUrl).exportState(); // save it next to your tests
 * const again = createEmulator({ vaults: [{ name: "from-fixture", state: fixture }] });
 */
export interface VaultState {
  format: "keyvault-fetch-emulator-vault";
  version: 1;
  managedHsm: boolean;
  /** State of each part, by name ("keys"). */
  parts: Record<string, unknown>;
  /** Access policies: [client id, { keys: [...permissions] }]. */
  accessPolicies: [string, Partial<Record<PermissionKind, string[]>>][];
}

const KINDS: PermissionKind[] = ["keys", "secrets", "certificates"];

/** One emulated vault (or Managed HSM). */
export class VaultService {
  readonly store: Store;
  readonly attestationAuthorities = new Map<string, JsonWebKey[]>();
  /** Access policies by client id (lower-case); a client without one may do everything. */
  readonly accessPolicies = new Map<string, AccessPolicy>();
  /** The vault's parts by name; each one's state is saved under that name. */
  readonly parts = new Map<string, VaultPart>();
  /** Parts found in imported state that this emulator does not have: kept, so saving loses nothing. */
  private foreignParts = new Map<string, unknown>();
  /** Hears every change of the vault's state. */
  onChange: () => void = () => {};
  /** The vault's secrets (a Managed HSM has none). */
  readonly secrets: SecretVault | undefined;
  /** The vault's certificates (a Managed HSM has none). */
  readonly certificates: CertificateVault | undefined;

  constructor(
    private readonly s: VaultSettings,
    private readonly authority: Authority,
  ) {
    this.store = new Store({
      url: s.url,
      managedHsm: s.managedHsm,
      recoverableDays: s.recoverableDays,
      purgeProtection: s.purgeProtection,
    });
    const store = this.store;
    const keys: VaultPart = {
      onChange: () => {},
      serialize: () => store.serialize(),
      deserialize: (data) => store.deserialize(data),
      clear: () => store.clear(),
      async sweep(ctx) {
        const purged = purgeExpiredDeletions(store, ctx.nowSeconds).map((id) => ({ kind: "key-purged", id: store.kidBase(id) }));
        const rotated = (await rotateDueKeys(ctx)).map((id) => ({ kind: "key-rotated", id }));
        return [...purged, ...rotated];
      },
    };
    store.onChange = () => keys.onChange();
    this.addPart("keys", keys);
    if (!s.managedHsm) {
      const info = { url: s.url, recoverableDays: s.recoverableDays, purgeProtection: s.purgeProtection };
      const secrets = new SecretVault(info);
      secrets.serviceLimits = s.serviceLimits === true;
      this.secrets = secrets;
      // The secrets store has no change hook: the vault reports a change after each secrets request
      // that can write (handle, below); time-driven changes follow from the saved dates.
      this.addPart("secrets", {
        onChange: () => {},
        serialize: () => secrets.store.serialize(),
        deserialize: (data) => {
          secrets.store = SecretStore.deserialize(data, info);
        },
        clear: () => {
          secrets.store = new SecretStore(info);
        },
        async sweep(ctx) {
          secrets.store.sweep(ctx.nowMs);
          return [];
        },
      });
      const certificates = new CertificateVault(info, () => secrets.store, s.certificateDelayMs ?? 1000, s.now);
      this.certificates = certificates;
      // Like secrets: the vault reports a change after each certificates request that can write, and after a sweep that changed something.
      const part: VaultPart = {
        onChange: () => {},
        serialize: () => certificates.store.serialize(),
        deserialize: (data) => {
          certificates.store = CertificateStore.deserialize(data, info);
        },
        clear: () => {
          certificates.store = new CertificateStore(info);
        },
        async sweep(ctx) {
          const events = await certificates.sweep(ctx);
          if (events.length) part.onChange();
          return events;
        },
      };
      this.addPart("certificates", part);
    }
  }

  /** Adds a part (an object kind); its state is saved, reset and swept with the vault's. */
  addPart(name: string, part: VaultPart): void {
    if (this.parts.has(name)) throw new TypeError(`vault part ${name} exists`);
    part.onChange = () => this.onChange();
    this.parts.set(name, part);
  }

  get url(): string {
    return this.s.url;
  }
  get name(): string {
    return this.s.name;
  }
  get managedHsm(): boolean {
    return this.s.managedHsm;
  }
  get resource(): string {
    return this.s.resource;
  }

  /** Serves one vault request (its body already read, within the size limit). */
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
      const shape = apiShape(apiVersion);
      if (!shape)
        throw badParameter(
          `The specified version (${apiVersion}) is not recognized. Consider using the latest supported version (2025-07-01).`,
        );
      const text = request.method === "GET" || request.method === "HEAD" ? "" : await request.text();
      let body: unknown;
      if (text.trim()) {
        try {
          body = JSON.parse(text);
        } catch {
          throw badParameter("The request body is not valid JSON.");
        }
      }
      const ctx = this.context(url, body, shape, (permission, kind) => this.requirePermission(check.claims, permission, kind));
      await this.sweep(ctx);
      // Managed HSM has no secrets: its /secrets stays a 404 from the keys router.
      const secrets = this.secrets && SecretVault.serves(url.pathname) ? this.secrets : undefined;
      const certificates = this.certificates && CertificateVault.serves(url.pathname) ? this.certificates : undefined;
      const changes = () => {
        if (request.method !== "GET" && request.method !== "HEAD") this.onChange();
      };
      const answer = secrets
        ? await secrets.route(ctx, check.claims, request.method, url.pathname).finally(changes)
        : certificates
          ? await certificates.route(ctx, request.method, url.pathname).finally(changes)
          : await routeVault(ctx, request.method, url.pathname);
      for (const [k, v] of Object.entries(answer.headers ?? {})) headers.set(k, v);
      if (answer.status === 204 || answer.body === undefined) {
        headers.delete("content-type");
        return new Response(null, { status: answer.status, headers });
      }
      const shaped = shapeAnswer(answer.body, shape, request.method === "DELETE" ? "delete" : "other");
      return new Response(JSON.stringify(shaped), { status: answer.status, headers });
    } catch (e) {
      return this.failure(e, headers);
    }
  }

  /** The answer to a request whose body is over the size limit (413 with the service's error body). */
  tooLarge(request: Request, limit: number): Response {
    return new Response(
      JSON.stringify({
        error: { code: "RequestEntityTooLarge", message: `The request body is too large: this vault accepts at most ${limit} bytes.` },
      }),
      { status: 413, headers: this.headers(request) },
    );
  }

  /** Runs every part's time-driven changes (before each request, and when the clock moves). */
  async sweep(ctx: VaultContext = this.context(new URL(this.s.url), undefined, NEWEST, () => {})): Promise<SweepEvent[]> {
    const events: SweepEvent[] = [];
    for (const part of this.parts.values()) events.push(...(await part.sweep(ctx)));
    return events;
  }

  /** Forgets every object (keys, deleted keys, …); access policies stay. */
  reset(): void {
    for (const part of this.parts.values()) part.clear();
    this.foreignParts.clear();
    this.onChange();
  }

  /** The vault's state, private key material included, as JSON-safe data. */
  exportState(): VaultState {
    const parts: Record<string, unknown> = Object.create(null);
    for (const [name, data] of this.foreignParts) parts[name] = data;
    for (const [name, part] of this.parts) parts[name] = part.serialize();
    const rows = new Map<string, Partial<Record<PermissionKind, string[]>>>();
    for (const [id, p] of this.accessPolicies) {
      const lists: Partial<Record<PermissionKind, string[]>> = {};
      for (const k of KINDS) {
        const set = p[k];
        if (set) lists[k] = [...set];
      }
      rows.set(id, lists);
    }
    // Secret permissions live with the secrets side; saved in the same rows.
    for (const [id, set] of this.secrets?.policies ?? []) rows.set(id, { ...rows.get(id), secrets: [...set] });
    const accessPolicies: VaultState["accessPolicies"] = [...rows];
    return { format: "keyvault-fetch-emulator-vault", version: 1, managedHsm: this.s.managedHsm, parts: { ...parts }, accessPolicies };
  }

  /** Replaces the vault's state with an exported one; throws (changing nothing) when it is not one. */
  importState(state: unknown): void {
    if (!state || typeof state !== "object") throw inputError("importState: expected an object from exportState()");
    const st = state as Partial<VaultState>;
    if (st.format !== "keyvault-fetch-emulator-vault")
      throw inputError("importState: not a vault state (format is not keyvault-fetch-emulator-vault)");
    if (st.version !== 1)
      throw inputError(`importState: vault state version ${String(st.version)} is not supported (this emulator reads version 1)`);
    if (st.managedHsm !== this.s.managedHsm)
      throw inputError(
        `importState: that state is a ${st.managedHsm ? "Managed HSM's" : "vault's"}, this is a ${this.s.managedHsm ? "Managed HSM" : "vault"}`,
      );
    if (!st.parts || typeof st.parts !== "object" || !Array.isArray(st.accessPolicies))
      throw inputError("importState: parts and accessPolicies are required");
    const policies = new Map<string, AccessPolicy>();
    for (const row of st.accessPolicies) {
      if (!Array.isArray(row) || typeof row[0] !== "string" || !row[1] || typeof row[1] !== "object")
        throw inputError("importState: bad access policy");
      const p: AccessPolicy = {};
      for (const k of KINDS) {
        const list = (row[1] as Record<string, unknown>)[k];
        if (list === undefined) continue;
        if (!Array.isArray(list) || !list.every((x) => typeof x === "string")) throw inputError(`importState: bad ${k} permissions`);
        p[k] = new Set(list.map((x) => x.toLowerCase()));
      }
      policies.set(row[0].toLowerCase(), p);
    }
    // Check every part's data before changing anything: a bad part leaves the vault as it was.
    const before = new Map<string, unknown>();
    for (const [name, part] of this.parts) before.set(name, part.serialize());
    const foreign = new Map<string, unknown>();
    try {
      for (const [name, part] of this.parts) {
        if (Object.hasOwn(st.parts, name)) part.deserialize((st.parts as Record<string, unknown>)[name]);
        else part.clear();
      }
      for (const name of Object.keys(st.parts)) if (!this.parts.has(name)) foreign.set(name, (st.parts as Record<string, unknown>)[name]);
    } catch (e) {
      for (const [name, part] of this.parts) part.deserialize(before.get(name));
      throw inputError(`importState: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.foreignParts = foreign;
    this.accessPolicies.clear();
    this.secrets?.policies.clear();
    for (const [k, p] of policies) {
      const { secrets, ...rest } = p;
      const kept: AccessPolicy = rest;
      if (secrets && this.secrets) this.secrets.policies.set(k, secrets);
      else if (secrets) kept.secrets = secrets;
      if (Object.keys(kept).length) this.accessPolicies.set(k, kept);
    }
    this.onChange();
  }

  private context(
    url: URL,
    body: unknown,
    shape: VaultContext["shape"],
    requirePermission: VaultContext["requirePermission"],
  ): VaultContext {
    const nowMs = this.s.now();
    return {
      store: this.store,
      nowMs,
      nowSeconds: Math.floor(nowMs / 1000),
      managedHsm: this.s.managedHsm,
      url,
      body,
      shape,
      deletionDelayMs: this.s.deletionDelayMs,
      seal: (p) => this.seal(p),
      open: (c) => this.open(c),
      signJws: (p) => this.authority.signJws(p),
      signerPem: () => this.authority.signerPem(),
      attestationAuthorities: this.attestationAuthorities,
      requirePermission,
    };
  }

  private failure(e: unknown, headers: Headers): Response {
    if (e instanceof ServiceError) return new Response(JSON.stringify(e.body()), { status: e.status, headers });
    if (e instanceof MissingPeerError)
      return new Response(JSON.stringify({ error: { code: "NotImplemented", message: e.message } }), { status: 501, headers });
    // A bug or a runtime limit: answer like a failing service rather than a network error.
    return new Response(
      JSON.stringify({
        error: { code: "InternalServerError", message: `The emulator failed: ${e instanceof Error ? e.message : String(e)}` },
      }),
      { status: 500, headers },
    );
  }

  private requirePermission(claims: Record<string, unknown>, permission: string, kind: PermissionKind = "keys"): void {
    const appid = String(claims.appid ?? "");
    const allowed = this.accessPolicies.get(appid.toLowerCase())?.[kind];
    if (!allowed || allowed.has(permission.toLowerCase())) return;
    const vaultName = new URL(this.s.url).hostname.split(".")[0];
    throw new ServiceError(
      403,
      "Forbidden",
      `The user, group or application 'appid=${appid};oid=${String(claims.oid)};iss=${String(claims.iss)}' does not have ${kind} ${permission} permission on key vault '${vaultName};location=emulator'. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125287`,
      "ForbiddenByPolicy",
    );
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
        headers.set(
          "www-authenticate",
          `Bearer realm="", authorization_uri="${this.s.authorityHost}/common/oauth2/authorize", error="insufficient_claims", claims="${this.authority.caeClaims()}"`,
        );
        if (this.s.managedHsm) return new Response(null, { status: 401, headers });
        return new Response(
          JSON.stringify({
            error: {
              code: "Unauthorized",
              message: "AKV10019: The token has been revoked; continuous access evaluation requires a new token with the given claims.",
            },
          }),
          { status: 401, headers },
        );
      }
      case "audience":
        return this.challenge(request, headers, `AKV10022: Invalid audience. Expected ${this.s.resource}, found: ${String(c.aud)}.`);
      case "issuer":
        return this.challenge(
          request,
          headers,
          `AKV10032: Invalid issuer. Expected one of https://sts.windows.net/${this.s.tenantId}/, found ${String(c.iss)}.`,
        );
      // Lifetime and signature failures carry the token library's IDX codes, as the service's do.
      case "expired":
        return this.challenge(request, headers, "Error validating token: IDX10223.");
      case "not-yet-valid":
        return this.challenge(request, headers, "Error validating token: IDX10222.");
      case "unknown-key":
        return this.challenge(request, headers, "AKV10046: Unable to resolve the key used for signature validation.");
      case "signature":
        return this.challenge(request, headers, "Error validating token: IDX10503.");
      default:
        return this.challenge(request, headers, "Error validating token: IDX12741.");
    }
  }

  private async sealCryptoKey(usage: "encrypt" | "decrypt"): Promise<CryptoKey> {
    return crypto.subtle.importKey("raw", buf(await this.s.sealKey()), "AES-GCM", false, [usage]);
  }

  private async seal(plain: Uint8Array): Promise<Uint8Array> {
    const iv = randomBytes(12);
    const ct = new Uint8Array(
      await crypto.subtle.encrypt({ name: "AES-GCM", iv: buf(iv) }, await this.sealCryptoKey("encrypt"), buf(plain)),
    );
    return concat(iv, ct);
  }

  private async open(sealed: Uint8Array): Promise<Uint8Array | undefined> {
    if (sealed.length < 12 + 16) return undefined;
    try {
      return new Uint8Array(
        await crypto.subtle.decrypt(
          { name: "AES-GCM", iv: buf(sealed.slice(0, 12)) },
          await this.sealCryptoKey("decrypt"),
          buf(sealed.slice(12)),
        ),
      );
    } catch {
      return undefined;
    }
  }
}
