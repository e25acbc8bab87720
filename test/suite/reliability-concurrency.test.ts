// CAE loops, many concurrent cold callers some of whom abort, and the isolate-wide challenge cache
// shared by clients that verify and clients that do not (several vaults, ports, proxies).
import fc from "fast-check";
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { CAE_HEADER } from "./mock.js";
import { classify, delay, freshHost, keep, seededRandom, watchdog } from "./reliability-kit.js";

const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const challengeFor = (resource: string, tenant = TENANT) =>
  `Bearer authorization="https://login.microsoftonline.com/${tenant}", resource="${resource}"`;

/** A vault double that counts probes, authorized requests and answers authorized ones with `answer`. */
function vault(answer: (n: number, req: Request) => Response | Promise<Response>, opts: { probeDelayMs?: number; resource?: string } = {}) {
  const host = freshHost("c");
  const seen = { probes: 0, authorized: 0, bodiesWithoutToken: 0 };
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const body = init?.body ? await req.text() : "";
    if (!req.headers.get("authorization")) {
      seen.probes++;
      if (body) seen.bodiesWithoutToken++;
      if (opts.probeDelayMs) await delayOrAbort(opts.probeDelayMs, init?.signal);
      return new Response("", { status: 401, headers: { "www-authenticate": challengeFor(opts.resource ?? "https://vault.azure.net") } });
    }
    return answer(++seen.authorized, req);
  };
  return { host, url: `https://${host}`, fetch, seen };
}

function delayOrAbort(ms: number, signal?: AbortSignal | null): Promise<void> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener(
      "abort",
      () => {
        clearTimeout(t);
        reject(signal.reason);
      },
      { once: true },
    );
  });
}

function provider(delayMs = 0) {
  const calls: { scopes: string[]; tenantId?: string | undefined; claims?: string | undefined }[] = [];
  const issued = new Map<string, string>();
  const getToken = async (r: { scopes: string[]; tenantId?: string; claims?: string }) => {
    calls.push({ scopes: [...r.scopes], tenantId: r.tenantId, claims: r.claims });
    if (delayMs) await delay(delayMs);
    const token = `token-${calls.length}${r.claims ? "-claims" : ""}`;
    issued.set(token, r.scopes[0]!);
    return { token, expiresOnTimestamp: Date.now() + 3600_000 };
  };
  return { getToken, calls, issued };
}

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, request } = lib.core;

  t.group("reliability: CAE loops", () => {
    t.test(
      "a vault that always answers insufficient_claims: one fresh token with the claims, one resend, then the 401; never a loop (20 calls in a row, 20 concurrent)",
      async () => {
        const v = vault(() => new Response("", { status: 401, headers: { "www-authenticate": CAE_HEADER } }));
        const p = provider();
        const client = new KeyVaultClient(v.url, { getToken: p.getToken, fetch: v.fetch, timeout: 2000 });
        for (let i = 0; i < 20; i++) assert.equal((await client.fetch("/keys/k")).status, 401);
        assert.equal(v.seen.authorized, 40, "two authorized attempts per call");
        const results = await Promise.all(
          Array.from({ length: 20 }, () =>
            request(client, "GET", "/keys/k").then(
              () => "ok",
              (e) =>
                keep(
                  "cae loop",
                  e,
                  p.calls.map((_, i) => `token-${i + 1}`),
                ) && classify(lib, e),
            ),
          ),
        );
        assert.ok(
          results.every((r) => r === "KeyVaultError 401"),
          results.join(),
        );
        assert.equal(v.seen.authorized, 80, "still two per call under concurrency");
        assert.equal(v.seen.probes, 1);
        assert.ok(p.calls.filter((c) => c.claims).length <= 21, `claims tokens: ${p.calls.filter((c) => c.claims).length}`);
        assert.ok(p.calls.every((c) => c.scopes.length === 1 && c.scopes[0] === "https://vault.azure.net/.default"));
      },
    );

    t.test(
      "CAE, then a plain 401 naming another tenant, then CAE again, forever: each call ends after at most three authorized attempts",
      async () => {
        const v = vault((n) =>
          n % 2
            ? new Response("", { status: 401, headers: { "www-authenticate": CAE_HEADER } })
            : new Response("", { status: 401, headers: { "www-authenticate": challengeFor("https://vault.azure.net", `tenant${n}`) } }),
        );
        const p = provider();
        const client = new KeyVaultClient(v.url, { getToken: p.getToken, fetch: v.fetch, timeout: 2000 });
        for (let i = 0; i < 10; i++) {
          const before = v.seen.authorized;
          const r = await watchdog(client.fetch("/keys/k"), 3000);
          assert.ok(!r.hung, "ended");
          assert.ok(v.seen.authorized - before <= 3, `call ${i}: ${v.seen.authorized - before} authorized attempts`);
        }
        assert.ok(p.calls.every((c) => /^[\w.-]+$/.test(c.tenantId ?? "x")));
      },
    );

    t.test(
      "a vault that answers every token with a challenge for a new tenant: one re-learn per call, then the 401 goes to the caller",
      async () => {
        const v = vault(
          (n) => new Response("", { status: 401, headers: { "www-authenticate": challengeFor("https://vault.azure.net", `t${n}`) } }),
        );
        const p = provider();
        const client = new KeyVaultClient(v.url, { getToken: p.getToken, fetch: v.fetch, timeout: 2000 });
        for (let i = 0; i < 5; i++) assert.equal((await client.fetch("/keys/k")).status, 401);
        assert.ok(v.seen.authorized <= 10, `${v.seen.authorized} authorized attempts for 5 calls`);
      },
    );

    t.test("malformed CAE claims (not base64 of JSON) end the call with the 401, never a token request with garbage claims", async () => {
      const bad = CAE_HEADER.replace(/claims="[^"]*"/, 'claims="%%%not-base64"');
      const v = vault(() => new Response("", { status: 401, headers: { "www-authenticate": bad } }));
      const p = provider();
      const client = new KeyVaultClient(v.url, { getToken: p.getToken, fetch: v.fetch, timeout: 2000 });
      assert.equal((await client.fetch("/keys/k")).status, 401);
      assert.equal(p.calls.filter((c) => c.claims).length, 0);
    });
  });

  t.group("reliability: concurrency with aborting callers", () => {
    for (const firstAborts of [false, true]) {
      t.test(
        `1000 concurrent cold calls, a third abort at random moments${firstAborts ? " (the caller whose probe the others joined among them)" : ""}: the others succeed, one token call, ${firstAborts ? "no more probes than callers who gave up one, plus one" : "one probe"}, bodies only with tokens`,
        async () => {
          const v = vault((_n, req) => Response.json({ ok: true, path: new URL(req.url).pathname }), { probeDelayMs: 30 });
          const p = provider(20);
          const client = new KeyVaultClient(v.url, { getToken: p.getToken, fetch: v.fetch, timeout: 5000 });
          const random = seededRandom(firstAborts ? 11 : 7);
          const calls = Array.from({ length: 1000 }, (_, i) => {
            const aborts = (i === 0 && firstAborts) || (i > 0 && random() < 1 / 3);
            const controller = new AbortController();
            const reason = new Error(`caller ${i} gave up`);
            if (aborts) setTimeout(() => controller.abort(reason), i === 0 ? 10 : Math.floor(random() * 70));
            const started = client
              .fetch(`/keys/k${i}/sign`, { method: "POST", body: `{"n":${i}}`, signal: controller.signal })
              .then(async (r) => ({ status: r.status, body: await r.text() }));
            return watchdog(started, 8000).then((r) => ({ i, aborts, reason, ...r }));
          });
          const done = await Promise.all(calls);
          const wrong: string[] = [];
          for (const c of done) {
            if (c.hung) wrong.push(`call ${c.i} hung`);
            else if (c.error !== undefined) {
              if (!c.aborts) wrong.push(`call ${c.i} did not abort, yet failed: ${classify(lib, c.error)}`);
              else if (c.error !== c.reason) wrong.push(`call ${c.i} aborted, but failed with ${classify(lib, c.error)}`);
            } else if (c.value!.status !== 200) wrong.push(`call ${c.i}: ${c.value!.status}`);
          }
          assert.ok(wrong.length === 0, wrong.slice(0, 10).join("\n"));
          assert.ok(
            done.some((c) => c.aborts && c.error !== undefined),
            "some callers did abort",
          );
          assert.equal(p.calls.length, 1, "one token call");
          // A probe is given up only with its caller: each one given up may cost one more, never one per caller.
          const aborted = done.filter((c) => c.aborts && c.error !== undefined).length;
          assert.ok(v.seen.probes <= (firstAborts ? aborted + 1 : 1), `${v.seen.probes} probes, ${aborted} callers gave up`);
          assert.equal(v.seen.bodiesWithoutToken, 0);
        },
        { timeoutMs: 30_000 },
      );
    }

    t.test(
      "1000 concurrent calls on a warm client while the token expires: one refresh, every call answered",
      async () => {
        const v = vault(() => Response.json({ ok: true }));
        let n = 0;
        const getToken = async () => ({ token: `token-${++n}`, expiresOnTimestamp: Date.now() + (n === 1 ? 150 : 3600_000) });
        const client = new KeyVaultClient(v.url, { getToken, fetch: v.fetch, timeout: 5000 });
        await client.fetch("/keys/warm");
        await delay(100); // past the refresh point (half-life of a short token)
        const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => client.fetch(`/keys/k${i}`).then((r) => r.status)));
        assert.ok(results.every((s) => s === 200));
        assert.equal(n, 2, "one refresh for 1000 concurrent callers");
      },
      { timeoutMs: 30_000 },
    );
  });

  t.group("reliability: cache isolation", () => {
    type Step = { vault: number; port: boolean; verify: boolean; proxy: boolean };
    const step = fc.record({ vault: fc.integer({ min: 0, max: 2 }), port: fc.boolean(), verify: fc.boolean(), proxy: fc.boolean() });
    const modes = ["good", "hostile", "hostile-then-good"] as const;

    t.test(
      "150 generated sequences of clients (3 vaults, ports, proxies, verification on and off, one shared provider): a verifying client only ever sends a token for a scope that verifies for its vault",
      async () => {
        await fc.assert(
          fc.asyncProperty(
            fc.array(step, { minLength: 2, maxLength: 8 }),
            fc.array(fc.constantFrom(...modes), { minLength: 6, maxLength: 6 }),
            async (steps: Step[], vaultModes) => {
              const hosts = [freshHost("i"), freshHost("i"), freshHost("i")];
              const p = provider();
              const sent: { client: number; verify: boolean; vaultHost: string; token: string }[] = [];
              const probes = new Map<string, number>();
              const fetchFor =
                (idx: number, verify: boolean, vaultHost: string, mode: (typeof modes)[number]) =>
                async (input: string | URL | Request, init?: RequestInit) => {
                  const req = new Request(input, init);
                  const auth = req.headers.get("authorization");
                  const origin = new URL(req.url).origin;
                  if (!auth) {
                    const k = (probes.get(origin) ?? 0) + 1;
                    probes.set(origin, k);
                    const hostile = mode === "hostile" || (mode === "hostile-then-good" && k === 1);
                    return new Response("", {
                      status: 401,
                      headers: {
                        "www-authenticate": hostile
                          ? challengeFor("https://management.azure.com", "evil-tenant")
                          : challengeFor("https://vault.azure.net"),
                      },
                    });
                  }
                  sent.push({ client: idx, verify, vaultHost, token: auth.replace(/^Bearer /, "") });
                  // A hostile vault also answers tokens with a plain 401 re-challenge for the foreign resource.
                  if (mode === "hostile")
                    return new Response("", {
                      status: 401,
                      headers: { "www-authenticate": challengeFor("https://management.azure.com", "evil-tenant") },
                    });
                  return Response.json({ ok: true });
                };
              for (let i = 0; i < steps.length; i++) {
                const s = steps[i]!;
                const host = hosts[s.vault]!;
                const mode = vaultModes[s.vault * 2 + (s.port ? 1 : 0)]!;
                const vaultUrl = s.proxy ? `https://proxy-${host}${s.port ? ":8443" : ""}` : `https://${host}${s.port ? ":8443" : ""}`;
                const client = new KeyVaultClient(vaultUrl, {
                  getToken: p.getToken,
                  fetch: fetchFor(i, s.verify, host, mode),
                  verifyChallengeResource: s.verify,
                  timeout: 2000,
                  retry: false,
                  ...(s.proxy ? { vaultOrigin: `https://${host}` } : {}),
                });
                await client.fetch("/keys/k").then(
                  (r) => r.body?.cancel(),
                  (e) => keep("cache isolation", e, [...p.issued.keys()]),
                );
              }
              for (const s of sent) {
                if (!s.verify) continue;
                const scope = p.issued.get(s.token);
                assert.ok(scope !== undefined, "a token the provider issued");
                try {
                  lib.core.verifyChallengeResource(scope!, `https://${s.vaultHost}`);
                } catch {
                  throw new Error(`client ${s.client} (verifying, vault ${s.vaultHost}) sent a token for ${scope}`);
                }
              }
            },
          ),
          { numRuns: 150, seed: 4242 },
        );
      },
      { timeoutMs: 60_000 },
    );

    t.test(
      "a lenient client on one port learns a hostile challenge; strict clients on the same host at another port, behind a proxy, and on other vaults are untouched",
      async () => {
        const host = freshHost("p");
        const other = freshHost("p");
        const p = provider();
        const asked: string[] = [];
        const mk = (url: string, verify: boolean, hostile: boolean, vaultOrigin?: string) =>
          new KeyVaultClient(url, {
            getToken: async (r) => {
              asked.push(`${url} ${r.scopes[0]}`);
              return p.getToken(r);
            },
            verifyChallengeResource: verify,
            timeout: 2000,
            retry: false,
            ...(vaultOrigin ? { vaultOrigin } : {}),
            fetch: async (i, init) =>
              new Request(i, init).headers.get("authorization")
                ? Response.json({ ok: true })
                : new Response("", {
                    status: 401,
                    headers: { "www-authenticate": challengeFor(hostile ? "https://management.azure.com" : "https://vault.azure.net") },
                  }),
          });
        assert.equal(
          (await mk(`https://${host}:8443`, false, true).fetch("/keys/k")).status,
          200,
          "the lenient client took the hostile challenge",
        );
        assert.equal((await mk(`https://${host}`, true, false).fetch("/keys/k")).status, 200);
        assert.equal((await mk(`https://proxy-${host}:8443`, true, false, `https://${host}:8443`).fetch("/keys/k")).status, 200);
        assert.equal((await mk(`https://${other}`, true, false).fetch("/keys/k")).status, 200);
        // A strict client on the lenient client's own origin refuses the hostile challenge itself.
        await assert.rejects(() => mk(`https://${host}:8443`, true, true).fetch("/keys/k"), { code: "ERR_CHALLENGE_RESOURCE" });
        const strict = asked.filter((a) => !a.startsWith(`https://${host}:8443 `));
        assert.ok(
          strict.every((a) => a.endsWith(" https://vault.azure.net/.default")),
          strict.join("\n"),
        );
      },
    );
  });
};

export default suite;
