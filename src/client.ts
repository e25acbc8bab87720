// KeyVaultClient: a fetch that knows Key Vault's challenge protocol, tokens, CAE and retries.
// Every call is one async path under one deadline:
//   prepare (URL, headers, body captured now) → challenge (cached, or one probe shared by this
//   client's concurrent callers; the probe carries neither body nor token) → token → send, retrying
//   what may be retried → answer a CAE or changed-tenant 401 at most once → read.
import { REQUEST_ID, checkVaultUrl, headerRecord, prepareCall, type Call, type Site } from "./call.js";
import {
  challengeFromHeader,
  claimsChallengeFromHeader,
  knownChallenge,
  originKey,
  rememberChallenge,
  verifyChallengeResource,
  type ChallengeLevel,
  type VaultChallenge,
} from "./challenge.js";
import { Deadline } from "./deadline.js";
import { KeyVaultClientError } from "./errors.js";
import type { KeyVaultEvent } from "./events.js";
import { isCertificateFailure, networkError } from "./network.js";
import { DEFAULT_RETRY, RETRY_STATUSES, isIdempotent, withRetries, type RetryOptions } from "./retry.js";
import { TokenSource, type GetToken, type TokenRequest } from "./token.js";
import type { HeadersInitLike } from "./web-types.js";
import { send } from "./send.js";

export { send };

/**
 * The api-version sent when a request names none.
 * @example
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken, apiVersion: "7.5" }); // instead of DEFAULT_API_VERSION
 * client.apiVersion === DEFAULT_API_VERSION; // false
 */
export const DEFAULT_API_VERSION = "2025-07-01";
/**
 * Default time for one call: retries and the body read included.
 * @example
 * const patient = new KeyVaultClient("https://myvault.vault.azure.net", { getToken, timeout: 2 * DEFAULT_TIMEOUT_MS });
 */
export const DEFAULT_TIMEOUT_MS = 60_000;

/**
 * Options of {@link KeyVaultClient}. Only `getToken` is required.
 * @example
 * const options: KeyVaultClientOptions = {
 *   getToken: fromClientSecret({ tenantId, clientId, clientSecret }),
 *   timeout: 10_000,
 *   retry: { retries: 2 },
 *   onEvent: (e) => { if (e.type === "retry") console.warn(e); },
 * };
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", options);
 */
export interface KeyVaultClientOptions {
  /** Gives tokens for the scope and tenant the vault's challenge names. */
  getToken: GetToken;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Sent when a request names no `api-version` (default `2025-07-01`). */
  apiVersion?: string;
  /** Retry policy, or `false` for none. */
  retry?: false | RetryOptions;
  /**
   * Milliseconds for one call, from its start to the end of its body read, retries included
   * (default 60 000), or `false` for no limit. The call ends with `ERR_TIMEOUT` when they have
   * passed. The caller's `signal` cancels a call at once, whatever the timeout.
   */
  timeout?: number | false;
  /**
   * Scope (and tenant) to use without asking the vault: needed in browsers, where
   * `WWW-Authenticate` is not readable. Example: `{ scope: "https://vault.azure.net/.default", tenantId }`.
   */
  challenge?: { scope: string; tenantId?: string };
  /** Check that the challenge's resource belongs to the vault's host (default true). */
  verifyChallengeResource?: boolean;
  /** Allow a plain-http vault on loopback (localhost, 127.0.0.0/8, [::1]), for local emulators. */
  allowInsecureLoopback?: boolean;
  /** Headers sent with every request. */
  headers?: HeadersInitLike;
  /**
   * The origin the vault calls itself, when `vaultUrl` is a proxy in front of it (browsers), e.g.
   * `"https://myvault.vault.azure.net"`. URLs on this origin (key ids, nextLinks) are accepted and
   * sent to the proxy; the challenge is verified against this origin's host.
   */
  vaultOrigin?: string;
  /** Told of every step (request, response, retry, challenge, token, CAE); never a token or a body. */
  onEvent?: (event: KeyVaultEvent) => void;
}

/** What {@link KeyVaultClient}'s `[send]` tells the reader of an answer. */
type Sent = { method: string; url: string; token: string | undefined };

type Discovery = { challenge: VaultChallenge; response?: undefined } | { challenge?: undefined; response: Response };
type TokenReason = "new" | "claims" | "rechallenge";

// Who a client acts as: its token provider. Caches of what the vault answered (SecretCache) serve an
// entry only to clients of the provider that read it.
const providers = new WeakMap<KeyVaultClient, GetToken>();
/** @internal The token provider of a client (never its tokens). */
export const providerOf = (client: KeyVaultClient): GetToken | undefined => providers.get(client);

const invalid = (message: string) => new KeyVaultClientError("ERR_INVALID_INPUT", message);
const badChallenge = (message: string) => new KeyVaultClientError("ERR_CHALLENGE_INVALID", message);
/**
 * An authenticated, challenge-aware `fetch` for one vault (or Managed HSM).
 *
 * The first request to a vault this isolate has not met goes out without body and token; the
 * vault's 401 challenge names the scope and tenant, which are verified against the vault's host
 * and remembered for the whole isolate, so later clients for the same vault skip that round trip.
 *
 * @example
 * const client = new KeyVaultClient("https://myvault.vault.azure.net", { getToken });
 * const res = await client.fetch("/keys/my-key"); // api-version added, bearer token attached
 * const key = await res.json();
 */
export class KeyVaultClient {
  /** The vault's URL (or the proxy's, with `vaultOrigin`), without a trailing slash. */
  readonly vaultUrl: string;
  /** The origin the vault calls itself: `vaultOrigin`, or the origin of `vaultUrl`. */
  readonly vaultOrigin: string;
  readonly apiVersion: string;
  readonly #tokens: TokenSource;
  readonly #fetch: NonNullable<KeyVaultClientOptions["fetch"]>;
  readonly #retry: Required<RetryOptions> | null;
  readonly #timeout: number | false;
  readonly #static: VaultChallenge | undefined;
  readonly #verify: boolean;
  readonly #loopback: boolean;
  readonly #site: Site;
  readonly #vaultHost: string;
  readonly #cacheKey: string;
  readonly #level: ChallengeLevel;
  readonly #onEvent: ((event: KeyVaultEvent) => void) | undefined;
  /** the probe this client's callers share while it runs */
  #discovery: Promise<Discovery> | undefined;

  constructor(vaultUrl: string | URL, options: KeyVaultClientOptions) {
    if (!options || typeof options.getToken !== "function") throw invalid("getToken must be a function");
    this.#loopback = options.allowInsecureLoopback === true;
    const url = checkVaultUrl(vaultUrl, "vault URL", this.#loopback);
    this.vaultUrl = (url.origin + url.pathname).replace(/\/+$/, "");
    const vault = options.vaultOrigin === undefined ? url : checkVaultUrl(options.vaultOrigin, "vaultOrigin", this.#loopback);
    if (vault.pathname !== "/" && vault !== url) throw invalid("vaultOrigin must be an origin, without a path");
    this.vaultOrigin = vault.origin;
    this.#vaultHost = vault.hostname;
    const [own, theirs] = [originKey(url), originKey(vault)];
    // A proxy fronts one vault: its challenge is cached under both, so another proxy of the same vault learns its own.
    this.#cacheKey = own === theirs ? own : `${own} ${theirs}`;
    this.#tokens = new TokenSource(options.getToken);
    providers.set(this, options.getToken);
    // Called unbound on purpose: some runtimes' fetch throws "Illegal invocation" when called as a method.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    const query = "?api-version=" + encodeURIComponent(this.apiVersion);
    this.#site = { vaultUrl: this.vaultUrl, origins: [own, theirs], query, headers: headerRecord(options.headers) };
    this.#retry = options.retry === false ? null : { ...DEFAULT_RETRY, ...options.retry };
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (timeout !== false && !(timeout > 0)) throw invalid("timeout must be a positive number of milliseconds, or false");
    this.#timeout = timeout;
    this.#verify = options.verifyChallengeResource !== false;
    this.#level = this.#verify ? (this.#loopback ? 1 : 2) : 0;
    this.#onEvent = options.onEvent;
    if (options.challenge) {
      const { scope, tenantId } = options.challenge;
      if (typeof scope !== "string" || !scope) throw invalid("challenge.scope must be a string");
      this.#checkScope(scope);
      this.#static = tenantId ? { scope, tenantId } : { scope };
    }
  }

  /**
   * Sends a request to the vault, shaped like the global `fetch`. A path (`"/keys/k"`) resolves
   * against the vault URL; an absolute URL must be the vault's own origin. `api-version` is added
   * when missing. Returns the plain `Response`: non-2xx answers are returned, not thrown. The
   * deadline and the caller's `signal` cover the body read too.
   * @example const res = await client.fetch("/keys?maxresults=5");
   */
  fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return this.#call(input, init, undefined, undefined);
  }

  /** @internal One call whose answer `read` consumes inside the deadline. */
  [send]<T>(
    input: string,
    init: RequestInit,
    idempotent: boolean | undefined,
    read: (response: Response, sent: { method: string; url: string; token: string | undefined }) => Promise<T>,
  ): Promise<T> {
    return this.#call(input, init, idempotent, read);
  }

  /** A scope is one URL, never a list: what is verified is what the provider is asked for. */
  #checkScope(scope: string): void {
    if (/[\s\0-\x1f]/.test(scope)) throw badChallenge("the challenge's scope holds spaces or control characters");
    if (this.#verify) verifyChallengeResource(scope, `https://${this.#vaultHost}`, { allowInsecureLoopback: this.#loopback });
  }

  /** One call, under its deadline from start to the end of `read` (or, for `fetch`, its caller's body read). */
  async #call<T>(
    input: string | URL | Request,
    init: RequestInit | undefined,
    idempotent: boolean | undefined,
    read: ((response: Response, sent: Sent) => Promise<T>) | undefined,
  ): Promise<T> {
    const call = prepareCall(this.#site, input, init, idempotent);
    const deadline = new Deadline(this.#timeout, call.signal);
    let response: Response | undefined;
    try {
      deadline.check();
      if (call.body instanceof Promise) call.body = await deadline.race(call.body);
      response = await this.#exchange(call, deadline);
      if (!read) return response as T;
      const { method, url, headers } = call;
      return await deadline.race(read(response, { method, url, token: headers.authorization?.slice(7) }));
    } catch (e) {
      throw deadline.signal?.aborted ? deadline.signal.reason : e;
    } finally {
      // fetch's caller reads the body later: the deadline still covers it, through the signal.
      if (read || !response) deadline.end();
      else deadline.release();
    }
  }

  /** Challenge, token, send and retries, and the answer to a CAE or tenant challenge (once each). */
  async #exchange(call: Call, deadline: Deadline): Promise<Response> {
    let challenge = this.#static ?? knownChallenge(this.#cacheKey, this.#level);
    let mayRechallenge = challenge !== undefined && !this.#static;
    if (!challenge) {
      const found = await this.#discover(call, deadline);
      if (found instanceof Response) return found;
      challenge = found;
    }
    let claims: string | undefined;
    let reason: TokenReason = "new";
    let caeAnswered = false;
    for (;;) {
      const request = tokenRequest(challenge, claims);
      const token = (reason === "new" && this.#tokens.cached(request)) || (await this.#newToken(request, reason, deadline));
      const response = await this.#attempts(call, token, deadline);
      if (response.status !== 401) return response;
      const header = response.headers.get("www-authenticate");
      let cae;
      try {
        cae = header && claimsChallengeFromHeader(header);
      } catch {
        return response;
      }
      if (cae) {
        // One fresh token carrying the claims, one resend; a second CAE 401 goes to the caller.
        if (caeAnswered) return response;
        caeAnswered = true;
        claims = cae.claims;
        reason = "claims";
        this.#emit("cae", call, {});
        await discard(response);
        continue;
      }
      // A plain 401 to a cached challenge: the vault may have moved tenant. Learn again, once.
      if (!mayRechallenge || !header) return response;
      mayRechallenge = false;
      let fresh: VaultChallenge | undefined;
      try {
        fresh = challengeFromHeader(header);
      } catch {
        return response;
      }
      if (!fresh) return response;
      await discard(response);
      this.#learn(fresh, "changed");
      this.#tokens.forget(tokenRequest(challenge));
      challenge = fresh;
      claims = undefined;
      reason = "rechallenge";
    }
  }

  /**
   * Learns the challenge. One probe per client at a time (concurrent first calls share it); the probe
   * carries neither body nor token. A body is never sent without a token: when the vault answers the
   * probe without a challenge, a bodiless call gets that answer, a failing vault's answer is returned
   * as it is, and anything else is refused.
   */
  async #discover(call: Call, deadline: Deadline): Promise<VaultChallenge | Response> {
    // A probe joined that is given up or finds no challenge: the first caller to notice starts the next one.
    // This ends: every round the probe's owner leaves with its answer, and every caller at its own deadline.
    for (;;) {
      const joined = this.#discovery;
      let found: Discovery;
      try {
        found = await (joined ? deadline.race(joined) : this.#probe(call, deadline));
      } catch (e) {
        // The probe we joined was another caller's, which it gave up (aborted, or its own deadline): run our own.
        if (!joined || deadline.signal?.aborted || (e instanceof KeyVaultClientError && e.code !== "ERR_TIMEOUT")) throw e;
        continue;
      }
      if (found.challenge) return found.challenge;
      if (joined) continue; // another caller's probe got no challenge: ours may
      const { response } = found;
      if (call.body === null || RETRY_STATUSES.has(response.status)) return response;
      await discard(response);
      throw badChallenge(`the vault answered ${response.status} without a challenge: the body was not sent`);
    }
  }

  #probe(call: Call, deadline: Deadline): Promise<Discovery> {
    const probe = async (): Promise<Discovery> => {
      const response = await this.#attempts(call, undefined, deadline);
      if (response.status !== 401) return { response };
      const header = response.headers.get("www-authenticate");
      await discard(response);
      if (!header) throw badChallenge("401 without a readable WWW-Authenticate: expose it (CORS) or pass options.challenge");
      const challenge = challengeFromHeader(header);
      if (!challenge) throw badChallenge("challenge without resource or scope");
      this.#learn(challenge, "discovered");
      return { challenge };
    };
    const pending = (this.#discovery = probe());
    const clear = () => {
      if (this.#discovery === pending) this.#discovery = undefined;
    };
    pending.then(clear, clear);
    return pending;
  }

  /** Verifies a challenge as this client must, and caches it for every client of this isolate. */
  #learn(challenge: VaultChallenge, reason: "discovered" | "changed"): void {
    this.#checkScope(challenge.scope);
    if (challenge.tenantId !== undefined && !/^[\w.-]+$/.test(challenge.tenantId))
      throw badChallenge("the challenge names a tenant that is not a tenant id or domain");
    rememberChallenge(this.#cacheKey, challenge, this.#vaultHost);
    this.#emit("challenge", undefined, { url: this.vaultUrl, scope: challenge.scope, tenantId: challenge.tenantId, reason });
  }

  /** A token from the provider, its call shared by this client's concurrent callers; each waits only until its own deadline. */
  #newToken(request: TokenRequest, reason: TokenReason, deadline: Deadline): Promise<string> {
    const { token, shared } = this.#tokens.request(request, reason);
    if (!shared && this.#onEvent) {
      const started = Date.now();
      const [scope] = request.scopes;
      const told = (ok: boolean) => () =>
        this.#emit("token", undefined, { scope, tenantId: request.tenantId, reason, durationMs: Date.now() - started, ok });
      token.then(told(true), told(false));
    }
    return deadline.race(token);
  }

  /** Sends, retrying transient failures by the retry rules. No token: the probe, always safe to repeat. */
  async #attempts(call: Call, token: string | undefined, deadline: Deadline): Promise<Response> {
    const idempotent = !token || (call.idempotent ?? isIdempotent(call.method, call.url));
    try {
      return await withRetries((attempt) => this.#send(call, token, attempt, deadline), {
        policy: this.#retry,
        signal: deadline.signal,
        // An operation unsafe to repeat is retried only on 429: the service did not process it.
        retryStatus: (status) => RETRY_STATUSES.has(status) && (idempotent || status === 429),
        retryFailure: (e) => idempotent && !isCertificateFailure(e),
        onRetry: (attempt, response, waitMs) =>
          this.#emit("retry", call, {
            attempt,
            reason: response ? "status" : "network",
            ...(response && { status: response.status }),
            waitMs,
          }),
      });
    } catch (e) {
      deadline.check();
      throw networkError(call.url, e, [token]);
    }
  }

  /** One request: a body only with a token, nothing once the call has ended, raced (a custom fetch may ignore its signal). */
  #send(call: Call, token: string | undefined, attempt: number, deadline: Deadline): Promise<Response> {
    deadline.check();
    const { headers } = call;
    const init: RequestInit = { method: call.method, headers, redirect: "manual" };
    if (token) {
      headers.authorization = "Bearer " + token;
      if (call.body !== null) init.body = call.body as string | Uint8Array<ArrayBuffer>;
    } else {
      delete headers.authorization; // a probe carries no token (and, above, no body)
    }
    if (deadline.signal) init.signal = deadline.signal;
    if (!this.#onEvent) return deadline.race(this.#fetch(call.url, init));
    return this.#observed(call, init, !token, attempt, deadline);
  }

  /** #send's request, told to `onEvent`: `request` before, `response` after (status 0 and `error` when it failed). */
  async #observed(call: Call, init: RequestInit, probe: boolean, attempt: number, deadline: Deadline): Promise<Response> {
    const id = call.headers[REQUEST_ID];
    const sent = Date.now();
    this.#emit("request", call, { attempt, probe, clientRequestId: id });
    const responded = (response?: Response, error?: string) =>
      this.#emit("response", call, {
        attempt,
        status: response ? response.status : 0,
        requestId: response?.headers.get("x-ms-request-id") ?? undefined,
        clientRequestId: id,
        durationMs: Date.now() - sent,
        ...(error && { error }),
      });
    try {
      const response = await deadline.race(this.#fetch(call.url, init));
      responded(response);
      return response;
    } catch (e) {
      if (!deadline.signal?.aborted) responded(undefined, errorName(e));
      throw e;
    }
  }

  /** Tells `onEvent` (an observer's failure is not the call's). */
  #emit(type: KeyVaultEvent["type"], call: Call | undefined, fields: object): void {
    const on = this.#onEvent;
    if (on)
      try {
        on({ type, ...(call && { method: call.method, url: call.url }), ...fields } as KeyVaultEvent);
      } catch {
        /* ignored */
      }
  }
}

const errorName = (e: unknown): string => String((e as { code?: unknown })?.code ?? (e as { name?: unknown })?.name ?? "Error");

function tokenRequest(challenge: VaultChallenge, claims?: string): TokenRequest {
  const request: TokenRequest = { scopes: [challenge.scope] };
  if (challenge.tenantId) request.tenantId = challenge.tenantId;
  if (claims) request.claims = claims;
  return request;
}

/** Lets a response we do not return go (a body already read or closed: nothing to do). */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}
