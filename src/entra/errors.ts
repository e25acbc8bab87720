// The error a token provider throws when the authority (Entra ID, IMDS, App Service) says no.
import { KeyVaultClientError } from "../errors.js";

/**
 * What the authority answered, as far as it is safe to repeat.
 * @example
 * const init: AuthorityErrorInit = { status: 401, error: "invalid_client", errorDescription: "AADSTS7000215: Invalid client secret provided.", errorCodes: [7000215] };
 * const error = new AuthorityError(init); // what a test double of an authority can throw
 */
export interface AuthorityErrorInit {
  status: number;
  error: string;
  errorDescription?: string;
  errorCodes?: number[];
  traceId?: string;
  correlationId?: string;
}

/**
 * The identity authority refused to issue a token (code `ERR_TOKEN`). Carries Entra's `error`,
 * `error_description` and `error_codes` (as `error`, `errorDescription`, `errorCodes`); the
 * secret, the client assertion and the identity header are never part of it.
 * @example
 * try { await request(client, "GET", "/keys") }
 * catch (e) {
 *   // through a KeyVaultClient, a provider's failure is the cause of an ERR_TOKEN error
 *   const cause = e instanceof KeyVaultClientError ? e.cause : e;
 *   if (cause instanceof AuthorityError && cause.errorCodes.includes(7000215)) console.error("wrong client secret");
 * }
 */
export class AuthorityError extends KeyVaultClientError {
  /** HTTP status of the answer. */
  readonly status: number;
  /** OAuth error, e.g. `invalid_client`, `unauthorized_client`, `invalid_scope`. */
  readonly error: string;
  /** The authority's explanation (`AADSTS…`). */
  readonly errorDescription: string;
  /** Entra's numeric codes, e.g. `[7000215]` for a wrong secret. */
  readonly errorCodes: number[];
  readonly traceId: string | undefined;
  readonly correlationId: string | undefined;

  constructor(init: AuthorityErrorInit) {
    const description = init.errorDescription ?? "";
    super("ERR_TOKEN", `the authority refused the token request (${init.status} ${init.error})${description ? `: ${description}` : ""}`);
    this.status = init.status;
    this.error = init.error;
    this.errorDescription = description;
    this.errorCodes = init.errorCodes ?? [];
    this.traceId = init.traceId;
    this.correlationId = init.correlationId;
  }

  override toJSON(): ReturnType<KeyVaultClientError["toJSON"]> & {
    status: number;
    error: string;
    errorDescription: string;
    errorCodes: number[];
  } {
    return {
      ...super.toJSON(),
      status: this.status,
      error: this.error,
      errorDescription: this.errorDescription,
      errorCodes: this.errorCodes,
    };
  }
}

/** Replaces every secret (secret, assertion, header), JWT-shaped text and bearer value in text coming back from the authority. */
export { redact } from "../redact.js";
