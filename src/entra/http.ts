// One token request over fetch: retries transient failures, turns refusals into AuthorityError,
// and reads the token and its expiry from the answer (Entra, IMDS and App Service shapes).
import { KeyVaultClientError } from "../errors.js";
import { isCertificateFailure, networkError } from "../network.js";
import { DEFAULT_RETRY, RETRY_STATUSES, withRetries, type RetryOptions } from "../retry.js";
import type { AccessToken } from "../token.js";
import { echoForms, guidOf, readAnswer } from "./answer.js";
import { AuthorityError, redact } from "./errors.js";
import { describe, invalid } from "../input.js";

/**
 * The fetch a provider sends with (default: the global fetch).
 * @example
 * const loggingFetch: FetchLike = async (input, init) => { console.log("token request to", String(input)); return fetch(input, init); };
 * const getToken = fromClientSecret({ tenantId, clientId, clientSecret, fetch: loggingFetch });
 */
export type FetchLike = (input: string | URL | Request, init?: RequestInit) => Promise<Response>;

/**
 * How a provider retries throttled or failing authorities: the client's {@link RetryOptions}, with
 * the same defaults ({@link DEFAULT_RETRY}).
 * @example
 * const retry: ProviderRetryOptions = { retries: 4, minDelayMs: 500, maxDelayMs: 5_000 };
 * const getToken = fromManagedIdentity({ retry });
 */
export type ProviderRetryOptions = RetryOptions;

export interface SendOptions {
  fetch: FetchLike | undefined;
  signal: AbortSignal | undefined;
  /** values that must never appear in an error */
  secrets: string[];
  retry: ProviderRetryOptions | false | undefined;
  /** extra statuses worth retrying (IMDS answers 404 and 410 while it starts) */
  retryStatuses?: readonly number[];
}

/** Throws unless `retry` is `false` or retry options of numbers (what {@link sendTokenRequest} takes). */
export function checkRetry(retry: unknown, kind: string): void {
  if (retry === undefined || retry === false) return;
  const r = retry as Record<string, unknown> | null;
  if (!r || typeof r !== "object" || Array.isArray(r))
    throw invalid(`${kind}: retry must be false or { retries, minDelayMs, maxDelayMs, maxElapsedMs }; got ${describe(retry)}`);
  for (const k of ["retries", "minDelayMs", "maxDelayMs", "maxElapsedMs"]) {
    const v = r[k];
    if (v !== undefined && !(typeof v === "number" && v >= 0 && (k !== "retries" || Number.isInteger(v))))
      throw invalid(
        `${kind}: retry.${k} must be a ${k === "retries" ? "whole number" : "number of milliseconds"} of at least 0; got ${describe(v)}`,
      );
  }
}

/** Picks the caller's fetch, or the global one called unbound (some runtimes refuse it as a method). */
export function pickFetch(f: FetchLike | undefined): FetchLike {
  if (f) return f;
  if (typeof globalThis.fetch !== "function") throw new KeyVaultClientError("ERR_INVALID_INPUT", "no fetch available: pass options.fetch");
  return (input, init) => globalThis.fetch(input, init);
}

/** Sends a token request and returns the token, or throws AuthorityError / KeyVaultClientError. */
export async function sendTokenRequest(url: URL, init: RequestInit, options: SendOptions): Promise<AccessToken> {
  const doFetch = pickFetch(options.fetch);
  const { signal, retryStatuses = [] } = options;
  const secrets = echoForms(options.secrets);
  const requestInit: RequestInit = { ...init, redirect: "manual" };
  if (signal) requestInit.signal = signal;
  let response: Response;
  try {
    response = await withRetries(
      () => {
        signal?.throwIfAborted();
        return doFetch(url.href, requestInit);
      },
      {
        policy: options.retry === false ? null : { ...DEFAULT_RETRY, ...options.retry },
        signal,
        // A token request is safe to repeat; a certificate the runtime does not trust never heals.
        retryStatus: (status) => RETRY_STATUSES.has(status) || retryStatuses.includes(status),
        retryFailure: (e) => !isCertificateFailure(e),
      },
    );
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    throw networkError(url.href, e, secrets);
  }
  return readTokenResponse(response, url, secrets);
}

async function readTokenResponse(response: Response, url: URL, secrets: string[]): Promise<AccessToken> {
  const text = await readAnswer(response, url);
  let body: Record<string, unknown> | undefined;
  try {
    const parsed: unknown = text ? JSON.parse(text) : undefined;
    if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) body = parsed as Record<string, unknown>;
  } catch {
    /* not JSON: handled below */
  }
  if (!response.ok || !body || typeof body.access_token !== "string") {
    if (response.ok && body) {
      throw new KeyVaultClientError(
        "ERR_INVALID_RESPONSE",
        `the token endpoint at ${url.origin} answered ${response.status} without an access_token`,
      );
    }
    throw authorityError(response.status, body, text, secrets);
  }
  if (!body.access_token)
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", `the token endpoint at ${url.origin} answered an empty access_token`);
  const expiresOnTimestamp = expiryOf(body);
  if (expiresOnTimestamp === undefined) {
    throw new KeyVaultClientError("ERR_INVALID_RESPONSE", `the token endpoint at ${url.origin} answered a token without a readable expiry`);
  }
  return { token: body.access_token, expiresOnTimestamp };
}

/** `expires_on` (seconds since the epoch, or a date for old App Service versions), else `expires_in`. */
function expiryOf(body: Record<string, unknown>): number | undefined {
  const on = body.expires_on;
  if (typeof on === "number" || (typeof on === "string" && /^\d+$/.test(on.trim()))) return Number(on) * 1000;
  if (typeof on === "string" && on) {
    const date = Date.parse(on);
    if (!Number.isNaN(date)) return date;
  }
  const inSeconds = body.expires_in;
  if (typeof inSeconds === "number" || (typeof inSeconds === "string" && /^\d+$/.test(inSeconds.trim()))) {
    return Date.now() + Number(inSeconds) * 1000;
  }
  return undefined;
}

/** Entra's `{error, error_description, error_codes}`, or App Service's `{statusCode, message}`, or plain text. */
function authorityError(status: number, body: Record<string, unknown> | undefined, text: string, secrets: string[]): AuthorityError {
  const nested = body?.error && typeof body.error === "object" ? (body.error as Record<string, unknown>) : undefined;
  const error = typeof body?.error === "string" ? body.error : typeof nested?.code === "string" ? nested.code : `HTTP_${status}`;
  const rawDescription =
    typeof body?.error_description === "string"
      ? body.error_description
      : typeof nested?.message === "string"
        ? nested.message
        : typeof body?.message === "string"
          ? body.message
          : body
            ? ""
            : redact(text, secrets).slice(0, 200);
  const codes = Array.isArray(body?.error_codes) ? (body!.error_codes as unknown[]).filter((c): c is number => typeof c === "number") : [];
  return new AuthorityError({
    status,
    error: redact(error, secrets),
    errorDescription: redact(rawDescription, secrets),
    errorCodes: codes,
    ...(guidOf(body?.trace_id) ? { traceId: guidOf(body?.trace_id) } : {}),
    ...(guidOf(body?.correlation_id) ? { correlationId: guidOf(body?.correlation_id) } : {}),
  });
}
