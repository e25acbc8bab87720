// Which vault key a call means ("name", "name/version" or a key identifier URL), its public JWK
// (cached per exact version: a version's key material never changes), and JWK clean-up.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError } from "../errors.js";
import { request } from "../request.js";
import { isOwnOrigin } from "../keys/ids.js";
import type { Jwk, JwkInput } from "../web-types.js";
import { checkClient, describe, optionsOf } from "../input.js";

/** A key's name and, when known, exact version. */
export interface KeyRef {
  name: string;
  version?: string;
}

/**
 * The public half of a vault key, as Key Vault's JWK carries it, with the exact versioned `kid`.
 * @example
 * const jwk: VaultPublicJwk = await getPublicJwk(client, "signer");
 * jwk.kid; // the exact version's identifier
 */
export interface VaultPublicJwk extends Jwk {
  kid: string;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;
const VERSION = /^[0-9a-zA-Z]{1,64}$/;

const invalid = (message: string): KeyVaultClientError => new KeyVaultClientError("ERR_INVALID_INPUT", message);

/**
 * Parses a key reference against the client's vault. A key identifier URL must name the
 * client's own vault (a `kid` from elsewhere is refused with `ERR_FOREIGN_ORIGIN`).
 */
export function keyRef(client: KeyVaultClient, key: string): KeyRef {
  if (typeof key !== "string" || !key) throw invalid(`a key name, name/version or key identifier is required; got ${describe(key)}`);
  let parts: string[];
  if (/^https?:\/\//i.test(key)) {
    let url: URL;
    try {
      url = new URL(key);
    } catch {
      throw invalid(`not a key identifier: ${key}`);
    }
    if (!isOwnOrigin(client, url.origin)) {
      throw new KeyVaultClientError(
        "ERR_FOREIGN_ORIGIN",
        `the key ${url.origin}${url.pathname} is not in this client's vault (${client.vaultOrigin})`,
      );
    }
    const segments = url.pathname.split("/").filter(Boolean);
    if (segments[0]?.toLowerCase() !== "keys" || segments.length < 2 || segments.length > 3) throw invalid(`not a key identifier: ${key}`);
    parts = segments.slice(1);
  } else {
    parts = key.split("/");
    if (parts.length > 2) throw invalid(`not a key name or name/version: ${key}`);
  }
  const [name, version] = parts as [string, string | undefined];
  if (!NAME.test(name)) throw invalid(`invalid key name ${JSON.stringify(name)}`);
  if (version !== undefined && version !== "" && !VERSION.test(version)) throw invalid(`invalid key version ${JSON.stringify(version)}`);
  return version ? { name, version } : { name };
}

/** `/keys/{name}/{version}` (`/keys/{name}/` for the newest version), plus an operation on that version. */
export function keyPath(ref: KeyRef, operation?: string): string {
  const base = `/keys/${encodeURIComponent(ref.name)}/${ref.version ? encodeURIComponent(ref.version) : ""}`;
  return operation ? `${base}/${operation}` : base;
}

/** The version named at the end of a key identifier. */
export function versionOf(kid: string): string | undefined {
  const segments = kid.split("?")[0]!.split("/").filter(Boolean);
  return segments.length >= 5 ? segments[segments.length - 1] : undefined;
}

/** Public members of each key type; everything else (d, p, q, dp, dq, qi, k, key_ops) is dropped. */
const PUBLIC_MEMBERS: Record<string, string[]> = { RSA: ["n", "e"], EC: ["crv", "x", "y"] };

/**
 * The public part of a Key Vault JWK, with `kty` as JOSE names it (`RSA-HSM` → `RSA`, `EC-HSM`
 * → `EC`). Throws `ERR_UNSUPPORTED` for symmetric keys, which have no public part.
 * @example
 * const { key: vaultJwk } = await getKey(client, "signer");
 * const jwk = publicJwk(vaultJwk); // { kty: "EC", crv, x, y, kid }: nothing else
 */
export function publicJwk(key: JwkInput & { kid?: string }): VaultPublicJwk {
  if (!key || typeof key !== "object") throw invalid(`publicJwk takes a key's JWK (getKey's key); got ${describe(key)}`);
  const kty = String(key.kty ?? "")
    .replace(/-HSM$/i, "")
    .toUpperCase();
  const members = PUBLIC_MEMBERS[kty];
  if (!members) throw new KeyVaultClientError("ERR_UNSUPPORTED", `a ${String(key.kty)} key has no public key to publish or encrypt to`);
  const out: Record<string, unknown> = { kty };
  for (const m of members) {
    const v = (key as Record<string, unknown>)[m];
    if (typeof v !== "string" || !v) throw new KeyVaultClientError("ERR_INVALID_RESPONSE", `the key's JWK lacks ${m}`);
    out[m] = v;
  }
  if (typeof key.kid !== "string" || !versionOf(key.kid))
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "the key's JWK has no versioned kid");
  out.kid = key.kid;
  return out as unknown as VaultPublicJwk;
}

/** A key bundle as far as this module reads it. */
export interface KeyBundleLike {
  key: JsonWebKey & { kid: string; key_ops?: string[] };
  attributes?: { enabled?: boolean; nbf?: number; exp?: number; created?: number };
}

// Public keys by exact version, per vault: immutable, so they may live for the isolate's lifetime.
const publicKeys = new Map<string, VaultPublicJwk>();
const MAX_CACHED = 256;

/**
 * The public JWK of a key version, fetched once per exact version; a reference without a
 * version fetches the newest version each time (it may have been rotated).
 * @example
 * const jwk = await getPublicJwk(client, kid);   // cached: a version's key never changes
 * const verifyKey = await crypto.subtle.importKey("jwk", jwk, { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
 */
export async function getPublicJwk(client: KeyVaultClient, key: string, opts?: { signal?: AbortSignal }): Promise<VaultPublicJwk> {
  checkClient(client, "getPublicJwk");
  const options = optionsOf(opts, "getPublicJwk");
  const ref = keyRef(client, key);
  const cacheKey = ref.version ? `${client.vaultOrigin}/keys/${ref.name}/${ref.version}`.toLowerCase() : undefined;
  const hit = cacheKey ? publicKeys.get(cacheKey) : undefined;
  if (hit) return { ...hit };
  const bundle = await request<KeyBundleLike>(client, "GET", keyPath(ref), undefined, options.signal ? { signal: options.signal } : {});
  if (!bundle || typeof bundle !== "object" || !bundle.key)
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "the vault answered a key without a JWK");
  const jwk = publicJwk(bundle.key);
  const exact = `${client.vaultOrigin}/keys/${ref.name}/${versionOf(jwk.kid)}`.toLowerCase();
  if (publicKeys.size >= MAX_CACHED) publicKeys.delete(publicKeys.keys().next().value!);
  publicKeys.set(exact, jwk);
  return { ...jwk };
}
