// Input checks the helpers share (keys, jose, entra): one wording for what was expected, and
// what a value is without ever showing it (a bad argument may well be a secret).
import { send } from "./send.js";
import { KeyVaultClientError } from "./errors.js";

/** A `KeyVaultClientError` with code `ERR_INVALID_INPUT`. */
export function invalid(message: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_INVALID_INPUT", message);
}

/**
 * A `KeyVaultClientError` with code `ERR_INVALID_RESPONSE`: the vault answered 2xx with something
 * that is not what the operation returns. The message names what was missing, never what came.
 */
export function badAnswer(what: string): KeyVaultClientError {
  return new KeyVaultClientError("ERR_INVALID_RESPONSE", `the vault's answer ${what}`);
}

/** The vault's answer if it is a JSON object (not null, an array or a bare value); else `ERR_INVALID_RESPONSE`. */
export function answerObject<T extends object>(value: unknown, what: string): T {
  if (!value || typeof value !== "object" || Array.isArray(value)) throw badAnswer(`is not ${what}`);
  return value as T;
}

/** The string members `names` of the vault's answer object; else `ERR_INVALID_RESPONSE`. */
export function answerStrings<T extends object>(value: unknown, what: string, ...names: string[]): T {
  const o = answerObject<Record<string, unknown>>(value, what);
  for (const n of names) if (typeof o[n] !== "string") throw badAnswer(`(${what}) has no ${n}`);
  return o as T;
}

/** What a value is, for messages: its kind, never its content. */
export function describe(value: unknown): string {
  if (value == null) return String(value);
  if (Array.isArray(value)) return "an array";
  if (value instanceof Uint8Array) return "bytes";
  const type = typeof value;
  return type === "object" ? "an object" : value === "" ? "an empty string" : `a ${type}`;
}

/** Throws unless `client` is a `KeyVaultClient` (a `KeyClient`, a `SecretClient`): what the helpers take first. */
export function checkClient(client: unknown, fn: string): void {
  if (typeof (client as { [send]?: unknown } | null)?.[send] !== "function")
    throw invalid(`${fn} takes a KeyVaultClient first; got ${describe(client)}`);
}

/**
 * The options object of `fn`: undefined or null mean none; anything else must be an object, and
 * its `signal`, when set, an `AbortSignal`.
 */
export function optionsOf<T extends object>(options: T | undefined, fn: string): T {
  if (options == null) return {} as T;
  if (typeof options !== "object" || Array.isArray(options) || options instanceof Uint8Array) {
    throw invalid(`${fn} takes an options object; got ${describe(options)}`);
  }
  const signal = (options as { signal?: unknown }).signal;
  if (signal !== undefined && !(signal instanceof AbortSignal))
    throw invalid(`${fn}: signal must be an AbortSignal; got ${describe(signal)}`);
  return options;
}

/** A `version` argument: undefined or a string. Options passed in its place are told where they go. */
export function checkVersion(version: unknown, fn: string): void {
  if (version !== undefined && typeof version !== "string") {
    throw invalid(
      `${fn}: the version must be a string; got ${describe(version)}${typeof version === "object" && version ? ` (options come after the version: ${fn}(client, key, undefined, options) for the newest)` : ""}`,
    );
  }
}

/** Throws unless `value` is `undefined` or of the given `typeof` (`what` names the option). */
export function checkType(value: unknown, type: "string" | "number" | "boolean" | "function", what: string): void {
  if (value !== undefined && typeof value !== type) throw invalid(`${what} must be a ${type}; got ${describe(value)}`);
}
