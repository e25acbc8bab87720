// Listing: async iterables that fetch the next page only when the caller gets there, and follow
// `nextLink` only on the vault's own origin (the client refuses any other); see ../paging.ts.
import type { KeyVaultClient } from "../client.js";
import { paged, type ListOptions as BaseListOptions, type PagedAsyncIterable } from "../paging.js";
import { checkName } from "./ids.js";
import { checkClient } from "../input.js";
import { toDeletedKeyProperties, toKeyProperties } from "./model.js";
import type { DeletedKeyProperties, KeyProperties, OperationOptions } from "./types.js";

/**
 * Options of the list operations.
 * @example
 * const options: ListOptions = { maxPageSize: 10, signal: AbortSignal.timeout(5000) };
 * for await (const props of listKeys(client, options)) console.log(props.name);
 */
export interface ListOptions extends BaseListOptions, OperationOptions {}
export type { PageSettings, PagedAsyncIterable } from "../paging.js";

/**
 * Lists the keys of the vault (their properties, newest version, no key material; `id` has no version).
 * @example for await (const props of listKeys(client)) if (props.enabled) console.log(props.name);
 */
export function listKeys(client: KeyVaultClient, options?: ListOptions): PagedAsyncIterable<KeyProperties> {
  return paged(client, "/keys", toKeyProperties, options, "listKeys");
}

/**
 * Lists the versions of one key.
 * @example for await (const v of listKeyVersions(client, "signer")) console.log(v.version, v.createdOn);
 */
export function listKeyVersions(client: KeyVaultClient, name: string, options?: ListOptions): PagedAsyncIterable<KeyProperties> {
  checkClient(client, "listKeyVersions");
  checkName(name);
  return paged(client, `/keys/${name}/versions`, toKeyProperties, options, "listKeyVersions");
}

/**
 * Lists deleted keys (soft-delete vaults).
 * @example for await (const d of listDeletedKeys(client)) console.log(d.name, d.scheduledPurgeDate);
 */
export function listDeletedKeys(client: KeyVaultClient, options?: ListOptions): PagedAsyncIterable<DeletedKeyProperties> {
  return paged(client, "/deletedkeys", toDeletedKeyProperties, options, "listDeletedKeys");
}
