// The leak scan: every error path we can provoke, each with a JWT-shaped token and an opaque one,
// and every error the other reliability tests collected. Nothing a logger could print of an error
// (message, stack, String(e), JSON.stringify, toJSON, every enumerable property, the cause chain,
// and Node's util.inspect at depth Infinity where the runtime has it) may hold the bearer token, a
// fragment of it, or JWT-shaped text. Registered last, so it sees what the others caught.
import type { Lib, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { CAE_HEADER } from "./mock.js";
import { caught, findLeak, freshHost, keep, opaqueToken, responseTexts, testJwt } from "./reliability-kit.js";

/**
 * An error path. `jwtOnly`: the token is one the library never saw, so only a JWT shape can be
 * recognised. `forms`: further strings that must not show (the token as an echo encoded it).
 */
type Path = { id: string; jwtOnly?: boolean; forms?: (token: string) => string[]; run: (lib: Lib, token: string) => Promise<unknown> };

/** Ways a token provider fails while quoting the token. */
const PROVIDER_FAILURES: [string, (lib: Lib, tok: string) => never | Promise<never>][] = [
  [
    "throws an Error quoting the token",
    (_l, tok) => {
      throw new Error(`refresh failed for token ${tok}`);
    },
  ],
  [
    "throws a Bearer header in its message",
    (_l, tok) => {
      throw new Error(`401 from STS; request had Authorization: Bearer ${tok}`);
    },
  ],
  [
    "throws a KeyVaultClientError holding the token",
    (lib, tok) => {
      throw new lib.core.KeyVaultClientError("ERR_UPSTREAM" as never, `upstream refused ${tok}`);
    },
  ],
  [
    "throws a KeyVaultClientError whose cause holds the token",
    (lib, tok) => {
      throw new lib.core.KeyVaultClientError("ERR_UPSTREAM" as never, "upstream refused", { cause: new Error(`for ${tok}`) });
    },
  ],
  [
    "throws an Error whose cause chain (4 deep) holds the token",
    (_l, tok) => {
      throw new Error("outer", { cause: new Error("mid", { cause: new Error("inner", { cause: new Error(`deepest ${tok}`) }) }) });
    },
  ],
  [
    "throws an Error with the token in its name and code",
    (_l, tok) => {
      const e = new Error("x") as Error & { code?: string };
      e.name = `Err${tok}`;
      e.code = tok;
      throw e;
    },
  ],
  [
    "throws an Error carrying the request (headers) as a property",
    (_l, tok) => {
      throw Object.assign(new Error("failed"), { request: { headers: { authorization: `Bearer ${tok}` } }, token: tok });
    },
  ],
  [
    "throws a string holding the token",
    (_l, tok) => {
      throw `no: ${tok}`;
    },
  ],
  [
    "throws a plain object holding the token",
    (_l, tok) => {
      throw { message: `no ${tok}`, token: tok };
    },
  ],
  [
    "rejects with an AggregateError holding the token",
    (_l, tok) => Promise.reject(new AggregateError([new Error(tok)], `all failed: ${tok}`)),
  ],
];

const challenge = `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`;

/** A vault double: probes get the challenge; authorized requests get `answer(token)`. */
function echoing(answer: (auth: string, req: Request) => Response | Promise<Response>) {
  return async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const auth = req.headers.get("authorization");
    if (!auth) return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
    return answer(auth, req);
  };
}

function client(
  lib: Lib,
  token: string,
  fetch: (i: string | URL | Request, init?: RequestInit) => Promise<Response>,
  more: Record<string, unknown> = {},
) {
  return new lib.core.KeyVaultClient(`https://${freshHost("l")}`, {
    getToken: () => ({ token, expiresOnTimestamp: Date.now() + 3600_000 }),
    fetch,
    retry: { retries: 1, minDelayMs: 1, maxDelayMs: 5 },
    timeout: 1000,
    ...more,
  });
}

const ok = () => Response.json({ ok: true });

export const PATHS: Path[] = [
  // The token provider's failures, on a refresh (the token it quotes is one the client has used, so
  // it must be redacted whatever its shape) and on a first call (a JWT-shaped one must be).
  ...PROVIDER_FAILURES.flatMap(([what, thrower]): Path[] => [
    {
      id: `provider ${what}, on a refresh`,
      run: async (lib, tok) => {
        let n = 0;
        const c = client(lib, tok, echoing(ok), {
          getToken: () => {
            if (n++ === 0) return { token: tok, expiresOnTimestamp: Date.now() + 40 };
            return thrower(lib, tok);
          },
        });
        await c.fetch("/keys/k");
        await new Promise((r) => setTimeout(r, 30));
        return c.fetch("/keys/k");
      },
    },
    {
      id: `provider ${what}, on a first call`,
      jwtOnly: true,
      run: (lib, tok) => client(lib, tok, echoing(ok), { getToken: () => thrower(lib, tok) }).fetch("/keys/k"),
    },
  ]),
  ...["\r\n", "\n", "\0", " ", "\t", "é"].map((bad) => ({
    id: `provider returns a token with ${JSON.stringify(bad)} inside`,
    run: (lib: Lib, tok: string) =>
      client(lib, tok, echoing(ok), {
        getToken: () => ({ token: `${tok.slice(0, 20)}${bad}${tok.slice(20)}`, expiresOnTimestamp: Date.now() + 3600_000 }),
      }).fetch("/keys/k"),
  })),
  // The transport's failures.
  {
    id: "fetch rejects quoting the Authorization header",
    run: (lib, tok) =>
      client(lib, tok, async (i, init) => {
        const a = new Request(i, init).headers.get("authorization");
        if (!a) return echoing(ok)(i, init);
        throw new TypeError(`fetch failed: ${a}`);
      }).fetch("/keys/k"),
  },
  {
    id: "fetch rejects with a cause holding the init",
    run: (lib, tok) =>
      client(lib, tok, async (i, init) => {
        if (!new Request(i, init).headers.get("authorization")) return echoing(ok)(i, init);
        throw new TypeError("fetch failed", { cause: Object.assign(new Error(`socket: ${JSON.stringify(init?.headers)}`), { init }) });
      }).fetch("/keys/k"),
  },
  {
    id: "fetch rejects with a non-Error holding the token",
    run: (lib, tok) =>
      client(lib, tok, async (i, init) => {
        if (!new Request(i, init).headers.get("authorization")) return echoing(ok)(i, init);
        throw { headers: init?.headers, message: `Bearer ${tok}` };
      }).fetch("/keys/k"),
  },
  {
    id: "the deadline fires while the token is in flight",
    run: (lib, tok) =>
      client(
        lib,
        tok,
        async (i, init) => {
          if (!new Request(i, init).headers.get("authorization")) return echoing(ok)(i, init);
          return new Promise<Response>(() => {});
        },
        { timeout: 50 },
      ).fetch("/keys/k"),
  },
  // The vault's answers echoing the token.
  {
    id: "error body: JSON message, code and innererror echo the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing((a) =>
            Response.json({ error: { code: a, message: `bad token ${a}`, innererror: { code: tok, token: a } } }, { status: 400 }),
          ),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "error body: text echoing the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing((a) => new Response(`you sent ${a}`, { status: 403 })),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "error body: HTML echoing the token (a gateway)",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing(
            (a) => new Response(`<html><body><pre>${a}</pre></body></html>`, { status: 502, headers: { "content-type": "text/html" } }),
          ),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "error body: a key named __proto__ holding the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing(
            () =>
              new Response(`{"error":{"code":"X","message":"m","__proto__":{"t":"${tok}"},"innererror":{"__proto__":"${tok}"}}}`, {
                status: 400,
              }),
          ),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "x-ms-request-id and statusText echo the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing((a) => new Response("", { status: 500, statusText: "Bad", headers: { "x-ms-request-id": a } })),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "a CAE challenge twice, the 401 body echoing the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing(
            (a) =>
              new Response(JSON.stringify({ error: { code: "Unauthorized", message: a } }), {
                status: 401,
                headers: { "www-authenticate": CAE_HEADER },
              }),
          ),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "a 200 that is not JSON, echoing the token",
    run: (lib, tok) =>
      lib.core.request(
        client(
          lib,
          tok,
          echoing((a) => new Response(`not json ${a}`, { status: 200 })),
        ),
        "GET",
        "/keys/k",
      ),
  },
  {
    id: "a nextLink to another origin carrying the token",
    run: async (lib, tok) => {
      for await (const _ of lib.keys.listKeys(
        client(
          lib,
          tok,
          echoing(() => Response.json({ value: [], nextLink: `https://evil.example/keys?t=${tok}` })),
        ),
      )) {
        /* drain */
      }
    },
  },
  {
    id: "getKey: a 200 whose body is the token",
    run: (lib, tok) =>
      lib.keys.getKey(
        client(
          lib,
          tok,
          echoing(() => Response.json({ key: { kid: tok, kty: tok } })),
        ),
        "k",
      ),
  },
  {
    id: "sign: a 200 whose value is not base64url, holding the token",
    run: (lib, tok) =>
      lib.keys.sign(
        client(
          lib,
          tok,
          echoing(() => Response.json({ kid: `https://x/keys/k/1`, value: `!${tok}!` })),
        ),
        "k",
        "ES256",
        new Uint8Array(32),
      ),
  },
  {
    id: "an absolute URL of another origin with the token in its query",
    run: (lib, tok) => client(lib, tok, echoing(ok)).fetch(`https://evil.example/keys?access_token=${tok}`),
  },
  // The probe's answer: the client holds no token yet, so only a JWT shape can be recognised.
  {
    id: "a malformed challenge holding the token",
    jwtOnly: true,
    run: (lib, tok) =>
      client(lib, tok, async () => new Response("", { status: 401, headers: { "www-authenticate": `Bearer ${tok} "unclosed` } })).fetch(
        "/keys/k",
      ),
  },
  {
    id: "a challenge whose resource is the token",
    jwtOnly: true,
    run: (lib, tok) =>
      client(
        lib,
        tok,
        async () =>
          new Response("", {
            status: 401,
            headers: { "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/t", resource="https://${tok}.evil"` },
          }),
      ).fetch("/keys/k"),
  },
  // Token providers of keyvault-fetch/entra against an authority that echoes.
  {
    id: "entra fromClientSecret: the authority's error echoes the secret and a JWT",
    run: async (lib, tok) => {
      const getToken = lib.entra.fromClientSecret({
        tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
        clientId: "00000000-0000-0000-0000-000000000001",
        clientSecret: tok,
        fetch: async (_i: string | URL | Request, init?: RequestInit) =>
          Response.json(
            {
              error: "invalid_client",
              error_description: `AADSTS7000215: Invalid client secret ${new URLSearchParams(String(init?.body)).get("client_secret")} ${testJwt("authority")}`,
            },
            { status: 401 },
          ),
      } as Parameters<Lib["entra"]["fromClientSecret"]>[0]);
      return client(lib, tok, echoing(ok), { getToken }).fetch("/keys/k");
    },
  },
];

// Entra's providers against authorities that echo the credential they were sent, every way we could
// think of, in every place of an answer. The credential is the test's token wrapped in characters
// that URL, JSON and base64 encodings change, so each encoding gives a different text.
const credentialOf = (token: string) => `~"${token}+/ é`;
const utf8 = (text: string) => String.fromCharCode(...new TextEncoder().encode(text));
const formEncoded = (text: string) => new URLSearchParams({ s: text }).toString().slice(2);
/** An echo: the text the authority sends back, and the part of it that carries the credential alone. */
const ECHOES: [string, (credential: string) => [echo: string, carries: string]][] = [
  ["as sent", (c) => [c, c]],
  ["form-encoded", (c) => [formEncoded(c), formEncoded(c)]],
  ["URI-encoded", (c) => [encodeURIComponent(c), encodeURIComponent(c)]],
  ["URI-encoded twice", (c) => [encodeURIComponent(encodeURIComponent(c)), encodeURIComponent(encodeURIComponent(c))]],
  [
    "form-encoded, lower-case escapes",
    (c) => {
      const lower = formEncoded(c).replace(/%[0-9A-F]{2}/g, (m) => m.toLowerCase());
      return [lower, lower];
    },
  ],
  ["JSON-escaped", (c) => [JSON.stringify(c).slice(1, -1), JSON.stringify(c).slice(1, -1)]],
  ...[0, 1, 2].map((n): [string, (c: string) => [string, string]] => [
    `base64 at byte offset ${n}`,
    (c) => {
      const b = btoa(utf8("#".repeat(n) + c));
      return [b, b.slice(4, -4)];
    },
  ]),
  [
    "base64url of the form-encoded credential",
    (c) => {
      const b = btoa(formEncoded(c)).replace(/\+/g, "-").replace(/\//g, "_");
      return [b, b.slice(4, -4)];
    },
  ],
  [
    "hex",
    (c) => {
      const h = Array.from(new TextEncoder().encode(c), (b) => b.toString(16).padStart(2, "0")).join("");
      return [h, h];
    },
  ],
];
/** Where in an answer the echo sits. */
const PLACES: [string, (echo: string) => Response][] = [
  ["error_description", (e) => Response.json({ error: "invalid_client", error_description: `AADSTS7000215: got ${e}` }, { status: 401 })],
  ["error", (e) => Response.json({ error: e }, { status: 400 })],
  ["trace_id and correlation_id", (e) => Response.json({ error: "invalid_request", trace_id: e, correlation_id: e }, { status: 400 })],
  ["App Service's {statusCode, message}", (e) => Response.json({ statusCode: 400, message: `bad header ${e}` }, { status: 400 })],
  ["a text body cut at 200 characters inside it", (e) => new Response(`${"-".repeat(190)}${e}`, { status: 502 })],
];
const ENTRA_PROVIDERS: [string, (lib: Lib, credential: string, fetch: (i: unknown, init?: RequestInit) => Promise<Response>) => unknown][] =
  [
    [
      "fromClientSecret",
      (lib, credential, fetch) =>
        lib.entra.fromClientSecret({
          tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
          clientId: "c",
          clientSecret: credential,
          fetch,
          retry: false,
        }),
    ],
    [
      "fromClientAssertion",
      (lib, credential, fetch) =>
        lib.entra.fromClientAssertion({
          tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
          clientId: "c",
          assertion: () => credential,
          fetch,
          retry: false,
        }),
    ],
    [
      "fromManagedIdentity (App Service)",
      (lib, credential, fetch) =>
        lib.entra.fromManagedIdentity({ identityEndpoint: "https://id.example/token", identityHeader: credential, fetch, retry: false }),
    ],
  ];
for (const [provider, make] of ENTRA_PROVIDERS)
  for (const [how, encode] of ECHOES) {
    const forms = (token: string) => [...encode(credentialOf(token))];
    for (const [where, answer] of PLACES)
      PATHS.push({
        id: `entra ${provider}: the authority echoes the credential ${how} in ${where}`,
        forms: (token) => [forms(token)[1]!],
        run: (lib, tok) => {
          const getToken = make(lib, credentialOf(tok), async () => answer(encode(credentialOf(tok))[0]));
          return client(lib, tok, echoing(ok), { getToken }).fetch("/keys/k");
        },
      });
    PATHS.push({
      id: `entra ${provider}: fetch fails quoting the credential ${how}`,
      forms: (token) => [forms(token)[1]!],
      run: (lib, tok) => {
        const getToken = make(lib, credentialOf(tok), async () => {
          throw new TypeError(`connection reset after sending ${encode(credentialOf(tok))[0]}`, {
            cause: new Error(encode(credentialOf(tok))[0]),
          });
        });
        return client(lib, tok, echoing(ok), { getToken }).fetch("/keys/k");
      },
    });
  }

let ran: Promise<string[]> | undefined;
/** Provokes every error path once (memoized: the scan needs them even when a filter skipped the test that runs them). */
function runPaths(lib: Lib): Promise<string[]> {
  ran ??= (async () => {
    const wrong: string[] = [];
    for (const path of PATHS) {
      const tag = path.id.length.toString(36);
      for (const token of path.jwtOnly ? [testJwt(tag)] : [testJwt(tag), opaqueToken(tag)]) {
        let error: unknown;
        try {
          await path.run(lib, token);
        } catch (e) {
          error = e;
        }
        if (error === undefined) {
          wrong.push(`${path.id}: did not fail`);
          continue;
        }
        keep(`leak path: ${path.id}`, error, [token, ...(path.forms?.(token) ?? [])]);
        const isOurs = error instanceof lib.core.KeyVaultError || error instanceof lib.core.KeyVaultClientError;
        if (!isOurs)
          wrong.push(`${path.id}: not our error: ${String((error as Error)?.name)}: ${String((error as Error)?.message).slice(0, 120)}`);
      }
    }
    return wrong;
  })();
  return ran;
}

const suite: SuiteFile = (t, lib) => {
  t.group("reliability: leak scan", () => {
    t.test(
      `${PATHS.length} error paths × a JWT and an opaque token (JWT only where the library never saw the token): every one fails with our error`,
      async () => {
        const wrong = await runPaths(lib);
        assert.ok(wrong.length === 0, `\n${wrong.join("\n")}`);
      },
      { timeoutMs: 30_000 },
    );

    t.test(
      "no token, fragment of one or JWT-shaped text in anything an error prints: the error paths and every error the reliability tests before caught",
      async () => {
        await runPaths(lib);
        const leaks: string[] = [];
        for (const c of caught) {
          const where = findLeak(c.error, c.secrets);
          if (where) leaks.push(`${c.source} (${String((c.error as { code?: unknown })?.code ?? (c.error as Error)?.name)}): ${where}`);
        }
        assert.ok(caught.filter((c) => c.source.startsWith("leak path")).length >= PATHS.length, `scanned only ${caught.length} errors`);
        const unique = [...new Set(leaks)];
        assert.ok(unique.length === 0, `${leaks.length} of ${caught.length} errors leak:\n${unique.slice(0, 25).join("\n")}`);
      },
    );

    t.test("the scan can fail: a planted token in a message, a cause, a property, a stack and a JWT shape are each found", () => {
      const tok = opaqueToken("planted");
      const jwt = testJwt("planted");
      assert.ok(findLeak(new Error(`x ${tok}`), [tok]));
      assert.ok(findLeak(new Error("x", { cause: { deep: [{ t: tok.slice(0, 16) }] } }), [tok]));
      assert.ok(findLeak(Object.assign(new Error("x"), { body: { token: tok } }), [tok]));
      const e = new Error("x");
      e.stack = `Error: x\n    at ${jwt}`;
      assert.ok(findLeak(e, []));
      assert.ok(findLeak(new lib.core.KeyVaultClientError("ERR_X" as never, `eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.${"a".repeat(20)}`), []));
      assert.equal(findLeak(new Error("nothing here"), [tok]), undefined);
    });

    t.test(
      "errors whose kept Response (not enumerable, the vault's own answer) holds a header echoing the token: counted, not printed",
      () => {
        // Informational: a vault may echo the token in a response header; `KeyVaultError.response`
        // keeps that answer, out of JSON and default inspection. RELIABILITY.md reports the count.
        const inResponse = caught.filter((c) => responseTexts(c.error).some((text) => c.secrets.some((s) => text.includes(s))));
        for (const c of inResponse) assert.equal(findLeak(c.error, c.secrets), undefined, c.source);
      },
    );
  });
};

export default suite;
