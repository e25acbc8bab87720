// The emulator's clock: the base clock (Date.now, or the `now` option) plus an offset that tests
// and the admin endpoint move. Token lifetimes, nbf/exp, rotation policies and purge dates all
// read this one clock, so moving it moves all of them together.
import { inputError } from "./errors.js";

/**
 * Read and move the emulator's time.
 * @example
 * const clock: EmulatorClock = emu.clock;
 * clock.advance("P31D");  // a key with exp in 30 days is now expired
 * clock.reset();
 */
export interface EmulatorClock {
  /** The emulator's time, in ms since the epoch. */
  now(): number;
  /** Jumps to a time (ms since the epoch, a Date or an ISO 8601 date-time); returns it. */
  set(time: number | Date | string): number;
  /** Moves forward (or back, when negative) by ms or an ISO 8601 duration such as "P30D"; returns the new time. */
  advance(by: number | string): number;
  /** How far the emulator's time is from the base clock, in ms (0 = real time). */
  readonly offsetMs: number;
  /** Back to the base clock. */
  reset(): void;
}

/**
 * ISO 8601 duration (PnYnMnWnDTnHnMnS) in ms, counting Y as 365 and M as 30 days; undefined if malformed.
 * @example
 * durationMs("P30D");   // 2592000000
 * durationMs("PT1H30M"); // 5400000
 */
export function durationMs(s: string): number | undefined {
  const m = /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/i.exec(s.trim());
  if (!m || /^-?P$/i.test(s.trim()) || /T$/i.test(s.trim())) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  const days = n(2) * 365 + n(3) * 30 + n(4) * 7 + n(5);
  const ms = ((days * 24 + n(6)) * 60 + n(7)) * 60_000 + n(8) * 1000;
  return m[1] ? -ms : ms;
}

/** Parses a time given as ms, a Date or an ISO 8601 string; throws RangeError when it is none. */
export function parseTime(time: number | Date | string): number {
  const t = typeof time === "number" ? time : time instanceof Date ? time.getTime() : typeof time === "string" ? Date.parse(time) : NaN;
  if (!Number.isFinite(t)) throw inputError(`clock: not a time: ${String(time)}`, true);
  return Math.trunc(t);
}

/**
 * Makes a clock over `base`; `onChange` hears every move (the emulator persists the offset).
 * @example
 * const clock = createClock(() => Date.now());
 * clock.advance("P30D"); // thirty days later, for everything in the emulator
 */
export function createClock(base: () => number, onChange: () => void = () => {}, offsetMs = 0): EmulatorClock {
  let offset = offsetMs;
  const clock: EmulatorClock = {
    now: () => base() + offset,
    set(time) {
      offset = parseTime(time) - base();
      onChange();
      return clock.now();
    },
    advance(by) {
      const ms = typeof by === "number" ? by : durationMs(by);
      if (ms === undefined || !Number.isFinite(ms))
        throw inputError(`clock.advance: not a duration: ${String(by)} (ms, or ISO 8601 such as "P30D" or "PT1H")`, true);
      offset += Math.trunc(ms);
      onChange();
      return clock.now();
    },
    get offsetMs() {
      return offset;
    },
    reset() {
      offset = 0;
      onChange();
    },
  };
  return clock;
}
