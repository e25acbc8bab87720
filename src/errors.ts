// Two error classes with literal names and stable codes (jose's style): one for answers from the
// service, one for failures detected locally. Neither ever carries a token or the Authorization header:
// what a service or a provider says is redacted before it goes into an error.
import { redact, redactDeep } from "./redact.js";

/**
 * Codes of {@link KeyVaultClientError}: stable strings, safe to switch on.
 * @example
 * try { await getKey(client, "signer", undefined, { signal: AbortSignal.timeout(1) }) }
 * catch (e) {
 *   const code: ClientErrorCode | undefined = e instanceof KeyVaultClientError ? e.code : undefined;
 *   if (code === "ERR_TIMEOUT" || code === "ERR_NETWORK") console.warn("try again later");
 * }
 */
export type ClientErrorCode =
  | "ERR_INVALID_INPUT"
  | "ERR_INVALID_RESPONSE"
  | "ERR_CHALLENGE_INVALID"
  | "ERR_CHALLENGE_RESOURCE"
  | "ERR_INSECURE_URL"
  | "ERR_FOREIGN_ORIGIN"
  | "ERR_TOKEN"
  | "ERR_TENANT_NOT_ALLOWED"
  | "ERR_INTERACTION_REQUIRED"
  | "ERR_INTERACTION_REDIRECT"
  | "ERR_TIMEOUT"
  | "ERR_NETWORK"
  | "ERR_UNSUPPORTED"
  | "ERR_KEY_NOT_USABLE"
  | "ERR_SECRET_NOT_USABLE"
  | "ERR_JWE_INVALID"
  | "ERR_JWE_DECRYPTION_FAILED"
  | "ERR_KEY_NOT_EXPORTABLE"
  | "ERR_OPERATION_FAILED";

/**
 * A failure found on this side: bad input, a refused challenge, an insecure URL, a timeout,
 * a network failure after retries, a token provider that failed.
 * @example
 * try { await client.fetch("https://other.example/keys") }
 * catch (e) { if (e instanceof KeyVaultClientError && e.code === "ERR_FOREIGN_ORIGIN") console.error("not this client's vault") }
 */
export class KeyVaultClientError extends Error {
  override readonly name = "KeyVaultClientError" as const;
  declare readonly code: ClientErrorCode;
  constructor(code: ClientErrorCode, message: string, options?: { cause?: unknown }) {
    // No `cause` property at all unless there is one
    super(message, options?.cause === undefined ? undefined : options);
    this.code = code;
  }
  toJSON(): { name: "KeyVaultClientError"; code: ClientErrorCode; message: string } {
    return { name: this.name, code: this.code, message: this.message };
  }
}

/**
 * The request an error is about: method and URL only, never headers (they hold the token).
 * @example
 * try { await getKey(client, "missing") }
 * catch (e) { if (e instanceof KeyVaultError) { const { method, url }: RequestSummary = e.request; console.log(method, url) } }
 */
export interface RequestSummary {
  method: string;
  url: string;
}

/**
 * Key Vault's error body: `{"error":{"code","message","innererror"}}`.
 * @example
 * try { await getKey(client, "missing") }
 * catch (e) { if (e instanceof KeyVaultError) console.log((e.body as ServiceErrorBody).error?.message) }
 */
export interface ServiceErrorBody {
  error?: { code?: string; message?: string; innererror?: unknown; innerError?: unknown };
}

/**
 * Key Vault answered with a non-2xx status.
 * `code` is the service's `error.code` (`KeyNotFound`, `BadParameter`, `Forbidden`, ...), or
 * `HTTP_<status>` when the body had none.
 * @example
 * try { await getKey(client, "missing") }
 * catch (e) { if (e instanceof KeyVaultError && e.status === 404) console.log(e.code, e.requestId) } // KeyNotFound, the x-ms-request-id
 */
export class KeyVaultError extends Error {
  override readonly name = "KeyVaultError" as const;
  declare readonly status: number;
  declare readonly code: string;
  declare readonly innerError: unknown;
  declare readonly requestId: string | undefined;
  /** The parsed body (JSON when it was JSON, else the text). */
  declare readonly body: unknown;
  declare readonly request: RequestSummary;
  /** The answer (its body already read). Not enumerable, so printing the error does not print its headers. */
  declare readonly response: Response;

  constructor(init: {
    status: number;
    code: string;
    message: string;
    innerError?: unknown;
    requestId?: string | undefined;
    body?: unknown;
    request: RequestSummary;
    response: Response;
  }) {
    super(init.message);
    const { message: _message, response, ...fields } = init;
    Object.assign(this, fields);
    Object.defineProperty(this, "response", { value: response, enumerable: false });
  }

  /**
   * Builds the error from a response, reading its body; a bad or non-JSON body still gives a clear
   * error. Every string taken from the answer is redacted (a hostile server may echo the token), and
   * so is each of `secrets`.
   * @example
   * const res = await client.fetch("/keys/signer");
   * if (!res.ok) throw await KeyVaultError.fromResponse(res, { method: "GET", url: res.url });
   */
  static async fromResponse(
    response: Response,
    request?: RequestSummary,
    secrets?: readonly (string | undefined)[],
  ): Promise<KeyVaultError> {
    let text = "";
    try {
      text = redact(await response.text(), secrets);
    } catch {
      /* body unreadable: keep the status */
    }
    let body: unknown = text;
    try {
      if (text) body = redactDeep(JSON.parse(text), secrets);
    } catch {
      /* not JSON */
    }
    // (a string, a number or null has no usable `error` either)
    const err = (body as ServiceErrorBody | null)?.error;
    const code = (typeof err?.code === "string" && err.code) || `HTTP_${response.status}`;
    const detail =
      (typeof err?.message === "string" && err.message) ||
      (typeof body === "string" && text.slice(0, 200)) ||
      redact(response.statusText, secrets) ||
      "no details";
    const summary = request ?? { method: "?", url: response.url };
    return new KeyVaultError({
      status: response.status,
      code,
      message: `${response.status} ${code}: ${detail} (${summary.method} ${summary.url.split("?")[0]})`,
      innerError: err?.innererror ?? err?.innerError,
      requestId: redact(response.headers.get("x-ms-request-id") ?? "", secrets) || undefined,
      body,
      request: summary,
      response,
    });
  }

  toJSON(): { name: "KeyVaultError"; status: number; code: string; message: string; requestId: string | undefined; innerError: unknown } {
    return {
      name: this.name,
      status: this.status,
      code: this.code,
      message: this.message,
      requestId: this.requestId,
      innerError: this.innerError,
    };
  }
}
