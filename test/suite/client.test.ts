import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { TENANT, countingProvider, mockVault, uniqueHost } from "./mock.js";

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, request, KeyVaultError, fromTokenCredential, getCachedChallenge } = lib.core;
  const noRetry = { retries: 0 } as const;

  t.group("client: challenge flow", () => {
    t.test("first request goes without body and token, then with both; api-version added", async () => {
      const vault = mockVault();
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      const res = await client.fetch("/keys/k1/create", {
        method: "POST",
        body: JSON.stringify({ kty: "EC" }),
        headers: { "content-type": "application/json" },
      });
      assert.equal(res.status, 200);
      assert.equal(vault.requests.length, 2);
      const [probe, real] = vault.requests;
      assert.equal(probe!.authorization, null);
      assert.equal(probe!.body, "", "the probe carries no body");
      assert.equal(probe!.path, "/keys/k1/create?api-version=2025-07-01");
      assert.equal(real!.authorization, "Bearer token-1");
      assert.equal(real!.body, '{"kty":"EC"}', "the body is sent once the challenge is known, intact");
      assert.deepEqual(calls, [{ scopes: ["https://vault.azure.net/.default"], tenantId: TENANT, claims: undefined }]);
    });

    t.test("a ReadableStream body is buffered and sent intact after the challenge", async () => {
      const vault = mockVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const body = new Blob(["hello ", "stream"]).stream();
      await client.fetch("/keys/k/encrypt", { method: "POST", body, duplex: "half" } as RequestInit);
      assert.equal(vault.requests[1]!.body, "hello stream");
    });

    t.test("a byte body is copied once: changing the caller's array later changes nothing sent", async () => {
      const vault = mockVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: false });
      const bytes = new TextEncoder().encode("abc");
      const pending = client.fetch("/keys/k/encrypt", { method: "POST", body: bytes });
      bytes[0] = 120; // "x"
      await pending;
      assert.equal(vault.requests[1]!.body, "abc");
      await assert.rejects(() => client.fetch("/keys/k", { method: "GET", body: "x" }), { code: "ERR_INVALID_INPUT" });
    });

    t.test("accepts a Request object and keeps a given api-version", async () => {
      const vault = mockVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, apiVersion: "7.6" });
      await client.fetch(new Request(`${vault.vaultUrl}/keys?maxresults=2`));
      await client.fetch(`${vault.vaultUrl}/keys?api-version=7.5`);
      assert.equal(vault.requests[1]!.path, "/keys?maxresults=2&api-version=7.6");
      assert.equal(vault.requests[2]!.path, "/keys?api-version=7.5");
    });

    t.test("the challenge is learned once per isolate: a new client per request pays no extra round trip", async () => {
      const vault = mockVault();
      const { getToken, calls } = countingProvider();
      for (let i = 0; i < 10; i++) {
        const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
        assert.equal((await client.fetch("/keys/k")).status, 200);
      }
      assert.equal(vault.requests.filter((r) => !r.authorization).length, 1, "one 401 round trip");
      assert.equal(vault.requests.length, 11);
      assert.equal(calls.length, 1, "one token for its lifetime");
      assert.equal(getCachedChallenge(vault.vaultUrl)!.scope, "https://vault.azure.net/.default");
    });

    t.test("100 concurrent first calls cost exactly one 401 round trip and one token", async () => {
      const vault = mockVault();
      const { getToken, calls } = countingProvider({ delayMs: 5 });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      const results = await Promise.all(
        Array.from({ length: 100 }, (_, i) => client.fetch(`/keys/k${i}`, { method: "POST", body: `{"n":${i}}` })),
      );
      assert.ok(results.every((r) => r.status === 200));
      assert.equal(vault.requests.length, 101);
      assert.equal(vault.requests.filter((r) => r.authorization === null).length, 1);
      assert.equal(calls.length, 1);
      const bodies = vault.requests
        .filter((r) => r.authorization)
        .map((r) => r.body)
        .sort();
      assert.equal(new Set(bodies).size, 100, "each caller's body sent exactly once");
    });

    t.test("a caller that aborts during discovery does not fail the callers that joined it", async () => {
      const vault = mockVault();
      const slow = async (i: any, init?: RequestInit) => {
        await new Promise((r) => setTimeout(r, 30));
        if (init?.signal?.aborted) throw init.signal.reason;
        return vault.fetch(i, init);
      };
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: slow });
      const controller = new AbortController();
      const first = client.fetch("/keys/a", { signal: controller.signal });
      const second = client.fetch("/keys/b");
      await new Promise((r) => setTimeout(r, 10)); // both are inside the first caller's discovery now
      controller.abort(new Error("first gave up"));
      await assert.rejects(() => first, { message: /first gave up/ });
      assert.equal((await second).status, 200);
    });

    t.test("a caller that aborts while the token is fetched does not fail the others; one provider call", async () => {
      const vault = mockVault();
      const controller = new AbortController();
      const slowProvider = countingProvider({ delayMs: 40 });
      const c2 = new KeyVaultClient(vault.vaultUrl, { getToken: slowProvider.getToken, fetch: vault.fetch });
      const first = c2.fetch("/keys/a", { signal: controller.signal });
      const second = c2.fetch("/keys/b");
      await new Promise((r) => setTimeout(r, 10));
      controller.abort(new Error("first gave up"));
      const started = Date.now();
      await assert.rejects(() => first, { message: /first gave up/ });
      assert.ok(Date.now() - started < 25, "the aborted caller stops waiting at once");
      assert.equal((await second).status, 200);
      assert.equal(slowProvider.calls.length, 1);
    });

    t.test("the cache is pinned to its origin: another vault is challenged afresh", async () => {
      const a = mockVault(),
        b = mockVault({ tenant: "tenant-b" });
      const { getToken, calls } = countingProvider();
      await new KeyVaultClient(a.vaultUrl, { getToken, fetch: a.fetch }).fetch("/keys/x");
      await new KeyVaultClient(b.vaultUrl, { getToken, fetch: b.fetch }).fetch("/keys/x");
      assert.equal(b.requests[0]!.authorization, null);
      assert.deepEqual(
        calls.map((c) => c.tenantId),
        [TENANT, "tenant-b"],
      );
    });

    t.test("a token about to expire is refreshed; a bare string token is asked for every time", async () => {
      const vault = mockVault();
      const short = countingProvider({ lifetimeMs: 60_000 }); // inside the 2-minute margin: refresh at half life
      const c1 = new KeyVaultClient(vault.vaultUrl, { getToken: short.getToken, fetch: vault.fetch });
      await c1.fetch("/keys/a");
      await c1.fetch("/keys/b");
      assert.equal(short.calls.length, 1, "still fresh");
      const expired = countingProvider({ lifetimeMs: 1 });
      const c2 = new KeyVaultClient(vault.vaultUrl, { getToken: expired.getToken, fetch: vault.fetch });
      await c2.fetch("/keys/a");
      await new Promise((r) => setTimeout(r, 5));
      await c2.fetch("/keys/b");
      assert.equal(expired.calls.length, 2, "expired token refreshed");
      const bare = countingProvider({ bare: true });
      const c3 = new KeyVaultClient(vault.vaultUrl, { getToken: bare.getToken, fetch: vault.fetch });
      await c3.fetch("/keys/a");
      await c3.fetch("/keys/b");
      assert.equal(bare.calls.length, 2);
    });

    t.test("a static challenge skips discovery (browsers)", async () => {
      const vault = mockVault();
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken,
        fetch: vault.fetch,
        challenge: { scope: "https://vault.azure.net/.default", tenantId: "t-static" },
      });
      await client.fetch("/keys/k");
      assert.equal(vault.requests.length, 1);
      assert.equal(calls[0]!.tenantId, "t-static");
    });

    t.test("a 401 without a readable WWW-Authenticate says how to fix it", async () => {
      const host = uniqueHost();
      const fetch = async () => new Response("", { status: 401 });
      const client = new KeyVaultClient(`https://${host}`, { getToken: () => "token-x", fetch });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_INVALID", message: /options\.challenge/ });
    });

    t.test("a server that does not challenge a GET gets its answer returned, and no token", async () => {
      const host = uniqueHost();
      const seen: (string | null)[] = [];
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        seen.push(new Request(i, init).headers.get("authorization"));
        return Response.json({ open: true });
      };
      const client = new KeyVaultClient(`https://${host}`, { getToken: () => "token-x", fetch });
      assert.deepEqual(await (await client.fetch("/keys/k")).json(), { open: true });
      assert.deepEqual(seen, [null]);
    });
  });

  t.group("client: CAE", () => {
    t.test("insufficient_claims gets one fresh token with the claims and one resend", async () => {
      let revoked = true;
      const vault = mockVault({ accept: (tok) => (revoked && !tok.endsWith("-claims") ? "cae" : true) });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      const res = await client.fetch("/keys/k/sign", { method: "POST", body: '{"alg":"ES256"}' });
      assert.equal(res.status, 200);
      assert.equal(calls.length, 2);
      assert.deepEqual(JSON.parse(calls[1]!.claims!), {
        access_token: { nbf: { essential: true, value: "1726077595" }, xms_caeerror: { value: "10012" } },
      });
      assert.equal(vault.requests.at(-1)!.body, '{"alg":"ES256"}');
      revoked = false;
      // the claims-bearing token replaced the cached one
      await client.fetch("/keys/k");
      assert.equal(vault.requests.at(-1)!.authorization, "Bearer token-2-claims");
    });

    t.test("a second consecutive CAE challenge goes back to the caller", async () => {
      const vault = mockVault({ accept: () => "cae" });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      const res = await client.fetch("/keys/k");
      assert.equal(res.status, 401);
      assert.equal(calls.length, 2);
      await assert.rejects(() => request(client, "GET", "/keys/k"), { name: "KeyVaultError", status: 401 });
    });

    t.test("a plain 401 on a cached challenge re-learns it once (tenant moved)", async () => {
      const host = uniqueHost();
      let tenant = "old-tenant";
      const vault = mockVault({ host, accept: (_t) => true });
      const a = countingProvider();
      await new KeyVaultClient(vault.vaultUrl, { getToken: a.getToken, fetch: vault.fetch }).fetch("/keys/k");
      tenant = "new-tenant";
      const moved = mockVault({ host, tenant, accept: (tok) => tok.includes("new") });
      const b = { calls: [] as (string | undefined)[] };
      const getToken = (r: { tenantId?: string }) => {
        b.calls.push(r.tenantId);
        return { token: `token-${r.tenantId}`, expiresOnTimestamp: Date.now() + 3600_000 };
      };
      const res = await new KeyVaultClient(moved.vaultUrl, { getToken, fetch: moved.fetch }).fetch("/keys/k");
      assert.equal(res.status, 200);
      assert.deepEqual(b.calls, [TENANT, "new-tenant"]);
    });
  });

  t.group("client: security", () => {
    t.test("refuses plain http, except loopback by opt-in", async () => {
      const getToken = () => "t";
      await assert.rejects(() => new KeyVaultClient("http://myvault.vault.azure.net", { getToken }), { code: "ERR_INSECURE_URL" });
      await assert.rejects(() => new KeyVaultClient("http://127.0.0.1:8443", { getToken }), {
        code: "ERR_INSECURE_URL",
        message: /allowInsecureLoopback/,
      });
      await assert.rejects(() => new KeyVaultClient("http://10.0.0.1", { getToken, allowInsecureLoopback: true }), {
        code: "ERR_INSECURE_URL",
      });
      for (const u of ["http://localhost:1", "http://127.0.0.2:1", "http://[::1]:1"])
        new KeyVaultClient(u, { getToken, allowInsecureLoopback: true });
      await assert.rejects(() => new KeyVaultClient("https://u:p@myvault.vault.azure.net", { getToken }), { code: "ERR_INVALID_INPUT" });
      await assert.rejects(() => new KeyVaultClient("not a url", { getToken }), { code: "ERR_INVALID_INPUT" });
      await assert.rejects(() => new KeyVaultClient("https://v.vault.azure.net", {} as any), { code: "ERR_INVALID_INPUT" });
    });

    t.test("never sends the token to another origin", async () => {
      const vault = mockVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      for (const u of [
        "https://evil.test/keys",
        `https://${vault.host}:8443/keys`,
        `http://${vault.host}/keys`,
        new URL("https://other.vault.azure.net/keys"),
        new Request("https://evil.test/x"),
      ]) {
        await assert.rejects(() => client.fetch(u as any), { code: "ERR_FOREIGN_ORIGIN" });
      }
      assert.equal(vault.requests.length, 0);
      // same origin spelled differently is fine
      await client.fetch(`https://${vault.host.toUpperCase()}:443/keys`);
      assert.equal(vault.requests.length, 2);
    });

    t.test("refuses a challenge naming another resource and sends no token", async () => {
      const vault = mockVault({ resource: "https://evil.test" });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_RESOURCE" });
      assert.equal(calls.length, 0);
      assert.equal(vault.requests.length, 1);
      const optOut = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch, verifyChallengeResource: false });
      assert.equal((await optOut.fetch("/keys/k")).status, 200, "verifyChallengeResource: false opts out");
    });

    t.test("redirects are not followed with the token", async () => {
      const vault = mockVault({ handler: () => new Response(null, { status: 302, headers: { location: "https://evil.test/steal" } }) });
      const inits: RequestInit[] = [];
      const fetch = (i: any, init?: RequestInit) => {
        inits.push(init!);
        return vault.fetch(i, init);
      };
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch });
      const res = await client.fetch("/keys/k");
      assert.equal(res.status, 302);
      assert.ok(inits.every((i) => i.redirect === "manual"));
    });

    t.test("a token never appears in an error, its JSON or its string", async () => {
      const secret = "token-SUPERSECRET";
      const vault = mockVault({ handler: () => Response.json({ error: { code: "Forbidden", message: "no" } }, { status: 403 }) });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: () => secret, fetch: vault.fetch, retry: false });
      const e = await assert.rejects(() => request(client, "GET", "/keys/k"), { name: "KeyVaultError", status: 403, code: "Forbidden" });
      const texts = [String(e), e.message, JSON.stringify(e), JSON.stringify(e.request), e.stack ?? ""];
      for (const s of texts) assert.ok(!s.includes("SUPERSECRET"), `leaked in ${s}`);
      const failing = new KeyVaultClient(vault.vaultUrl, {
        getToken: () => {
          throw new Error("authority said no");
        },
        fetch: vault.fetch,
      });
      await assert.rejects(() => failing.fetch("/keys/other"), { code: "ERR_TOKEN", message: /authority said no/ });
      const empty = new KeyVaultClient(vault.vaultUrl, { getToken: () => ({}) as any, fetch: vault.fetch });
      await assert.rejects(() => empty.fetch("/keys/other"), { code: "ERR_TOKEN" });
    });
  });

  t.group("client: errors", () => {
    t.test("a body reader that throws instead of rejecting ends the call with its error, not at the deadline", async () => {
      const client = new KeyVaultClient("https://reader.vault.azure.net", {
        getToken: () => "token-reader",
        fetch: async () => new Response("{}"),
        challenge: { scope: "https://vault.azure.net/.default" },
        timeout: 2000,
      });
      // The internal method request() and the helpers send through (its symbol is not exported).
      const [send] = Object.getOwnPropertySymbols(KeyVaultClient.prototype);
      const call = (client as unknown as Record<symbol, (...a: unknown[]) => Promise<unknown>>)[send!]!;
      const thrower = () => {
        throw new Error("the reader threw");
      };
      await assert.rejects(() => call.call(client, "/keys/k", { method: "GET" }, undefined, thrower), { message: /the reader threw/ });
    });

    t.test("KeyVaultError carries status, code, message, innerError, requestId and body", async () => {
      const body = {
        error: {
          code: "Forbidden",
          message: "Operation sign is not permitted on this key.",
          innererror: { code: "KeyOperationForbidden" },
        },
      };
      const vault = mockVault({ handler: () => Response.json(body, { status: 403, headers: { "x-ms-request-id": "req-1" } }) });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const e = await assert.rejects(() => request(client, "POST", "/keys/k/sign", { alg: "ES256", value: "AA" }));
      assert.ok(e instanceof KeyVaultError);
      assert.equal(e.name, "KeyVaultError");
      assert.equal(e.status, 403);
      assert.equal(e.code, "Forbidden");
      assert.deepEqual(e.innerError, { code: "KeyOperationForbidden" });
      assert.equal(e.requestId, "req-1");
      assert.deepEqual(e.body, body);
      assert.equal(e.request.method, "POST");
      assert.match(e.message, /403 Forbidden: Operation sign is not permitted/);
    });

    t.test("a non-JSON or empty error body still gives a clear error", async () => {
      let n = 0;
      const vault = mockVault({
        handler: () => (++n === 1 ? new Response("<html>bad gateway</html>", { status: 400 }) : new Response(null, { status: 404 })),
      });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: noRetry });
      await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "HTTP_400", message: /400 HTTP_400: <html>bad gateway/ });
      await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "HTTP_404", status: 404 });
    });

    t.test("request() sends JSON, adds query, returns undefined for 204 and refuses a non-JSON 200", async () => {
      let mode = 0;
      const vault = mockVault({
        handler: (r) =>
          mode === 0
            ? Response.json({ echo: JSON.parse(r.body || "null"), path: r.path, ct: r.headers.get("content-type") })
            : mode === 1
              ? new Response(null, { status: 204 })
              : new Response("nope", { status: 200 }),
      });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const out = await request<any>(client, "POST", "/keys/k/create", { kty: "RSA" }, { query: { maxresults: 3, skip: undefined } });
      assert.deepEqual(out, { echo: { kty: "RSA" }, path: "/keys/k/create?api-version=2025-07-01&maxresults=3", ct: "application/json" });
      mode = 1;
      assert.equal(await request(client, "DELETE", "/deletedkeys/k"), undefined);
      mode = 2;
      await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "ERR_INVALID_RESPONSE" });
    });

    t.test("fromTokenCredential adapts a TokenCredential", async () => {
      const seen: any[] = [];
      const credential = {
        async getToken(scopes: string | string[], options?: any) {
          seen.push([scopes, options]);
          return { token: "token-cred", expiresOnTimestamp: Date.now() + 3600_000 };
        },
      };
      const vault = mockVault();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: fromTokenCredential(credential), fetch: vault.fetch });
      assert.equal((await client.fetch("/keys/k")).status, 200);
      assert.deepEqual(seen[0][0], ["https://vault.azure.net/.default"]);
      assert.equal(seen[0][1].tenantId, TENANT);
      assert.equal(seen[0][1].enableCae, true);
      const none = {
        async getToken() {
          return null;
        },
      };
      const other = mockVault();
      const c2 = new KeyVaultClient(other.vaultUrl, { getToken: fromTokenCredential(none), fetch: other.fetch });
      await assert.rejects(() => c2.fetch("/keys/k"), { code: "ERR_TOKEN", message: /no token/ });
    });
  });

  t.group("client: behind a proxy (vaultOrigin)", () => {
    t.test(
      "ids on the vault's own origin are sent to the proxy; other origins are refused; the challenge is verified against the vault",
      async () => {
        const vault = mockVault(); // the real vault: https://<host>, challenge resource vault.azure.net
        const seen: string[] = [];
        const proxyUrl = "https://kv-proxy.example.workers.dev/kv";
        const viaProxy = (i: string | URL | Request, init?: RequestInit) => {
          const r = new Request(i, init);
          seen.push(r.url);
          const u = new URL(r.url);
          return vault.fetch(vault.vaultUrl + u.pathname.replace(/^\/kv/, "") + u.search, init);
        };
        const { getToken, calls } = countingProvider();
        const client = new KeyVaultClient(proxyUrl, { getToken, fetch: viaProxy, vaultOrigin: vault.vaultUrl });
        assert.equal(client.vaultOrigin, vault.vaultUrl);
        assert.equal((await client.fetch(`${vault.vaultUrl}/keys/k/0123?api-version=7.6`)).status, 200);
        assert.ok(
          seen.every((u) => u.startsWith(proxyUrl + "/keys/k/0123?api-version=7.6")),
          JSON.stringify(seen),
        );
        assert.equal(calls[0]!.scopes[0], "https://vault.azure.net/.default", "verified against the vault's host, not the proxy's");
        await assert.rejects(() => client.fetch("https://other.vault.azure.net/keys/k"), { code: "ERR_FOREIGN_ORIGIN" });
        const handle = new lib.keys.KeyHandle(client, `${vault.vaultUrl}/keys/k/0123`);
        assert.deepEqual(
          [handle.name, handle.version, handle.id],
          ["k", "0123", `${vault.vaultUrl}/keys/k/0123`],
          "a kid of the vault names a key behind the proxy",
        );
        await assert.rejects(() => new lib.keys.KeyHandle(client, "https://other.vault.azure.net/keys/k/0123"), {
          code: "ERR_FOREIGN_ORIGIN",
        });
        await assert.rejects(() => new KeyVaultClient(proxyUrl, { getToken, vaultOrigin: "https://v.vault.azure.net/path" }), {
          code: "ERR_INVALID_INPUT",
        });
        await assert.rejects(() => new KeyVaultClient(proxyUrl, { getToken, vaultOrigin: "http://v.vault.azure.net" }), {
          code: "ERR_INSECURE_URL",
        });
      },
    );

    t.test("without vaultOrigin, a proxy's host fails verification (the challenge names vault.azure.net)", async () => {
      const vault = mockVault();
      const viaProxy = (i: string | URL | Request, init?: RequestInit) =>
        vault.fetch(vault.vaultUrl + new URL(new Request(i, init).url).pathname, init);
      const client = new KeyVaultClient("https://kv-proxy.example.workers.dev", { getToken: countingProvider().getToken, fetch: viaProxy });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_RESOURCE" });
    });
  });

  t.group("client: onEvent", () => {
    t.test("every step is told: probe, challenge, token, request, response, retry, CAE; never a token or a body", async () => {
      let n = 0;
      let cae = true;
      const vault = mockVault({
        accept: (tok) => (cae && !tok.endsWith("-claims") ? "cae" : true),
        handler: () =>
          n++ === 0
            ? Response.json({ error: { code: "Busy" } }, { status: 503, headers: { "retry-after-ms": "1", "x-ms-request-id": "rid-1" } })
            : Response.json({ ok: true }, { headers: { "x-ms-request-id": "rid-2" } }),
      });
      const events: any[] = [];
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch: vault.fetch,
        onEvent: (e) => events.push(e),
      });
      const res = await client.fetch("/keys/k/sign", { method: "POST", body: '{"alg":"ES256","value":"SECRETBODY"}' });
      assert.equal(res.status, 200);
      cae = false;
      const types = events.map((e) => e.type);
      for (const type of ["request", "response", "challenge", "token", "cae", "retry"])
        assert.ok(types.includes(type), `${type} in ${types.join(",")}`);
      assert.equal(events[0].type, "request");
      assert.equal(events[0].probe, true);
      assert.match(events[0].clientRequestId, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-8[0-9a-f]{3}-[0-9a-f]{12}$/);
      const challenge = events.find((e) => e.type === "challenge");
      assert.deepEqual(
        { scope: challenge.scope, tenantId: challenge.tenantId, reason: challenge.reason },
        { scope: "https://vault.azure.net/.default", tenantId: TENANT, reason: "discovered" },
      );
      const tokens = events.filter((e) => e.type === "token");
      assert.deepEqual(
        tokens.map((e) => [e.reason, e.ok]),
        [
          ["new", true],
          ["claims", true],
        ],
      );
      const retry = events.find((e) => e.type === "retry");
      assert.deepEqual([retry.reason, retry.status, retry.waitMs, retry.attempt], ["status", 503, 1, 1]);
      assert.ok(events.some((e) => e.type === "response" && e.requestId === "rid-2" && e.status === 200));
      // each response pairs with its request by clientRequestId and attempt
      const sent = events.filter((e) => e.type === "request").map((e) => `${e.clientRequestId} ${e.attempt}`);
      const answered = events.filter((e) => e.type === "response").map((e) => `${e.clientRequestId} ${e.attempt}`);
      assert.deepEqual(answered, sent);
      const text = JSON.stringify(events);
      assert.ok(!text.includes("token-") && !text.includes("SECRETBODY") && !text.includes("Bearer"), text);
    });

    t.test("a network failure is told as a response with status 0; an observer that throws does not break the call", async () => {
      let n = 0;
      const vault = mockVault();
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        if (n++ === 1) throw new TypeError("connection reset");
        return vault.fetch(i, init);
      };
      const events: any[] = [];
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch,
        retry: { minDelayMs: 1 },
        onEvent: (e) => {
          events.push(e);
          throw new Error("observer bug");
        },
      });
      assert.equal((await client.fetch("/keys/k")).status, 200);
      assert.ok(events.some((e) => e.type === "response" && e.status === 0 && e.error === "TypeError"));
      assert.ok(events.some((e) => e.type === "retry" && e.reason === "network"));
    });
  });

  t.group("client: bounded caches and the token memo", () => {
    t.test("the token cache keeps at most MAX_TOKENS_PER_PROVIDER tokens per provider", async () => {
      const { MAX_TOKENS_PER_PROVIDER, cachedTokenCount } = lib.core;
      const getToken = (r: { tenantId?: string }) => ({ token: `token-${r.tenantId}`, expiresOnTimestamp: Date.now() + 3600_000 });
      const host = uniqueHost();
      let tenant = 0;
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        const r = new Request(i, init);
        if (r.headers.get("authorization")) return Response.json({ ok: true });
        return new Response("", {
          status: 401,
          headers: {
            "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/t${tenant}", resource="https://vault.azure.net"`,
          },
        });
      };
      for (let i = 0; i < MAX_TOKENS_PER_PROVIDER + 40; i++) {
        tenant = i;
        lib.core.clearChallengeCache(`https://${host}`);
        await new KeyVaultClient(`https://${host}`, { getToken, fetch }).fetch("/keys/k");
      }
      assert.equal(cachedTokenCount(getToken), MAX_TOKENS_PER_PROVIDER);
    });

    t.test("the isolate-wide challenge cache keeps the newest 1,000 origins: the oldest goes first, a refreshed one stays", async () => {
      const { getCachedChallenge, setCachedChallenge } = lib.core;
      const challenge = { scope: "https://vault.azure.net/.default", tenantId: TENANT };
      const [first, kept] = [`https://${uniqueHost()}`, `https://${uniqueHost()}`];
      setCachedChallenge(first, challenge);
      setCachedChallenge(kept, challenge);
      const others = Array.from({ length: 1000 }, () => `https://${uniqueHost()}`); // 1,002 origins in all: two must go
      for (const [i, origin] of others.entries()) {
        setCachedChallenge(origin, challenge);
        if (i === 500) setCachedChallenge(kept, challenge); // learned again: newest once more
      }
      assert.equal(getCachedChallenge(first), undefined, "the oldest origin was dropped");
      assert.deepEqual(getCachedChallenge(kept)?.tenantId, TENANT, "refreshed, so not the oldest");
      assert.deepEqual(getCachedChallenge(others.at(-1)!)?.tenantId, TENANT);
      assert.deepEqual(getCachedChallenge(others[0]!), undefined, "the next oldest made room for the refreshed one");
    });

    t.test("the memo follows the cache: a refused token is not reused, a replaced one is not either", async () => {
      let refuse = "";
      const vault = mockVault({ accept: (tok) => tok !== refuse });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      await client.fetch("/keys/a");
      await client.fetch("/keys/b");
      assert.equal(calls.length, 1, "the memo serves the second call");
      refuse = "token-1"; // the vault now refuses it with a plain 401: re-challenge, fresh token
      assert.equal((await client.fetch("/keys/c")).status, 200);
      assert.equal(calls.length, 2);
      await client.fetch("/keys/d");
      assert.equal(vault.requests.at(-1)!.authorization, "Bearer token-2");
      // another client sharing the provider sees the new token too
      await new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch }).fetch("/keys/e");
      assert.equal(vault.requests.at(-1)!.authorization, "Bearer token-2");
      assert.equal(calls.length, 2);
    });
  });

  t.group("client: messages that say what went wrong", () => {
    const getToken = () => "token-messages";

    t.test("an undefined or empty vault URL says so", () => {
      for (const [url, said] of [
        [undefined, /vault URL is undefined/],
        ["", /vault URL is empty/],
      ] as const) {
        try {
          new KeyVaultClient(url as unknown as string, { getToken });
          assert.ok(false, "accepted");
        } catch (e) {
          assert.equal((e as { code?: string }).code, "ERR_INVALID_INPUT");
          assert.match((e as Error).message, said);
        }
      }
    });

    t.test("a plain-http vault URL is refused with a sentence that says https is required", () => {
      try {
        new KeyVaultClient("http://myvault.vault.azure.net", { getToken });
        assert.ok(false, "accepted");
      } catch (e) {
        assert.equal((e as { code?: string }).code, "ERR_INSECURE_URL");
        assert.equal((e as Error).message, "vault URL must start with https:// (got http:): Key Vault is served over https only");
      }
    });

    t.test("a vault URL that names a collection (/keys, /secrets/…) is refused instead of becoming a 404", () => {
      for (const url of [
        "https://myvault.vault.azure.net/keys",
        "https://myvault.vault.azure.net/Secrets/",
        "https://p.example/kv/deletedkeys/k",
      ]) {
        try {
          new KeyVaultClient(url, { getToken });
          assert.ok(false, `accepted ${url}`);
        } catch (e) {
          assert.equal((e as { code?: string }).code, "ERR_INVALID_INPUT");
          assert.match((e as Error).message, /names a collection: pass the vault's URL \(https:\/\/[^)]+\) and the path to fetch/);
        }
      }
      // A proxy prefix that only looks alike is a path like any other.
      assert.equal(new KeyVaultClient("https://p.example/keys-proxy", { getToken }).vaultUrl, "https://p.example/keys-proxy");
    });

    t.test("a failing provider's error is quoted without a stray space when it has no code", async () => {
      const client = new KeyVaultClient("https://provider-message.vault.azure.net", {
        getToken: () => {
          throw new Error("no credentials configured");
        },
        challenge: { scope: "https://vault.azure.net/.default" },
        fetch: async () => new Response("{}"),
      });
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TOKEN" });
      assert.equal(e.message, "the token provider failed: Error: no credentials configured");
    });

    t.test("ERR_NETWORK names the host and the cause's code and message", async () => {
      let sent = 0;
      const client = new KeyVaultClient("https://refused.vault.azure.net", {
        getToken,
        challenge: { scope: "https://vault.azure.net/.default" },
        retry: { retries: 1, minDelayMs: 1 },
        fetch: async () => {
          sent++;
          throw new TypeError("fetch failed", {
            cause: Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:443"), { code: "ECONNREFUSED" }),
          });
        },
      });
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_NETWORK" });
      assert.equal(e.message, "could not reach refused.vault.azure.net: connect ECONNREFUSED 127.0.0.1:443");
      assert.equal(sent, 2, "a refused connection is retried");
    });

    t.test("an untrusted certificate is ERR_NETWORK that says so, and is not retried", async () => {
      let sent = 0;
      const client = new KeyVaultClient("https://selfsigned.vault.azure.net", {
        getToken,
        challenge: { scope: "https://vault.azure.net/.default" },
        retry: { retries: 3, minDelayMs: 1 },
        fetch: async () => {
          sent++;
          throw new TypeError("fetch failed", {
            cause: Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" }),
          });
        },
      });
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_NETWORK" });
      assert.equal(
        e.message,
        "could not reach selfsigned.vault.azure.net: certificate not trusted (DEPTH_ZERO_SELF_SIGNED_CERT); for the emulator set NODE_EXTRA_CA_CERTS",
      );
      assert.equal(sent, 1, "a certificate failure cannot heal: no retry");
    });

    t.test("ERR_NETWORK's message and cause never carry the token", async () => {
      const client = new KeyVaultClient("https://echo.vault.azure.net", {
        getToken: () => "secret-token-value",
        challenge: { scope: "https://vault.azure.net/.default" },
        retry: false,
        fetch: async (_i, init) => {
          const auth = new Headers(init?.headers).get("authorization");
          throw new TypeError("fetch failed", { cause: Object.assign(new Error(`reset after ${auth}`), { code: "ECONNRESET" }) });
        },
      });
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_NETWORK" });
      assert.ok(!JSON.stringify([e.message, String(e.cause), String((e.cause as Error).cause)]).includes("secret-token-value"));
      assert.match(e.message, /^could not reach echo\.vault\.azure\.net: ECONNRESET \(reset after Bearer \[redacted\]\)$/);
    });
  });
};
export default suite;
