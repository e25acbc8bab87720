// REST shapes <-> the typed model: unix seconds become Date, base64url becomes Uint8Array, and the
// key's JWK becomes a standard public JWK. Only this module knows the wire names.
import { base64UrlDecode, base64UrlEncode, utf8Encode } from "../encoding.js";
import { parseKeyId, invalid, type ParsedKeyId } from "./ids.js";
import type {
  DeletedKey,
  DeletedKeyProperties,
  KeyAttestation,
  KeyProperties,
  KeyReleasePolicy,
  KeyReleasePolicyInput,
  KeyRotationPolicy,
  KeyVaultKey,
} from "./types.js";
import type { Jwk } from "../web-types.js";
import { answerObject, badAnswer, describe } from "../input.js";
import { compact, date, deletion, itemProperties, unixSeconds, type RestItemAttributes } from "../model.js";

/** A JWK as Key Vault sends it (may carry `-HSM` types and `key_ops`). */
export interface RestJwk {
  kid?: string;
  kty?: string;
  key_ops?: string[];
  crv?: string;
  n?: string;
  e?: string;
  x?: string;
  y?: string;
  k?: string;
  d?: string;
  p?: string;
  q?: string;
  dp?: string;
  dq?: string;
  qi?: string;
  key_hsm?: string;
  t?: string;
  [member: string]: unknown;
}
/** Key attributes on the wire (unix seconds). */
export interface RestAttributes extends RestItemAttributes {
  exportable?: boolean;
  hsmPlatform?: string;
  key_size?: number;
  attestation?: { certificatePemFile?: string; privateKeyAttestation?: string; publicKeyAttestation?: string; version?: string };
}
/** A release policy on the wire (`data` base64). */
export interface RestReleasePolicy {
  contentType?: string;
  data?: string;
  immutable?: boolean;
}
/** KeyBundle / DeletedKeyBundle on the wire. */
export interface RestKeyBundle {
  key?: RestJwk;
  attributes?: RestAttributes;
  tags?: Record<string, string>;
  managed?: boolean;
  release_policy?: RestReleasePolicy;
  recoveryId?: string;
  deletedDate?: number;
  scheduledPurgeDate?: number;
}
/** KeyItem / DeletedKeyItem of a list page. */
export interface RestKeyItem {
  kid: string;
  attributes?: RestAttributes;
  tags?: Record<string, string>;
  managed?: boolean;
  recoveryId?: string;
  deletedDate?: number;
  scheduledPurgeDate?: number;
}
/** KeyRotationPolicy on the wire. */
export interface RestRotationPolicy {
  id?: string;
  lifetimeActions?: { trigger?: { timeAfterCreate?: string; timeBeforeExpiry?: string }; action?: { type?: string } }[];
  attributes?: { expiryTime?: string; created?: number; updated?: number };
}

const bytes = (text: string | undefined): Uint8Array<ArrayBuffer> | undefined =>
  typeof text === "string" ? base64UrlDecode(text) : undefined;

/** Key Vault's JWK -> a standard public JWK (see {@link KeyVaultKey.key}). */
export function publicJwk(jwk: RestJwk): Jwk & { kid?: string } {
  const kty = String(jwk.kty ?? "").replace(/-HSM$/i, "");
  const out: Jwk & { kid?: string } = { kty: kty === "AES" ? "oct" : kty };
  if (jwk.kid !== undefined) out.kid = jwk.kid;
  for (const m of ["crv", "n", "e", "x", "y"] as const) if (typeof jwk[m] === "string") out[m] = jwk[m];
  return out;
}

// A kid read from an answer: a broken one is the vault's fault (ERR_INVALID_RESPONSE), not the caller's.
function idOf(kid: unknown): ParsedKeyId {
  if (typeof kid !== "string") throw badAnswer("has no kid");
  try {
    return parseKeyId(kid);
  } catch {
    throw badAnswer("has a kid that is not a key identifier");
  }
}

function properties(
  kid: string,
  b: { attributes?: RestAttributes; tags?: Record<string, string>; managed?: boolean; release_policy?: RestReleasePolicy },
): KeyProperties {
  const id = idOf(kid);
  const a = b.attributes ?? {};
  return compact({
    ...itemProperties(kid, id, a),
    recoverableDays: a.recoverableDays,
    recoveryLevel: a.recoveryLevel,
    exportable: a.exportable,
    keySize: a.key_size,
    hsmPlatform: a.hsmPlatform,
    tags: b.tags,
    managed: b.managed,
    releasePolicy: b.release_policy ? releasePolicy(b.release_policy) : undefined,
    attestation: a.attestation ? attestation(a.attestation) : undefined,
  });
}

function releasePolicy(p: RestReleasePolicy): KeyReleasePolicy {
  return compact({ contentType: p.contentType, data: bytes(p.data), immutable: p.immutable });
}

function attestation(a: NonNullable<RestAttributes["attestation"]>): KeyAttestation {
  return compact({
    certificatePemFile: bytes(a.certificatePemFile),
    privateKeyAttestation: bytes(a.privateKeyAttestation),
    publicKeyAttestation: bytes(a.publicKeyAttestation),
    version: a.version,
  });
}

/** KeyBundle -> KeyVaultKey. */
export function toKey(bundle: RestKeyBundle): KeyVaultKey {
  const jwk = answerObject<RestJwk>(answerObject<RestKeyBundle>(bundle, "a key").key, "a key with a JWK");
  const kid = jwk.kid as string;
  const props = properties(kid, bundle);
  const ops: unknown = jwk.key_ops ?? [];
  if (!Array.isArray(ops) || !ops.every((op) => typeof op === "string")) throw badAnswer("has key_ops that are not a list of names");
  return { id: kid, name: props.name, keyType: String(jwk.kty ?? ""), keyOperations: [...ops], key: publicJwk(jwk), properties: props };
}

/** DeletedKeyBundle -> DeletedKey. */
export function toDeletedKey(bundle: RestKeyBundle): DeletedKey {
  return compact({ ...toKey(bundle), ...deletion(bundle) });
}

/** KeyItem -> KeyProperties. */
export function toKeyProperties(item: RestKeyItem): KeyProperties {
  return properties(answerObject<RestKeyItem>(item, "a key item").kid, item);
}

/** DeletedKeyItem -> DeletedKeyProperties. */
export function toDeletedKeyProperties(item: RestKeyItem): DeletedKeyProperties {
  return compact({ ...properties(answerObject<RestKeyItem>(item, "a deleted key item").kid, item), ...deletion(item) });
}

/** Settable attributes -> the REST `attributes` object (only what was given). */
export function attributesBody(o: { enabled?: boolean; notBefore?: Date; expiresOn?: Date; exportable?: boolean }): RestAttributes {
  return compact({
    enabled: o.enabled,
    nbf: o.notBefore === undefined ? undefined : unixSeconds(o.notBefore, "notBefore"),
    exp: o.expiresOn === undefined ? undefined : unixSeconds(o.expiresOn, "expiresOn"),
    exportable: o.exportable,
  });
}

/** Release policy input -> REST (`data` as base64url; an object is sent as JSON). */
export function releasePolicyBody(p: KeyReleasePolicyInput): RestReleasePolicy {
  if (!p || typeof p !== "object" || !p.data || typeof p.data !== "object") throw invalid("releasePolicy.data must be bytes or an object");
  const data = p.data instanceof Uint8Array ? p.data : utf8Encode(JSON.stringify(p.data));
  return compact({ contentType: p.contentType, data: base64UrlEncode(data), immutable: p.immutable });
}

/** REST rotation policy -> KeyRotationPolicy. */
export function toRotationPolicy(policy: RestRotationPolicy): KeyRotationPolicy {
  const p = answerObject<RestRotationPolicy>(policy, "a rotation policy");
  const actions: unknown = p.lifetimeActions ?? [];
  if (!Array.isArray(actions)) throw badAnswer("has lifetimeActions that are not a list");
  return compact({
    id: p.id,
    lifetimeActions: (actions as NonNullable<RestRotationPolicy["lifetimeActions"]>).map((a) =>
      compact({
        action: String(a.action?.type ?? ""),
        timeAfterCreate: a.trigger?.timeAfterCreate,
        timeBeforeExpiry: a.trigger?.timeBeforeExpiry,
      }),
    ),
    expiresIn: p.attributes?.expiryTime,
    createdOn: date(p.attributes?.created),
    updatedOn: date(p.attributes?.updated),
  });
}

/** KeyRotationPolicy -> REST. */
export function rotationPolicyBody(p: Pick<KeyRotationPolicy, "lifetimeActions" | "expiresIn">): RestRotationPolicy {
  if (!p || !Array.isArray(p.lifetimeActions))
    throw invalid(
      `a rotation policy needs lifetimeActions (an array of { action, timeAfterCreate | timeBeforeExpiry }); got ${describe(p)}`,
    );
  const body: RestRotationPolicy = {
    lifetimeActions: p.lifetimeActions.map((a) => {
      if ((a.timeAfterCreate === undefined) === (a.timeBeforeExpiry === undefined)) {
        throw invalid("each lifetime action needs exactly one of timeAfterCreate or timeBeforeExpiry");
      }
      return { trigger: compact({ timeAfterCreate: a.timeAfterCreate, timeBeforeExpiry: a.timeBeforeExpiry }), action: { type: a.action } };
    }),
  };
  if (p.expiresIn !== undefined) body.attributes = { expiryTime: p.expiresIn };
  return body;
}
