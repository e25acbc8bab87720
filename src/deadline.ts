// One deadline per call, made cheap. On Node an AbortController is among the dearest objects a call
// makes (~3.6 µs), so calls of one client that start within `grain` ms of each other share one
// controller and one timer: a call costs a Set entry. The shared timer fires at the first start +
// timeout + grain, so each call's deadline falls between its timeout and its timeout + grain.
// On Workers every call gets its own controller: a timer or signal made while serving one request
// must never act on another request's I/O.
import { KeyVaultClientError } from "./errors.js";

/** A call that can be failed from outside (the deadline, the caller's signal). */
export interface Abortable {
  /** Ends the call with `reason` (and rejects the step it waits on, if any). */
  fail(reason: unknown): void;
  /** Rejects the step the call waits on now, when that step may ignore the signal (see {@link race}). */
  wait?: ((reason: unknown) => void) | undefined;
}

/** Calls sharing one deadline. */
export interface Deadline {
  at: number;
  signal: AbortSignal;
  calls: Set<Abortable>;
  /**
   * Told when the deadline passes, after its signal aborts. Not listeners on the shared signal: many
   * concurrent calls would pass Node's limit of 10 listeners and print a leak warning.
   */
  followers: Set<() => void>;
  timer: unknown;
}

const perCall = typeof navigator !== "undefined" && navigator.userAgent === "Cloudflare-Workers";

/** The longest a deadline may fire after the configured timeout: 1 s, or 1/32 of short timeouts. */
export const deadlineGrain = (timeout: number): number => (perCall ? 0 : Math.min(1000, timeout >> 5));

/** The deadline a call starting `now` joins: `current` while it is young enough, else a new one. */
export function joinDeadline(current: Deadline | undefined, timeout: number, now: number): Deadline {
  const grain = deadlineGrain(timeout);
  if (current && now - current.at < grain && !current.signal.aborted) return current;
  const controller = new AbortController();
  const deadline: Deadline = { at: now, signal: controller.signal, calls: new Set(), followers: new Set(), timer: 0 };
  deadline.timer = setTimeout(() => {
    const reason = new KeyVaultClientError("ERR_TIMEOUT", `timed out after ${timeout} ms`);
    controller.abort(reason);
    for (const follow of deadline.followers) follow();
    for (const call of deadline.calls) call.fail(reason);
  }, timeout + grain);
  return deadline;
}

/**
 * Holds the process open while calls are in flight, and lets it exit when none are: a response
 * whose body is never read must not keep a script alive until the deadline.
 */
export function holdOpen(deadline: Deadline, on: boolean): void {
  const t = deadline.timer as { ref?: () => void; unref?: () => void } | number;
  if (typeof t === "object") (on ? t.ref : t.unref)?.call(t);
  else
    (globalThis as { Deno?: { refTimer?(id: number): void; unrefTimer?(id: number): void } }).Deno?.[on ? "refTimer" : "unrefTimer"]?.(t);
}

/** `promise`, or the rejection `call.fail` gives first (for a step that may ignore the call's signal). */
export function race<T>(call: Abortable, promise: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    call.wait = reject;
    promise.then(resolve, reject);
  });
}

/**
 * Waits `ms`, or rejects as soon as the call is failed (its deadline, its caller's signal): a retry's
 * wait, with no listener on the deadline's shared signal.
 */
export function pause(call: Abortable, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    call.wait = (reason) => {
      clearTimeout(timer);
      reject(reason);
    };
  });
}
