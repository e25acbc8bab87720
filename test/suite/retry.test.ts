import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { countingProvider, mockVault } from "./mock.js";

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, request, retryAfterMs, backoffDelay, isIdempotent, DEFAULT_RETRY } = lib.core;
  const fast = { retries: 3, minDelayMs: 1, maxDelayMs: 2000, maxElapsedMs: 10_000 };

  function flaky(statuses: (number | "drop")[], headers: Record<string, string> = {}) {
    let i = 0;
    return mockVault({
      handler: () => {
        const s = statuses[i++] ?? 200;
        if (s === "drop") throw new TypeError("fetch failed: connection reset");
        return s === 200
          ? Response.json({ ok: true })
          : Response.json({ error: { code: "Throttled", message: "slow down" } }, { status: s, headers });
      },
    });
  }

  t.group("retries", () => {
    t.test("429, 500, 502, 503, 504 and network errors are retried", async () => {
      const vault = flaky([429, 500, 502]);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: fast });
      assert.equal((await client.fetch("/keys/k")).status, 200);
      assert.equal(vault.requests.length, 5);
      const v2 = flaky([503, 504, "drop"]);
      const c2 = new KeyVaultClient(v2.vaultUrl, { getToken: countingProvider().getToken, fetch: v2.fetch, retry: fast });
      assert.equal((await c2.fetch("/keys/k")).status, 200);
    });

    t.test("gives up after the retry count and returns the last answer", async () => {
      const vault = flaky([503, 503, 503, 503, 503, 503, 503, 503]);
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch: vault.fetch,
        retry: { ...fast, retries: 2 },
      });
      assert.equal((await client.fetch("/keys/k")).status, 503);
      assert.equal(vault.requests.length, 1 + 3);
      await assert.rejects(() => request(client, "GET", "/keys/k"), { status: 503, code: "Throttled" });
    });

    t.test("network errors past the retries become ERR_NETWORK", async () => {
      const vault = flaky(["drop", "drop", "drop", "drop", "drop"]);
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch: vault.fetch,
        retry: { ...fast, retries: 1 },
      });
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_NETWORK", message: /connection reset/ });
    });

    t.test("400, 401, 403, 404, 409 are not retried", async () => {
      for (const s of [400, 403, 404, 409]) {
        const vault = flaky([s]);
        const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: fast });
        assert.equal((await client.fetch("/keys/k")).status, s);
        assert.equal(vault.requests.length, 2, `status ${s}`);
      }
    });

    t.test("operations unsafe to repeat are retried only on 429", async () => {
      const v1 = flaky([503]);
      const c1 = new KeyVaultClient(v1.vaultUrl, { getToken: countingProvider().getToken, fetch: v1.fetch, retry: fast });
      assert.equal((await c1.fetch("/keys/k/create", { method: "POST", body: "{}" })).status, 503);
      assert.equal(v1.requests.length, 2);
      const v2 = flaky([429]);
      const c2 = new KeyVaultClient(v2.vaultUrl, { getToken: countingProvider().getToken, fetch: v2.fetch, retry: fast });
      assert.equal((await c2.fetch("/keys/k/rotate", { method: "POST" })).status, 200);
      const v3 = flaky(["drop"]);
      const c3 = new KeyVaultClient(v3.vaultUrl, { getToken: countingProvider().getToken, fetch: v3.fetch, retry: fast });
      await assert.rejects(() => c3.fetch("/keys/restore", { method: "POST", body: "{}" }), { code: "ERR_NETWORK" });
      const v4 = flaky([503]);
      const c4 = new KeyVaultClient(v4.vaultUrl, { getToken: countingProvider().getToken, fetch: v4.fetch, retry: fast });
      assert.equal(((await request(c4, "POST", "/keys/k/sign", { alg: "ES256", value: "AA" })) as any).ok, true, "sign is safe to repeat");
      assert.equal(isIdempotent("PUT", "/keys/imported"), false);
      assert.equal(isIdempotent("POST", "/deletedkeys/k/recover"), false);
      assert.equal(isIdempotent("PATCH", "/keys/k/abc"), true);
      assert.equal(isIdempotent("PUT", "/keys/k/rotationpolicy"), true);
    });

    t.test("honours Retry-After in seconds and x-ms-retry-after-ms", async () => {
      const vault = flaky([429], { "retry-after": "1" });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: fast });
      const started = Date.now();
      await client.fetch("/keys/k");
      assert.ok(Date.now() - started >= 950, "waited the asked second");
      const v2 = flaky([429], { "x-ms-retry-after-ms": "30", "retry-after": "100" });
      const c2 = new KeyVaultClient(v2.vaultUrl, { getToken: countingProvider().getToken, fetch: v2.fetch, retry: fast });
      const s2 = Date.now();
      await c2.fetch("/keys/k");
      assert.ok(Date.now() - s2 < 900, "the ms header wins");
    });

    t.test("a Retry-After beyond the cap ends the retries at once", async () => {
      const vault = flaky([429, 429], { "retry-after": "3600" });
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: fast });
      assert.equal((await client.fetch("/keys/k")).status, 429);
      assert.equal(vault.requests.length, 2);
    });

    t.test("retryAfterMs reads seconds, HTTP dates and ms headers", () => {
      const now = Date.parse("Wed, 13 May 2026 15:57:37 GMT");
      assert.equal(retryAfterMs(new Headers({ "retry-after": "7" }), now), 7000);
      assert.equal(retryAfterMs(new Headers({ "retry-after": "Wed, 13 May 2026 15:57:47 GMT" }), now), 10_000);
      assert.equal(retryAfterMs(new Headers({ "retry-after": "Wed, 13 May 2026 15:57:00 GMT" }), now), 0);
      assert.equal(retryAfterMs(new Headers({ "retry-after-ms": "250" }), now), 250);
      assert.equal(retryAfterMs(new Headers({ "retry-after": "soon" }), now), undefined);
      assert.equal(retryAfterMs(new Headers(), now), undefined);
    });

    t.test("backoff is exponential with full jitter", () => {
      const opts = { ...DEFAULT_RETRY, minDelayMs: 100, maxDelayMs: 1000 };
      assert.equal(
        backoffDelay(0, opts, () => 0.999999),
        99,
      );
      assert.equal(
        backoffDelay(3, opts, () => 0.5),
        400,
      );
      assert.equal(
        backoffDelay(10, opts, () => 0.999999),
        999,
        "capped",
      );
      assert.equal(
        backoffDelay(2, opts, () => 0),
        0,
      );
    });

    t.test("retry: false sends once", async () => {
      const vault = flaky([503]);
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: vault.fetch, retry: false });
      assert.equal((await client.fetch("/keys/k")).status, 503);
      assert.equal(vault.requests.length, 2);
    });
  });

  t.group("timeouts and abort", () => {
    t.test("the timeout cancels a hanging request with ERR_TIMEOUT", async () => {
      const vault = mockVault({ handler: () => new Promise<Response>(() => {}) });
      const abortable = async (i: any, init?: RequestInit) => {
        const signal = init?.signal;
        return Promise.race([
          vault.fetch(i, init),
          new Promise<Response>((_, reject) => signal?.addEventListener("abort", () => reject(signal.reason))),
        ]);
      };
      const client = new KeyVaultClient(vault.vaultUrl, { getToken: countingProvider().getToken, fetch: abortable, timeout: 100 });
      const started = Date.now();
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TIMEOUT" });
      assert.ok(Date.now() - started < 2000);
    });

    t.test("the timeout cancels a retry wait", async () => {
      const vault = flaky([429], { "retry-after": "20" });
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch: vault.fetch,
        timeout: 100,
        retry: { ...fast, maxDelayMs: 60_000, maxElapsedMs: 60_000 },
      });
      const started = Date.now();
      await assert.rejects(() => client.fetch("/keys/k"), { code: "ERR_TIMEOUT" });
      assert.ok(Date.now() - started < 2000);
    });

    t.test("an AbortSignal cancels with its own reason", async () => {
      const vault = flaky([503, 503, 503], { "retry-after": "5" });
      const client = new KeyVaultClient(vault.vaultUrl, {
        getToken: countingProvider().getToken,
        fetch: vault.fetch,
        retry: { ...fast, maxDelayMs: 60_000 },
      });
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("user gave up")), 50);
      await assert.rejects(() => client.fetch("/keys/k", { signal: controller.signal }), { message: /user gave up/ });
      const pre = new AbortController();
      pre.abort(new Error("already"));
      await assert.rejects(() => client.fetch("/keys/k", { signal: pre.signal }), { message: /already/ });
    });
  });
};
export default suite;
