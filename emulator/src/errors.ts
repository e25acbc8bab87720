// Service errors, shaped like Key Vault's: {"error":{"code","message","innererror"?}}, and the
// emulator's own refusals of bad options and arguments.

/** What a value is, for those messages: `null`, `an array`, `an object`, `a string`, ... */
export function kindOf(value: unknown): string {
  return value === null
    ? "null"
    : Array.isArray(value)
      ? "an array"
      : typeof value === "object"
        ? "an object"
        : value === undefined
          ? "undefined"
          : `a ${typeof value}`;
}

/**
 * A bad option or argument of the emulator's own API (createEmulator, startEmulatorServer,
 * registerClient, ...): a `TypeError`, or a `RangeError` for a value out of range, with the
 * stable `code` `ERR_INVALID_INPUT` (as keyvault-fetch's own input errors).
 */
export function inputError(message: string, range = false): (TypeError | RangeError) & { code: "ERR_INVALID_INPUT" } {
  return Object.assign(range ? new RangeError(message) : new TypeError(message), { code: "ERR_INVALID_INPUT" as const });
}

/** A failure the emulated service reports to the caller as an HTTP error. */
export class ServiceError extends Error {
  override name = "ServiceError";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly innerCode?: string,
  ) {
    super(message);
  }

  /** The JSON body Key Vault sends for this error. */
  body(): { error: { code: string; message: string; innererror?: { code: string } } } {
    return { error: { code: this.code, message: this.message, ...(this.innerCode ? { innererror: { code: this.innerCode } } : {}) } };
  }
}

/** 400 BadParameter, the service's answer to invalid input. */
export const badParameter = (message: string, innerCode?: string): ServiceError =>
  new ServiceError(400, "BadParameter", message, innerCode);

/** 404 KeyNotFound for a live key, with the service's exact wording. */
export const keyNotFound = (name: string): ServiceError =>
  new ServiceError(
    404,
    "KeyNotFound",
    `A key with (name/id) ${name} was not found in this key vault. If you recently deleted this key you may be able to recover it using the correct recovery command. For help resolving this issue, please see https://go.microsoft.com/fwlink/?linkid=2125182`,
  );

/** 404 KeyNotFound for a deleted key. */
export const deletedKeyNotFound = (name: string): ServiceError => new ServiceError(404, "KeyNotFound", `Deleted Key not found: ${name}`);

/** 403 Forbidden for an operation the key's state or key_ops do not allow. */
export const forbidden = (message: string, innerCode?: string): ServiceError => new ServiceError(403, "Forbidden", message, innerCode);

/** 409 Conflict. */
export const conflict = (message: string, innerCode?: string): ServiceError => new ServiceError(409, "Conflict", message, innerCode);

/** A value as an error message shows it: strings as they are, anything else as JSON. */
export function show(v: unknown): string {
  if (typeof v === "string") return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return Object.prototype.toString.call(v);
  }
}
