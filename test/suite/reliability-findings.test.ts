// What the reliability suite found, one small test each with the exact input: the broad tests
// (fault matrix, hostile servers, concurrency, leak scan) show the same defects among many cells.
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { classify, delay, findLeak, freshHost, keep, opaqueToken, testJwt } from "./reliability-kit.js";

const challenge = `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`;

/** A vault whose probes (unauthenticated requests) answer the challenge after `ms`, or fail when their signal aborts. */
function slowProbeVault(ms: number) {
  let probes = 0;
  const fetch = async (i: string | URL | Request, init?: RequestInit) => {
    if (new Request(i, init).headers.get("authorization")) return Response.json({ ok: true });
    probes++;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, ms);
      init?.signal?.addEventListener(
        "abort",
        () => {
          clearTimeout(timer);
          reject(init.signal!.reason);
        },
        { once: true },
      );
    });
    return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
  };
  return { fetch, probes: () => probes };
}

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient } = lib.core;
  const provider =
    (token = "token-1") =>
    () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 });

  t.group("reliability: findings", () => {
    for (const [what, answer] of [
      ["503", () => Response.json({ error: { code: "ServiceUnavailable", message: "later" } }, { status: 503 })],
      [
        "a dropped connection",
        () => {
          throw new TypeError("fetch failed: ECONNRESET");
        },
      ],
    ] as const) {
      t.test(
        `a cold vault's probe meets ${what} once: a create still goes through (the probe carries no body and no token, so it is safe to repeat)`,
        async () => {
          let probes = 0,
            authorized = 0;
          const fetch = async (i: string | URL | Request, init?: RequestInit) => {
            const req = new Request(i, init);
            if (!req.headers.get("authorization")) {
              if (++probes === 1) return answer();
              return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
            }
            authorized++;
            return Response.json({ key: { kid: "x" } });
          };
          const client = new KeyVaultClient(`https://${freshHost("f")}`, {
            getToken: provider(),
            fetch,
            retry: { retries: 3, minDelayMs: 1, maxDelayMs: 5 },
          });
          const res = await client.fetch("/keys/new-key/create", {
            method: "POST",
            body: '{"kty":"EC"}',
            headers: { "content-type": "application/json" },
          });
          assert.equal(res.status, 200, `the create failed on the probe's ${what}`);
          assert.equal(probes, 2);
          assert.equal(authorized, 1, "the create itself sent once");
        },
      );
    }

    t.test(
      "five callers in turn start the probe the others joined and give it up: the 50 others still share one probe each time, never one each",
      async () => {
        const vault = slowProbeVault(40);
        const fetch = vault.fetch;
        const client = new KeyVaultClient(`https://${freshHost("f")}`, { getToken: provider(), fetch });
        // Each quitter gives up while the probe it may own is in flight (40 ms each).
        const quitters = Array.from({ length: 5 }, (_, i) => {
          const c = new AbortController();
          setTimeout(() => c.abort(new Error(`quitter ${i}`)), 10 + 35 * i);
          return client.fetch(`/keys/q${i}`, { signal: c.signal }).then(
            (r) => r.status,
            () => "gave up",
          );
        });
        const others = Array.from({ length: 50 }, (_, i) => client.fetch(`/keys/k${i}`).then((r) => r.status));
        assert.ok((await Promise.all(others)).every((s) => s === 200));
        await Promise.all(quitters);
        assert.ok(vault.probes() <= 6, `${vault.probes()} probes for 55 callers, 5 of whom gave up`);
      },
    );

    t.test("50 callers join a probe whose owner aborts: they share one new probe, not one each", async () => {
      const vault = slowProbeVault(30);
      const fetch = vault.fetch;
      const client = new KeyVaultClient(`https://${freshHost("f")}`, { getToken: provider(), fetch });
      const owner = new AbortController();
      const first = client.fetch("/keys/k0", { signal: owner.signal }).catch((e) => e);
      const others = Array.from({ length: 50 }, (_, i) => client.fetch(`/keys/k${i + 1}`).then((r) => r.status));
      await delay(10);
      owner.abort(new Error("the owner gave up"));
      assert.ok((await first) instanceof Error);
      assert.ok((await Promise.all(others)).every((s) => s === 200));
      assert.ok(vault.probes() <= 2, `${vault.probes()} probes for 51 callers`);
    });

    for (const [what, thrown] of [
      [
        "a KeyVaultClientError quoting the token",
        (tok: string) => new lib.core.KeyVaultClientError("ERR_UPSTREAM" as never, `refresh of ${tok} refused`),
      ],
      [
        "a KeyVaultClientError whose cause quotes the token",
        (tok: string) => new lib.core.KeyVaultClientError("ERR_UPSTREAM" as never, "refused", { cause: new Error(`for ${tok}`) }),
      ],
    ] as const) {
      for (const tok of [testJwt("finding"), opaqueToken("finding")]) {
        t.test(
          `a provider that throws ${what} on a refresh (${tok.startsWith("eyJ") ? "JWT" : "opaque"} token): ERR_TOKEN carries the token nowhere`,
          async () => {
            let n = 0;
            const fetch = async (i: string | URL | Request, init?: RequestInit) =>
              new Request(i, init).headers.get("authorization")
                ? Response.json({ ok: true })
                : new Response("", { status: 401, headers: { "www-authenticate": challenge } });
            const client = new KeyVaultClient(`https://${freshHost("f")}`, {
              fetch,
              getToken: () => {
                if (n++ === 0) return { token: tok, expiresOnTimestamp: Date.now() + 40 };
                throw thrown(tok);
              },
            });
            await client.fetch("/keys/k");
            await delay(30);
            const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TOKEN" });
            keep(`finding: provider ${what}`, e, [tok]);
            assert.equal(findLeak(e, [tok]), undefined);
          },
        );
      }
    }

    for (const [what, status, body] of [
      ["204 without a body", 204, null],
      ["200 with an empty body", 200, ""],
      ["200 with null", 200, "null"],
      ["200 with {}", 200, "{}"],
      ["200 with a key whose key_ops is a number", 200, '{"key":{"kid":"https://v.vault.azure.net/keys/k/1","kty":"EC","key_ops":5}}'],
    ] as const) {
      for (const helper of ["getKey", "sign", "verify", "encrypt", "getRandomBytes", "backupKey", "getSecret"] as const) {
        t.test(`${helper} answered ${what}: ERR_INVALID_RESPONSE (or another of our errors), never a TypeError`, async () => {
          const fetch = async (i: string | URL | Request, init?: RequestInit) =>
            new Request(i, init).headers.get("authorization")
              ? new Response(body, { status })
              : new Response("", { status: 401, headers: { "www-authenticate": challenge } });
          const client = new KeyVaultClient(`https://${freshHost("f")}`, { getToken: provider(), fetch });
          let error: unknown;
          try {
            if (helper === "getKey") await lib.keys.getKey(client, "k");
            else if (helper === "sign") await lib.keys.sign(client, "k", "ES256", new Uint8Array(32));
            else if (helper === "verify") await lib.keys.verify(client, "k", "ES256K", new Uint8Array(32), new Uint8Array(64));
            else if (helper === "encrypt") await lib.keys.encrypt(client, "k", "RSA-OAEP-256", new Uint8Array(8));
            else if (helper === "getRandomBytes") await lib.keys.getRandomBytes(client, 8);
            else if (helper === "backupKey") await lib.keys.backupKey(client, "k");
            else await lib.secrets.getSecret(client, "s");
          } catch (e) {
            error = e;
          }
          assert.ok(error !== undefined, "resolved as if the answer were a key or a signature");
          const kind = classify(lib, error);
          assert.ok(!kind.startsWith("FOREIGN"), kind);
        });
      }
    }

    t.test(
      "a probe answered with a malformed WWW-Authenticate holding a JWT: ERR_CHALLENGE_INVALID quotes no JWT-shaped text",
      async () => {
        const jwt = testJwt("challenge");
        for (const header of [`Bearer ${jwt} "unclosed`, `Bearer realm="", ${jwt}=`, `Bearer resource="x", resource="y", ${jwt}`]) {
          const fetch = async () => new Response("", { status: 401, headers: { "www-authenticate": header } });
          const client = new KeyVaultClient(`https://${freshHost("f")}`, { getToken: provider(), fetch });
          const e = await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_CHALLENGE_INVALID" });
          assert.equal(findLeak(e, []), undefined, header);
        }
      },
    );

    t.test("getKey answered 200 whose kid is the token it was sent: the error names no token", async () => {
      for (const tok of [testJwt("kid"), opaqueToken("kid")]) {
        const fetch = async (i: string | URL | Request, init?: RequestInit) =>
          new Request(i, init).headers.get("authorization")
            ? Response.json({ key: { kid: tok, kty: "EC" } })
            : new Response("", { status: 401, headers: { "www-authenticate": challenge } });
        const client = new KeyVaultClient(`https://${freshHost("f")}`, { getToken: provider(tok), fetch });
        const e = await assert.rejects(() => lib.keys.getKey(client, "k"));
        assert.equal(findLeak(e, [tok]), undefined);
      }
    });
  });
};

export default suite;
