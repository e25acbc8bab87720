// Listing, for every helper family: async iterables that fetch the next page only when the caller
// gets there, and follow `nextLink` as the service gives it (the client refuses any other origin).
import type { KeyVaultClient } from "./client.js";
import { KeyVaultClientError } from "./errors.js";
import { request } from "./request.js";
import { checkClient, optionsOf } from "./input.js";

/**
 * A page of a list: its items, and the token that resumes after it (absent on the last page).
 * @example
 * for await (const page of listPropertiesOfSecrets(client).byPage({ maxPageSize: 5 })) {
 *   const items: Page<SecretProperties> = page;
 *   console.log(items.length, items.continuationToken ?? "last page");
 * }
 */
export type Page<T> = T[] & { continuationToken?: string };

/** Options of the list operations. */
export interface ListOptions {
  /** Items per page, 1 to 25 (the service's `maxresults`; default: the service's choice, 25). */
  maxPageSize?: number;
  signal?: AbortSignal;
}

/**
 * Options of `byPage()`.
 * @example
 * const settings: PageSettings = { maxPageSize: 25 };
 * for await (const page of listKeys(client).byPage(settings)) {
 *   settings.continuationToken = page.continuationToken; // keep it to resume later
 * }
 */
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

const invalid = (message: string) => new KeyVaultClientError("ERR_INVALID_INPUT", message);

function pageSize(size: number | undefined): number | undefined {
  if (size !== undefined && !(Number.isInteger(size) && size >= 1 && size <= 25))
    throw invalid(`maxPageSize must be an integer from 1 to 25; got ${size}`);
  return size;
}

/** @internal A lazy paged list of `path`, each item turned into a `T` by `map`; `fn` names the list for messages. */
export function paged<I, T>(
  client: KeyVaultClient,
  path: string,
  map: (item: I) => T,
  opts: ListOptions | undefined,
  fn: string,
): PagedAsyncIterable<T> {
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
      const res: { value?: I[]; nextLink?: string | null } = first
        ? await request(client, "GET", path, undefined, { ...signal, query: { maxresults } })
        : await request(client, "GET", next!, undefined, signal);
      first = false;
      const items = res?.value ?? [];
      if (!Array.isArray(items)) throw new KeyVaultClientError("ERR_INVALID_RESPONSE", `GET ${path}: the page's value is not a list`);
      const page = items.map(map) as Page<T>;
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
