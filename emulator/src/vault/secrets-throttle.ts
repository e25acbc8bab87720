// The service's published limits for secrets, per vault and region: 4,000 transactions and 300
// creates (SetSecret) per 10 seconds. Past them the service answers 429 without Retry-After, and
// a throttled request does not count against the limit.
import { ServiceError } from "../errors.js";

/** The limits, from Microsoft's "Azure Key Vault service limits" and throttling guidance. */
export const SECRET_LIMITS = { windowMs: 10_000, reads: 4_000, writes: 300 } as const;

/** A sliding 10-second window per kind of request, on the emulator's clock. */
export class SecretThrottle {
  readonly #seen = { read: [] as number[], write: [] as number[] };

  /** Counts one request, or throws the service's 429 when its kind is over the limit. */
  take(kind: "read" | "write", nowMs: number): void {
    const seen = this.#seen[kind];
    // Forget what left the window (and anything "in the future" if a test moved the clock back).
    let drop = 0;
    while (drop < seen.length && (seen[drop]! <= nowMs - SECRET_LIMITS.windowMs || seen[drop]! > nowMs)) drop++;
    if (drop) seen.splice(0, drop);
    if (seen.length >= (kind === "write" ? SECRET_LIMITS.writes : SECRET_LIMITS.reads)) {
      throw new ServiceError(
        429,
        "Throttled",
        "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached",
      );
    }
    seen.push(nowMs);
  }

  /** Requests counted in the window that ends now. */
  count(kind: "read" | "write", nowMs: number): number {
    return this.#seen[kind].filter((t) => t > nowMs - SECRET_LIMITS.windowMs && t <= nowMs).length;
  }
}
