// REST shapes <-> the typed model: unix seconds become Date, wire names become the SDK's names.
// Only this module knows the wire names.
import { parseSecretId, type ParsedSecretId } from "./ids.js";
import { answerObject, badAnswer } from "../input.js";
import { compact, deletion, itemProperties, type RestItemAttributes } from "../model.js";
import type { DeletedSecret, DeletedSecretProperties, KeyVaultSecret, SecretProperties } from "./types.js";

/** Secret attributes on the wire (unix seconds): those every item has. */
export type RestSecretAttributes = RestItemAttributes;
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
    ...itemProperties(b.id as string, id, a),
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
  return compact({ ...toSecretProperties(b), ...deletion(b) });
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
