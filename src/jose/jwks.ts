// A JSON Web Key Set of a key's enabled versions: what relying parties fetch to verify the
// tokens the vault signed (the document `jose.createRemoteJWKSet` reads).
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import { ecAlgorithm } from "./algorithms.js";
import { getPublicJwk, keyRef, type VaultPublicJwk } from "./key-ref.js";
import { request } from "../request.js";
import { STORE_TIMEOUT_MS, storeGet, storePut, type SharedStore } from "../secrets/store.js";
import { checkClient, checkType, describe, invalid, optionsOf } from "../input.js";

/**
 * One published key: public members only, with `kid`, `alg` and `use`.
 * @example
 * const published: PublishedJwk = publishJwk(await getPublicJwk(client, "signer"));
 * published.alg; // "ES256" for a P-256 key
 */
export interface PublishedJwk extends VaultPublicJwk {
  alg: string;
  use: "sig" | "enc";
}

/**
 * A JWK Set (RFC 7517 §5).
 * @example
 * const jwks: Jwks = await getJwks(client, "signer");
 * jwks.keys.map((k) => k.kid); // every enabled version, newest first
 */
export interface Jwks {
  keys: PublishedJwk[];
}

/**
 * Options of {@link getJwks}.
 * @example
 * const options: JwksOptions = { use: "sig", alg: "PS256", store: workersKvStore(env.SECRET_CACHE), storeTtlSeconds: 300 };
 * const jwks = await getJwks(client, "rsa-signer", options);
 */
export interface JwksOptions {
  /** `"sig"` (default) for signing keys, `"enc"` for encryption keys. */
  use?: "sig" | "enc";
  /** `alg` for RSA keys (default `RS256` for `sig`, `RSA-OAEP-256` for `enc`); EC keys take theirs from the curve. */
  alg?: string;
  signal?: AbortSignal;
  /**
   * A store shared by isolates (Workers Cache API, KV, Deno KV: see `keyvault-fetch/secrets`): the
   * document is read from the vault once per `storeTtlSeconds` for the whole fleet. Public data,
   * kept unsealed: the store must be writable by your app alone. A store that fails, or has not
   * answered within 500 ms, is a miss: the vault is read instead.
   */
  store?: SharedStore;
  /** How long the document stays in `store`, in seconds (default 300; new versions show after it). */
  storeTtlSeconds?: number;
}

interface VersionItem {
  kid?: string;
  attributes?: { enabled?: boolean; created?: number };
}

/**
 * The JWKS of a key's enabled versions, newest first. Each `kid` is the version's key identifier
 * (what {@link signJwt} puts in the header). Serve it with a cache lifetime: relying parties
 * refetch it when they meet a `kid` they do not know, e.g. after a rotation.
 * @example
 * // GET /.well-known/jwks.json
 * const jwks = await getJwks(client, "signer");
 * const response = Response.json(jwks, { headers: { "cache-control": "public, max-age=300" } });
 */
export async function getJwks(client: KeyVaultClient, name: string, opts?: JwksOptions): Promise<Jwks> {
  checkClient(client, "getJwks");
  const options = optionsOf(opts, "getJwks");
  checkType(options.alg, "string", "getJwks: alg");
  const ref = keyRef(client, name);
  if (ref.version) throw new KeyVaultClientError("ERR_INVALID_INPUT", "getJwks takes a key name, not a version");
  const use = options.use ?? "sig";
  if (use !== "sig" && use !== "enc") throw new KeyVaultClientError("ERR_INVALID_INPUT", `use must be "sig" or "enc"`);
  const signal = options.signal ? { signal: options.signal } : {};
  const store = options.store;
  if (store !== undefined && (!store || typeof store.get !== "function" || typeof store.put !== "function"))
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "store must have get(key) and put(key, value, ttlSeconds)");
  if (options.storeTtlSeconds !== undefined && !(options.storeTtlSeconds > 0))
    throw new KeyVaultClientError("ERR_INVALID_INPUT", "storeTtlSeconds must be a positive number of seconds");
  const storeKey = `kvf-jwks1:${client.vaultUrl.toLowerCase()}/keys/${ref.name.toLowerCase()}#${use}:${options.alg ?? ""}`;
  if (store) {
    const text = await storeGet(store, storeKey, STORE_TIMEOUT_MS, options.signal);
    const shared = text === undefined ? undefined : parseJwks(text);
    if (shared) return shared;
  }

  const items: VersionItem[] = [];
  let next: string | undefined = `/keys/${encodeURIComponent(ref.name)}/versions?maxresults=25`;
  for (let pages = 0; next; pages++) {
    if (pages >= 1000) throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "the vault's version list did not end");
    const page: { value?: VersionItem[]; nextLink?: string | null } = await request(client, "GET", next, undefined, signal);
    items.push(...(page?.value ?? []));
    next = page?.nextLink || undefined;
  }
  const enabled = items
    .filter((i) => typeof i.kid === "string" && i.attributes?.enabled !== false)
    .sort((a, b) => (b.attributes?.created ?? 0) - (a.attributes?.created ?? 0));
  // Versions are fetched once each and then cached: a version's public key never changes.
  const jwks = await Promise.all(enabled.map((i) => getPublicJwk(client, i.kid!, signal)));
  const result = { keys: jwks.map((jwk) => publish(jwk, use, options.alg)) };
  if (store) await storePut(store, storeKey, JSON.stringify(result), options.storeTtlSeconds ?? 300, STORE_TIMEOUT_MS, options.signal);
  return result;
}

/** A stored document, if it has the shape this module writes; anything else is read from the vault again. */
function parseJwks(text: string): Jwks | undefined {
  try {
    const doc = JSON.parse(text) as Jwks;
    const ok =
      Array.isArray(doc?.keys) &&
      doc.keys.every(
        (k) => k && typeof k === "object" && typeof k.kty === "string" && typeof k.kid === "string" && typeof k.alg === "string",
      );
    return ok ? { keys: doc.keys.map((k) => ({ ...k })) } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A public JWK ready to publish: `use`, and `alg` from the curve (EC) or the option (RSA).
 * @example publishJwk(await getPublicJwk(client, "signer"), { use: "sig", alg: "PS256" })
 */
export function publishJwk(jwk: VaultPublicJwk, opts?: { use?: "sig" | "enc"; alg?: string }): PublishedJwk {
  if (!jwk || typeof jwk !== "object" || typeof jwk.kty !== "string")
    throw invalid(`publishJwk takes a public JWK (getPublicJwk's answer); got ${describe(jwk)}`);
  const options = optionsOf(opts, "publishJwk");
  const use = options.use ?? "sig";
  if (use !== "sig" && use !== "enc") throw invalid(`publishJwk: use must be "sig" or "enc"; got ${describe(use)}`);
  checkType(options.alg, "string", "publishJwk: alg");
  return publish(jwk, use, options.alg);
}

// EC keys take their algorithm from the curve; `alg` applies to RSA keys only.
function publish(jwk: VaultPublicJwk, use: "sig" | "enc", alg: string | undefined): PublishedJwk {
  if (jwk.kty === "EC") {
    if (use === "enc") throw new KeyVaultClientError("ERR_UNSUPPORTED", 'Key Vault EC keys cannot encrypt: publish RSA keys for use "enc"');
    const fromCurve = ecAlgorithm(jwk.crv);
    if (!fromCurve) throw new KeyVaultClientError("ERR_UNSUPPORTED", `unknown curve ${String(jwk.crv)}`);
    return { ...jwk, alg: fromCurve, use };
  }
  return { ...jwk, alg: alg ?? (use === "enc" ? "RSA-OAEP-256" : "RS256"), use };
}
