// Compact JWS and JWTs signed by a vault key: the signing input is hashed here with Web Crypto,
// and only the digest goes to the vault's sign operation (the private key never leaves it).
import type { KeyVaultClient } from "../client.js";
import { base64UrlDecode, base64UrlEncode, utf8Encode } from "../encoding.js";
import { KeyVaultClientError } from "../errors.js";
import { jwsSpec, type JwsAlgorithm } from "./algorithms.js";
import { getPublicJwk, keyPath, keyRef, versionOf } from "./key-ref.js";
import { request } from "../request.js";
import { checkClient, describe, invalid, optionsOf } from "../input.js";

/**
 * Options of {@link signJws}.
 * @example
 * const options: SignJwsOptions = { alg: "ES256", payload: new TextEncoder().encode("detached content"), header: { cty: "text/plain" } };
 * const jws = await signJws(client, "signer", options);
 */
export interface SignJwsOptions {
  alg: JwsAlgorithm;
  /** Extra protected header members (`typ`, `cty`, ...). `alg` is always the one given; `kid` defaults to the key version's id. */
  header?: Record<string, unknown>;
  /** The payload: bytes, or text (UTF-8). */
  payload: Uint8Array | string;
  signal?: AbortSignal;
}

/**
 * Options of {@link signJwt}.
 * @example
 * const now = Math.floor(Date.now() / 1000);
 * const options: SignJwtOptions = { alg: "RS256", payload: { iss: "https://issuer.example", sub: "alice", iat: now, exp: now + 300 } };
 * const token = await signJwt(client, "rsa-signer", options);
 */
export interface SignJwtOptions {
  alg: JwsAlgorithm;
  /** Extra protected header members; `typ` defaults to `"JWT"`. */
  header?: Record<string, unknown>;
  /** The claims (iss, sub, aud, exp, ...), sent as they are: set `iat` and `exp` yourself. */
  payload: Record<string, unknown>;
  signal?: AbortSignal;
}

/**
 * Signs a compact JWS with a vault key. `key` is a name (the newest version: one extra GET to
 * learn which), `"name/version"` or a key identifier; the `kid` header is the exact version's
 * identifier, so relying parties pick the right key from the JWKS.
 * @example
 * const jws = await signJws(client, "signer/0123abcd…", { alg: "ES256", payload: "hello" });
 */
export async function signJws(client: KeyVaultClient, key: string, options: SignJwsOptions): Promise<string> {
  return sign(client, key, options, "signJws");
}

async function sign(client: KeyVaultClient, key: string, options: SignJwsOptions, fn: string): Promise<string> {
  checkClient(client, fn);
  if (!options || typeof options !== "object")
    throw invalid(`${fn}(client, key, { alg, payload }) needs its options; got ${describe(options)}`);
  optionsOf(options, fn);
  const { alg } = options;
  const spec = jwsSpec(alg);
  if (!spec)
    throw new KeyVaultClientError(
      "ERR_INVALID_INPUT",
      `unsupported JWS algorithm ${JSON.stringify(alg)}: use ES256/384/512, ES256K, RS256/384/512 or PS256/384/512`,
    );
  const payload = typeof options.payload === "string" ? utf8Encode(options.payload) : options.payload;
  if (!(payload instanceof Uint8Array))
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `payload must be bytes or a string; got ${describe(options.payload)}`);
  if (options.header !== undefined && (typeof options.header !== "object" || options.header === null || Array.isArray(options.header))) {
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `header must be an object; got ${describe(options.header)}`);
  }
  const signal = options.signal ? { signal: options.signal } : {};

  let ref = keyRef(client, key);
  let kid: string;
  if (ref.version) {
    kid = /^https?:\/\//i.test(key) ? key : `${client.vaultOrigin}/keys/${ref.name}/${ref.version}`;
  } else {
    // The header must name the exact version before signing: ask which version is newest, and
    // check the key can make this signature while at it.
    const jwk = await getPublicJwk(client, key, signal);
    if (jwk.kty !== spec.kty || (spec.crv && jwk.crv !== spec.crv)) {
      throw new KeyVaultClientError(
        "ERR_INVALID_INPUT",
        `${alg} needs ${spec.crv ? `an EC ${spec.crv}` : "an RSA"} key; ${ref.name} is ${jwk.kty}${jwk.crv ? ` ${jwk.crv}` : ""}`,
      );
    }
    kid = jwk.kid;
    ref = { name: ref.name, version: versionOf(kid)! };
  }

  const header = { ...options.header, alg, kid: options.header?.kid ?? kid };
  const input = `${base64UrlEncode(utf8Encode(JSON.stringify(header)))}.${base64UrlEncode(payload)}`;
  const digest = new Uint8Array(await crypto.subtle.digest(spec.hash, utf8Encode(input)));
  const answer = await request<{ kid?: string; value?: string }>(
    client,
    "POST",
    keyPath(ref, "sign"),
    { alg, value: base64UrlEncode(digest) },
    signal,
  );
  if (!answer || typeof answer.value !== "string")
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "the vault's sign answer has no value");
  const signature = base64UrlDecode(answer.value);
  if (spec.signatureBytes && signature.length !== spec.signatureBytes) {
    throw new KeyVaultClientError(
      "ERR_INVALID_RESPONSE",
      `the vault returned a ${signature.length}-byte ${alg} signature; expected ${spec.signatureBytes} (raw r||s)`,
    );
  }
  return `${input}.${base64UrlEncode(signature)}`;
}

/**
 * Signs a JWT with a vault key: `signJws` with a JSON payload and `typ: "JWT"`.
 * `jose.jwtVerify(token, await importJWK(publicJwk, alg))` accepts it.
 * @example
 * const now = Math.floor(Date.now() / 1000);
 * const token = await signJwt(client, "signer", { alg: "ES256", payload: { sub: "user-1", iat: now, exp: now + 300 } });
 */
export async function signJwt(client: KeyVaultClient, key: string, options: SignJwtOptions): Promise<string> {
  checkClient(client, "signJwt");
  if (!options || typeof options !== "object")
    throw invalid(`signJwt(client, key, { alg, payload }) needs its options; got ${describe(options)}`);
  const payload = options.payload;
  if (!payload || typeof payload !== "object" || Array.isArray(payload))
    throw new KeyVaultClientError("ERR_INVALID_INPUT", `a JWT payload must be an object of claims; got ${describe(payload)}`);
  const { alg, header, signal } = options;
  return sign(
    client,
    key,
    {
      alg,
      payload: JSON.stringify(payload),
      header: { typ: "JWT", ...header },
      ...(signal ? { signal } : {}),
    },
    "signJwt",
  );
}
