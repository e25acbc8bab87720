// Retry rules: which answers to retry, how long to wait, which operations are unsafe to repeat, and
// the one loop that applies them (for the vault and the token authorities alike).

/**
 * How a client retries. `false` in the client options turns retries off.
 * @example
 * const retry: RetryOptions = { retries: 2, maxDelayMs: 5_000, maxElapsedMs: 15_000 };
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken, retry });
 */
export interface RetryOptions {
  /** retries after the first attempt (default 3) */
  retries?: number;
  /** base of the exponential backoff (default 500 ms): attempt n waits random(0, min(max, base·2ⁿ)) */
  minDelayMs?: number;
  /** cap of one wait (default 30 s); a longer Retry-After ends the retries */
  maxDelayMs?: number;
  /** no retry starts once this much time has passed since the first attempt (default 60 s) */
  maxElapsedMs?: number;
}

/**
 * The retry policy a client uses unless `retry` says otherwise.
 * @example
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken, retry: { ...DEFAULT_RETRY, retries: 5 } });
 */
export const DEFAULT_RETRY: Required<RetryOptions> = { retries: 3, minDelayMs: 500, maxDelayMs: 30_000, maxElapsedMs: 60_000 };

/**
 * Statuses worth another try: throttled, or a transient server failure.
 * @example
 * const res = await client.fetch("/keys"); // already retried by the client
 * if (RETRY_STATUSES.has(res.status)) console.warn("the vault is still throttling or failing:", res.status);
 */
export const RETRY_STATUSES: ReadonlySet<number> = new Set([429, 500, 502, 503, 504]);

/**
 * The wait a response asks for, in ms: `x-ms-retry-after-ms`, `retry-after-ms`, then `Retry-After`
 * (seconds or an HTTP date). Undefined when it asks for none or the value is unreadable.
 * @example
 * retryAfterMs(new Headers({ "retry-after": "2" }));           // 2000
 * retryAfterMs(new Headers({ "x-ms-retry-after-ms": "150" })); // 150
 */
export function retryAfterMs(headers: Headers, now: number = Date.now()): number | undefined {
  for (const name of ["x-ms-retry-after-ms", "retry-after-ms"]) {
    const v = headers.get(name) ?? "";
    if (/^\s*\d+(\.\d+)?\s*$/.test(v)) return Math.ceil(Number(v));
  }
  const v = headers.get("retry-after") ?? "";
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const date = Date.parse(v); // NaN for an absent header too
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/**
 * Exponential backoff with full jitter for retry number `attempt` (0-based).
 * @example
 * backoffDelay(3, DEFAULT_RETRY); // random, up to min(30 000, 500 · 2³) = 4000 ms
 */
export function backoffDelay(attempt: number, options: Required<RetryOptions>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

/**
 * Whether repeating a request cannot do harm, judged on the path as the service reads it (percent-
 * escapes decoded, any letter case, trailing slashes ignored). Creating a key version, importing,
 * rotating, restoring, recovering and setting a secret (each PUT makes a version) are not safe: they
 * are retried only on 429, where the service says it did not process the request. A path that does
 * not decode is judged unsafe.
 * @example isIdempotent("POST", "/keys/k/%63reate") // false
 */
export function isIdempotent(method: string, url: string): boolean {
  const m = method.toUpperCase();
  if (m !== "POST" && m !== "PUT") return true;
  let path: string;
  try {
    path = decodeURIComponent(new URL(url, "https://x").pathname).toLowerCase().replace(/\/+$/, "");
  } catch {
    return false;
  }
  if (m === "POST") return !/\/(create|rotate|restore|recover|import)$/.test(path);
  return !/^(.*\/)?(keys|secrets)\/[^/]+$/.test(path); // import a key, set a secret
}

/**
 * Waits `ms`, or rejects with the signal's reason as soon as it aborts.
 * @example
 * await sleep(250, AbortSignal.timeout(1_000)); // resolves after 250 ms
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** What {@link withRetries} needs to know about one kind of request. */
export interface RetryRules {
  /** the policy, or `null` for no retries */
  policy: Required<RetryOptions> | null;
  /** ends the waits and the loop */
  signal: AbortSignal | undefined;
  /** whether an answer with this status may be tried again */
  retryStatus(status: number): boolean;
  /** whether a request that got no answer may be tried again */
  retryFailure(error: unknown): boolean;
  /** told before each wait */
  onRetry?(attempt: number, response: Response | undefined, waitMs: number): void;
}

/**
 * Sends (`send(attempt)`, attempt 0 first) until an answer may not be retried, the policy is spent,
 * or the wait asked for is too long: returns the last answer, or throws the last failure. Waits
 * `Retry-After` when the answer names one, else backoff with full jitter; an answer not returned
 * is cancelled before the wait. Once `signal` aborts, throws its reason.
 */
export async function withRetries(send: (attempt: number) => Promise<Response>, rules: RetryRules): Promise<Response> {
  const { policy, signal } = rules;
  const started = Date.now();
  for (let attempt = 0; ; attempt++) {
    let response: Response | undefined;
    let failure: unknown;
    try {
      response = await send(attempt);
    } catch (e) {
      signal?.throwIfAborted();
      failure = e;
    }
    const retryable = response ? rules.retryStatus(response.status) : rules.retryFailure(failure);
    const wait =
      retryable && policy && attempt < policy.retries
        ? ((response && retryAfterMs(response.headers)) ?? backoffDelay(attempt, policy))
        : -1;
    if (wait < 0 || wait > policy!.maxDelayMs || Date.now() - started + wait > policy!.maxElapsedMs) {
      if (response) return response;
      throw failure;
    }
    rules.onRetry?.(attempt + 1, response, wait);
    await response?.body?.cancel().catch(() => {});
    await sleep(wait, signal);
  }
}
