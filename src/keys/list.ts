// Listing: async iterables that fetch the next page only when the caller gets there, and follow
// `nextLink` only on the vault's own origin (client.request refuses any other).
import type { KeyVaultClient } from "../client.js";
import { checkName, invalid } from "./ids.js";
import { toDeletedKeyProperties, toKeyProperties, type RestKeyItem } from "./model.js";
import type { DeletedKeyProperties, KeyProperties, OperationOptions, Page } from "./types.js";
import { request } from "../request.js";

/** Options of the list operations. */
export interface ListOptions extends OperationOptions {
  /** Items per page, 1 to 25 (the service's `maxresults`; default: the service's choice). */
  maxPageSize?: number;
}

/** Options of `byPage()`. */
export interface PageSettings {
  /** Resume from a page's `continuationToken`. */
  continuationToken?: string;
  /** Overrides the list's `maxPageSize`. */
  maxPageSize?: number;
}

/**
 * The result of a list operation: iterate items with `for await`, or pages with `byPage()`.
 * Nothing is requested until iteration starts; each further page is fetched when needed.
 * @example
 * for await (const props of listKeys(client)) console.log(props.name);
 * for await (const page of listKeys(client).byPage({ maxPageSize: 25 })) console.log(page.length, page.continuationToken);
 */
export interface PagedAsyncIterable<T> extends AsyncIterable<T> {
  byPage(settings?: PageSettings): AsyncIterable<Page<T>>;
}

function paged<T>(client: KeyVaultClient, path: string, map: (item: RestKeyItem) => T, options: ListOptions): PagedAsyncIterable<T> {
  const pageSize = (size: number | undefined) => {
    if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 25)) throw invalid(`maxPageSize must be an integer from 1 to 25; got ${size}`);
    return size;
  };
  pageSize(options.maxPageSize);
  async function* pages(settings: PageSettings = {}): AsyncGenerator<Page<T>> {
    const maxresults = pageSize(settings.maxPageSize ?? options.maxPageSize);
    let next: string | undefined = settings.continuationToken;
    let first = next === undefined;
    while (first || next) {
      // The first page is our path; later pages are the service's nextLink, used as given.
      const res: { value?: RestKeyItem[]; nextLink?: string | null } = first
        ? await request(client, "GET", path, undefined, { signal: options.signal, query: { maxresults } })
        : await request(client, "GET", next!, undefined, { signal: options.signal });
      first = false;
      const page = (res?.value ?? []).map(map) as Page<T>;
      next = res?.nextLink || undefined;
      if (next) page.continuationToken = next;
      yield page;
    }
  }
  return {
    byPage: (settings) => pages(settings),
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page;
    },
  };
}

/**
 * Lists the keys of the vault (their properties, newest version, no key material; `id` has no version).
 * @example for await (const props of listKeys(client)) if (props.enabled) console.log(props.name);
 */
export function listKeys(client: KeyVaultClient, options: ListOptions = {}): PagedAsyncIterable<KeyProperties> {
  return paged(client, "/keys", toKeyProperties, options);
}

/**
 * Lists the versions of one key.
 * @example for await (const v of listKeyVersions(client, "signer")) console.log(v.version, v.createdOn);
 */
export function listKeyVersions(client: KeyVaultClient, name: string, options: ListOptions = {}): PagedAsyncIterable<KeyProperties> {
  checkName(name);
  return paged(client, `/keys/${name}/versions`, toKeyProperties, options);
}

/**
 * Lists deleted keys (soft-delete vaults).
 * @example for await (const d of listDeletedKeys(client)) console.log(d.name, d.scheduledPurgeDate);
 */
export function listDeletedKeys(client: KeyVaultClient, options: ListOptions = {}): PagedAsyncIterable<DeletedKeyProperties> {
  return paged(client, "/deletedkeys", toDeletedKeyProperties, options);
}
