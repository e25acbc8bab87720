// Property-based hostile servers: a fetch double answers every request with generated behaviour
// (challenges built from hostile resources and authorities, CAE loops, redirects, any status, retry
// headers, nextLinks to anywhere, bodies that echo the token, slow bodies, network errors, hangs).
// Whatever it does, on every request and every token call:
//   - no request leaves for another origin, and no Authorization goes over plain http (loopback aside, by opt-in);
//   - redirects are never followed (redirect: "manual" on every request);
//   - a body never goes out without a token, and every token sent is one the provider gave;
//   - getToken is asked for exactly one scope, one URL without spaces, that verifies for the vault;
//   - the call (body read included) ends by the deadline; every failure is ours or the caller's reason.
import fc from "fast-check";
import type { Lib, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { classify, dribble, freshHost, isForeign, keep, observe, opaqueToken, testJwt, watchdog, type Seen } from "./reliability-kit.js";

/** Seeds and sizes: fixed, so every run tries the same cases. */
export const HOSTILE_SEED = 0x9e3779b9;
export const HOSTILE_RUNS = 110;
export const HELPER_RUNS = 60;
/** The per-call timeout of these cases, and what we allow past it on a busy machine (timers run late there). */
const TIMEOUT = 90;
const SLACK = 2500;

type BodySpec =
  | { t: "empty" }
  | { t: "json"; value: unknown }
  | { t: "html" }
  | { t: "malformed" }
  | { t: "echo" }
  | { t: "error-echo" }
  | { t: "list"; nextLink: unknown };

type Answer =
  | { kind: "challenge"; header: string; echoHeader: boolean }
  | { kind: "status"; status: number; headers: [string, string][]; body: BodySpec }
  | { kind: "slow"; status: number; honour: boolean; error: boolean }
  | { kind: "network"; echo: boolean }
  | { kind: "hang"; honour: boolean };

type Setup = "plain" | "port" | "loopback" | "proxy";
type Op = "fetch-get" | "fetch-post" | "fetch-abs" | "request-post" | "request-put-create" | "getKey" | "sign" | "create" | "list";

interface World {
  setup: Setup;
  verify: boolean;
  op: Op;
  abortAfter: number | null;
  retries: number;
  opaque: boolean;
  absolute: string;
  answers: Answer[];
}

/** Strings a hostile vault may put where a resource, scope or authority belongs. `H` is the vault's host. */
const RESOURCES = [
  "https://vault.azure.net",
  "https://vault.azure.net/",
  "https://vault.azure.net/.default",
  "https://VAULT.Azure.NET",
  "https://H",
  "https://H:443",
  "https://H.",
  "https://azure.net",
  "https://net",
  "https://managedhsm.azure.net",
  "https://management.azure.com",
  "https://vault.azure.net/ https://management.azure.com",
  "https://vault.azure.net https://management.azure.com",
  "https://vault.azure.net/.default https://management.azure.com/.default",
  "https:///vault.azure.net",
  "https://",
  "http://vault.azure.net",
  "https://vault.azure.net@evil.example",
  "https://evil.example\\@vault.azure.net",
  "https://evil.example#@vault.azure.net",
  "https://vault.azure.net.evil.example",
  "https://%76ault.azure.net",
  "https://vault.azure.net%2F.evil.example",
  "https://vault.azure.net\t",
  "https://vault.azure.net\\n",
  "javascript:alert(1)",
  "https://[::1]",
  "http://127.0.0.1",
  "https://127.0.0.1",
  "https://vault.azure.net:99999",
  "https://vault.azure.net:0",
  "https://xn--vult-loa.azure.net",
  "HTTPS://vault.azure.net",
  "https://vault.azure.net/..%2f..%2fmanagement.azure.com",
  "https://vault.azure.net?x=https://management.azure.com",
  "",
];
const AUTHORITIES = [
  "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
  "https://login.microsoftonline.com/common",
  "https://evil.example/evil-tenant",
  "http://login.microsoftonline.com/t",
  "https://login.microsoftonline.com/../..",
  "https://login.microsoftonline.com/t%0d%0aX-Evil:1",
  "https://login.microsoftonline.com/dstsv2/abc",
  "not a url",
  "https://login.microsoftonline.com/a b",
  "https://login.microsoftonline.com/<script>",
  "https://login.microsoftonline.com/",
];
const CLAIMS = [
  "eyJhY2Nlc3NfdG9rZW4iOnsibmJmIjp7ImVzc2VudGlhbCI6dHJ1ZSwidmFsdWUiOiIxNzI2MDc3NTk1In19fQ==", // {"access_token":{"nbf":...}}
  "e30",
  "bm90IGpzb24=",
  "!!!",
  "",
  "eyJ9",
];
const LINKS = [
  "https://evil.example/keys?page=2",
  "http://V/keys?page=2",
  "V/keys?page=2",
  "https://H.evil.example/keys",
  "https://user:pass@H/keys",
  "//evil.example/keys",
  "/keys?$skiptoken=2",
  "https://H:444/keys",
  "HTTPS://H/keys?page=3",
  "https://H\\@evil.example/",
  "javascript:1",
  "https://H/keys?api-version=1&next=https://evil.example",
  null,
  "",
  42,
  "https://evil.example/",
];
const STATUSES = [200, 201, 204, 301, 302, 303, 307, 308, 400, 401, 403, 404, 409, 412, 429, 500, 501, 502, 503, 504, 599];
const RETRY_HEADERS: [string, string][] = [
  ["retry-after", "0"],
  ["retry-after", "1"],
  ["retry-after", "-1"],
  ["retry-after", "abc"],
  ["retry-after", "99999999999999999999"],
  ["retry-after", "Wed, 21 Oct 2015 07:28:00 GMT"],
  ["retry-after", "Fri, 31 Dec 9999 23:59:59 GMT"],
  ["x-ms-retry-after-ms", "3"],
  ["x-ms-retry-after-ms", "1e3"],
  ["retry-after-ms", "0.5"],
  ["x-ms-retry-after-ms", "NaN"],
  ["x-ms-retry-after-ms", "-5"],
  ["content-type", "text/html"],
  ["www-authenticate", 'Bearer resource="https://management.azure.com"'],
  ["x-ms-request-id", "ECHO"],
];

const header = fc
  .record({
    scheme: fc.constantFrom("Bearer", "bearer", "BEARER", "Basic", "PoP", "Negotiate"),
    authority: fc.oneof(fc.constantFrom(...AUTHORITIES), fc.webUrl()),
    authKey: fc.constantFrom("authorization", "authorization_uri", "Authorization"),
    resource: fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...RESOURCES) }, { weight: 1, arbitrary: fc.string({ maxLength: 40 }) }),
    resKey: fc.constantFrom("resource", "scope", "Resource", "resource"),
    quoted: fc.boolean(),
    cae: fc.option(fc.constantFrom(...CLAIMS), { nil: undefined }),
    twice: fc.boolean(),
    garbage: fc.option(fc.string({ maxLength: 60 }), { freq: 8, nil: undefined }),
  })
  .map((h) => {
    if (h.garbage !== undefined) return h.garbage;
    const q = (v: string) => (h.quoted ? `"${v.replace(/["\\]/g, "\\$&")}"` : v);
    let s = `${h.scheme} ${h.authKey}=${q(h.authority)}, ${h.resKey}=${q(h.resource)}`;
    if (h.cae !== undefined) s += `, error="insufficient_claims", claims="${h.cae}"`;
    if (h.twice) s += `, Bearer authorization="https://evil.example/t", resource="https://management.azure.com"`;
    return s;
  });

/** A challenge a real vault could send (the resource still drawn from the hostile list, but mostly the right one). */
const goodChallenge: fc.Arbitrary<Answer> = fc
  .record({
    resource: fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom("https://vault.azure.net", "https://H") },
      { weight: 3, arbitrary: fc.constantFrom(...RESOURCES) },
    ),
    tenant: fc.constantFrom("72f988bf-86f1-41af-91ab-2d7cd011db47", "common", "evil.example", "../x", "t%0d%0a"),
    echoHeader: fc.boolean(),
  })
  .map(({ resource, tenant, echoHeader }) => ({
    kind: "challenge" as const,
    echoHeader,
    header: `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="${resource.replace(/["\\]/g, "\\$&")}"`,
  }));

const body: fc.Arbitrary<BodySpec> = fc.oneof(
  fc.constant({ t: "empty" as const }),
  fc.jsonValue({ maxDepth: 2 }).map((value) => ({ t: "json" as const, value })),
  fc.constant({ t: "html" as const }),
  fc.constant({ t: "malformed" as const }),
  fc.constant({ t: "echo" as const }),
  fc.constant({ t: "error-echo" as const }),
  fc.constantFrom(...LINKS).map((nextLink) => ({ t: "list" as const, nextLink })),
);

const answer: fc.Arbitrary<Answer> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("challenge" as const), header, echoHeader: fc.boolean() }) },
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant("status" as const),
      status: fc.constantFrom(...STATUSES),
      headers: fc.array(fc.constantFrom(...RETRY_HEADERS), { maxLength: 2 }),
      body,
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: fc.constant("slow" as const),
      status: fc.constantFrom(200, 500, 503),
      honour: fc.boolean(),
      error: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("network" as const), echo: fc.boolean() }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("hang" as const), honour: fc.boolean() }) },
);

/** A generated world: how the client is set up, what the caller does, and how the server answers each request. */
export const world = (ops: Op[]): fc.Arbitrary<World> =>
  fc.record({
    setup: fc.constantFrom<Setup>("plain", "plain", "port", "loopback", "proxy"),
    verify: fc.boolean(),
    op: fc.constantFrom<Op>(...ops),
    abortAfter: fc.option(fc.integer({ min: 0, max: 60 }), { freq: 4, nil: null }),
    retries: fc.integer({ min: 0, max: 3 }),
    opaque: fc.boolean(),
    absolute: fc.constantFrom(...LINKS.filter((l): l is string => typeof l === "string" && l !== "")),
    // Most servers open with a well-formed challenge (else most cases end at discovery), then anything.
    answers: fc
      .tuple(fc.option(goodChallenge, { freq: 3, nil: undefined }), fc.array(answer, { minLength: 1, maxLength: 7 }))
      .map(([first, rest]) => (first ? [first, ...rest] : rest)),
  });

let port = 20_000;

/** What one case saw: every request, every token call, how the call ended. */
export interface CaseResult {
  seen: Seen[];
  tokenCalls: { scopes: string[]; tenantId?: string | undefined; claims?: string | undefined }[];
  issued: string[];
  outcome: string;
  ms: number;
  hung: boolean;
  violations: string[];
  error?: unknown;
}

/** Runs one generated world against the client; returns what happened and every broken invariant. */
export async function runWorld(lib: Lib, w: World, opts: { timeout?: number; slack?: number } = {}): Promise<CaseResult> {
  const { KeyVaultClient, request } = lib.core;
  const timeout = opts.timeout ?? TIMEOUT;
  const host = freshHost("h");
  const loopback = w.setup === "loopback";
  const vaultUrl =
    w.setup === "port"
      ? `https://${host}:8443`
      : loopback
        ? `http://127.0.0.1:${++port}`
        : w.setup === "proxy"
          ? `https://proxy-${host}`
          : `https://${host}`;
  const vaultOrigin = w.setup === "proxy" ? `https://${host}` : undefined;
  const vaultHost = new URL(vaultOrigin ?? vaultUrl).hostname;
  const origin = new URL(vaultUrl).origin;
  const fill = (s: string) => s.replace(/\bH\b/g, new URL(vaultOrigin ?? vaultUrl).host).replace(/\bV\b/g, new URL(vaultUrl).host);
  const seen: Seen[] = [];
  const tokenCalls: CaseResult["tokenCalls"] = [];
  const issued: string[] = [];
  const violations: string[] = [];
  // Bodies deaf to every signal: client.fetch hands such a Response back as it was made (the README's
  // contract), so its body is the caller's to stop; request() and the helpers must still end in time.
  const deaf = new Set<Response>();
  let n = 0;

  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const r = await observe(input, init);
    seen.push(r);
    const a = w.answers[Math.min(n++, w.answers.length - 1)]!;
    const echo = r.authorization ?? "Bearer none";
    switch (a.kind) {
      case "challenge": {
        const h = new Headers({ "www-authenticate": fill(a.header).replace(/[\r\n\0]/g, " ") });
        if (a.echoHeader) h.set("x-echo", echo);
        return new Response(JSON.stringify({ error: { code: "Unauthorized", message: `AKV10000: you sent ${echo}` } }), {
          status: 401,
          headers: h,
        });
      }
      case "status": {
        const h = new Headers();
        for (const [k, v] of a.headers) h.set(k, v === "ECHO" ? echo : fill(v));
        if (a.status >= 300 && a.status < 400) h.set("location", fill(String(LINKS[n % LINKS.length] ?? "https://evil.example/")));
        const nobody = a.status === 204 || a.status === 304;
        let text: string;
        const b = a.body;
        if (b.t === "empty") text = "";
        else if (b.t === "json") text = JSON.stringify(b.value) ?? "";
        else if (b.t === "html") text = "<!DOCTYPE html><html><body><h1>502 Bad Gateway</h1></body></html>";
        else if (b.t === "malformed") text = '{"key":{"kid":';
        else if (b.t === "echo") text = JSON.stringify({ value: [], echo, nextLink: null });
        else if (b.t === "error-echo")
          text = JSON.stringify({ error: { code: echo, message: `refused ${echo}`, innererror: { token: echo } } });
        else
          text = JSON.stringify({
            value: [{ kid: `${new URL(vaultOrigin ?? vaultUrl).origin}/keys/k1`, attributes: { enabled: true } }],
            nextLink: typeof b.nextLink === "string" ? fill(b.nextLink) : b.nextLink,
          });
        return new Response(nobody ? null : text, { status: a.status, headers: h });
      }
      case "slow": {
        const res = new Response(
          dribble(a.error ? '{"error":{"code":"Slow","message":"' : '{"value":[],"x":"', {
            everyMs: 15,
            chunks: 200,
            signal: a.honour ? r.signal : null,
          }),
          { status: a.status },
        );
        if (!a.honour) deaf.add(res);
        return res;
      }
      case "network":
        throw new TypeError(a.echo ? `fetch failed: socket hang up after sending authorization: ${echo}` : "fetch failed: ECONNRESET");
      case "hang":
        return new Promise<Response>((_, reject) => {
          if (a.honour) r.signal?.addEventListener("abort", () => reject(r.signal!.reason), { once: true });
        });
    }
  };

  let serial = 0;
  const getToken = async (req: { scopes: string[]; tenantId?: string; claims?: string }) => {
    tokenCalls.push({ scopes: [...req.scopes], tenantId: req.tenantId, claims: req.claims });
    const token = w.opaque ? opaqueToken(`w${++serial}`) : testJwt(`w${++serial}`);
    issued.push(token);
    return { token, expiresOnTimestamp: Date.now() + 3600_000 };
  };

  const client = new KeyVaultClient(vaultUrl, {
    getToken,
    fetch,
    timeout,
    verifyChallengeResource: w.verify,
    allowInsecureLoopback: loopback,
    retry: { retries: w.retries, minDelayMs: 1, maxDelayMs: 20 },
    ...(vaultOrigin ? { vaultOrigin } : {}),
  });
  const controller = new AbortController();
  const reason = new Error(`caller gave up after ${w.abortAfter} ms`);
  let abortTimer: ReturnType<typeof setTimeout> | undefined;
  if (w.abortAfter !== null) abortTimer = setTimeout(() => controller.abort(reason), w.abortAfter);
  const signal = w.abortAfter !== null ? controller.signal : undefined;
  const init = (more: RequestInit = {}): RequestInit => (signal ? { ...more, signal } : more);
  const digest = new Uint8Array(32).fill(7);

  const read = async (res: Response) => {
    if (!deaf.has(res)) return res.text();
    await res.body?.cancel();
    return "deaf body";
  };
  const run = async (): Promise<unknown> => {
    switch (w.op) {
      case "fetch-get":
        return read(await client.fetch("/keys/k", init()));
      case "fetch-post":
        return read(
          await client.fetch(
            "/keys/k/sign",
            init({ method: "POST", body: '{"alg":"ES256","value":"AAAA"}', headers: { "content-type": "application/json" } }),
          ),
        );
      case "fetch-abs":
        return read(await client.fetch(fill(w.absolute), init()));
      case "request-post":
        return request(client, "POST", "/keys/k/encrypt", { alg: "RSA-OAEP", value: "AAAA" }, signal ? { signal } : {});
      case "request-put-create":
        return request(client, "PUT", "/secrets/s", { value: "s3cret" }, signal ? { signal } : {});
      case "getKey":
        return lib.keys.getKey(client, "k", undefined, signal ? { signal } : {});
      case "sign":
        return lib.keys.sign(client, "k", "ES256", digest, signal ? { signal } : {});
      case "create":
        return lib.keys.createKey(client, "k", "EC", signal ? { signal } : {});
      case "list": {
        let pages = 0;
        for await (const _ of lib.keys.listKeys(client, signal ? { signal } : {}).byPage()) if (++pages >= 4) break;
        return pages;
      }
    }
  };
  const started = Date.now(); // before the call starts: its deadline starts with it
  const r = await watchdog(run(), timeout + (opts.slack ?? SLACK), started);
  clearTimeout(abortTimer);
  let outcome = r.hung ? "hung" : r.error === undefined ? "ok" : classify(lib, r.error, reason);
  if (r.error !== undefined && r.error !== reason) keep(`hostile ${w.op}`, r.error, issued);
  // client.fetch hands back the Response; Chromium reports any error of a body stream it reads as
  // its own "Failed to fetch" TypeError, whatever the stream's reason was.
  if (
    isForeign(outcome) &&
    lib.runtime === "chromium" &&
    w.op.startsWith("fetch") &&
    /Failed to fetch|network error/i.test(String((r.error as Error)?.message))
  )
    outcome = "body-read-error";

  if (r.hung) violations.push(`the call did not end within the deadline (${timeout} ms) + ${opts.slack ?? SLACK} ms`);
  if (isForeign(outcome)) violations.push(`a failure that is not ours: ${outcome}`);
  violations.push(...judge(lib, { origin, loopback, verify: w.verify, vaultHost }, seen, tokenCalls, issued));
  return { seen, tokenCalls, issued, outcome, ms: r.ms, hung: r.hung, violations, error: r.error };
}

/** Every broken invariant in what a double saw: requests (origin, scheme, redirect mode, token, body) and token calls (scope, tenant). */
export function judge(
  lib: Lib,
  ctx: { origin: string; loopback: boolean; verify: boolean; vaultHost: string },
  seen: Seen[],
  tokenCalls: CaseResult["tokenCalls"],
  issued: string[],
): string[] {
  const violations: string[] = [];
  const { origin, loopback, vaultHost } = ctx;
  const { verifyChallengeResource } = lib.core;
  for (const s of seen) {
    const u = new URL(s.url);
    if (u.origin !== origin) violations.push(`a request went to ${u.origin} (the vault is ${origin}): ${s.method} ${s.url}`);
    if (s.redirect !== "manual" && s.redirect !== "error") violations.push(`redirect: ${String(s.redirect)} on ${s.method} ${s.url}`);
    if (s.authorization) {
      if (u.protocol !== "https:" && !(loopback && u.protocol === "http:"))
        violations.push(`Authorization over ${u.protocol} to ${u.origin}`);
      const token = s.authorization.replace(/^Bearer /, "");
      if (!s.authorization.startsWith("Bearer ") || !issued.includes(token))
        violations.push(`an Authorization the provider never issued: ${s.authorization.slice(0, 40)}`);
    } else if (s.bodyLength > 0) {
      violations.push(`a body of ${s.bodyLength} bytes went out without a token: ${s.method} ${s.url}`);
    }
  }
  for (const c of tokenCalls) {
    if (c.scopes.length !== 1) {
      violations.push(`getToken asked for ${c.scopes.length} scopes: ${JSON.stringify(c.scopes)}`);
      continue;
    }
    const scope = c.scopes[0]!;
    if (/[\s\0-\x1f]/.test(scope))
      violations.push(`getToken asked for a scope with spaces or control characters: ${JSON.stringify(scope)}`);
    // A client that does not verify forwards what the vault named (one string, no spaces); one that verifies, only a URL that passes.
    if (ctx.verify) {
      try {
        new URL(scope);
      } catch {
        violations.push(`getToken asked for a scope that is not a URL: ${JSON.stringify(scope)}`);
      }
      try {
        verifyChallengeResource(scope, `https://${vaultHost}`, { allowInsecureLoopback: loopback });
      } catch (e) {
        violations.push(`getToken asked for ${JSON.stringify(scope)}, which does not verify for ${vaultHost}: ${(e as Error).message}`);
      }
    }
    if (c.tenantId !== undefined && !/^[\w.-]+$/.test(c.tenantId))
      violations.push(`getToken asked for tenant ${JSON.stringify(c.tenantId)}`);
  }
  return violations;
}

/** The core's invariants hold for client.fetch and request(); the helpers' own answer handling is judged apart. */
const CORE_OPS: Op[] = ["fetch-get", "fetch-post", "fetch-abs", "request-post", "request-put-create"];
const HELPER_OPS: Op[] = ["getKey", "sign", "create", "list"];

/** Tallies of the property runs, for RELIABILITY.md (filled by the tests, read by the report). */
export const hostileTally = { cases: 0, requests: 0, tokenCalls: 0, authorized: 0, refusedScopes: 0, outcomes: new Map<string, number>() };

function tally(r: CaseResult): void {
  hostileTally.cases++;
  hostileTally.requests += r.seen.length;
  hostileTally.tokenCalls += r.tokenCalls.length;
  hostileTally.authorized += r.seen.filter((s) => s.authorization).length;
  hostileTally.outcomes.set(r.outcome, (hostileTally.outcomes.get(r.outcome) ?? 0) + 1);
}

/** Runs the property over `ops`; throws fast-check's report (seed, path, counterexample) on failure. */
export async function checkHostile(lib: Lib, ops: Op[], numRuns: number, seed: number): Promise<void> {
  await fc.assert(
    fc.asyncProperty(world(ops), async (w) => {
      const r = await runWorld(lib, w);
      tally(r);
      if (r.violations.length)
        throw new Error(`${r.violations.join("\n")}\n(outcome ${r.outcome} after ${r.ms} ms; ${r.seen.length} requests)`);
    }),
    { numRuns, seed, endOnFailure: true, includeErrorInReport: true, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
  );
}

const suite: SuiteFile = (t, lib) => {
  t.group("reliability: hostile servers (property-based)", () => {
    t.test(
      `client.fetch and request(): ${HOSTILE_RUNS} generated servers; no token leaves the vault's origin or https, scope verified, bounded time, our errors`,
      async () => {
        await checkHostile(lib, CORE_OPS, HOSTILE_RUNS, HOSTILE_SEED);
      },
      { timeoutMs: 120_000 },
    );

    t.test(
      `helpers (getKey, sign, createKey, listKeys): ${HELPER_RUNS} generated servers; the same invariants, and a hostile 200 is still our error`,
      async () => {
        await checkHostile(lib, HELPER_OPS, HELPER_RUNS, HOSTILE_SEED + 1);
      },
      { timeoutMs: 120_000 },
    );

    t.test(
      "the judge flags what it must: another origin, plain http, a followed redirect, a body without a token, a foreign token, two scopes, an unverified scope",
      () => {
        // Guards the guard: a judge that flagged nothing would make the properties above pass vacuously.
        const ctx = { origin: "https://v.vault.azure.net", loopback: false, verify: true, vaultHost: "v.vault.azure.net" };
        const ok: Seen = {
          url: "https://v.vault.azure.net/keys/k",
          method: "GET",
          authorization: "Bearer t1",
          bodyLength: 0,
          redirect: "manual",
          at: 0,
        };
        assert.deepEqual(
          judge(lib, ctx, [ok, { ...ok, authorization: null }], [{ scopes: ["https://vault.azure.net/.default"], tenantId: "t" }], ["t1"]),
          [],
        );
        const bad: [string, Seen[], CaseResult["tokenCalls"]][] = [
          ["another origin", [{ ...ok, url: "https://evil.example/keys" }], []],
          ["plain http", [{ ...ok, url: "http://v.vault.azure.net/keys" }], []],
          ["a followed redirect", [{ ...ok, redirect: "follow" }], []],
          ["a body without a token", [{ ...ok, authorization: null, bodyLength: 3 }], []],
          ["a token never issued", [{ ...ok, authorization: "Bearer stolen" }], []],
          ["two scopes", [], [{ scopes: ["https://vault.azure.net/.default", "https://management.azure.com/.default"] }]],
          ["a scope with a space", [], [{ scopes: ["https://vault.azure.net/ https://management.azure.com/.default"] }]],
          ["an unverified scope", [], [{ scopes: ["https://management.azure.com/.default"] }]],
          ["a bad tenant", [], [{ scopes: ["https://vault.azure.net/.default"], tenantId: "../x" }]],
        ];
        for (const [what, seen, calls] of bad) assert.ok(judge(lib, ctx, seen, calls, ["t1"]).length >= 1, `not flagged: ${what}`);
      },
    );
  });
};

export default suite;
