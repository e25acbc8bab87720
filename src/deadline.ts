// One call's deadline: the client's timeout and the caller's signal joined into one signal, which
// every step of the call (fetch, waits, the body read) is given.
import { KeyVaultClientError } from "./errors.js";

type Timer = ReturnType<typeof setTimeout>;

/**
 * The time limit of one call. `signal` aborts at `timeout` ms after the call started (with
 * `ERR_TIMEOUT`), or as soon as the caller's signal aborts (with its reason), whichever comes first.
 * Without a timeout it is the caller's signal itself; without either, there is no signal.
 */
export class Deadline {
  readonly signal: AbortSignal | undefined;
  readonly #controller: AbortController | undefined;
  readonly #caller: AbortSignal | undefined;
  #timer: Timer | undefined;
  /** rejects when the signal aborts: what race() races each step against */
  #aborted: Promise<never> | undefined;
  #onAbort: (() => void) | undefined;

  constructor(timeout: number | false, caller: AbortSignal | undefined) {
    this.#caller = caller;
    if (timeout === false || caller?.aborted) {
      this.signal = caller;
      return;
    }
    const controller = (this.#controller = new AbortController());
    this.signal = controller.signal;
    this.#timer = setTimeout(() => this.#abort(new KeyVaultClientError("ERR_TIMEOUT", `timed out after ${timeout} ms`)), timeout);
    caller?.addEventListener("abort", this);
  }

  /** The caller aborted. */
  handleEvent(): void {
    this.#abort(this.#caller!.reason);
  }

  #abort(reason: unknown): void {
    this.#controller!.abort(reason); // first: the raced steps reject with it
    this.end();
  }

  /** Throws the reason the call ended with, once it has. */
  check(): void {
    this.signal?.throwIfAborted();
  }

  /**
   * `step`, or the deadline's reason as soon as it passes: for a step that may ignore the signal
   * (a custom fetch, a token provider, a probe shared with other callers).
   */
  race<T>(step: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) return step;
    if (!this.#aborted) {
      this.#aborted = new Promise<never>((_, reject) => {
        this.#onAbort = () => reject(signal.reason);
        if (signal.aborted) reject(signal.reason);
        else signal.addEventListener("abort", this.#onAbort, { once: true });
      });
      this.#aborted.catch(() => {}); // raced, never awaited alone
    }
    return Promise.race([step, this.#aborted]);
  }

  /**
   * The call has returned a response whose body the caller reads later: the deadline still covers
   * that read through the signal, but no longer keeps the process alive.
   */
  release(): void {
    this.#unrace();
    // Both branches are needed: Node and Bun keep running for a pending timer (an object with
    // unref()), Deno too (a number, unref'd by Deno.unrefTimer); browsers and workerd have no
    // process to keep alive (a number, no Deno: nothing to do). test/node/deadline-http.test.ts
    // runs a script in each of the three that must exit with the deadline still pending.
    const timer = this.#timer as unknown as { unref?: () => void } | number | undefined;
    if (typeof timer === "object") timer.unref?.();
    else if (timer !== undefined) (globalThis as { Deno?: { unrefTimer?(id: number): void } }).Deno?.unrefTimer?.(timer);
  }

  /** The call is over: its timer and its listener on the caller's signal go. */
  end(): void {
    this.#unrace();
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#caller?.removeEventListener("abort", this);
  }

  /** No step is raced anymore: the listener goes, and with it what the raced steps resolved to (a Response). */
  #unrace(): void {
    if (this.#onAbort) this.signal?.removeEventListener("abort", this.#onAbort);
    this.#aborted = this.#onAbort = undefined;
  }
}
