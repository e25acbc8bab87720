// createEmulator: in-process Azure Key Vaults (and Managed HSMs) plus their Entra authority,
// served by a standard fetch function. openEmulator: the same, saved to storage after every change.
import { b64url, buf, concat, fromB64, hex, randomBytes, utf8, uuid } from "./bytes.js";
import { createClock, type EmulatorClock } from "./clock.js";
import { faultBody, Faults, seededRandom } from "./faults.js";
import { Authority, type AuthorityState, type ClientRegistration, type MintOptions } from "./identity/authority.js";
import { ManagedIdentityEndpoints, type ManagedIdentityInfo, type EmulatorManagedIdentityOptions } from "./identity/managed-identity.js";
import {
  decodeState,
  DEFAULT_KDF_ITERATIONS,
  EmulatorStateError,
  encodeState,
  prepareKey,
  type PreparedKey,
  type StateKey,
} from "./state/format.js";
import { Persister, type StateStorage } from "./state/persister.js";
import type { PermissionKind } from "./vault/context.js";
import type { CertificatePermission } from "./vault/certificates-router.js";
import type { SecretPermission } from "./vault/secrets-router.js";
import { VaultService, type AccessPolicy, type VaultState } from "./vault/service.js";
import { inputError, kindOf } from "./errors.js";
import type { Jwk, JwkInput } from "./jwk.js";

/**
 * One vault (or Managed HSM) of an emulator made with `vaults`.
 * @example
 * const vaults: EmulatorVaultOptions[] = [{ name: "app-vault" }, { name: "keys-hsm", managedHsm: true, purgeProtection: true }];
 * const emulator = createEmulator({ vaults });
 */
export interface EmulatorVaultOptions {
  /** The vault's name: https://<name>.vault.azure.net (3-24 letters, digits and hyphens). */
  name: string;
  /** A Managed HSM (https://<name>.managedhsm.azure.net, AES keys, /rng) instead of a vault. */
  managedHsm?: boolean;
  /** Override the vault URL (e.g. https://kv.vault.localhost:8443 for a server). */
  vaultUrl?: string;
  /** Resource named in its challenges and required as token audience (default by kind). */
  resource?: string;
  /** Soft-delete retention, 7..90 days (default: the emulator's `recoverableDays`). */
  recoverableDays?: number;
  /** Purge protection (default: the emulator's `purgeProtection`). */
  purgeProtection?: boolean;
  /** Deletion visibility delay in ms (default: the emulator's `deletionDelayMs`). */
  deletionDelayMs?: number;
  /** Start from this state (from `vault.exportState()`: a test fixture). */
  state?: VaultState;
}

/**
 * Options of createEmulator. Everything has a sensible default.
 * @example
 * const options: EmulatorOptions = { name: "ci-vault", seed: 42, deletionDelayMs: 500, recoverableDays: 7 };
 * const emulator = createEmulator(options);
 */
export interface EmulatorOptions {
  /** Vault name: the vault is https://<name>.vault.azure.net (default: a random name). */
  name?: string;
  /** Emulate a Managed HSM (https://<name>.managedhsm.azure.net, AES keys, /rng). */
  managedHsm?: boolean;
  /**
   * Several vaults and Managed HSMs behind one authority, each with its own state, access policies
   * and challenge (instead of `name`, `managedHsm`, `vaultUrl` and `resource`). The first is
   * `emulator.vaultUrl`.
   */
  vaults?: EmulatorVaultOptions[];
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
  /** Base clock in ms since epoch (default Date.now); `emulator.clock` moves time from there. */
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
  /**
   * Browser origins (`http://localhost:5173`) allowed to call the vaults and the token endpoint
   * directly: their preflights are answered and `WWW-Authenticate` and request ids are exposed.
   * Other origins get no CORS headers. Default: none.
   */
  cors?: string[];
  /** How many requests `emulator.requests` keeps; the oldest are dropped (default 1000; 0 keeps none). */
  requestLogLimit?: number;
  /** Largest request body accepted, in bytes (default 4 MiB); larger ones get 413 in the service's shape. */
  maxBodyBytes?: number;
  /** Throttle secrets by the service's published limits: past 4,000 reads or 300 sets per 10 s, 429 Throttled. Default false. */
  serviceLimits?: boolean;
  /**
   * How long a certificate from issuer `Self` takes to be issued, in ms of the emulator's clock
   * (default 1000): until then its operation is `inProgress`. 0 issues it within the create call.
   */
  certificateDelayMs?: number;
}

/**
 * Where and how openEmulator keeps the state.
 * @example
 * let saved: string | undefined;
 * const persistence: EmulatorPersistence = { storage: { read: async () => saved, write: async (text) => { saved = text; } }, key: "a passphrase" };
 * const emulator = await openEmulator({ name: "dev", persistence });
 */
export interface EmulatorPersistence {
  /** Reads and atomically replaces the saved text (the server's `fileStateStorage(path)`, or your own). */
  storage: StateStorage;
  /**
   * Encrypts the state (AES-256-GCM): a passphrase (key derived with PBKDF2-SHA-256) or 32 raw
   * bytes. Without it the state, private keys included, is saved in the clear (`emulator.warnings` says so).
   */
  key?: StateKey;
  /** PBKDF2 iterations for a new passphrase-protected file (default 600,000; workerd allows at most 100,000). */
  kdfIterations?: number;
  /** Names the storage in messages (default "the state file"). */
  name?: string;
}

/**
 * One line of the request log.
 * @example
 * const signs: RequestLogEntry[] = emu.requests.filter((r) => r.target === "vault" && r.url.includes("/sign"));
 */
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

/**
 * Key permissions of a Key Vault access policy.
 * @example
 * const permissions: KeyPermission[] = ["get", "sign"];
 * emu.setKeyPermissions(emu.clientId, permissions); // a verify is now 403 ForbiddenByPolicy
 */
export type KeyPermission =
  | "get"
  | "list"
  | "update"
  | "create"
  | "import"
  | "delete"
  | "recover"
  | "backup"
  | "restore"
  | "decrypt"
  | "encrypt"
  | "unwrapKey"
  | "wrapKey"
  | "verify"
  | "sign"
  | "purge"
  | "release"
  | "rotate"
  | "getrotationpolicy"
  | "setrotationpolicy";

/**
 * A token request, as the core library's GetToken receives it.
 * @example
 * const request: EmulatorTokenRequest = { scopes: ["https://vault.azure.net/.default"] };
 * const { token } = await emu.getToken(request);
 */
export interface EmulatorTokenRequest {
  scopes: string[];
  tenantId?: string;
  claims?: string;
  signal?: AbortSignal;
}

/**
 * Error thrown by Emulator.getToken when the authority refuses (no secret in the message).
 * @example
 * try { await emulator.getToken({ scopes: ["https://vault.azure.net"] }) } // no "/.default"
 * catch (e) { if (e instanceof EmulatorTokenError) console.log(e.code, e.status) } // invalid_scope 400
 */
export class EmulatorTokenError extends Error {
  override name = "EmulatorTokenError";
  constructor(
    message: string,
    readonly code: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/**
 * Something that changed because time passed.
 * @example
 * emu.clock.advance("P91D");
 * const events: EmulatorSweepEvent[] = await emu.sweep();
 * for (const e of events) console.log(e.kind, e.id); // key-rotated https://…/keys/rotating/<new version>
 */
export interface EmulatorSweepEvent {
  /** The vault's URL. */
  vault: string;
  /** "key-rotated" (a rotation policy fired) or "key-purged" (a deleted key reached its purge date). */
  kind: string;
  /** The new version's kid, or the purged key's id. */
  id: string;
}

/**
 * One vault of an emulator: its URL, its access policies and its state.
 * @example
 * const audit: EmulatorVault = createEmulator({ vaults: [{ name: "app-vault" }, { name: "audit-vault" }] }).vault("audit-vault");
 * audit.reset();               // forget its keys and secrets
 * const state = audit.exportState();
 */
export interface EmulatorVault {
  readonly name: string;
  /** https://<name>.vault.azure.net (or .managedhsm.azure.net, or the URL given). */
  readonly url: string;
  /** The resource its challenge names. */
  readonly resource: string;
  readonly managedHsm: boolean;
  /** This vault's access policy for a client (undefined lifts it). */
  setKeyPermissions(clientId: string, permissions: KeyPermission[] | undefined): void;
  /** This vault's secret permissions for a client (undefined lifts them). */
  setSecretPermissions(clientId: string, permissions: SecretPermission[] | undefined): void;
  /** This vault's certificate permissions for a client (undefined lifts them). */
  setCertificatePermissions(clientId: string, permissions: CertificatePermission[] | undefined): void;
  /** Forgets every key and secret (live and deleted) of this vault; access policies stay. */
  reset(): void;
  /** The vault's state, private key material included, as JSON-safe data (a test fixture). */
  exportState(): VaultState;
  /** Replaces the vault's state with an exported one (TypeError, changing nothing, if it is not one). */
  importState(state: VaultState): void;
}

/**
 * The emulator returned by createEmulator.
 * @example
 * const emulator: Emulator = createEmulator({ name: "test-vault" });
 * const client = new KeyVaultClient(emulator.vaultUrl, { getToken: emulator.getToken, fetch: emulator.fetch });
 * emulator.requests.length; // every request the emulator answered (the last 1,000)
 */
export interface Emulator {
  /** Standard fetch serving the vaults and the authority in-process. */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response>;
  /** The first vault's URL: https://<name>.vault.azure.net (or .managedhsm.azure.net). */
  readonly vaultUrl: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly clientSecret: string;
  /** https://login.microsoftonline.com unless overridden. */
  readonly authorityHost: string;
  /** The resource the first vault requires, e.g. https://vault.azure.net. */
  readonly resource: string;
  readonly managedHsm: boolean;
  /** Every vault and Managed HSM, in the order given. */
  readonly vaults: readonly EmulatorVault[];
  /** A vault by name or URL (TypeError if there is none). */
  vault(nameOrUrl: string): EmulatorVault;
  /** Token provider with real tokens from the emulated authority (through `fetch`). */
  readonly getToken: (request: EmulatorTokenRequest) => Promise<{ token: string; expiresOnTimestamp: number }>;
  /** The latest requests served (or refused), oldest first, at most `requestLogLimit` of them. */
  readonly requests: RequestLogEntry[];
  /** Fault injection. */
  readonly faults: Faults;
  /**
   * The emulator's clock: token lifetimes, nbf/exp, rotation policies and purge dates follow it.
   * @example
   * emulator.clock.advance("P31D"); await emulator.sweep(); // rotation policies due in 30 days have fired
   */
  readonly clock: EmulatorClock;
  /** Runs what time made due (rotation policies, purge dates) now, instead of at the next request. */
  sweep(): Promise<EmulatorSweepEvent[]>;
  /** Resolves once every change is saved (openEmulator; at once for createEmulator). */
  flush(): Promise<void>;
  /** Things worth telling a person (e.g. that the state is saved in the clear). */
  readonly warnings: readonly string[];
  /** After this, every CAE-capable token (xms_cc cp1) issued before gets a CAE insufficient_claims challenge. */
  revokeSessions(): void;
  /**
   * Registers another application (a secret, RSA public keys for client assertions, and/or federated
   * credentials trusting an external issuer's tokens), optionally with an access policy (in every vault).
   */
  registerClient(
    registration: ClientRegistration & {
      keyPermissions?: KeyPermission[];
      secretPermissions?: SecretPermission[];
      certificatePermissions?: CertificatePermission[];
    },
  ): void;
  /**
   * Sets the access policy of a client in every vault: the key permissions it has (undefined: all, the default).
   * Calls outside it get 403 Forbidden with innererror ForbiddenByPolicy, as from a vault using access policies.
   */
  setKeyPermissions(clientId: string, permissions: KeyPermission[] | undefined): void;
  /**
   * Sets the secret permissions of a client's access policy in every vault (undefined: all, the default), as setKeyPermissions does for keys.
   * @example emu.setSecretPermissions("reader-app", ["get", "list"]); // a set is then 403 ForbiddenByPolicy
   */
  setSecretPermissions(clientId: string, permissions: SecretPermission[] | undefined): void;
  /**
   * Sets the certificate permissions of a client's access policy in every vault (undefined: all, the default).
   * @example emu.setCertificatePermissions("reader-app", ["get", "list"]); // a create is then 403 ForbiddenByPolicy
   */
  setCertificatePermissions(clientId: string, permissions: CertificatePermission[] | undefined): void;
  /** Signs a token directly (tests: expired, foreign-audience or foreign-tenant tokens). */
  mintToken(options?: MintOptions): Promise<string>;
  /** Trusts an attestation authority (issuer URL and its RSA public keys) for key release. */
  trustAttestationAuthority(issuer: string, keys: JwkInput[]): void;
  /** The authority's current public signing keys (JWKS "keys"). */
  authorityKeys(): Promise<(Jwk & { kid: string })[]>;
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

/** The whole state an emulator saves. */
interface Snapshot {
  identity: { tenantId: string; clientId: string; clientSecret: string };
  authority: AuthorityState;
  clockOffsetMs: number;
  /** The backup sealing key (absent when `backupSecret` gives it). */
  sealKey?: string;
  /** [vault id ("vault:<name>" or "managedhsm:<name>"), its state]. */
  vaults: [string, VaultState][];
}

const sleep = (ms: number, signal?: AbortSignal | null) =>
  new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const t = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(signal!.reason);
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });

/** An origin as URLs compare it: lower-case host, no default port (Azure's ids never carry `:443`). */
const originOf = (u: string): string => new URL(u).origin.toLowerCase();
/** A URL without trailing slashes or a default port. */
function normalizeUrl(u: string, what: string): string {
  let url: URL;
  try {
    url = new URL(u);
  } catch {
    throw inputError(`createEmulator: ${what} is not a URL: ${u}`);
  }
  return `${url.protocol}//${url.host}${url.pathname.replace(/\/+$/, "")}`;
}

const NAME = /^[0-9a-zA-Z-]{3,24}$/;
const DEFAULT_LOG_LIMIT = 1000;
const DEFAULT_MAX_BODY = 4 * 1024 * 1024;

/** Response headers a page may read, when its origin is allowed. */
const EXPOSED_HEADERS =
  "WWW-Authenticate, x-ms-request-id, x-ms-client-request-id, x-ms-keyvault-region, x-ms-keyvault-service-version, x-ms-keyvault-network-info, x-ms-server-latency, x-ms-build-version, retry-after, retry-after-ms, x-ms-retry-after-ms, location";

/**
 * Creates in-process Azure Key Vaults (keys) with a real Entra token authority, state in memory.
 * Runs on Web APIs only: Node, Deno, Cloudflare Workers and browsers.
 * @example
 * const emu = createEmulator();
 * const client = new KeyVaultClient(emu.vaultUrl, { fetch: emu.fetch, getToken: emu.getToken });
 * await client.fetch("/keys/demo/create", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ kty: "EC", crv: "P-256" }) });
 * // several vaults: createEmulator({ vaults: [{ name: "app" }, { name: "hsm", managedHsm: true }] })
 */
export function createEmulator(options: EmulatorOptions = {}): Emulator {
  return build(options, undefined).emulator;
}

/**
 * Creates the emulator with its state kept in `persistence.storage`: loaded at start, saved after
 * every change before the answer goes out (a crash loses at most the request in flight). A file
 * that is not a state file, is damaged, newer, or wrongly keyed is refused with an
 * EmulatorStateError and left untouched.
 * @example
 * // Any storage with read() and write(): a Workers KV namespace here; on Node, the server's fileStateStorage(path).
 * const storage = { read: async () => (await env.STATE.get("kv")) ?? undefined, write: (text: string) => env.STATE.put("kv", text) };
 * const emu = await openEmulator({ name: "dev", persistence: { storage, key: env.KV_STATE_KEY, kdfIterations: 100_000 } });
 */
export async function openEmulator(options: EmulatorOptions & { persistence: EmulatorPersistence }): Promise<Emulator> {
  checkEmulatorOptions(options, "openEmulator");
  const p = options.persistence;
  if (!p || typeof p.storage?.read !== "function" || typeof p.storage.write !== "function")
    throw inputError("openEmulator: persistence.storage needs read() and write()");
  const name = p.name ?? "the state file";
  const iterations = p.kdfIterations ?? DEFAULT_KDF_ITERATIONS;
  const text = await p.storage.read();
  let restored: Snapshot | undefined;
  let key: PreparedKey | undefined;
  if (text !== undefined) {
    const decoded = await decodeState(text, p.key, name, iterations);
    restored = checkSnapshot(decoded.payload, name);
    key = decoded.key;
  } else if (p.key !== undefined) {
    key = await prepareKey(p.key, undefined, iterations);
  }
  const built = build(options, restored);
  await built.restore();
  const warnings = built.warnings;
  if (!key)
    warnings.push(
      `${name} is saved without encryption: it holds private key material (every key, the client secret) in the clear; give a key to encrypt it`,
    );
  const persister = new Persister(p.storage, built.snapshot, (state) => encodeState(state, key, new Date()));
  built.attach(persister);
  persister.markDirty();
  await persister.flush(); // fails now, not at the first request, when the storage cannot be written
  return built.emulator;
}

/** Checks the shape of a decoded snapshot (the checksum or the cipher already vouched for its bytes). */
function checkSnapshot(raw: unknown, name: string): Snapshot {
  const bad = (what: string) => new EmulatorStateError("ERR_STATE_CORRUPT", `${name} is damaged (${what}); it was left as it is`);
  if (!raw || typeof raw !== "object") throw bad("no state");
  const s = raw as Partial<Snapshot>;
  const id = s.identity;
  if (!id || typeof id.tenantId !== "string" || typeof id.clientId !== "string" || typeof id.clientSecret !== "string")
    throw bad("identity");
  const a = s.authority;
  if (
    !a ||
    !Array.isArray(a.signingKeys) ||
    !Array.isArray(a.issued) ||
    typeof a.serial !== "number" ||
    typeof a.revokedThrough !== "number" ||
    typeof a.revokedAt !== "number"
  )
    throw bad("authority");
  for (const k of a.signingKeys)
    if (!k || typeof k.kid !== "string" || !k.privateJwk || typeof k.privateJwk.d !== "string") throw bad("signing key");
  for (const t of a.issued)
    if (!Array.isArray(t) || typeof t[0] !== "string" || typeof t[1] !== "number" || typeof t[2] !== "number") throw bad("issued tokens");
  if (typeof s.clockOffsetMs !== "number" || !Number.isFinite(s.clockOffsetMs)) throw bad("clock");
  if (s.sealKey !== undefined && fromB64(s.sealKey)?.length !== 32) throw bad("seal key");
  if (!Array.isArray(s.vaults) || !s.vaults.every((v) => Array.isArray(v) && typeof v[0] === "string" && v[1] && typeof v[1] === "object"))
    throw bad("vaults");
  return s as Snapshot;
}

interface Built {
  emulator: Emulator;
  warnings: string[];
  /** Applies restored state that needs async work (the authority's keys). */
  restore(): Promise<void>;
  snapshot(): Snapshot;
  attach(persister: Persister): void;
}

/** The type each scalar option must have. */
const OPTION_TYPES: [keyof EmulatorOptions, "string" | "number" | "boolean" | "function"][] = [
  ["name", "string"],
  ["tenantId", "string"],
  ["clientId", "string"],
  ["clientSecret", "string"],
  ["vaultUrl", "string"],
  ["authorityHost", "string"],
  ["resource", "string"],
  ["backupSecret", "string"],
  ["seed", "number"],
  ["recoverableDays", "number"],
  ["tokenLifetimeSeconds", "number"],
  ["deletionDelayMs", "number"],
  ["requestLogLimit", "number"],
  ["maxBodyBytes", "number"],
  ["managedHsm", "boolean"],
  ["purgeProtection", "boolean"],
  ["serviceLimits", "boolean"],
  ["certificateDelayMs", "number"],
  ["now", "function"],
];

/** Throws `ERR_INVALID_INPUT` unless `options` is an options object whose scalar options have their types. */
export function checkEmulatorOptions(options: unknown, fn: string): asserts options is EmulatorOptions {
  if (options === null || typeof options !== "object" || Array.isArray(options)) {
    throw inputError(
      `${fn} takes an options object; got ${kindOf(options)}${typeof options === "string" ? `: ${fn}({ name: ${JSON.stringify(options)} })` : ""}`,
    );
  }
  const o = options as Record<string, unknown>;
  for (const [k, type] of OPTION_TYPES) {
    if (o[k] !== undefined && typeof o[k] !== type) throw inputError(`${fn}: ${k} must be a ${type}; got ${kindOf(o[k])}`);
  }
  if (o.cors !== undefined && !(Array.isArray(o.cors) && o.cors.every((c) => typeof c === "string")))
    throw inputError(`${fn}: cors must be an array of origins`);
  if (
    o.managedIdentity !== undefined &&
    typeof o.managedIdentity !== "boolean" &&
    (o.managedIdentity === null || typeof o.managedIdentity !== "object")
  ) {
    throw inputError(`${fn}: managedIdentity must be true, false or { clientId, resourceId, identityEndpoint, identityHeader }`);
  }
  if (o.tokenLifetimeSeconds !== undefined && !((o.tokenLifetimeSeconds as number) > 0))
    throw inputError(`${fn}: tokenLifetimeSeconds must be more than 0`, true);
  if (o.deletionDelayMs !== undefined && !((o.deletionDelayMs as number) >= 0))
    throw inputError(`${fn}: deletionDelayMs must be 0 or more`, true);
  if (o.certificateDelayMs !== undefined && !((o.certificateDelayMs as number) >= 0))
    throw inputError(`${fn}: certificateDelayMs must be 0 or more`, true);
}

function build(options: EmulatorOptions, restored: Snapshot | undefined): Built {
  checkEmulatorOptions(options, restored ? "openEmulator" : "createEmulator");
  const warnings: string[] = [];
  let persister: Persister | undefined;
  const changed = () => persister?.markDirty();

  const authorityHost = normalizeUrl(options.authorityHost ?? "https://login.microsoftonline.com", "authorityHost");
  const tenantId = options.tenantId ?? restored?.identity.tenantId ?? uuid();
  const clientId = options.clientId ?? restored?.identity.clientId ?? uuid();
  const clientSecret = options.clientSecret ?? restored?.identity.clientSecret ?? `emu~${b64url(randomBytes(24))}`;
  const defaults = {
    recoverableDays: options.recoverableDays ?? 90,
    purgeProtection: options.purgeProtection ?? false,
    deletionDelayMs: options.deletionDelayMs ?? 0,
  };
  const base = options.now ?? (() => Date.now());
  const clock = createClock(base, changed, restored?.clockOffsetMs ?? 0);
  const now = () => clock.now();
  const random = options.seed === undefined ? Math.random : seededRandom(options.seed);
  const requestLogLimit = options.requestLogLimit ?? DEFAULT_LOG_LIMIT;
  if (!(requestLogLimit >= 0)) throw inputError("createEmulator: requestLogLimit must be 0 or more", true);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
  if (!(maxBodyBytes >= 0)) throw inputError("createEmulator: maxBodyBytes must be 0 or more", true);
  const allowedOrigins = new Set((options.cors ?? []).map((o) => corsOrigin(o)));

  const tokenLifetimeSeconds = options.tokenLifetimeSeconds ?? 3599;
  const authority = new Authority(authorityHost, tenantId, now, tokenLifetimeSeconds);
  authority.registerClient({ clientId, tenantId, clientSecret });
  authority.onChange = changed;
  const identity = options.managedIdentity
    ? new ManagedIdentityEndpoints(authority, options.managedIdentity === true ? {} : options.managedIdentity, tokenLifetimeSeconds, now)
    : undefined;

  // One sealing key for the emulator's vaults: a backup restores into any of them, as within a subscription.
  const sealKey: Uint8Array | undefined =
    options.backupSecret === undefined ? (restored?.sealKey ? fromB64(restored.sealKey)! : randomBytes(32)) : undefined;
  const sealKeyPromise = sealKey
    ? Promise.resolve(sealKey)
    : crypto.subtle.digest("SHA-256", buf(utf8(`keyvault-fetch emulator backup:${options.backupSecret}`))).then((d) => new Uint8Array(d));

  // The vaults.
  const specs = vaultSpecs(options);
  const vaults: VaultService[] = [];
  const byOrigin = new Map<string, VaultService>();
  for (const spec of specs) {
    const managedHsm = spec.managedHsm ?? false;
    const url = normalizeUrl(spec.vaultUrl ?? `https://${spec.name}.${managedHsm ? "managedhsm" : "vault"}.azure.net`, "vaultUrl");
    const recoverableDays = spec.recoverableDays ?? defaults.recoverableDays;
    if (!(Number.isInteger(recoverableDays) && recoverableDays >= 7 && recoverableDays <= 90))
      throw inputError("createEmulator: recoverableDays must be an integer from 7 to 90", true);
    const origin = originOf(url);
    if (byOrigin.has(origin)) throw inputError(`createEmulator: two vaults at ${origin}`);
    const vault = new VaultService(
      {
        url,
        name: spec.name,
        managedHsm,
        tenantId,
        resource: spec.resource ?? (managedHsm ? "https://managedhsm.azure.net" : "https://vault.azure.net"),
        recoverableDays,
        purgeProtection: spec.purgeProtection ?? defaults.purgeProtection,
        deletionDelayMs: spec.deletionDelayMs ?? defaults.deletionDelayMs,
        authorityHost,
        now,
        sealKey: () => sealKeyPromise,
        serviceLimits: options.serviceLimits === true,
        certificateDelayMs: options.certificateDelayMs ?? 1000,
      },
      authority,
    );
    if (spec.state) vault.importState(spec.state);
    vaults.push(vault);
    byOrigin.set(origin, vault);
  }
  const vaultId = (v: VaultService) => `${v.managedHsm ? "managedhsm" : "vault"}:${v.name.toLowerCase()}`;
  // Saved vaults this emulator does not serve are kept as they are, so saving loses nothing.
  const otherVaults = new Map<string, VaultState>();
  if (restored) {
    const known = new Map(vaults.map((v) => [vaultId(v), v]));
    for (const [id, state] of restored.vaults) {
      const v = known.get(id);
      if (!v) {
        otherVaults.set(id, state);
        continue;
      }
      try {
        v.importState(state);
      } catch (e) {
        throw new EmulatorStateError(
          "ERR_STATE_CORRUPT",
          `the saved state of ${id} is damaged (${e instanceof Error ? e.message : String(e)}); the file was left as it is`,
        );
      }
    }
  }
  for (const v of vaults) v.onChange = changed;
  const first = vaults[0]!;

  const faults = new Faults(random);
  const requests: RequestLogEntry[] = [];
  const log = (entry: RequestLogEntry) => {
    if (requestLogLimit === 0) return;
    requests.push(entry);
    if (requests.length > requestLogLimit) requests.splice(0, requests.length - requestLogLimit);
  };
  const authorityOrigin = originOf(authorityHost);

  async function serve(request: Request): Promise<Response> {
    const url = new URL(request.url);
    const origin = url.origin.toLowerCase();
    const entry: RequestLogEntry = {
      method: request.method,
      url: request.url,
      status: 0,
      authorization: request.headers.has("authorization"),
      target: "none",
    };
    log(entry);
    if (request.signal?.aborted) throw request.signal.reason;

    let target: "vault" | "authority" | "managedIdentity" | undefined;
    const vault = byOrigin.get(origin);
    if (origin === authorityOrigin && (!vault || isIdentityPath(url.pathname))) target = "authority";
    else if (vault) target = "vault";
    else if (identity?.endpointOf(url)) target = "managedIdentity";
    if (!target)
      throw new TypeError(
        `fetch failed: the emulator serves only ${vaults.map((v) => v.url).join(", ")} and ${authorityHost}${identity ? " and its managed identity endpoints" : ""}, not ${url.origin}`,
      );
    entry.target = target;

    const cors = allowedCorsOrigin(request, allowedOrigins);
    if (cors && request.method === "OPTIONS" && request.headers.has("access-control-request-method")) {
      entry.status = 204;
      return preflight(cors, request);
    }

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
      if (s.retryAfterMs !== undefined) {
        headers.set("x-ms-retry-after-ms", String(s.retryAfterMs));
        headers.set("retry-after-ms", String(s.retryAfterMs));
      }
      const cid = request.headers.get("x-ms-client-request-id");
      if (cid) headers.set("x-ms-client-request-id", cid);
      entry.status = s.status!;
      return withCors(new Response(JSON.stringify(s.body ?? faultBody(s.status!, faultTarget)), { status: s.status, headers }), cors);
    }

    // One size limit for every request body, answered in the shape of whoever was asked.
    let req = request;
    let response: Response | undefined;
    if (request.method !== "GET" && request.method !== "HEAD") {
      const bytes = await readLimited(request, maxBodyBytes);
      if (bytes === undefined) response = target === "vault" ? vault!.tooLarge(request, maxBodyBytes) : entraTooLarge(maxBodyBytes);
      else
        req = new Request(request.url, {
          method: request.method,
          headers: request.headers,
          signal: request.signal,
          ...(bytes.length ? { body: buf(bytes) } : {}),
        });
    }
    if (!response) {
      if (target === "managedIdentity") response = await identity!.handle(req, url);
      else if (target === "authority")
        response =
          (await authority.handle(req, url)) ??
          new Response(
            JSON.stringify({
              error: "invalid_request",
              error_description: "AADSTS900561: The endpoint does not exist.",
              error_codes: [900561],
            }),
            { status: 404, headers: { "content-type": "application/json; charset=utf-8" } },
          );
      else response = await vault!.handle(req, url);
    }
    // Write-through: the answer leaves only once what the request changed is saved.
    if (persister) {
      try {
        await persister.flush();
      } catch (e) {
        response = stateNotSaved(e);
      }
    }
    if (request.signal?.aborted) throw request.signal.reason;
    if (effect.drop === "after")
      throw new TypeError("fetch failed: connection reset by peer after the request was processed (emulated fault)");
    entry.status = response.status;
    if (effect.malformed && response.status !== 204 && response.status !== 304) {
      const text = await response.text();
      response = new Response(text.length > 1 ? text.slice(0, Math.floor(text.length / 2)) : "{", {
        status: response.status,
        headers: response.headers,
      });
    }
    return withCors(response, cors);
  }

  const emuFetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => serve(new Request(input, init));

  function setPermissions(v: VaultService, id: string, kind: PermissionKind, permissions: string[] | undefined): void {
    const key = id.toLowerCase();
    const policy: AccessPolicy = { ...v.accessPolicies.get(key) };
    if (permissions) policy[kind] = new Set(permissions.map((p) => p.toLowerCase()));
    else delete policy[kind];
    if (Object.keys(policy).length) v.accessPolicies.set(key, policy);
    else v.accessPolicies.delete(key);
    v.onChange();
  }
  const setKeyPermissions = (id: string, permissions: KeyPermission[] | undefined) => {
    for (const v of vaults) setPermissions(v, id, "keys", permissions);
  };
  const setVaultSecretPermissions = (v: VaultService, id: string, permissions: SecretPermission[] | undefined) => {
    if (!v.secrets) return; // a Managed HSM holds no secrets
    v.secrets.setPermissions(id, permissions);
    v.onChange();
  };
  const setSecretPermissions = (id: string, permissions: SecretPermission[] | undefined) => {
    for (const v of vaults) setVaultSecretPermissions(v, id, permissions);
  };
  const setCertificatePermissions = (id: string, permissions: CertificatePermission[] | undefined) => {
    for (const v of vaults) if (!v.managedHsm) setPermissions(v, id, "certificates", permissions);
  };

  const getToken = async (req: EmulatorTokenRequest) => {
    const form = new URLSearchParams({
      grant_type: "client_credentials",
      client_id: clientId,
      client_secret: clientSecret,
      scope: req.scopes.join(" "),
    });
    // Like the official credentials, ask for CAE-capable tokens (client capability cp1).
    form.set("claims", withCapability(req.claims));
    const res = await emuFetch(`${authorityHost}/${req.tenantId ?? tenantId}/oauth2/v2.0/token`, {
      method: "POST",
      body: form,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      signal: req.signal,
    });
    const json = (await res.json().catch(() => undefined)) as Record<string, unknown> | undefined;
    if (!res.ok || typeof json?.access_token !== "string") {
      throw new EmulatorTokenError(
        String(json?.error_description ?? `token request failed with HTTP ${res.status}`),
        String(json?.error ?? `HTTP_${res.status}`),
        res.status,
      );
    }
    // On the base clock: a client caches the token by its own clock, and it expires after its lifetime from now.
    return { token: json.access_token, expiresOnTimestamp: base() + Number(json.expires_in) * 1000 };
  };

  const facades: EmulatorVault[] = vaults.map((v) => ({
    name: v.name,
    url: v.url,
    resource: v.resource,
    managedHsm: v.managedHsm,
    setKeyPermissions: (id, permissions) => setPermissions(v, id, "keys", permissions),
    setSecretPermissions: (id, permissions) => setVaultSecretPermissions(v, id, permissions),
    setCertificatePermissions: (id, permissions) => setPermissions(v, id, "certificates", permissions),
    reset: () => v.reset(),
    exportState: () => v.exportState(),
    importState: (state) => v.importState(state),
  }));

  const sweep = async (): Promise<EmulatorSweepEvent[]> => {
    const events: EmulatorSweepEvent[] = [];
    for (const v of vaults) for (const e of await v.sweep()) events.push({ vault: v.url, ...e });
    authority.pruneIssued();
    await persister?.flush();
    return events;
  };

  const emulator: Emulator = {
    fetch: emuFetch,
    vaultUrl: first.url,
    tenantId,
    clientId,
    clientSecret,
    authorityHost,
    resource: first.resource,
    managedHsm: first.managedHsm,
    vaults: facades,
    vault(nameOrUrl) {
      const wanted = nameOrUrl.toLowerCase();
      let origin: string | undefined;
      try {
        origin = originOf(nameOrUrl);
      } catch {
        /* a name */
      }
      const i = vaults.findIndex((v) => v.name.toLowerCase() === wanted || (origin !== undefined && originOf(v.url) === origin));
      if (i < 0) throw inputError(`emulator.vault: no vault ${nameOrUrl} (there are ${vaults.map((v) => v.name).join(", ")})`);
      return facades[i]!;
    },
    getToken,
    requests,
    faults,
    clock,
    sweep,
    flush: async () => {
      await persister?.flush();
    },
    warnings,
    revokeSessions: () => authority.revokeSessions(),
    registerClient: (r) => {
      authority.registerClient(r);
      if (r.keyPermissions) setKeyPermissions(r.clientId, r.keyPermissions);
      if (r.secretPermissions) setSecretPermissions(r.clientId, r.secretPermissions);
      if (r.certificatePermissions) setCertificatePermissions(r.clientId, r.certificatePermissions);
    },
    setKeyPermissions,
    setSecretPermissions,
    setCertificatePermissions,
    mintToken: async (o) => (await authority.mintToken({ audience: first.resource, tenantId, clientId, ...o })).token,
    trustAttestationAuthority: (issuer, keys) => {
      for (const v of vaults) v.attestationAuthorities.set(issuer, keys);
    },
    authorityKeys: () => authority.jwks(),
    managedIdentity: identity?.info,
  };

  return {
    emulator,
    warnings,
    restore: async () => {
      if (restored) await authority.importState(restored.authority);
    },
    snapshot: (): Snapshot => ({
      identity: { tenantId, clientId, clientSecret },
      authority: authority.exportState(),
      clockOffsetMs: clock.offsetMs,
      ...(sealKey ? { sealKey: b64url(sealKey) } : {}),
      vaults: [...otherVaults, ...vaults.map((v): [string, VaultState] => [vaultId(v), v.exportState()])],
    }),
    attach: (p) => {
      persister = p;
    },
  };
}

/** The vaults an options object describes: `vaults`, or the single vault of name/managedHsm/vaultUrl/resource. */
function vaultSpecs(options: EmulatorOptions): EmulatorVaultOptions[] {
  if (options.vaults) {
    for (const k of ["name", "managedHsm", "vaultUrl", "resource"] as const) {
      if (options[k] !== undefined) throw inputError(`createEmulator: give ${k} inside vaults[], not next to it`);
    }
    if (!Array.isArray(options.vaults) || options.vaults.length === 0) throw inputError("createEmulator: vaults needs at least one vault");
    const names = new Set<string>();
    for (const v of options.vaults) {
      if (!v || typeof v.name !== "string" || !NAME.test(v.name))
        throw inputError(`createEmulator: invalid vault name '${String(v?.name)}' (3-24 letters, digits and hyphens)`);
      const id = `${v.managedHsm ? "hsm" : "vault"}:${v.name.toLowerCase()}`;
      if (names.has(id)) throw inputError(`createEmulator: two vaults named ${v.name}`);
      names.add(id);
    }
    return options.vaults;
  }
  const name = options.name ?? `kvemu-${hex(randomBytes(5))}`;
  if (!options.vaultUrl && !NAME.test(name))
    throw inputError(`createEmulator: invalid vault name '${name}' (3-24 letters, digits and hyphens)`);
  return [
    {
      name,
      ...(options.managedHsm !== undefined ? { managedHsm: options.managedHsm } : {}),
      ...(options.vaultUrl !== undefined ? { vaultUrl: options.vaultUrl } : {}),
      ...(options.resource !== undefined ? { resource: options.resource } : {}),
    },
  ];
}

/** Validates a CORS origin option: scheme://host[:port], nothing else. */
function corsOrigin(o: string): string {
  let u: URL | undefined;
  try {
    u = new URL(o);
  } catch {
    /* below */
  }
  if (!u || (u.protocol !== "http:" && u.protocol !== "https:") || u.origin.toLowerCase() !== o.replace(/\/$/, "").toLowerCase()) {
    throw inputError(`createEmulator: cors origins are scheme://host[:port] (e.g. http://localhost:5173), got '${o}'`);
  }
  return u.origin.toLowerCase();
}

/** The request's Origin when it is allowed, else undefined. */
function allowedCorsOrigin(request: Request, allowed: Set<string>): string | undefined {
  const origin = request.headers.get("origin");
  return origin && allowed.has(origin.toLowerCase()) ? origin : undefined;
}

function preflight(origin: string, request: Request): Response {
  const headers = new Headers({
    "access-control-allow-origin": origin,
    "access-control-allow-methods": "GET, HEAD, POST, PUT, PATCH, DELETE",
    "access-control-max-age": "600",
    vary: "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
  });
  const asked = request.headers.get("access-control-request-headers");
  if (asked) headers.set("access-control-allow-headers", asked);
  return new Response(null, { status: 204, headers });
}

function withCors(response: Response, origin: string | undefined): Response {
  if (!origin) return response;
  const headers = new Headers(response.headers);
  headers.set("access-control-allow-origin", origin);
  headers.set("access-control-expose-headers", EXPOSED_HEADERS);
  headers.append("vary", "Origin");
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers });
}

/** The body's bytes, or undefined when it is (or says it is) over `limit`: nothing past the limit is read. */
async function readLimited(request: Request, limit: number): Promise<Uint8Array | undefined> {
  const declared = Number(request.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) return undefined;
  if (!request.body) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (let read = await reader.read(); !read.done; read = await reader.read()) {
    size += read.value.byteLength;
    if (size > limit) {
      // Past the limit: stop reading and let the sender know; nothing more is kept.
      void reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(read.value);
  }
  return concat(...chunks);
}

function entraTooLarge(limit: number): Response {
  return new Response(
    JSON.stringify({
      error: "invalid_request",
      error_description: `The request body is too large: at most ${limit} bytes are accepted.`,
      error_codes: [],
    }),
    { status: 413, headers: { "content-type": "application/json; charset=utf-8" } },
  );
}

function stateNotSaved(e: unknown): Response {
  return new Response(
    JSON.stringify({
      error: {
        code: "InternalServerError",
        message: `The emulator could not save its state: ${e instanceof Error ? e.message : String(e)}`,
      },
    }),
    { status: 500, headers: { "content-type": "application/json; charset=utf-8" } },
  );
}

/** Paths the authority serves (needed when the authority and the vault share one origin). */
function isIdentityPath(path: string): boolean {
  return /\/(oauth2\/(v2\.0\/)?token|v2\.0\/\.well-known\/openid-configuration|\.well-known\/openid-configuration|discovery\/(v2\.0\/)?keys|discovery\/instance)$/i.test(
    path,
  );
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
      } catch {
        /* sent as is; the authority answers invalid_request */
      }
    }
    try {
      parsed = JSON.parse(json);
    } catch {
      return t;
    }
  }
  return JSON.stringify({ ...parsed, access_token: { ...parsed.access_token, xms_cc: { values: ["cp1"] } } });
}
