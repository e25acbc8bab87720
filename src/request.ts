// request(): JSON in, JSON out, KeyVaultError for non-2xx answers. A standalone function (not a
// method) so that an app using only `client.fetch` does not ship it; every typed helper is built on it.
import type { KeyVaultClient } from "./client.js";
import { send } from "./send.js";
import { KeyVaultError } from "./errors.js";
import { badAnswer } from "./input.js";

/**
 * Options of {@link request}.
 * @example
 * const options: RequestOptions = { query: { maxresults: 5 }, signal: AbortSignal.timeout(5000) };
 * const page = await request<{ value: { kid: string }[]; nextLink?: string }>(client, "GET", "/keys", undefined, options);
 */
export interface RequestOptions {
  signal?: AbortSignal;
  /** `false` for operations unsafe to repeat (they are retried only on 429); default: from method and path. */
  idempotent?: boolean;
  /** Query parameters added to the path; undefined values are skipped. */
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
}

/**
 * Sends JSON to the vault and parses the JSON answer, under the client's deadline (body read
 * included). Throws {@link KeyVaultError} for non-2xx answers; resolves `undefined` for 204 and empty bodies.
 * @example
 * const bundle = await request<{ key: JsonWebKey }>(client, "POST", "/keys/k/create", { kty: "EC", crv: "P-256" });
 */
export function request<T = unknown>(
  client: KeyVaultClient,
  method: string,
  path: string,
  body?: unknown,
  options: RequestOptions = {},
): Promise<T> {
  let target = path;
  if (options.query) {
    // api-version first, as the official SDKs send it (recorded sessions match on the query's order)
    if (!/[?&]api-version=/i.test(target))
      target += (target.includes("?") ? "&" : "?") + "api-version=" + encodeURIComponent(client.apiVersion);
    for (const [k, v] of Object.entries(options.query))
      if (v !== undefined) target += `&${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`;
  }
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { ...options.headers, "content-type": "application/json" };
    init.body = JSON.stringify(body);
  } else if (options.headers) {
    init.headers = options.headers;
  }
  if (options.signal) init.signal = options.signal;
  return client[send](target, init, options.idempotent, readJson as (r: Response, sent: Sent) => Promise<T>);
}

/** The call an answer is to: the token it carried is redacted from any error built from the answer. */
type Sent = { method: string; url: string; token: string | undefined };

async function readJson(response: Response, call: Sent): Promise<unknown> {
  if (!response.ok) throw await KeyVaultError.fromResponse(response, { method: call.method, url: response.url || call.url }, [call.token]);
  const text = await response.text();
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    throw badAnswer(`to ${call.method} ${call.url.split("?")[0]} is not JSON`);
  }
}

/**
 * @internal What `start()` returns, or its throw as a rejection (as an async function gives), with no
 * async frame kept while the request is in flight: the hot helpers (getKey, sign, verify, encrypt …,
 * getSecret) validate, then chain their answer's mapping onto request().
 */
export function begin<T>(start: () => Promise<T>): Promise<T> {
  try {
    return start();
  } catch (e) {
    return Promise.reject(e);
  }
}
