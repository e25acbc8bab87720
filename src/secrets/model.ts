// REST shapes <-> the typed model: unix seconds become Date, wire names become the SDK's names.
// Only this module knows the wire names.
import { invalid, parseSecretId, type ParsedSecretId } from "./ids.js";
import { answerObject, badAnswer } from "../input.js";
import type { DeletedSecret, DeletedSecretProperties, KeyVaultSecret, SecretProperties } from "./types.js";

/** Secret attributes on the wire (unix seconds). */
export interface RestSecretAttributes {
  enabled?: boolean;
  nbf?: number;
  exp?: number;
  created?: number;
  updated?: number;
  recoverableDays?: number;
  recoveryLevel?: string;
}
/** SecretBundle / DeletedSecretBundle / SecretItem / DeletedSecretItem on the wire. */
export interface RestSecret {
  value?: string;
  id?: string;
  contentType?: string;
  attributes?: RestSecretAttributes;
  tags?: Record<string, string>;
  kid?: string;
  managed?: boolean;
  previousVersion?: string;
  recoveryId?: string;
  deletedDate?: number;
  scheduledPurgeDate?: number;
}

const date = (seconds: unknown): Date | undefined => (typeof seconds === "number" ? new Date(seconds * 1000) : undefined);

// `{ a: undefined }` and `{}` are the same thing to us; drop the undefined members so objects compare and print cleanly.
function compact<T extends object>(object: T): T {
  for (const k of Object.keys(object) as (keyof T)[]) if (object[k] === undefined) delete object[k];
  return object;
}

/** SecretBundle or SecretItem -> SecretProperties. */
export function toSecretProperties(b: RestSecret): SecretProperties {
  if (typeof answerObject<RestSecret>(b, "a secret").id !== "string") throw badAnswer("has no secret id");
  let id: ParsedSecretId;
  // A broken id is the vault's fault (ERR_INVALID_RESPONSE), not the caller's.
  try {
    id = parseSecretId(b.id as string);
  } catch {
    throw badAnswer("has an id that is not a secret identifier");
  }
  const a = b.attributes ?? {};
  return compact({
    id: b.id as string,
    name: id.name,
    version: id.version,
    vaultUrl: id.vaultUrl,
    enabled: a.enabled,
    notBefore: date(a.nbf),
    expiresOn: date(a.exp),
    createdOn: date(a.created),
    updatedOn: date(a.updated),
    contentType: b.contentType,
    tags: b.tags && typeof b.tags === "object" ? { ...b.tags } : undefined,
    managed: b.managed,
    certificateKeyId: b.kid,
    previousVersion: b.previousVersion,
    recoveryLevel: a.recoveryLevel,
    recoverableDays: a.recoverableDays,
  });
}

/** SecretBundle -> KeyVaultSecret. */
export function toSecret(b: RestSecret): KeyVaultSecret {
  const properties = toSecretProperties(b);
  return { name: properties.name, value: typeof b.value === "string" ? b.value : "", properties };
}

/** DeletedSecretItem -> DeletedSecretProperties. */
export function toDeletedSecretProperties(b: RestSecret): DeletedSecretProperties {
  return compact({
    ...toSecretProperties(b),
    recoveryId: b.recoveryId,
    deletedOn: date(b.deletedDate),
    scheduledPurgeDate: date(b.scheduledPurgeDate),
  });
}

/** DeletedSecretBundle -> DeletedSecret. */
export function toDeletedSecret(b: RestSecret): DeletedSecret {
  const properties = toDeletedSecretProperties(b);
  return compact({
    name: properties.name,
    properties,
    recoveryId: properties.recoveryId,
    deletedOn: properties.deletedOn,
    scheduledPurgeDate: properties.scheduledPurgeDate,
  });
}

/** Date -> unix seconds, refusing anything that is not a valid Date. */
export function unixSeconds(value: unknown, what: string): number {
  if (!(value instanceof Date) || Number.isNaN(value.getTime())) throw invalid(`${what} must be a valid Date`);
  return Math.floor(value.getTime() / 1000);
}
