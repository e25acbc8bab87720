// Listing: async iterables that fetch the next page only when the caller gets there, and follow
// `nextLink` only on the vault's own origin (the client refuses any other).
import type { KeyVaultClient } from "../client.js";
import { send } from "./http.js";
import { checkSecretName, invalid } from "./ids.js";
import { toDeletedSecretProperties, toSecretProperties, type RestSecret } from "./model.js";
import type { DeletedSecretProperties, OperationOptions, Page, SecretProperties } from "./types.js";
import { checkClient, optionsOf } from "../input.js";

/** Options of the list operations. */
export interface ListOptions extends OperationOptions {
  /** Items per page, 1 to 25 (the service's `maxresults`; default: the service's choice, 25). */
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
 * for await (const props of listPropertiesOfSecrets(client)) console.log(props.name);
 * for await (const page of listPropertiesOfSecrets(client).byPage({ maxPageSize: 25 })) console.log(page.length, page.continuationToken);
 */
export interface PagedAsyncIterable<T> extends AsyncIterable<T> {
  byPage(settings?: PageSettings): AsyncIterable<Page<T>>;
}

function pageSize(size: number | undefined): number | undefined {
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 25)) throw invalid(`maxPageSize must be an integer from 1 to 25; got ${size}`);
  return size;
}

function paged<T>(client: KeyVaultClient, path: string, map: (item: RestSecret) => T, opts: ListOptions | undefined, fn: string): PagedAsyncIterable<T> {
  checkClient(client, fn);
  const options = optionsOf(opts, fn);
  pageSize(options.maxPageSize);
  const signal = options.signal ? { signal: options.signal } : {};
  async function* pages(settings: PageSettings = {}): AsyncGenerator<Page<T>> {
    const maxresults = pageSize(settings.maxPageSize ?? options.maxPageSize);
    let next: string | undefined = settings.continuationToken;
    if (next !== undefined && (typeof next !== "string" || !next)) throw invalid("continuationToken must be a page's continuationToken");
    let first = next === undefined;
    while (first || next) {
      // The first page is our path; later pages are the service's nextLink, used as given.
      const res: { value?: RestSecret[]; nextLink?: string | null } = first
        ? await send(client, "GET", path, undefined, { ...signal, query: { maxresults } })
        : await send(client, "GET", next!, undefined, signal);
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
export function listPropertiesOfSecretVersions(client: KeyVaultClient, name: string, options?: ListOptions): PagedAsyncIterable<SecretProperties> {
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
