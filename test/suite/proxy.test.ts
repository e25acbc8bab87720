// keyvault-fetch/proxy in every runtime: it forwards to exactly one vault and nothing else, keeps
// CORS to its allow-list, forwards only the headers Key Vault needs, caps bodies by counting them,
// and passes the vault's answers through unchanged. Upstream is the in-process emulator, or a stub
// that records what reached it. (Browsers drop a hand-set Origin header from a Request, so the tests
// about origins run everywhere but Chromium; test/node/browser-proxy.test.ts covers Chromium for real.)
import fc from "fast-check";
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";

const VAULT = "https://proxied.vault.azure.net";
const PROXY = "https://kv-proxy.example";
const APP = "https://app.example";
const noBrowser = { only: ["node", "workerd", "deno"] as ("node" | "workerd" | "deno")[] };

interface Call {
  url: string;
  init: RequestInit;
  headers: Headers;
  body: Uint8Array;
}

/** An upstream that records every request and answers with `answer` (default 200 `{}`). */
function recorder(answer: (url: string, init: RequestInit) => Response | Promise<Response> = () => Response.json({})) {
  const calls: Call[] = [];
  const fetch = async (input: string | URL | Request, init: RequestInit = {}) => {
    const body = init.body ? new Uint8Array(await new Response(init.body).arrayBuffer()) : new Uint8Array(0);
    calls.push({ url: String(input), init, headers: new Headers(init.headers), body });
    return answer(String(input), init);
  };
  return { calls, fetch };
}

const suite: SuiteFile = (t, lib) => {
  const { createVaultProxy } = lib.proxy;
  const make = (extra: Partial<Parameters<typeof createVaultProxy>[0]> = {}) => {
    const up = recorder();
    const proxy = createVaultProxy({ vaultUrl: VAULT, allowedOrigins: [APP], fetch: up.fetch, ...extra });
    return { proxy, calls: up.calls };
  };

  t.group("proxy: options", () => {
    t.test("bad options are refused at creation with clear errors", async () => {
      const base = { vaultUrl: VAULT, allowedOrigins: [APP] };
      const cases: [Record<string, unknown>, string, RegExp][] = [
        [{ ...base, allowedOrigins: ["*"] }, "ERR_INVALID_INPUT", /exact origins/],
        [{ ...base, allowedOrigins: ["null"] }, "ERR_INVALID_INPUT", /exact origins/],
        [{ ...base, allowedOrigins: [] }, "ERR_INVALID_INPUT", /at least one/],
        [{ ...base, allowedOrigins: ["https://app.example/path"] }, "ERR_INVALID_INPUT", /not an origin/],
        [{ ...base, allowedOrigins: ["app.example"] }, "ERR_INVALID_INPUT", /not an origin/],
        [{ ...base, vaultUrl: "https://v.vault.azure.net/keys" }, "ERR_INVALID_INPUT", /origin/],
        [{ ...base, vaultUrl: "https://user:pw@v.vault.azure.net" }, "ERR_INVALID_INPUT", /origin/],
        [{ ...base, vaultUrl: "http://v.vault.azure.net" }, "ERR_INSECURE_URL", /https/],
        [{ ...base, vaultUrl: "http://127.0.0.1:8080" }, "ERR_INSECURE_URL", /allowInsecureLoopback/],
        [{ ...base, forwardHeaders: ["Cookie"] }, "ERR_INVALID_INPUT", /never forwarded/],
        [{ ...base, forwardHeaders: ["x-forwarded-for"] }, "ERR_INVALID_INPUT", /never forwarded/],
        [{ ...base, forwardHeaders: ["host"] }, "ERR_INVALID_INPUT", /never forwarded/],
        [{ ...base, maxBodyBytes: -1 }, "ERR_INVALID_INPUT", /maxBodyBytes/],
        [{ ...base, basePath: "/a/../b" }, "ERR_INVALID_INPUT", /basePath/],
      ];
      for (const [options, code, message] of cases) {
        await assert.rejects(
          () => createVaultProxy(options as any),
          { name: "KeyVaultClientError", code, message },
          JSON.stringify(options),
        );
      }
      createVaultProxy({ ...base, vaultUrl: "http://127.0.0.1:8080", allowInsecureLoopback: true });
      createVaultProxy({ ...base, allowedOrigins: ["https://app.example/", "http://localhost:5173"] });
    });
  });

  t.group("proxy: targets", () => {
    t.test("path tricks never reach another origin: //host, dot segments, encoded slashes and dots, backslashes, userinfo", async () => {
      const { proxy, calls } = make();
      const tricks = [
        "//evil.example/",
        "//evil.example/keys",
        "///evil.example/keys",
        "/%2F%2Fevil.example/keys",
        "/keys/%2F..%2F..%2Fevil",
        "/%2e%2e/%2e%2e/evil",
        "/keys/..%2f..%2fevil",
        "/\\\\evil.example/keys",
        "/\\evil.example",
        "/@evil.example/keys",
        "/:@evil.example",
        "/keys/a%00b",
        "/keys//x",
        "/keys/.hidden",
        "/keys/a;b",
        "/keys/%6Bey",
      ];
      for (const path of tricks) {
        calls.length = 0;
        let request: Request;
        try {
          request = new Request(PROXY + path);
        } catch {
          continue;
        }
        const res = await proxy(request);
        for (const c of calls) assert.equal(new URL(c.url).origin, VAULT, `${path} went to ${c.url}`);
        const forwardedPath = new URL(request.url).pathname;
        // What the runtime's URL parser left: anything but plain segments is refused.
        if (!/^(\/[A-Za-z0-9_-]+)+\/?$/.test(forwardedPath)) {
          assert.equal(res.status, 404, `${path} (seen as ${forwardedPath})`);
          assert.equal(res.headers.get("x-keyvault-proxy-error"), "ProxyTargetNotAllowed");
          assert.equal(calls.length, 0, `${path} was forwarded`);
        }
      }
      for (const path of [
        "//evil.example/",
        "//evil.example/keys",
        "/%2F%2Fevil.example/keys",
        "/keys/..%2f..%2fevil",
        "/@evil.example/keys",
      ]) {
        assert.equal((await proxy(new Request(PROXY + path))).status, 404, path);
      }
      // The URL parser's own normalisation (/a/../b -> /b) stays on the vault.
      calls.length = 0;
      assert.equal((await proxy(new Request(PROXY + "/keys/a/../../../deletedkeys"))).status, 200);
      assert.equal(calls[0]!.url, VAULT + "/deletedkeys");
    });

    t.test("property: whatever the path and query, a forwarded request names the vault and the same path", async () => {
      const { proxy, calls } = make();
      const piece = fc.constantFrom(
        "/",
        "//",
        ".",
        "..",
        "%2e",
        "%2E",
        "%2f",
        "%2F",
        "%5c",
        "\\",
        "@",
        ":",
        "evil.example",
        "keys",
        "k-1",
        "sign",
        "?",
        "#",
        "&",
        "=",
        "http:",
        "%00",
        " ",
        "\t",
        "é",
        "%",
        "~",
        "_",
        "api-version=1",
      );
      await fc.assert(
        fc.asyncProperty(fc.array(piece, { maxLength: 12 }), async (parts) => {
          calls.length = 0;
          let request: Request;
          try {
            request = new Request(PROXY + "/" + parts.join(""));
          } catch {
            return;
          }
          const res = await proxy(request);
          const seen = new URL(request.url);
          if (calls.length === 0) {
            assert.ok(res.status === 404, `refused with ${res.status}`);
            return;
          }
          assert.equal(calls.length, 1);
          const target = new URL(calls[0]!.url);
          assert.equal(target.origin, VAULT);
          assert.equal(calls[0]!.url, VAULT + seen.pathname + seen.search);
          assert.match(target.pathname, /^(\/[A-Za-z0-9_-]+)*\/?$/);
        }),
        { numRuns: 300 },
      );
    });

    t.test("Host, Forwarded and X-Forwarded-Host cannot move the target", async () => {
      const { proxy, calls } = make();
      const headers = new Headers({
        forwarded: "host=evil.example",
        "x-forwarded-host": "evil.example",
        "x-original-url": "//evil.example/",
      });
      try {
        headers.set("host", "evil.example");
      } catch {
        /* a runtime that forbids it */
      }
      const res = await proxy(new Request(PROXY + "/keys", { headers }));
      assert.equal(res.status, 200);
      assert.equal(calls[0]!.url, VAULT + "/keys");
      for (const h of ["host", "forwarded", "x-forwarded-host", "x-original-url"]) assert.equal(calls[0]!.headers.get(h), null, h);
    });

    t.test("methods: only Key Vault's; OPTIONS only as a preflight", async () => {
      const { proxy, calls } = make();
      for (const method of ["TRACE", "CONNECT", "HEAD", "PROPFIND"]) {
        let request: Request;
        try {
          request = new Request(PROXY + "/keys", { method });
        } catch {
          continue;
        } // some runtimes refuse TRACE/CONNECT outright
        const res = await proxy(request);
        assert.equal(res.status, 405, method);
        assert.equal(res.headers.get("x-keyvault-proxy-error"), "ProxyMethodNotAllowed");
      }
      assert.equal((await proxy(new Request(PROXY + "/keys", { method: "OPTIONS" }))).status, 405);
      assert.equal(calls.length, 0);
    });

    t.test("basePath is stripped, anything outside it refused; allowPath narrows further", async () => {
      const { proxy, calls } = make({
        basePath: "/kv/",
        allowPath: (path, method) =>
          method === "POST" ? /^\/keys\/[\w-]+\/[0-9a-f]*\/?sign$/.test(path) || /^\/keys\/[\w-]+\/sign$/.test(path) : true,
      });
      assert.equal((await proxy(new Request(PROXY + "/kv/keys?maxresults=2"))).status, 200);
      assert.equal(calls[0]!.url, VAULT + "/keys?maxresults=2");
      assert.equal((await proxy(new Request(PROXY + "/keys"))).status, 404);
      assert.equal((await proxy(new Request(PROXY + "/kvx/keys"))).status, 404);
      assert.equal((await proxy(new Request(PROXY + "/kv/keys/k/sign", { method: "POST", body: "{}" }))).status, 200);
      const refused = await proxy(new Request(PROXY + "/kv/keys/k/delete-me", { method: "POST", body: "{}" }));
      assert.equal(refused.status, 403);
      assert.equal(((await refused.json()) as any).error.code, "ProxyTargetNotAllowed");
      assert.equal(calls.length, 2);
    });
  });

  t.group("proxy: the path as the vault reads it", () => {
    t.test(
      "allowPath sees the path with dot-segments resolved and lower-cased (the vault ignores case); an escape (which the vault decodes) is refused",
      async () => {
        const seen: string[] = [];
        const { proxy, calls } = make({
          allowPath: (path) => {
            seen.push(path);
            return !path.startsWith("/secrets/");
          },
        });
        for (const walkPast of ["/SECRETS/db", "/Secrets/DB", "/keys/k/../../secrets/db", "/keys/%2e%2e/secrets/db"]) {
          const res = await proxy(new Request(PROXY + walkPast));
          assert.equal(res.status, 403, walkPast);
          assert.equal(seen.at(-1), "/secrets/db", `${walkPast}: judged as the vault reads it`);
        }
        for (const unclear of ["/secret%73/db", "/%73ecrets/db", "/secrets%2Fdb", "/keys/k%5Csign", "/keys/%zz", "/keys/%C3%A9"]) {
          const res = await proxy(new Request(PROXY + unclear));
          assert.equal(res.status, 404, unclear);
        }
        assert.equal(calls.length, 0, "none of these reached the vault");
        assert.equal((await proxy(new Request(PROXY + "/Keys/Signer/sign", { method: "POST", body: "{}" }))).status, 200);
        assert.equal(seen.at(-1), "/keys/signer/sign");
        assert.equal(calls[0]!.url, VAULT + "/Keys/Signer/sign", "forwarded as sent (the vault reads it as judged)");
      },
    );
  });

  t.group("proxy: CORS", () => {
    t.test(
      "preflight from an allowed origin: that origin, the methods and headers, Vary: Origin, never * or credentials",
      async () => {
        const { proxy, calls } = make();
        const res = await proxy(
          new Request(PROXY + "/keys/k/sign", {
            method: "OPTIONS",
            headers: {
              origin: APP,
              "access-control-request-method": "POST",
              "access-control-request-headers": "authorization, content-type, x-ms-client-request-id",
            },
          }),
        );
        assert.equal(res.status, 204);
        assert.equal(res.headers.get("access-control-allow-origin"), APP);
        assert.match(res.headers.get("vary") ?? "", /Origin/);
        const allowHeaders = (res.headers.get("access-control-allow-headers") ?? "").split(/,\s*/);
        for (const h of ["authorization", "content-type", "x-ms-client-request-id"]) assert.ok(allowHeaders.includes(h), h);
        assert.match(res.headers.get("access-control-allow-methods") ?? "", /POST/);
        assert.equal(res.headers.get("access-control-allow-credentials"), null);
        assert.equal(res.headers.get("access-control-max-age"), "600");
        assert.equal(calls.length, 0, "a preflight never reaches the vault");
      },
      noBrowser,
    );

    t.test(
      "property: an origin not on the list gets 403, no CORS headers, and nothing is forwarded",
      async () => {
        const { proxy, calls } = make({ allowedOrigins: [APP, "http://localhost:5173"] });
        const near = fc.constantFrom(
          "https://app.example.evil",
          "https://evil-app.example",
          "http://app.example",
          "https://app.example:444",
          "https://sub.app.example",
          "https://app.example.",
          "https://APP.example",
          "null",
          "https://app.example/",
          "http://localhost:5174",
          "http://localhost",
          "https://localhost:5173",
          "",
          " https://app.example",
          "https://app.example, https://evil.example",
        );
        const random = fc
          .tuple(fc.constantFrom("http", "https"), fc.domain(), fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }))
          .map(([s, d, p]) => `${s}://${d}${p === undefined ? "" : ":" + p}`);
        await fc.assert(
          fc.asyncProperty(fc.oneof(near, random), fc.constantFrom("GET", "POST", "DELETE", "OPTIONS"), async (origin, method) => {
            if (origin === APP || origin === "http://localhost:5173") return;
            calls.length = 0;
            const headers: Record<string, string> = { origin, authorization: "Bearer secret-token" };
            if (method === "OPTIONS") headers["access-control-request-method"] = "POST";
            let request: Request;
            try {
              request = new Request(PROXY + "/keys/k", { method, headers, ...(method === "POST" ? { body: "{}" } : {}) });
            } catch {
              return;
            }
            if (request.headers.get("origin") !== origin) return; // the runtime normalised it away
            const res = await proxy(request);
            assert.equal(res.status, 403, origin);
            assert.equal(res.headers.get("access-control-allow-origin"), null);
            assert.equal(res.headers.get("access-control-allow-headers"), null);
            assert.match(res.headers.get("vary") ?? "", /Origin/);
            assert.equal(((await res.json()) as any).error.code, "ProxyOriginNotAllowed");
            assert.equal(calls.length, 0);
          }),
          { numRuns: 200 },
        );
      },
      noBrowser,
    );

    t.test("requireOrigin refuses requests without Origin; by default they pass (curl, server code) without CORS headers", async () => {
      const open = make();
      const res = await open.proxy(new Request(PROXY + "/keys"));
      assert.equal(res.status, 200);
      assert.equal(res.headers.get("access-control-allow-origin"), null);
      assert.match(res.headers.get("vary") ?? "", /Origin/);
      const strict = make({ requireOrigin: true });
      assert.equal((await strict.proxy(new Request(PROXY + "/keys"))).status, 403);
      assert.equal(strict.calls.length, 0);
    });
  });

  t.group("proxy: headers and bodies", () => {
    t.test(
      "only the headers Key Vault needs are forwarded: no cookies, hop-by-hop or forwarding headers",
      async () => {
        const { proxy, calls } = make({ forwardHeaders: ["x-app-trace"] });
        const sent: Record<string, string> = {
          origin: APP,
          authorization: "Bearer t",
          "content-type": "application/json",
          accept: "application/json",
          "x-ms-client-request-id": "c0ffee",
          traceparent: "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
          "x-app-trace": "1",
          cookie: "session=1",
          "x-forwarded-for": "10.0.0.1",
          forwarded: "for=10.0.0.1",
          "x-real-ip": "10.0.0.1",
          "cf-connecting-ip": "10.0.0.1",
          "proxy-authorization": "Basic x",
          te: "trailers",
          "keep-alive": "timeout=5",
          "x-other": "1",
          "user-agent": "test",
          referer: "https://app.example/page",
        };
        const headers = new Headers();
        for (const [k, v] of Object.entries(sent)) {
          try {
            headers.set(k, v);
          } catch {
            /* forbidden here */
          }
        }
        const res = await proxy(new Request(PROXY + "/keys/k/sign", { method: "POST", headers, body: "{}" }));
        assert.equal(res.status, 200);
        const got = Object.fromEntries(calls[0]!.headers);
        delete got["content-length"]; // the runtime's own
        const expected: Record<string, string> = {};
        for (const k of ["authorization", "content-type", "accept", "x-ms-client-request-id", "traceparent", "x-app-trace"])
          expected[k] = sent[k]!;
        assert.deepEqual(got, expected);
        assert.equal(calls[0]!.init.redirect, "manual", "redirects are never followed");
      },
      noBrowser,
    );

    t.test("a header the caller names in Connection is hop-by-hop and dropped", async () => {
      const { proxy, calls } = make();
      const headers = new Headers({ accept: "application/json", "x-ms-client-request-id": "abc" });
      try {
        headers.set("connection", "x-ms-client-request-id");
      } catch {
        return;
      }
      const request = new Request(PROXY + "/keys", { headers });
      if (!request.headers.has("connection")) return; // browsers drop it from a Request
      await proxy(request);
      assert.equal(calls[0]!.headers.get("x-ms-client-request-id"), null);
      assert.equal(calls[0]!.headers.get("accept"), "application/json");
    });

    t.test(
      "property: bodies are counted as they stream: over the cap is 413 and never forwarded, at or under it arrives intact",
      async () => {
        const cap = 1000;
        const { proxy, calls } = make({ maxBodyBytes: cap });
        await fc.assert(
          fc.asyncProperty(fc.array(fc.integer({ min: 0, max: 400 }), { minLength: 1, maxLength: 8 }), async (sizes) => {
            calls.length = 0;
            let n = 0;
            const chunks = sizes.map((s) => Uint8Array.from({ length: s }, () => n++ & 0xff));
            const total = sizes.reduce((a, b) => a + b, 0);
            const body = new ReadableStream<Uint8Array>({
              start(c) {
                for (const chunk of chunks) c.enqueue(chunk);
                c.close();
              },
            });
            const res = await proxy(
              new Request(PROXY + "/keys/k/sign", {
                method: "POST",
                body,
                duplex: "half",
                headers: { "content-type": "application/json" },
              } as RequestInit),
            );
            if (total > cap) {
              assert.equal(res.status, 413, `total ${total}`);
              assert.equal(((await res.json()) as any).error.code, "ProxyBodyTooLarge");
              assert.equal(calls.length, 0);
            } else {
              assert.equal(res.status, 200, `total ${total}`);
              assert.equal(calls[0]!.body.length, total);
              assert.ok(
                calls[0]!.body.every((b, i) => b === (i & 0xff)),
                "bytes intact",
              );
            }
          }),
          { numRuns: 60 },
        );
        // A declared length over the cap is refused before reading.
        const declared = new Request(PROXY + "/keys/k/sign", {
          method: "POST",
          body: "{}",
          headers: { "content-length": String(cap + 1) },
        });
        if (declared.headers.get("content-length") === String(cap + 1)) assert.equal((await proxy(declared)).status, 413);
      },
    );

    t.test(
      "answers pass through: status, body, request ids; hop-by-hop, cookies and upstream CORS dropped; a redirect is returned, not followed",
      async () => {
        const upstream = recorder((url) => {
          if (url.endsWith("/keys/moved")) return new Response(null, { status: 302, headers: { location: "https://evil.example/keys" } });
          return new Response('{"error":{"code":"KeyNotFound","message":"A key with (name/id) k was not found in this key vault."}}', {
            status: 404,
            statusText: "Not Found",
            headers: {
              "content-type": "application/json; charset=utf-8",
              "x-ms-request-id": "rid-1",
              "x-ms-keyvault-service-version": "1.9",
              "set-cookie": "x=1",
              "keep-alive": "timeout=5",
              "access-control-allow-origin": "*",
              "access-control-allow-credentials": "true",
            },
          });
        });
        const proxy = createVaultProxy({ vaultUrl: VAULT, allowedOrigins: [APP], fetch: upstream.fetch });
        const headers = new Headers({ accept: "application/json" });
        try {
          headers.set("origin", APP);
        } catch {
          /* browsers */
        }
        const request = new Request(PROXY + "/keys/k", { headers });
        const res = await proxy(request);
        assert.equal(res.status, 404);
        assert.equal(
          await res.text(),
          '{"error":{"code":"KeyNotFound","message":"A key with (name/id) k was not found in this key vault."}}',
        );
        assert.equal(res.headers.get("x-ms-request-id"), "rid-1");
        assert.equal(res.headers.get("content-type"), "application/json; charset=utf-8");
        assert.equal(res.headers.get("set-cookie"), null);
        assert.equal(res.headers.get("keep-alive"), null);
        assert.equal(res.headers.get("access-control-allow-credentials"), null);
        assert.notEqual(res.headers.get("access-control-allow-origin"), "*");
        if (request.headers.get("origin") === APP) {
          // browsers drop a hand-set Origin
          assert.equal(res.headers.get("access-control-allow-origin"), APP);
          const exposed = (res.headers.get("access-control-expose-headers") ?? "").split(/,\s*/);
          for (const h of ["www-authenticate", "x-ms-request-id", "x-ms-client-request-id", "retry-after", "x-ms-retry-after-ms"])
            assert.ok(exposed.includes(h), h);
        }
        const moved = await proxy(new Request(PROXY + "/keys/moved"));
        assert.equal(moved.status, 302);
        assert.equal(moved.headers.get("location"), "https://evil.example/keys");
        assert.equal(upstream.calls.length, 2, "the redirect was not followed");
      },
    );

    t.test("an unreachable vault is 502, a slow one 504 after the timeout; the caller's abort reaches the vault's request", async () => {
      const down = createVaultProxy({
        vaultUrl: VAULT,
        allowedOrigins: [APP],
        fetch: async () => {
          throw new TypeError("fetch failed");
        },
      });
      const a = await down(new Request(PROXY + "/keys"));
      assert.equal(a.status, 502);
      assert.equal(((await a.json()) as any).error.code, "ProxyUpstreamUnreachable");
      let upstreamSignal: AbortSignal | undefined;
      const hang = (_: unknown, init?: RequestInit) =>
        new Promise<Response>((_resolve, reject) => {
          upstreamSignal = init!.signal!;
          init!.signal!.addEventListener("abort", () => reject(init!.signal!.reason), { once: true });
        });
      const slow = createVaultProxy({ vaultUrl: VAULT, allowedOrigins: [APP], fetch: hang, timeout: 50 });
      const b = await slow(new Request(PROXY + "/keys"));
      assert.equal(b.status, 504);
      assert.equal(((await b.json()) as any).error.code, "ProxyUpstreamTimeout");
      const patient = createVaultProxy({ vaultUrl: VAULT, allowedOrigins: [APP], fetch: hang, timeout: false });
      const caller = new AbortController();
      const pending = patient(new Request(PROXY + "/keys", { signal: caller.signal }));
      await new Promise((r) => setTimeout(r, 10));
      caller.abort();
      await assert.rejects(() => pending);
      assert.ok(upstreamSignal?.aborted, "the vault request was cancelled");
    });
  });

  t.group("proxy: a real client through it, against the emulator", () => {
    t.test(
      "discovery through the proxy, keys created, signed and verified by kid, paged by nextLink (vaultOrigin), errors as KeyVaultError",
      async () => {
        const emu = lib.emulator.createEmulator();
        const proxy = createVaultProxy({ vaultUrl: emu.vaultUrl, allowedOrigins: [APP], fetch: emu.fetch });
        const viaProxy = (input: string | URL | Request, init?: RequestInit) => proxy(new Request(input, init));
        const client = new lib.keys.KeyClient(PROXY, { getToken: emu.getToken, fetch: viaProxy, vaultOrigin: emu.vaultUrl });
        const key = await client.createEcKey("through-proxy", { curve: "P-256" });
        assert.ok(key.id.startsWith(emu.vaultUrl + "/keys/through-proxy/"), "ids name the vault, not the proxy");
        const version = key.id.split("/").pop()!;
        const data = new TextEncoder().encode("signed through the proxy");
        const signed = await client.key("through-proxy").signData("ES256", data);
        const checked = await client.key(signed.kid).verifyData("ES256", data, signed.result);
        assert.deepEqual([checked.result, checked.local], [true, true]);
        const rsa = await client.createRsaKey("second-key");
        const jwe = await lib.jose.encryptJwe(client, rsa.id, "sealed behind the proxy");
        const opened = await lib.jose.decryptJwe(client, jwe); // the JWE's kid names the vault: vaultOrigin accepts it
        assert.equal(new TextDecoder().decode(opened.plaintext), "sealed behind the proxy");
        const names: string[] = [];
        for await (const p of client.listKeys({ maxPageSize: 1 })) names.push(p.name); // nextLinks name the vault too
        assert.deepEqual(names.sort(), ["second-key", "through-proxy"]);
        const missing = await assert.rejects(() => client.getKey("missing"), { name: "KeyVaultError", status: 404, code: "KeyNotFound" });
        assert.ok(missing.requestId, "x-ms-request-id came through");
        // 429 with Retry-After passes through and the client's retry honours it
        emu.faults.add({ route: "GET /keys/through-proxy", status: 429, retryAfterMs: 5, times: 1 });
        assert.equal((await client.getKey("through-proxy")).id.split("/").pop(), version);
        assert.ok(emu.requests.every((r) => new URL(r.url).origin === emu.vaultUrl || r.target === "authority"));
      },
    );

    t.test(
      "a client whose page origin is not allowed gets ProxyOriginNotAllowed, and its token never reaches the vault",
      async () => {
        const emu = lib.emulator.createEmulator();
        const proxy = createVaultProxy({ vaultUrl: emu.vaultUrl, allowedOrigins: [APP], fetch: emu.fetch });
        const client = new lib.core.KeyVaultClient(PROXY, {
          getToken: emu.getToken,
          vaultOrigin: emu.vaultUrl,
          challenge: { scope: `${emu.resource}/.default` },
          headers: { origin: "https://evil.example" },
          fetch: (input, init) => proxy(new Request(input, init)),
        });
        const err = await assert.rejects(() => lib.core.request(client, "GET", "/keys"), { name: "KeyVaultError", status: 403 });
        assert.equal(err.code, "ProxyOriginNotAllowed");
        assert.equal(emu.requests.filter((r) => r.target === "vault").length, 0);
      },
      noBrowser,
    );
  });
};
export default suite;
