// The vocabulary of keyvault-fetch/secrets, named as @azure/keyvault-secrets names it.
// Type-only module: it adds nothing to a bundle.

/**
 * Where a secret may be recovered from after deletion (`recoveryLevel`).
 * @example
 * const { properties } = await getSecret(client, "db-password");
 * const level: DeletionRecoveryLevel | undefined = properties.recoveryLevel; // e.g. "Recoverable+Purgeable"
 */
export type DeletionRecoveryLevel =
  | "Purgeable"
  | "Recoverable+Purgeable"
  | "Recoverable"
  | "Recoverable+ProtectedSubscription"
  | "CustomizedRecoverable+Purgeable"
  | "CustomizedRecoverable"
  | "CustomizedRecoverable+ProtectedSubscription"
  | (string & {});

/**
 * The formats `outContentType` converts between (the service converts PFX to PEM only).
 * @example
 * const outContentType: SecretContentType = "application/x-pem-file";
 * const { value } = await getSecret(client, "tls-certificate", { outContentType });
 */
export type SecretContentType = "application/x-pkcs12" | "application/x-pem-file" | (string & {});

/**
 * Options every operation takes.
 * @example
 * const options: OperationOptions = { signal: AbortSignal.timeout(2000) };
 * const blob = await backupSecret(client, "db-password", options);
 */
export interface OperationOptions {
  /** Cancels the request (and any wait). */
  signal?: AbortSignal;
}

export type { Page } from "../paging.js";

/**
 * A secret's properties: everything but its value. Times are `Date`s.
 * @example
 * const { properties }: { properties: SecretProperties } = await getSecret(client, "db-password");
 * if (properties.expiresOn && properties.expiresOn < new Date()) console.warn("rotate db-password");
 */
export interface SecretProperties {
  /** The secret identifier, `https://{vault}/secrets/{name}[/{version}]` (list items of `/secrets` have no version). */
  id: string;
  name: string;
  /** "" when the answer named no version (items of `listPropertiesOfSecrets`). */
  version: string;
  vaultUrl: string;
  enabled?: boolean;
  notBefore?: Date;
  expiresOn?: Date;
  createdOn?: Date;
  updatedOn?: Date;
  contentType?: string;
  tags?: Record<string, string>;
  /** True for a secret whose lifetime Key Vault manages (one that backs a certificate). */
  managed?: boolean;
  /** For a secret that backs a certificate: the identifier of the certificate's key (`kid`). */
  certificateKeyId?: string;
  /** For a certificate's secret (certificates made after June 2025): the version before this one. */
  previousVersion?: string;
  recoveryLevel?: DeletionRecoveryLevel;
  recoverableDays?: number;
}

/**
 * A secret with its value.
 * @example
 * const { name, value, properties }: KeyVaultSecret = await getSecret(client, "db-password");
 * properties.version; // the version that was read
 */
export interface KeyVaultSecret {
  name: string;
  /** The value as stored ("" is a value). */
  value: string;
  properties: SecretProperties;
}

/**
 * Deletion details, on a deleted secret and its properties.
 * @example
 * const { recoveryId, deletedOn, scheduledPurgeDate }: DeletionInfo = await getDeletedSecret(client, "old-password");
 */
export interface DeletionInfo {
  /** The identifier to recover or purge it with, `https://{vault}/deletedsecrets/{name}`. */
  recoveryId?: string;
  deletedOn?: Date;
  /** When the service purges it for good. */
  scheduledPurgeDate?: Date;
}

/**
 * The properties of a deleted secret (items of `listDeletedSecrets`).
 * @example
 * for await (const d of listDeletedSecrets(client)) {
 *   const props: DeletedSecretProperties = d;
 *   console.log(props.name, props.recoveryId, props.scheduledPurgeDate);
 * }
 */
export interface DeletedSecretProperties extends SecretProperties, DeletionInfo {}

/**
 * A deleted secret. The service sends no value for it.
 * @example
 * const deleted: DeletedSecret = await deleteSecret(client, "old-password");
 * deleted.scheduledPurgeDate; // recoverable until then
 */
export interface DeletedSecret extends DeletionInfo {
  name: string;
  properties: DeletedSecretProperties;
}
