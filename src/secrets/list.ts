// Listing: async iterables that fetch the next page only when the caller gets there, and follow
// `nextLink` only on the vault's own origin (the client refuses any other); see ../paging.ts.
import type { KeyVaultClient } from "../client.js";
import { paged, type ListOptions as BaseListOptions, type PagedAsyncIterable } from "../paging.js";
import { checkSecretName } from "./ids.js";
import { checkClient } from "../input.js";
import { toDeletedSecretProperties, toSecretProperties } from "./model.js";
import type { DeletedSecretProperties, OperationOptions, SecretProperties } from "./types.js";

/**
 * Options of the list operations.
 * @example
 * const options: ListOptions = { maxPageSize: 25 };
 * for await (const props of listPropertiesOfSecrets(client, options)) console.log(props.name);
 */
export interface ListOptions extends BaseListOptions, OperationOptions {}
export type { PageSettings, PagedAsyncIterable } from "../paging.js";

/**
 * Lists the secrets of the vault: the properties of each one's newest version, no values
 * (`id` and `version` carry no version). Use {@link getSecret} for a value.
 * @example for await (const props of listPropertiesOfSecrets(client)) if (props.enabled) console.log(props.name);
 */
export function listPropertiesOfSecrets(client: KeyVaultClient, options?: ListOptions): PagedAsyncIterable<SecretProperties> {
  return paged(client, "/secrets", toSecretProperties, options, "listPropertiesOfSecrets");
}

/**
 * Lists the versions of one secret (properties, no values). An unknown name lists nothing.
 * @example for await (const v of listPropertiesOfSecretVersions(client, "db-password")) console.log(v.version, v.createdOn);
 */
export function listPropertiesOfSecretVersions(
  client: KeyVaultClient,
  name: string,
  options?: ListOptions,
): PagedAsyncIterable<SecretProperties> {
  checkClient(client, "listPropertiesOfSecretVersions");
  checkSecretName(name);
  return paged(client, `/secrets/${name}/versions`, toSecretProperties, options, "listPropertiesOfSecretVersions");
}

/**
 * Lists deleted secrets (soft-delete vaults).
 * @example for await (const d of listDeletedSecrets(client)) console.log(d.name, d.scheduledPurgeDate);
 */
export function listDeletedSecrets(client: KeyVaultClient, options?: ListOptions): PagedAsyncIterable<DeletedSecretProperties> {
  return paged(client, "/deletedsecrets", toDeletedSecretProperties, options, "listDeletedSecrets");
}
