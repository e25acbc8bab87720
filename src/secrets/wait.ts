// Waiting for the service to finish in the background (deletion, recovery): a bounded poll with
// no poller object. Each look is one ordinary request; the wait ends at the deadline or the signal.
import { KeyVaultClientError, KeyVaultError } from "../errors.js";
import { sleep } from "../retry.js";
import { invalid } from "./ids.js";
import type { OperationOptions } from "./types.js";

/**
 * How to wait for an operation the service completes in the background.
 * @example
 * const wait: WaitOptions = { timeoutMs: 20_000, intervalMs: 2_000 };
 * await recoverDeletedSecret(client, "old-password", { wait });
 */
export interface WaitOptions {
  /** Give up after this many ms (default 60 000): `ERR_TIMEOUT`, though the operation itself went through. */
  timeoutMs?: number;
  /** Between looks, in ms (default 1000; the service usually needs 2 to 10 s). */
  intervalMs?: number;
}

/**
 * Options of the operations that can wait: `wait: true` (defaults) or `{ timeoutMs, intervalMs }`.
 * @example
 * const options: WaitableOptions = { wait: { timeoutMs: 30_000, intervalMs: 500 } };
 * await deleteSecret(client, "old-password", options);
 */
export interface WaitableOptions extends OperationOptions {
  /** Wait until the service has completed the operation (default: return as soon as it accepted it). */
  wait?: boolean | WaitOptions;
}

/** The wait settings asked for, checked; undefined for no wait. */
export function waitSettings(options: WaitableOptions): Required<WaitOptions> | undefined {
  const w = options.wait;
  if (w === undefined || w === false) return undefined;
  if (w !== true && (typeof w !== "object" || w === null)) throw invalid("wait must be true, false or { timeoutMs, intervalMs }");
  const o = w === true ? {} : w;
  const timeoutMs = o.timeoutMs ?? 60_000,
    intervalMs = o.intervalMs ?? 1000;
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) throw invalid("wait.timeoutMs must be a number of milliseconds");
  if (!(intervalMs >= 0 && Number.isFinite(intervalMs))) throw invalid("wait.intervalMs must be a number of milliseconds");
  return { timeoutMs, intervalMs };
}

/**
 * Looks until `look` answers: a 404 means "not yet" (the service's answer while it works);
 * any other failure ends the wait at once.
 */
export async function pollUntil<T>(
  look: () => Promise<T>,
  settings: Required<WaitOptions>,
  what: string,
  signal?: AbortSignal,
): Promise<T> {
  const deadline = Date.now() + settings.timeoutMs;
  for (;;) {
    try {
      return await look();
    } catch (e) {
      if (!(e instanceof KeyVaultError && e.status === 404)) throw e;
    }
    const left = deadline - Date.now();
    if (left <= 0)
      throw new KeyVaultClientError(
        "ERR_TIMEOUT",
        `${what} did not complete within ${settings.timeoutMs} ms (it was accepted and may still complete)`,
      );
    await sleep(Math.min(settings.intervalMs, left), signal);
  }
}
