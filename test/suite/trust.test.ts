// One regression test (or a few) per defect of the "Trust" issue, items 1 to 7: each failed on the
// core before the fix. The broad reliability suite (hostile servers, fault matrix, soak) is separate.
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { TENANT, countingProvider, mockVault, uniqueHost, type SeenRequest } from "./mock.js";

// A JWT-shaped token (what Entra issues) and the text a provider's failure may quote.
const JWT = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3ZhdWx0LmF6dXJlLm5ldCJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ";

/** Every string reachable from an error, as a careless logger would print it. */
export function errorTexts(e: unknown, depth = 0): string[] {
  if (e === undefined || e === null || depth > 4) return [];
  const out = [String(e)];
  if (typeof e === "object") {
    const o = e as Record<string, unknown> & { stack?: string; message?: string; cause?: unknown };
    out.push(String(o.message ?? ""), String(o.stack ?? ""));
    try {
      out.push(JSON.stringify(e) ?? "");
    } catch {
      /* circular: the other forms are checked */
    }
    for (const k of Object.keys(o))
      if (k !== "cause" && k !== "response") {
        try {
          out.push(typeof o[k] === "string" ? (o[k] as string) : (JSON.stringify(o[k]) ?? ""));
        } catch {
          /* ignore */
        }
      }
    // Node's util.inspect at any depth, where the runtime has it.
    const util = (
      globalThis as { process?: { getBuiltinModule?: (m: string) => { inspect(v: unknown, o: object): string } } }
    ).process?.getBuiltinModule?.("node:util");
    if (util && depth === 0) out.push(util.inspect(e, { depth: Infinity }));
    out.push(...errorTexts(o.cause, depth + 1));
  }
  return out;
}

function assertClean(e: unknown, secrets: string[]): void {
  for (const text of errorTexts(e)) {
    for (const s of secrets) assert.ok(!text.includes(s), `secret leaked in: ${text.slice(0, 300)}`);
    assert.ok(!/eyJ[\w-]{2,}\.[\w-]{2,}\./.test(text), `JWT-shaped text in: ${text.slice(0, 300)}`);
  }
}

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, KeyVaultClientError, getCachedChallenge } = lib.core;
  const request = lib.core.request;

  t.group("trust 1: a challenge cached by a lenient client is never used by a strict one", () => {
    t.test("a client with verifyChallengeResource: false cannot make a verifying client ask for another resource", async () => {
      const vault = mockVault({ resource: "https://management.azure.com", tenant: "attacker-tenant" });
      const lenient = countingProvider();
      const a = new KeyVaultClient(vault.vaultUrl, { getToken: lenient.getToken, fetch: vault.fetch, verifyChallengeResource: false });
      assert.equal((await a.fetch("/keys/k")).status, 200);
      assert.equal(getCachedChallenge(vault.vaultUrl)?.scope, "https://management.azure.com/.default", "the lenient client learned it");
      const strict = countingProvider();
      const b = new KeyVaultClient(vault.vaultUrl, { getToken: strict.getToken, fetch: vault.fetch });
      await assert.rejects(() => b.fetch("/keys/k"), { code: "ERR_CHALLENGE_RESOURCE" });
      assert.equal(strict.calls.length, 0, "the strict client never asked for a token");
    });

    t.test("the same through the re-challenge path (a plain 401 to a cached challenge)", async () => {
      const host = uniqueHost();
      let hostile = false;
      const good = mockVault({ host });
      const bad = mockVault({ host, resource: "https://management.azure.com", tenant: "attacker-tenant", accept: () => false });
      const fetch = (i: string | URL | Request, init?: RequestInit) => (hostile ? bad : good).fetch(i, init);
      const lenient = countingProvider();
      const a = new KeyVaultClient(`https://${host}`, { getToken: lenient.getToken, fetch, verifyChallengeResource: false });
      await a.fetch("/keys/k");
      hostile = true;
      await a.fetch("/keys/k"); // plain 401 with another resource: the lenient client re-learns it
      assert.equal(getCachedChallenge(`https://${host}`)?.scope, "https://management.azure.com/.default");
      const strict = countingProvider();
      const b = new KeyVaultClient(`https://${host}`, { getToken: strict.getToken, fetch });
      await assert.rejects(() => b.fetch("/keys/k"), { code: "ERR_CHALLENGE_RESOURCE" });
      assert.ok(
        strict.calls.every((c) => c.scopes[0] === "https://vault.azure.net/.default"),
        "only the vault's scope was ever asked for",
      );
      assert.equal(strict.calls.length, 0);
    });

    t.test("a verified challenge learned by a lenient client is used by a strict one (no extra round trip)", async () => {
      const vault = mockVault();
      const { getToken } = countingProvider();
      await new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch, verifyChallengeResource: false }).fetch("/keys/k");
      await new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch }).fetch("/keys/k");
      assert.equal(vault.requests.filter((r) => !r.authorization).length, 1);
    });
  });

  t.group("trust 2: no token in any error", () => {
    t.test("a provider failure quoting the token: ERR_TOKEN names the provider's error, redacted", async () => {
      const vault = mockVault();
      const opaque = "opaque-refresh-token-0123456789";
      let n = 0;
      const getToken = () => {
        if (n++ === 0) return { token: "token-" + opaque, expiresOnTimestamp: Date.now() + 1 }; // expires at once
        const e = new Error(`refresh of token-${opaque} failed; server said: Bearer ${JWT}`) as Error & { code: string };
        e.name = "RefreshError";
        e.code = "invalid_grant";
        (e as { cause?: unknown }).cause = new Error(`inner ${JWT}`);
        throw e;
      };
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      await client.fetch("/keys/k");
      await delay(5);
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TOKEN" });
      assert.match(e.message, /RefreshError/);
      assert.match(e.message, /invalid_grant/);
      assert.match(e.message, /failed; server said/);
      assertClean(e, [JWT, opaque]);
    });

    for (const [what, bad] of [
      ["CR LF", "abc\r\nx-evil: 1"],
      ["NUL", "abc\u0000def"],
      ["a space", "abc def"],
    ] as const) {
      t.test(`a token with ${what} fails with ERR_TOKEN naming the problem, not the value`, async () => {
        const vault = mockVault();
        const secret = `token-SECRET-${bad}`;
        const client = new KeyVaultClient(vault.vaultUrl, {
          getToken: () => ({ token: secret, expiresOnTimestamp: Date.now() + 3600_000 }),
          fetch: vault.fetch,
        });
        const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TOKEN", message: /control characters|header/ });
        assert.ok(e instanceof KeyVaultClientError);
        assertClean(e, ["SECRET"]);
        assert.equal(vault.requests.filter((r) => r.authorization).length, 0);
      });
    }

    t.test("a server that echoes the token in its error: the KeyVaultError carries it nowhere", async () => {
      const vault = mockVault({
        accept: () => true,
        handler: (r) =>
          Response.json(
            { error: { code: "Echo", message: `you sent ${r.authorization}` }, seen: r.authorization },
            { status: 400, statusText: String(r.authorization), headers: { "x-ms-request-id": String(r.authorization) } },
          ),
      });
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: () => ({ token: JWT, expiresOnTimestamp: Date.now() + 3600_000 }),
        fetch: vault.fetch,
      });
      const e = await assert.rejects(() => request(client, "GET", "/keys/k"), { name: "KeyVaultError", code: "Echo" });
      assertClean(e, [JWT]);
    });

    t.test("a custom fetch whose failure quotes the request: ERR_NETWORK is redacted", async () => {
      const host = uniqueHost();
      const vault = mockVault({ host, accept: () => true });
      let n = 0;
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        if (n++ === 0) return vault.fetch(i, init);
        throw new TypeError(`failed ${JSON.stringify(init?.headers)}`);
      };
      const client = new KeyVaultClient(`https://${host}`, {
        getToken: () => ({ token: JWT, expiresOnTimestamp: Date.now() + 3600_000 }),
        fetch,
        retry: false,
      });
      const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_NETWORK" });
      assertClean(e, [JWT]);
    });
  });

  t.group("trust 3: one deadline covers the whole call, body read included", () => {
    /** A vault whose authorized answers send headers, then a body that never ends (honouring the signal, or not). */
    function dribbling(honourSignal: boolean, status = 200) {
      return mockVault({
        handler: (r) => {
          let timer: ReturnType<typeof setInterval> | undefined;
          const body = new ReadableStream<Uint8Array>({
            start(c) {
              c.enqueue(new TextEncoder().encode(status === 200 ? '{"value":"' : '{"error":{"code":"Slow","message":"'));
              let n = 0;
              // Ends by itself after ~3 s, so a stream nobody cancels does not outlive the test run.
              timer = setInterval(() => {
                try {
                  if (++n > 300) {
                    clearInterval(timer);
                    c.close();
                  } else c.enqueue(new TextEncoder().encode("a"));
                } catch {
                  clearInterval(timer);
                }
              }, 10);
              const signal = r.signal;
              if (honourSignal)
                signal?.addEventListener("abort", () => {
                  clearInterval(timer);
                  try {
                    c.error(signal.reason);
                  } catch {
                    /* closed */
                  }
                });
            },
            cancel() {
              clearInterval(timer);
            },
          });
          return new Response(body, { status, headers: { "content-type": "application/json" } });
        },
      });
    }

    for (const honour of [true, false]) {
      const how = honour ? "a fetch that honours its signal" : "a fetch that ignores its signal";
      t.test(`request() ends at the deadline when the body dribbles (${how})`, async () => {
        const vault = dribbling(honour);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: 150 });
        const started = Date.now();
        await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "ERR_TIMEOUT" });
        const took = Date.now() - started;
        assert.ok(took >= 140 && took < 2000, `ended after ${took} ms`);
      });

      t.test(`an error body that dribbles ends at the deadline too (${how})`, async () => {
        const vault = dribbling(honour, 400);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: 150 });
        await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "ERR_TIMEOUT" });
      });

      t.test(`a helper (getKey) ends at the deadline (${how})`, async () => {
        const vault = dribbling(honour);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: 150 });
        await assert.rejects(() => lib.keys.getKey(client, "k"), { code: "ERR_TIMEOUT" });
      });

      t.test(`the caller's signal ends a request() whose body dribbles (${how})`, async () => {
        const vault = dribbling(honour);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: false });
        const controller = new AbortController();
        setTimeout(() => controller.abort(new Error("caller gave up")), 100);
        await assert.rejects(() => request(client, "GET", "/keys/k", undefined, { signal: controller.signal }), {
          message: /caller gave up/,
        });
      });
    }

    t.test("client.fetch: the caller's signal still cancels the body read after the headers", async () => {
      const vault = dribbling(true);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
      const controller = new AbortController();
      const res = await client.fetch("/keys/k", { signal: controller.signal });
      assert.equal(res.status, 200);
      setTimeout(() => controller.abort(new Error("stop reading")), 50);
      const e = await assert.rejects(() => res.text());
      // Chromium reports any error of a stream it reads as "Failed to fetch"; the others pass the reason on.
      if (lib.runtime !== "chromium") assert.match(e.message, /stop reading/);
    });

    t.test("client.fetch: the deadline cancels the body read after the headers", async () => {
      const vault = dribbling(true);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, timeout: 150 });
      const res = await client.fetch("/keys/k");
      const started = Date.now();
      const e = await assert.rejects(() => res.text());
      if (lib.runtime !== "chromium") assert.equal(e.code, "ERR_TIMEOUT");
      assert.ok(Date.now() - started < 2000, "the read ended at the deadline, not when the body did");
    });

    t.test("a custom fetch that ignores its signal and never answers still ends at the deadline", async () => {
      const vault = mockVault();
      let n = 0;
      const fetch = (i: string | URL | Request, init?: RequestInit) => (n++ === 0 ? vault.fetch(i, init) : new Promise<Response>(() => {}));
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch, timeout: 150 });
      const started = Date.now();
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TIMEOUT" });
      assert.ok(Date.now() - started < 2000);
    });

    t.test("each call's deadline fires at its own timeout, never earlier (each call its own deadline)", async () => {
      const vault = mockVault();
      const fetch = (i: string | URL | Request, init?: RequestInit) =>
        new Request(i, init).headers.get("authorization") ? new Promise<Response>(() => {}) : vault.fetch(i, init);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch, timeout: 320 });
      await client.fetch("/keys/k").catch(() => undefined); // learn the challenge
      const starts: number[] = [],
        ends: number[] = [];
      // Three calls 60 ms apart: a deadline shared with an earlier call would end a later one early.
      await Promise.all(
        [0, 60, 120].map(async (d, i) => {
          await delay(d);
          starts[i] = Date.now();
          await client.fetch("/keys/k").catch((e) => {
            ends[i] = Date.now();
            assert.equal(e.code, "ERR_TIMEOUT");
          });
        }),
      );
      for (let i = 0; i < 3; i++) assert.ok(ends[i]! - starts[i]! >= 319, `call ${i} ended after ${ends[i]! - starts[i]!} ms`);
      for (let i = 0; i < 3; i++) assert.ok(ends[i]! - starts[i]! < 320 + 400, `call ${i} ended after ${ends[i]! - starts[i]!} ms`);
    });
  });

  t.group("trust 4: a body never goes out without a token", () => {
    function probeFailing(status: number) {
      const seen: SeenRequest[] = [];
      const vault = mockVault({ handler: () => Response.json({ ok: true }) });
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        const r = new Request(i, init);
        if (!r.headers.get("authorization")) {
          seen.push({ method: r.method, url: r.url, path: "", authorization: null, body: await r.text(), headers: r.headers });
          return Response.json({ error: { code: "Unavailable", message: "try later" } }, { status });
        }
        return vault.fetch(i, init);
      };
      return { fetch, seen, vault };
    }

    for (const status of [500, 503]) {
      t.test(`a probe answered ${status}: the caller gets the ${status}, the body is never sent, nothing is cached`, async () => {
        const { fetch, seen, vault } = probeFailing(status);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch, retry: false });
        const res = await client.fetch("/keys/k/create", {
          method: "POST",
          body: '{"kty":"EC"}',
          headers: { "content-type": "application/json" },
        });
        assert.equal(res.status, status);
        assert.ok(
          seen.every((r) => r.body === ""),
          "no body without a token",
        );
        assert.equal(vault.requests.length, 0, "nothing reached the vault with a body");
        assert.equal(getCachedChallenge(vault.vaultUrl), undefined);
      });
    }

    t.test("a server that answers the probe 200 without a challenge never receives the body", async () => {
      const seen: string[] = [];
      const host = uniqueHost();
      const fetch = async (i: string | URL | Request, init?: RequestInit) => {
        seen.push(await new Request(i, init).text());
        return Response.json({ open: true });
      };
      const client = new KeyVaultClient(`https://${host}`, { getToken: countingProvider().getToken, fetch });
      await assert.rejects(() => client.fetch("/keys/k/create", { method: "POST", body: '{"kty":"EC"}' }), {
        code: "ERR_CHALLENGE_INVALID",
        message: /body was not sent/,
      });
      assert.deepEqual(seen, [""]);
    });

    t.test("callers that joined a probe that failed do not send their bodies without a token", async () => {
      const { fetch, seen, vault } = probeFailing(503);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch, retry: false });
      const answers = await Promise.all(
        Array.from({ length: 10 }, (_, i) => client.fetch(`/keys/k${i}/create`, { method: "POST", body: `{"n":${i}}` })),
      );
      assert.ok(answers.every((r) => r.status === 503));
      assert.ok(seen.every((r) => r.body === ""));
      assert.equal(vault.requests.length, 0);
    });
  });

  t.group("trust 5: bodies are captured when the call starts", () => {
    // Node's Buffer#slice returns a view; this stands in for it in every runtime.
    class ViewSlicing extends Uint8Array {
      override slice(start?: number, end?: number): any {
        return this.subarray(start, end);
      }
    }
    const bodies: [string, () => { body: BodyInit; change(): void }][] = [
      [
        "a Uint8Array whose slice() is a view (like Buffer)",
        () => {
          const b = new ViewSlicing(new TextEncoder().encode("abc"));
          return {
            body: b,
            change: () => {
              b[0] = 120;
            },
          };
        },
      ],
      [
        "a DataView",
        () => {
          const a = new TextEncoder().encode("abc");
          return {
            body: new DataView(a.buffer),
            change: () => {
              a[0] = 120;
            },
          };
        },
      ],
      [
        "an ArrayBuffer",
        () => {
          const a = new TextEncoder().encode("abc");
          return {
            body: a.buffer,
            change: () => {
              a[0] = 120;
            },
          };
        },
      ],
      [
        "a subarray view",
        () => {
          const a = new TextEncoder().encode("zabcz");
          return {
            body: a.subarray(1, 4),
            change: () => {
              a[1] = 120;
            },
          };
        },
      ],
    ];
    const NodeBuffer = (globalThis as { Buffer?: { from(s: string): Uint8Array } }).Buffer;
    if (NodeBuffer)
      bodies.push([
        "a Node Buffer",
        () => {
          const b = NodeBuffer.from("abc");
          return {
            body: b as BodyInit,
            change: () => {
              b[0] = 120;
            },
          };
        },
      ]);
    for (const [what, make] of bodies) {
      t.test(`${what}: bytes changed after the call starts are not the bytes sent`, async () => {
        const vault = mockVault();
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch });
        const { body, change } = make();
        const pending = client.fetch("/keys/k/encrypt", { method: "POST", body });
        change();
        await pending;
        assert.equal(vault.requests.at(-1)!.body, "abc");
      });
    }
  });

  t.group("trust 6: idempotency is judged on the path the service reads", () => {
    for (const path of ["/keys/x/%63reate", "/keys/x/CREATE", "/keys/x/create/", "/keys/x/./create", "/keys/x/%2e/create"]) {
      t.test(`POST ${path} is a create: not retried after a 503`, async () => {
        let n = 0;
        const vault = mockVault({
          handler: () => (n++ === 0 ? Response.json({ error: { code: "x" } }, { status: 503 }) : Response.json({ ok: true })),
        });
        const client = new KeyVaultClient(vault.vaultUrl, {
          getToken: countingProvider().getToken,
          fetch: vault.fetch,
          retry: { retries: 3, minDelayMs: 1 },
        });
        assert.equal((await client.fetch(path, { method: "POST", body: "{}" })).status, 503);
        assert.equal(n, 1, "processed once");
      });
    }
    t.test("PUT /secrets/{name} (a new version each time) is not retried after a 503; a malformed escape is judged unsafe", async () => {
      assert.equal(lib.core.isIdempotent("PUT", "https://v.vault.azure.net/secrets/s?api-version=7.6"), false);
      assert.equal(lib.core.isIdempotent("PUT", "/secrets/%73"), false);
      assert.equal(lib.core.isIdempotent("POST", "/keys/x/%E0"), false);
      assert.equal(lib.core.isIdempotent("POST", "/keys/x/sign"), true);
      assert.equal(lib.core.isIdempotent("PUT", "/keys/x/rotationpolicy"), true);
    });
  });

  t.group("trust 7: the scope sent is the scope verified", () => {
    const hostile = [
      'resource="https://vault.azure.net/ https://management.azure.com"',
      'resource="https://vault.azure.net https://management.azure.com"',
      'resource="https:///vault.azure.net"',
      'resource="https://vault.azure.net@evil.example"',
      'resource="https://vault.azure.net\tfoo"',
    ];
    for (const params of hostile) {
      t.test(`refused, and getToken never called: ${params}`, async () => {
        const vault = mockVault({ challengeHeader: `Bearer authorization="https://login.microsoftonline.com/${TENANT}", ${params}` });
        const { getToken, calls } = countingProvider();
        const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
        await assert.rejects(() => client.fetch("/keys/k"), { name: "KeyVaultClientError" });
        assert.ok(
          calls.every((c) => c.scopes.length === 1 && !/\s/.test(c.scopes[0]!) && c.scopes[0] === "https://vault.azure.net/.default"),
          JSON.stringify(calls),
        );
      });
    }
    t.test("even with verification off, a scope with spaces never reaches getToken as one string", async () => {
      const vault = mockVault({
        challengeHeader: `Bearer authorization="https://login.microsoftonline.com/${TENANT}", resource="https://vault.azure.net/ https://management.azure.com"`,
      });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch, verifyChallengeResource: false });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_INVALID" });
      assert.equal(calls.length, 0);
    });
    t.test("a tenant that is not a tenant id or domain is refused", async () => {
      const vault = mockVault({
        challengeHeader: 'Bearer authorization="https://login.microsoftonline.com/..%2F..%2Fevil", resource="https://vault.azure.net"',
      });
      const { getToken, calls } = countingProvider();
      const client = new KeyVaultClient(vault.vaultUrl, { getToken, fetch: vault.fetch });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_INVALID" });
      assert.equal(calls.length, 0);
    });
  });
};

export default suite;
