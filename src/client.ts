// KeyVaultClient: a fetch that knows Key Vault's challenge protocol, tokens, CAE and retries.
import {
  challengeFromHeader, claimsChallengeFromHeader, getCachedChallenge, isLoopbackHost, originKey,
  setCachedChallenge, verifyChallengeResource, type VaultChallenge,
} from "./challenge.js";
import { KeyVaultClientError, KeyVaultError } from "./errors.js";
import { DEFAULT_RETRY, RETRY_STATUSES, backoffDelay, isIdempotent, retryAfterMs, sleep, type RetryOptions } from "./retry.js";
import { cachedToken, forgetToken, requestToken, type GetToken, type TokenRequest } from "./token.js";

/** The api-version sent when a request names none. */
export const DEFAULT_API_VERSION = "2025-07-01";
/** Default time for one `client.fetch` call, retries included. */
export const DEFAULT_TIMEOUT_MS = 60_000;

/** Options of {@link KeyVaultClient}. Only `getToken` is required. */
export interface KeyVaultClientOptions {
  /** Gives tokens for the scope and tenant the vault's challenge names. */
  getToken: GetToken;
  /** The fetch to send requests with (default: the global fetch). */
  fetch?: (input: string | URL | Request, init?: RequestInit) => Promise<Response>;
  /** Sent when a request names no `api-version` (default `2025-07-01`). */
  apiVersion?: string;
  /** Retry policy, or `false` for none. */
  retry?: false | RetryOptions;
  /** Milliseconds for one call, retries included (default 60 000), or `false` for no limit. */
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
  headers?: HeadersInit;
}

/** Options of {@link KeyVaultClient.request}. */
export interface RequestOptions {
  signal?: AbortSignal;
  /** `false` for operations unsafe to repeat (they are retried only on 429); default: from method and path. */
  idempotent?: boolean;
  /** Query parameters added to the path; undefined values are skipped. */
  query?: Record<string, string | number | boolean | undefined>;
  headers?: HeadersInit;
}

interface Prepared {
  url: URL;
  method: string;
  headers: Headers;
  /** strings are kept as they are (immutable, so resending is free); bytes are copied once */
  body: string | Uint8Array<ArrayBuffer> | null;
  idempotent: boolean;
}

/** `response` is the answer to the probe: it belongs to the caller that started the discovery. */
type Discovery = { challenge: VaultChallenge | null; response?: Response };

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
  /** The vault's URL, without a trailing slash. */
  readonly vaultUrl: string;
  readonly apiVersion: string;
  readonly #url: URL;
  readonly #getToken: GetToken;
  readonly #fetch: NonNullable<KeyVaultClientOptions["fetch"]>;
  readonly #retry: Required<RetryOptions> | null;
  readonly #timeout: number | false;
  readonly #static: VaultChallenge | undefined;
  readonly #verify: boolean;
  readonly #loopback: boolean;
  readonly #headers: Headers | undefined;
  #discovery: Promise<Discovery> | undefined;
  readonly #pendingTokens = new Map<string, Promise<string>>();

  constructor(vaultUrl: string | URL, options: KeyVaultClientOptions) {
    if (!options || typeof options.getToken !== "function") {
      throw new KeyVaultClientError("ERR_INVALID_INPUT", "getToken must be a function");
    }
    let url: URL;
    try { url = new URL(String(vaultUrl)); } catch { throw new KeyVaultClientError("ERR_INVALID_INPUT", "invalid vault URL"); }
    if (url.username || url.password) throw new KeyVaultClientError("ERR_INVALID_INPUT", "vault URL with credentials");
    if (url.search || url.hash) throw new KeyVaultClientError("ERR_INVALID_INPUT", "vault URL with a query or fragment");
    this.#loopback = options.allowInsecureLoopback === true;
    if (url.protocol !== "https:") {
      if (url.protocol === "http:" && isLoopbackHost(url.hostname)) {
        if (!this.#loopback) throw new KeyVaultClientError("ERR_INSECURE_URL", "http needs allowInsecureLoopback");
      } else {
        throw new KeyVaultClientError("ERR_INSECURE_URL", "https only");
      }
    }
    url.pathname = url.pathname.replace(/\/+$/, "");
    this.#url = url;
    this.vaultUrl = url.href.replace(/\/+$/, "");
    this.#getToken = options.getToken;
    // Called unbound on purpose: some runtimes' fetch throws "Illegal invocation" when called as a method.
    this.#fetch = options.fetch ? options.fetch : (input, init) => globalThis.fetch(input, init);
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.#retry = options.retry === false ? null : { ...DEFAULT_RETRY, ...options.retry };
    this.#timeout = options.timeout === undefined ? DEFAULT_TIMEOUT_MS : options.timeout;
    this.#verify = options.verifyChallengeResource !== false;
    if (options.headers) this.#headers = new Headers(options.headers);
    if (options.challenge) {
      if (typeof options.challenge.scope !== "string" || !options.challenge.scope) {
        throw new KeyVaultClientError("ERR_INVALID_INPUT", "challenge.scope must be a string");
      }
      if (this.#verify) verifyChallengeResource(options.challenge.scope, url, { allowInsecureLoopback: this.#loopback });
      this.#static = { scope: options.challenge.scope, ...(options.challenge.tenantId ? { tenantId: options.challenge.tenantId } : {}) };
    }
  }

  /**
   * Sends a request to the vault, shaped like the global `fetch`. A path (`"/keys/k"`) resolves
   * against the vault URL; an absolute URL must be the vault's own origin. `api-version` is added
   * when missing. Returns the plain `Response`: non-2xx answers are returned, not thrown.
   * @example const res = await client.fetch("/keys?maxresults=5");
   */
  async fetch(input: string | URL | Request, init?: RequestInit): Promise<Response> {
    return this.#run(input, init, undefined);
  }

  /**
   * Sends JSON, parses the JSON answer, and throws {@link KeyVaultError} for non-2xx answers.
   * Resolves `undefined` for 204 and empty bodies.
   * @example const bundle = await client.request<{ key: JsonWebKey }>("POST", "/keys/k/create", { kty: "EC", crv: "P-256" });
   */
  async request<T = unknown>(method: string, path: string, body?: unknown, options: RequestOptions = {}): Promise<T> {
    const headers = new Headers(options.headers);
    headers.set("accept", "application/json");
    let payload: string | undefined;
    if (body !== undefined) {
      headers.set("content-type", "application/json");
      payload = JSON.stringify(body);
    }
    const url = this.#resolve(path);
    for (const [k, v] of Object.entries(options.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const init: RequestInit = { method, headers };
    if (payload !== undefined) init.body = payload;
    if (options.signal) init.signal = options.signal;
    const response = await this.#run(url, init, options.idempotent);
    if (!response.ok) throw await KeyVaultError.fromResponse(response, { method: method.toUpperCase(), url: response.url || url.href });
    const text = await response.text();
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch (cause) {
      throw new KeyVaultClientError("ERR_INVALID_RESPONSE", "body is not JSON", { cause });
    }
  }

  /** Resolves a path or URL against the vault; refuses other origins. */
  #resolve(input: string | URL): URL {
    let url: URL;
    if (typeof input === "string" && !/^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(input)) {
      const base = this.#url.href.replace(/\/+$/, "");
      url = new URL(base + (input.startsWith("/") ? input : "/" + input));
    } else {
      try { url = new URL(String(input)); } catch { throw new KeyVaultClientError("ERR_INVALID_INPUT", "not a URL"); }
    }
    if (originKey(url) !== originKey(this.#url) || url.username || url.password) {
      throw new KeyVaultClientError("ERR_FOREIGN_ORIGIN", `${url.origin} is not the vault`);
    }
    if (!url.searchParams.has("api-version")) url.searchParams.set("api-version", this.apiVersion);
    return url;
  }

  async #prepare(input: string | URL | Request, init: RequestInit | undefined, idempotent: boolean | undefined): Promise<Prepared> {
    const raw = init?.body;
    // Fast path (every typed helper takes it): no Request object to build and read back.
    const simple = !(input instanceof Request) && (raw == null || typeof raw === "string" || raw instanceof Uint8Array);
    let request = input instanceof Request ? new Request(input, init) : undefined;
    const url = this.#resolve(request ? request.url : (input as string | URL));
    if (!request && !simple) request = new Request(url, init);
    const headers = new Headers(request ? request.headers : init?.headers);
    this.#headers?.forEach((v, k) => { if (!headers.has(k)) headers.set(k, v); });
    headers.delete("authorization");
    if (!headers.has("x-ms-client-request-id") && typeof crypto !== "undefined" && "randomUUID" in crypto) {
      headers.set("x-ms-client-request-id", crypto.randomUUID());
    }
    const method = (request ? request.method : init?.method ?? "GET").toUpperCase();
    let body: string | Uint8Array<ArrayBuffer> | null = null;
    // Buffered once, so the challenge and retries can resend it: it is never lost or read twice.
    if (method !== "GET" && method !== "HEAD") {
      if (request) {
        if (request.body) body = new Uint8Array(await request.arrayBuffer());
      } else if (typeof raw === "string") {
        body = raw;
      } else if (raw) {
        body = (raw as Uint8Array).slice();
      }
    } else if (raw != null) {
      throw new KeyVaultClientError("ERR_INVALID_INPUT", `${method} cannot have a body`);
    }
    return { url, method, headers, body, idempotent: idempotent ?? isIdempotent(method, url.pathname) };
  }

  async #run(input: string | URL | Request, init: RequestInit | undefined, idempotent: boolean | undefined): Promise<Response> {
    const callerSignal = init?.signal ?? (input instanceof Request ? input.signal : undefined) ?? undefined;
    const prepared = await this.#prepare(input, init, idempotent);
    if (callerSignal?.aborted) throw callerSignal.reason;
    // No timeout: the caller's signal (or none) is all there is. Skipping the controller matters:
    // on Node an AbortController is one of the most expensive objects a call makes.
    if (this.#timeout === false) return this.#send(prepared, callerSignal);
    const controller = new AbortController();
    let timedOut = false;
    const onAbort = () => controller.abort(callerSignal!.reason);
    callerSignal?.addEventListener("abort", onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, this.#timeout);
    try {
      return await this.#send(prepared, controller.signal);
    } catch (e) {
      if (timedOut) throw new KeyVaultClientError("ERR_TIMEOUT", `timed out after ${this.#timeout} ms`);
      throw e;
    } finally {
      clearTimeout(timer);
      callerSignal?.removeEventListener("abort", onAbort);
    }
  }

  async #send(req: Prepared, signal: AbortSignal | undefined): Promise<Response> {
    const started = Date.now();
    let challenge = this.#static ?? getCachedChallenge(req.url);
    let mayRechallenge = challenge !== undefined && this.#static === undefined;
    if (!challenge) {
      let joined = this.#discovery !== undefined;
      let found: Discovery;
      try {
        found = await this.#discover(req, signal, started);
      } catch (e) {
        // The discovery we joined was another caller's, which it aborted: run our own (or join the next).
        if (!joined || e instanceof KeyVaultClientError || signal?.aborted) throw e;
        joined = this.#discovery !== undefined;
        found = await this.#discover(req, signal, started);
      }
      if (!joined && found.response) return found.response;
      if (found.challenge === null) return this.#attempt(req, null, signal, started);
      challenge = found.challenge;
    }
    let claims: string | undefined;
    let caeAnswered = false;
    let force = false;
    for (;;) {
      const tokenRequest: TokenRequest = { scopes: [challenge.scope] };
      if (challenge.tenantId) tokenRequest.tenantId = challenge.tenantId;
      if (claims) tokenRequest.claims = claims;
      const token = await this.#token(tokenRequest, force || claims !== undefined, signal);
      const response = await this.#attempt(req, token, signal, started);
      if (response.status !== 401) return response;
      const header = response.headers.get("www-authenticate");
      if (!header) return response;
      let cae;
      try { cae = claimsChallengeFromHeader(header); } catch { return response; }
      if (cae) {
        // One fresh token carrying the claims, one resend; a second CAE 401 goes to the caller.
        if (caeAnswered) return response;
        caeAnswered = true;
        claims = cae.claims;
        await discard(response);
        continue;
      }
      // A plain 401 to a cached challenge: the vault may have moved tenant. Learn again, once.
      if (!mayRechallenge) return response;
      mayRechallenge = false;
      let fresh: VaultChallenge | undefined;
      try { fresh = challengeFromHeader(header); } catch { return response; }
      if (!fresh) return response;
      if (this.#verify) verifyChallengeResource(fresh.scope, req.url, { allowInsecureLoopback: this.#loopback });
      forgetToken(this.#getToken, tokenRequest);
      setCachedChallenge(req.url, fresh);
      challenge = fresh;
      claims = undefined;
      force = true;
      await discard(response);
    }
  }

  /** One challenge discovery per client at a time: concurrent first calls share it. */
  #discover(req: Prepared, signal: AbortSignal | undefined, started: number): Promise<Discovery> {
    if (this.#discovery) return this.#discovery;
    const run = async (): Promise<Discovery> => {
      // The probe carries neither body nor token: the body goes only once the challenge is known.
      const probe: Prepared = { ...req, body: null };
      const response = await this.#attempt(probe, null, signal, started);
      if (response.status !== 401) {
        if (req.body === null) return { challenge: null, response };
        await discard(response);
        return { challenge: null };
      }
      const header = response.headers.get("www-authenticate");
      await discard(response);
      if (!header) {
        throw new KeyVaultClientError("ERR_CHALLENGE_INVALID",
          "401 without a readable WWW-Authenticate: expose it (CORS) or pass options.challenge");
      }
      const challenge = challengeFromHeader(header);
      if (!challenge) throw new KeyVaultClientError("ERR_CHALLENGE_INVALID", "challenge without resource or scope");
      if (this.#verify) verifyChallengeResource(challenge.scope, req.url, { allowInsecureLoopback: this.#loopback });
      setCachedChallenge(req.url, challenge);
      return { challenge };
    };
    const pending = run().finally(() => { this.#discovery = undefined; });
    this.#discovery = pending;
    return pending;
  }

  /** A cached token, or one call to the provider shared by concurrent callers of this client. */
  #token(request: TokenRequest, force: boolean, signal: AbortSignal | undefined): Promise<string> {
    if (!force) {
      const cached = cachedToken(this.#getToken, request);
      if (cached) return Promise.resolve(cached);
    }
    const key = `${request.scopes.join(" ")}\n${request.tenantId ?? ""}\n${request.claims ?? ""}\n${force}`;
    let shared = this.#pendingTokens.get(key);
    if (!shared) {
      // Shared by this client's concurrent callers, so it carries none of their signals: one caller
      // giving up must not fail the others. Each caller stops waiting on its own signal instead.
      shared = requestToken(this.#getToken, request).finally(() => this.#pendingTokens.delete(key));
      this.#pendingTokens.set(key, shared);
    }
    return signal ? untilAborted(shared, signal) : shared;
  }


  /** Sends once, retrying transient failures by the retry rules. */
  async #attempt(req: Prepared, token: string | null, signal: AbortSignal | undefined, started: number): Promise<Response> {
    const policy = this.#retry;
    for (let attempt = 0; ; attempt++) {
      const headers = req.headers; // this call's own copy: fetch copies it again when it sends
      if (token) headers.set("authorization", `Bearer ${token}`);
      else headers.delete("authorization");
      const init: RequestInit = { method: req.method, headers, redirect: "manual" };
      if (signal) init.signal = signal;
      if (req.body) init.body = req.body;
      let response: Response | undefined;
      let failure: unknown;
      try {
        response = await this.#fetch(req.url.href, init);
      } catch (e) {
        if (signal?.aborted) throw signal.reason;
        failure = e;
      }
      if (response && !RETRY_STATUSES.has(response.status)) return response; // the common case, first
      const retryable = policy !== null && attempt < policy.retries && (
        response === undefined ? req.idempotent : RETRY_STATUSES.has(response.status) && (req.idempotent || response.status === 429)
      );
      let wait = retryable ? backoffDelay(attempt, policy!) : 0;
      const asked = response ? retryAfterMs(response.headers) : undefined;
      if (asked !== undefined) wait = asked;
      const giveUp = !retryable || wait > policy!.maxDelayMs || Date.now() - started + wait > policy!.maxElapsedMs;
      if (giveUp) {
        if (response) return response;
        const why = failure instanceof Error ? failure.message : String(failure);
        throw new KeyVaultClientError("ERR_NETWORK", `fetch failed: ${why}`, { cause: failure });
      }
      if (response) await discard(response);
      await sleep(wait, signal);
    }
  }
}

/** Settles like `promise`, or rejects with the signal's reason as soon as it aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}

async function discard(response: Response): Promise<void> {
  try { await response.body?.cancel(); } catch { /* already consumed or closed */ }
}
