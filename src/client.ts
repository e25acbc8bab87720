// KeyVaultClient: a fetch that knows Key Vault's challenge protocol, tokens, CAE and retries.
// A call is a short sequence of named steps under one deadline:
//   prepare (URL, headers, body captured now) → challenge (cached, or discovered by a probe that
//   carries neither body nor token) → token (memo, cache or provider) → send → retry transient
//   failures → answer a CAE or tenant challenge once → read (request() and the helpers).
import {
  challengeFromHeader,
  claimsChallengeFromHeader,
  isLoopbackHost,
  knownChallenge,
  originKey,
  rememberChallenge,
  verifyChallengeResource,
  type ChallengeLevel,
  type VaultChallenge,
} from "./challenge.js";
import { holdOpen, joinDeadline, pause, race, type Abortable, type Deadline } from "./deadline.js";
import { KeyVaultClientError } from "./errors.js";
import type { KeyVaultEvent } from "./events.js";
import { redactError } from "./redact.js";
import { DEFAULT_RETRY, RETRY_STATUSES, backoffDelay, isIdempotent, retryAfterMs, type RetryOptions } from "./retry.js";
import { cachedToken, forgetToken, requestToken, type CachedToken, type GetToken, type TokenRequest } from "./token.js";
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
   * Milliseconds for one call, retries and the body read included (default 60 000), or `false` for
   * no limit. It fires up to 1 s late (1/32 of timeouts under 32 s): calls starting close together
   * share one timer. The caller's `signal` cancels a call at once, whatever the timeout.
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

/**
 * The state of one call, from its start to its end (the body read included, for `request()`). Its
 * methods end the call's promise and let go of the deadline and the caller's signal, so the fast
 * path needs no closure of its own; it is the caller signal's abort listener too.
 */
export class Call implements Abortable {
  /** the step waiting now, when it may ignore the signal (see race) */
  wait: ((reason: unknown) => void) | undefined = undefined;
  signal: AbortSignal | undefined = undefined;
  deadline: Deadline | undefined = undefined;
  readonly started: number = Date.now();
  constructor(
    readonly url: string,
    readonly method: string,
    readonly headers: Record<string, string>,
    /** captured when the call starts; a pending promise for streams, Blobs and Request bodies */
    public body: string | Uint8Array<ArrayBuffer> | Promise<Uint8Array<ArrayBuffer>> | null,
    readonly idempotent: boolean | undefined,
    readonly caller: AbortSignal | undefined,
    readonly resolve: (value: unknown) => void,
    readonly reject: (reason: unknown) => void,
  ) {}
  /** The token last sent, so an error built from the answer can redact it. */
  get token(): string | undefined {
    return this.headers.authorization?.slice(7);
  }
  /** The caller aborted. */
  handleEvent(): void {
    this.fail(this.caller!.reason);
  }
  /** Ends the call with an error; past its deadline (and not aborted by the caller), with ERR_TIMEOUT. */
  fail(reason: unknown): void {
    this.wait?.(reason);
    const { deadline, caller } = this;
    this.end();
    this.reject(deadline?.signal.aborted && !caller?.aborted ? deadline.signal.reason : reason);
  }
  /** Ends the call with its answer. */
  done(value: unknown): void {
    this.end();
    this.resolve(value);
  }
  /** Lets go of the deadline and the caller's signal (a settled call may end again: no harm). */
  end(): void {
    const { deadline, caller } = this;
    if (deadline) {
      deadline.calls.delete(this);
      if (!deadline.calls.size) holdOpen(deadline, false);
    }
    caller?.removeEventListener("abort", this);
  }
}

/** Reads a response inside the call's deadline (request() and the helpers pass one). */
export type ResponseReader<T> = (response: Response, call: Call) => Promise<T>;

// Who a client acts as: its token provider. Caches of what the vault answered (SecretCache) serve an
// entry only to clients of the provider that read it.
const providers = new WeakMap<KeyVaultClient, GetToken>();
/** @internal The token provider of a client (never its tokens). */
export const providerOf = (client: KeyVaultClient): GetToken | undefined => providers.get(client);

/** The fast path's first attempt, handed to the steps that continue it. */
interface FirstAttempt {
  challenge: VaultChallenge;
  token: string;
  response?: Response;
  /** what the first fetch threw, when it gave no response */
  failure?: unknown;
}

type Discovery = { challenge: VaultChallenge } | { challenge?: undefined; response: Response };

const REQUEST_ID = "x-ms-client-request-id";
// Drawn on first use, not at load: Workers refuse random values in the global scope.
let prefix: string | undefined;
let serial = 0;
/** A UUID-shaped request id: a random per-isolate prefix and a counter (no random draw per call). */
function requestId(): string {
  prefix ??= crypto
    .getRandomValues(new Uint8Array(8))
    .reduce((s, b) => s + (b | 256).toString(16).slice(1), "")
    .replace(/^(.{8})(.{4}).(.{3}).*/, "$1-$2-4$3-8000-");
  return prefix + (++serial).toString(16).padStart(12, "0");
}

/** A local failure: `code` without its `ERR_` prefix. */
const fail = (code: string, message: string, cause?: unknown) =>
  new KeyVaultClientError(`ERR_${code}`, message, cause === undefined ? undefined : { cause });
const invalid = (message: string) => fail("INVALID_INPUT", message);

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
  readonly #getToken: GetToken;
  readonly #fetch: NonNullable<KeyVaultClientOptions["fetch"]>;
  readonly #retry: Required<RetryOptions> | null;
  readonly #timeout: number | false;
  readonly #static: VaultChallenge | undefined;
  readonly #verify: boolean;
  readonly #loopback: boolean;
  readonly #headers: Record<string, string>;
  readonly #origin: string;
  readonly #vaultOriginKey: string;
  readonly #vaultHost: string;
  readonly #cacheKey: string;
  readonly #level: ChallengeLevel;
  readonly #query: string;
  readonly #onEvent: ((event: KeyVaultEvent) => void) | undefined;
  #discovery: Promise<Discovery> | undefined;
  #deadline: Deadline | undefined;
  #memo: { challenge: VaultChallenge; entry: CachedToken; bearer: string } | undefined;
  readonly #pendingTokens = new Map<string, Promise<CachedToken | string>>();

  constructor(vaultUrl: string | URL, options: KeyVaultClientOptions) {
    if (!options || typeof options.getToken !== "function") throw invalid("getToken must be a function");
    this.#loopback = options.allowInsecureLoopback === true;
    const url = this.#checkUrl(vaultUrl, "vault URL");
    this.vaultUrl = (url.origin + url.pathname).replace(/\/+$/, "");
    this.#origin = originKey(url);
    const vault = options.vaultOrigin === undefined ? url : this.#checkUrl(options.vaultOrigin, "vaultOrigin");
    if (vault.pathname !== "/" && vault !== url) throw invalid("vaultOrigin must be an origin, without a path");
    this.vaultOrigin = vault.origin;
    this.#vaultOriginKey = originKey(vault);
    this.#vaultHost = vault.hostname;
    // A proxy fronts one vault: its challenge is cached under both, so another proxy of the same vault learns its own.
    this.#cacheKey = this.#vaultOriginKey === this.#origin ? this.#origin : `${this.#origin} ${this.#vaultOriginKey}`;
    this.#getToken = options.getToken;
    providers.set(this, options.getToken);
    // Called unbound on purpose: some runtimes' fetch throws "Illegal invocation" when called as a method.
    this.#fetch = options.fetch ?? ((input, init) => globalThis.fetch(input, init));
    this.apiVersion = options.apiVersion ?? DEFAULT_API_VERSION;
    this.#query = "?api-version=" + encodeURIComponent(this.apiVersion);
    this.#retry = options.retry === false ? null : { ...DEFAULT_RETRY, ...options.retry };
    const timeout = options.timeout ?? DEFAULT_TIMEOUT_MS;
    if (timeout !== false && !(timeout > 0)) throw invalid("timeout must be a positive number of milliseconds, or false");
    this.#timeout = timeout;
    this.#verify = options.verifyChallengeResource !== false;
    this.#level = this.#verify ? (this.#loopback ? 1 : 2) : 0;
    this.#headers = headerRecord(options.headers);
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
  [send]<T>(input: string, init: RequestInit, idempotent: boolean | undefined, read: ResponseReader<T>): Promise<T> {
    return this.#call(input, init, idempotent, read);
  }

  #checkUrl(input: string | URL, what: string): URL {
    let url: URL;
    try {
      url = new URL(String(input));
    } catch {
      throw invalid(`invalid ${what}`);
    }
    if (url.username || url.password) throw invalid(`${what} with credentials`);
    if (url.search || url.hash) throw invalid(`${what} with a query or fragment`);
    if (url.protocol !== "https:") {
      const local = url.protocol === "http:" && isLoopbackHost(url.hostname);
      if (!local || !this.#loopback)
        throw fail("INSECURE_URL", local ? `${what}: http needs allowInsecureLoopback` : `${what}: https only`);
    }
    return url;
  }

  /** A scope is one URL, never a list: what is verified is what the provider is asked for. */
  #checkScope(scope: string): void {
    if (/[\s\0-\x1f]/.test(scope)) throw fail("CHALLENGE_INVALID", "the challenge's scope holds spaces or control characters");
    if (this.#verify) verifyChallengeResource(scope, `https://${this.#vaultHost}`, { allowInsecureLoopback: this.#loopback });
  }

  // ---- the call --------------------------------------------------------------------------------

  /** One call: its promise is settled by the steps below, or by the deadline or the caller's signal. */
  #call<T>(
    input: string | URL | Request,
    init: RequestInit | undefined,
    idempotent: boolean | undefined,
    read: ResponseReader<T> | undefined,
  ): Promise<T> {
    let call: Call | undefined;
    const promise = new Promise<T>((resolve, reject) => {
      call = this.#prepare(input, init, idempotent, resolve as (value: unknown) => void, reject);
    });
    if (call) this.#start(call, read);
    return promise;
  }

  /**
   * Starts a prepared call under its deadline. The fast path, without an async frame or a race of
   * its own: a known challenge, this client's last token, one answer that needs nothing more.
   * Anything else (no challenge, a 401, a retry, a body still being read) goes to #exchange.
   */
  #start<T>(call: Call, read: ResponseReader<T> | undefined) {
    const { caller } = call;
    if (caller?.aborted) return call.fail(caller.reason);
    if (this.#timeout !== false) {
      const deadline = (this.#deadline = call.deadline = joinDeadline(this.#deadline, this.#timeout, call.started));
      deadline.calls.add(call);
      holdOpen(deadline, true);
      call.signal = caller ? followBoth(caller, deadline) : deadline.signal;
    } else {
      call.signal = caller;
    }
    caller?.addEventListener("abort", call, { once: true });
    const challenge = call.body instanceof Promise ? undefined : (this.#static ?? knownChallenge(this.#cacheKey, this.#level));
    const token = challenge && this.#memoized(challenge);
    if (!token) return this.#finish(call, this.#exchange(call), read);
    let pending: Promise<Response>;
    try {
      pending = this.#send(call, token, 0);
    } catch (failure) {
      pending = Promise.reject(failure);
    }
    // Not raced: the deadline and the caller's signal end the call itself (call.fail).
    pending.then(
      (response) => {
        if (call.signal?.aborted)
          discard(response); // the call has ended
        else if (response.status === 401 || RETRY_STATUSES.has(response.status))
          this.#finish(call, this.#exchange(call, { challenge, token, response }), read);
        else this.#read(call, response, read);
      },
      (failure) => this.#finish(call, this.#exchange(call, { challenge, token, failure }), read),
    );
  }

  /** The last steps, inside the call's deadline: the response, or what `read` makes of it. */
  #finish<T>(call: Call, pending: Promise<unknown>, read?: ResponseReader<T>): void {
    pending.then(
      (value) => this.#read(call, value as Response, read),
      (e) => call.fail(e),
    );
  }

  #read<T>(call: Call, response: Response, read?: ResponseReader<T>): void {
    if (!read) {
      call.done(response);
      return;
    }
    try {
      this.#finish(call, read(response, call));
    } catch (e) {
      call.fail(e); // a reader that throws instead of rejecting still ends the call
    }
  }

  /** Step 1: the URL, headers and body of the call, all captured now (later changes by the caller change nothing). */
  #prepare(
    input: string | URL | Request,
    init: RequestInit | undefined,
    idempotent: boolean | undefined,
    resolve: (value: unknown) => void,
    reject: (reason: unknown) => void,
  ): Call {
    const request = input instanceof Request ? input : undefined;
    const url = this.#resolve(request ? request.url : (input as string | URL));
    const method = (init?.method ?? request?.method ?? "GET").toUpperCase();
    // Our two headers first, in the record's own slots (no property store of its own). A caller's
    // authorization never goes out: #send replaces it with the token, or deletes it for a probe.
    const own: Record<string, string> = {};
    own.authorization = own[REQUEST_ID] = "";
    const headers = headerRecord(init?.headers, headerRecord(request?.headers, Object.assign(own, this.#headers)));
    headers[REQUEST_ID] ||= requestId();
    const raw = init?.body ?? undefined;
    let body: Call["body"] = null;
    if (method === "GET" || method === "HEAD") {
      if (raw != null || request?.body) throw invalid(`${method} cannot have a body`);
    } else if (typeof raw === "string") {
      body = raw;
    } else if (raw instanceof ArrayBuffer || ArrayBuffer.isView(raw)) {
      // A copy, not a view: Node's Buffer#slice is a view, and the caller may reuse its buffer.
      const view = raw as Partial<ArrayBufferView<ArrayBuffer>>;
      body = new Uint8Array(view.buffer ?? (raw as ArrayBuffer), view.byteOffset, raw.byteLength).slice();
    } else if (raw != null) {
      // Streams, Blobs, FormData, URLSearchParams: read once through a Request (which also gives the
      // content type), so the challenge and retries can resend them.
      const copy = new Request(url, { method, body: raw, duplex: "half" } as RequestInit);
      const type = copy.headers.get("content-type");
      if (type) headers["content-type"] ??= type;
      body = bytesOf(copy);
    } else if (request?.body) {
      body = bytesOf(request);
    }
    return new Call(url, method, headers, body, idempotent, init?.signal ?? request?.signal ?? undefined, resolve, reject);
  }

  /** A path resolves against the vault URL; an absolute URL must be the vault's (or `vaultOrigin`'s) origin. */
  #resolve(input: string | URL): string {
    let url = String(input);
    let base = "";
    if (url[0] === "/" || !/^[a-z][a-z\d+.-]*:/i.test(url)) {
      base = url[0] === "/" ? this.vaultUrl : this.vaultUrl + "/";
    } else {
      let u: URL;
      try {
        u = new URL(url);
      } catch {
        throw invalid("not a URL");
      }
      const key = originKey(u);
      if (u.username || u.password || (key !== this.#origin && key !== this.#vaultOriginKey)) {
        throw fail("FOREIGN_ORIGIN", `${u.origin} is not the vault`);
      }
      url = key === this.#origin ? u.href : this.vaultUrl + u.pathname + u.search;
    }
    const q = url.indexOf("?");
    // Joined, not concatenated: one flat string, which the call keeps (a chain of concatenations,
    // flattened by the search above, keeps more).
    return [base, url, q < 0 ? this.#query : /[?&]api-version=/i.test(url.slice(q)) ? "" : "&" + this.#query.slice(1)].join("");
  }

  /**
   * Steps 2 to 6: challenge, token, send, retries, and the answer to a CAE or tenant challenge.
   * `first`: the fast path's first attempt, already made.
   */
  async #exchange(call: Call, first?: FirstAttempt): Promise<Response> {
    if (call.body instanceof Promise) call.body = await race(call, call.body);
    let challenge = first ? first.challenge : (this.#static ?? knownChallenge(this.#cacheKey, this.#level));
    const cached = challenge !== undefined && !this.#static;
    if (!challenge) {
      const found = await this.#discover(call);
      if (found instanceof Response) return found;
      challenge = found;
    }
    let claims: string | undefined;
    let reason: "new" | "claims" | "rechallenge" | undefined;
    let mayRechallenge = cached;
    let caeAnswered = false;
    for (;;) {
      const token =
        first?.token ?? ((!reason && this.#memoized(challenge)) || (await this.#token(challenge, claims, reason ?? "new", call)));
      const response = await this.#attempts(call, token, first);
      first = undefined;
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
      forgetToken(this.#getToken, tokenRequest(challenge));
      challenge = fresh;
      claims = undefined;
      reason = "rechallenge";
    }
  }

  /**
   * Step 2: learn the challenge. One probe per client at a time (concurrent first calls share it);
   * the probe carries neither body nor token. A body is never sent without a token: when the vault
   * answers the probe without a challenge, a bodiless call gets that answer, a failing vault's answer
   * is returned as it is, and anything else is refused.
   */
  async #discover(call: Call): Promise<VaultChallenge | Response> {
    // When the probe we joined is given up or finds no challenge, the first caller to notice starts the
    // next one and the others join it, not a probe each. This ends: every round, the probe's owner
    // leaves with its answer, and every caller leaves at its own deadline.
    for (;;) {
      const joined = this.#discovery !== undefined;
      let found: Discovery;
      try {
        found = await (joined ? race(call, this.#discovery!) : this.#probe(call));
      } catch (e) {
        // The discovery we joined was another caller's, which it gave up (aborted, or its own deadline): run our own.
        if (!joined || call.signal?.aborted || (e instanceof KeyVaultClientError && e.code !== "ERR_TIMEOUT")) throw e;
        continue;
      }
      if (found.challenge) return found.challenge;
      if (joined) continue; // another caller's probe got no challenge: ours may
      const { response } = found;
      if (call.body === null || RETRY_STATUSES.has(response.status)) return response;
      await discard(response);
      throw fail("CHALLENGE_INVALID", `the vault answered ${response.status} without a challenge: the body was not sent`);
    }
  }

  #probe(call: Call): Promise<Discovery> {
    const run = async (): Promise<Discovery> => {
      const response = await this.#attempts(call, undefined);
      if (response.status !== 401) return { response };
      const header = response.headers.get("www-authenticate");
      await discard(response);
      if (!header) throw fail("CHALLENGE_INVALID", "401 without a readable WWW-Authenticate: expose it (CORS) or pass options.challenge");
      const challenge = challengeFromHeader(header);
      if (!challenge) throw fail("CHALLENGE_INVALID", "challenge without resource or scope");
      this.#learn(challenge, "discovered");
      return { challenge };
    };
    const pending = run();
    if (!this.#discovery) {
      this.#discovery = pending;
      const clear = () => {
        if (this.#discovery === pending) this.#discovery = undefined;
      };
      pending.then(clear, clear);
    }
    return pending;
  }

  /** Verifies a challenge as this client must, and caches it for every client of this isolate. */
  #learn(challenge: VaultChallenge, reason: "discovered" | "changed"): void {
    this.#checkScope(challenge.scope);
    if (challenge.tenantId !== undefined && !/^[\w.-]+$/.test(challenge.tenantId)) {
      throw fail("CHALLENGE_INVALID", "the challenge names a tenant that is not a tenant id or domain");
    }
    rememberChallenge(this.#cacheKey, challenge, this.#vaultHost);
    this.#emit("challenge", undefined, { url: this.vaultUrl, scope: challenge.scope, tenantId: challenge.tenantId, reason });
  }

  /** Step 3, fast: the last token this client used, while it is fresh and still the cached one. */
  #memoized(challenge: VaultChallenge): string | undefined {
    const memo = this.#memo;
    if (memo && memo.challenge === challenge && !memo.entry.dead && Date.now() < memo.entry.refreshAt) return memo.entry.token;
    const entry = cachedToken(this.#getToken, tokenRequest(challenge));
    return entry && this.#remember(challenge, entry);
  }

  /** Remembers the token this client uses now (with its header value) for the fast path. */
  #remember(challenge: VaultChallenge, entry: CachedToken): string {
    this.#memo = { challenge, entry, bearer: "Bearer " + entry.token };
    return entry.token;
  }

  /** Step 3: one call to the provider, shared by this client's concurrent callers. */
  async #token(
    challenge: VaultChallenge,
    claims: string | undefined,
    reason: "new" | "claims" | "rechallenge",
    call: Call,
  ): Promise<string> {
    const request = tokenRequest(challenge, claims);
    const key = `${request.scopes[0]}\n${request.tenantId ?? ""}\n${claims ?? ""}\n${reason}`;
    let shared = this.#pendingTokens.get(key);
    if (!shared) {
      // Shared by this client's concurrent callers, so it carries none of their signals: one caller
      // giving up must not fail the others. Each caller stops waiting on its own signal instead.
      const started = Date.now();
      shared = requestToken(this.#getToken, request);
      const settle = (ok: boolean) => () => {
        this.#pendingTokens.delete(key);
        this.#emit("token", undefined, {
          scope: challenge.scope,
          tenantId: challenge.tenantId,
          reason,
          durationMs: Date.now() - started,
          ok,
        });
      };
      shared.then(settle(true), settle(false));
      this.#pendingTokens.set(key, shared);
    }
    const result = await (call.signal ? race(call, shared) : shared);
    return typeof result === "string" ? result : this.#remember(challenge, result);
  }

  /** Steps 4 and 5: send, and retry transient failures by the retry rules. No token: the probe. */
  async #attempts(call: Call, token: string | undefined, first?: FirstAttempt): Promise<Response> {
    const policy = this.#retry;
    for (let attempt = 0; ; attempt++) {
      let response: Response | undefined;
      let failure: unknown;
      if (attempt === 0 && first) {
        response = first.response;
        if (!response) failure = this.#failed(call, first.failure, 0);
      } else {
        try {
          // A custom fetch may ignore its signal: its answer is raced against the deadline (the
          // fast path needs no race: the deadline ends the call itself).
          const pending = this.#send(call, token, attempt);
          response = await (call.signal ? race(call, pending) : pending);
        } catch (e) {
          failure = this.#failed(call, e, attempt);
        }
      }
      if (response && !RETRY_STATUSES.has(response.status)) return response; // the common case, first
      // The probe carries no body and no token: the service refuses it unread, so it is always safe to repeat.
      const idempotent = !token || (call.idempotent ?? isIdempotent(call.method, call.url));
      const retryable = policy !== null && attempt < policy.retries && (idempotent || response?.status === 429);
      let wait = retryable ? backoffDelay(attempt, policy!) : 0;
      const asked = response && retryAfterMs(response.headers);
      if (asked !== undefined) wait = asked;
      if (!retryable || wait > policy!.maxDelayMs || Date.now() - call.started + wait > policy!.maxElapsedMs) {
        if (response) return response;
        const safe = redactError(failure, [token]);
        throw fail("NETWORK", `fetch failed: ${safe.message}`, safe);
      }
      this.#emit(
        "retry",
        call,
        response
          ? { attempt: attempt + 1, reason: "status", status: response.status, waitMs: wait }
          : { attempt: attempt + 1, reason: "network", waitMs: wait },
      );
      if (response) await discard(response);
      if (call.signal?.aborted) throw call.signal.reason;
      await pause(call, wait);
    }
  }

  /** A request that failed: the call's end if it was aborted (deadline or caller), else a failure to retry. */
  #failed(call: Call, e: unknown, attempt: number): unknown {
    if (call.signal?.aborted) throw call.signal.reason;
    if (this.#onEvent) this.#responded(call, attempt, call.started, undefined, errorName(e));
    return e;
  }

  /** The `response` event: an answer (its status and request id), or a failure (status 0, `error`). */
  #responded(call: Call, attempt: number, since: number, response?: Response, error?: string): void {
    this.#emit("response", call, {
      attempt,
      status: response ? response.status : 0,
      requestId: response?.headers.get("x-ms-request-id") ?? undefined,
      clientRequestId: call.headers[REQUEST_ID],
      durationMs: Date.now() - since,
      ...(error && { error }),
    });
  }

  /** Step 4: one request. A body goes out only with a token, and nothing after the call has ended. */
  #send(call: Call, token: string | undefined, attempt: number): Promise<Response> {
    if (call.signal?.aborted) throw call.signal.reason;
    // The call's own record: attempts run one after another, and fetch copies it when it starts.
    const init: RequestInit = { method: call.method, headers: call.headers, redirect: "manual" };
    if (token) {
      const memo = this.#memo;
      call.headers.authorization = memo?.entry.token === token ? memo.bearer : "Bearer " + token;
      if (call.body !== null) init.body = call.body as string | Uint8Array<ArrayBuffer>;
    } else if (call.headers.authorization !== undefined) {
      delete call.headers.authorization; // a probe carries no token (and, above, no body)
    }
    if (call.signal) init.signal = call.signal;
    const pending = this.#fetch(call.url, init);
    if (!this.#onEvent) return pending; // the hot path builds no event
    const sent = Date.now();
    this.#emit("request", call, { attempt, probe: !token, clientRequestId: call.headers[REQUEST_ID] });
    return pending.then((response) => {
      this.#responded(call, attempt, sent, response);
      return response;
    });
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

/**
 * Adds any HeadersInit to a lower-cased record (the form fetch is given: no Headers object per call
 * for the common plain record; Headers and pairs go through Headers, which also checks them).
 */
function headerRecord(init: HeadersInit | undefined, out: Record<string, string> = {}): Record<string, string> {
  if (init)
    for (const [k, v] of init instanceof Headers || Array.isArray(init) ? new Headers(init) : Object.entries(init))
      out[k.toLowerCase()] = String(v);
  return out;
}

/**
 * A signal that aborts with the first of the caller's and the deadline's. Not AbortSignal.any: its
 * signal is held only weakly, and once the call returns nothing else holds it, so a collected signal
 * would leave a response body the caller can no longer cancel. Here both sources hold it, and the
 * caller's signal lets go of it when the deadline passes (a long-lived caller signal collects nothing).
 * The deadline tells its followers directly: a listener per call on its shared signal would pass
 * Node's limit of 10 and print a leak warning under concurrency.
 */
function followBoth(caller: AbortSignal, deadline: Deadline): AbortSignal {
  const both = new AbortController();
  const onCaller = () => both.abort(caller.reason);
  caller.addEventListener("abort", onCaller, { once: true });
  deadline.followers.add(() => {
    caller.removeEventListener("abort", onCaller);
    both.abort(deadline.signal.reason);
  });
  return both.signal;
}

// An async function, so the promise is always this realm's: `call.body instanceof Promise` tells a
// body still being read. The Edge Runtime's Request belongs to another realm, and so would a promise
// chained onto its arrayBuffer().
const bytesOf = async (r: Request): Promise<Uint8Array<ArrayBuffer>> => new Uint8Array(await r.arrayBuffer());

/** Lets a response we do not return go (a body already read or closed: nothing to do). */
function discard(response: Response): Promise<void> | undefined {
  return response.body?.cancel().catch(() => {});
}
