// What a client reports to `onEvent`: each step of a call, never a token, a body or a header value
// other than request ids. Types only: a client without `onEvent` builds none of these objects.

/**
 * A request is about to be sent (`attempt` 0 is the first try; the unauthenticated probe is `probe: true`).
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "request") console.log(e.method, e.url, e.probe ? "(probe)" : "", e.clientRequestId); };
 */
export interface RequestEvent {
  type: "request";
  method: string;
  url: string;
  attempt: number;
  probe: boolean;
  /** `x-ms-client-request-id`, to find the call in the service's logs. */
  clientRequestId: string;
}

/**
 * An answer arrived (or the request failed: `status` 0 and `error` the failure's code or name).
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "response") console.log(e.status, e.requestId, `${e.durationMs} ms`, e.error ?? ""); };
 */
export interface ResponseEvent {
  type: "response";
  method: string;
  url: string;
  attempt: number;
  status: number;
  /** `x-ms-request-id` of the answer. */
  requestId: string | undefined;
  /** The request's `x-ms-client-request-id` (as in its `request` event): with `attempt`, what pairs the two. */
  clientRequestId: string;
  durationMs: number;
  error?: string;
}

/**
 * A retry is scheduled after `waitMs`.
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "retry") console.log(`attempt ${e.attempt} in ${e.waitMs} ms (${e.reason} ${e.status ?? ""})`); };
 */
export interface RetryEvent {
  type: "retry";
  method: string;
  url: string;
  /** the attempt about to be made */
  attempt: number;
  reason: "status" | "network";
  status?: number;
  waitMs: number;
}

/**
 * A challenge was learned from the vault (first contact, or the vault named another tenant).
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "challenge") console.log(`${e.reason} ${e.scope} (tenant ${e.tenantId})`); };
 */
export interface ChallengeEvent {
  type: "challenge";
  url: string;
  scope: string;
  tenantId: string | undefined;
  reason: "discovered" | "changed";
}

/**
 * The token provider was called (and answered, or failed: `ok` false).
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "token" && !e.ok) console.error(`no token for ${e.scope} after ${e.durationMs} ms`); };
 */
export interface TokenEvent {
  type: "token";
  scope: string;
  tenantId: string | undefined;
  /** `new`: none cached or it expired; `claims`: a CAE challenge asked for claims; `rechallenge`: the vault refused the cached token. */
  reason: "new" | "claims" | "rechallenge";
  durationMs: number;
  ok: boolean;
}

/**
 * The vault revoked the session (continuous access evaluation): one fresh token with its claims follows.
 * @example
 * const onEvent = (e: KeyVaultEvent) => { if (e.type === "cae") console.log(`CAE challenge on ${e.method} ${e.url}: asking for a fresh token`); };
 */
export interface CaeEvent {
  type: "cae";
  method: string;
  url: string;
}

/**
 * Every event a {@link KeyVaultClient} reports to its `onEvent` option.
 * @example
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", {
 *   getToken,
 *   onEvent: (e) => { if (e.type === "retry") console.warn(`retrying ${e.url} after ${e.waitMs} ms (${e.reason})`); },
 * });
 */
export type KeyVaultEvent = RequestEvent | ResponseEvent | RetryEvent | ChallengeEvent | TokenEvent | CaeEvent;
