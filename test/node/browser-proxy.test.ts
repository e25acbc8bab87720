// The browser story for real: a page on one loopback origin calls a vault through a CORS proxy on
// another, with Chromium's own fetch (not an injected one). It shows what the README says a proxy
// must do: answer preflights, allow Authorization and x-ms-client-request-id, and either expose
// WWW-Authenticate or leave the client to a static `challenge`.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { build } from "esbuild";
import { join } from "node:path";
import { createEmulator } from "keyvault-fetch/emulator";
import { serveFetchHandler } from "keyvault-fetch/emulator/server";
import { launchChromium } from "../chromium.mjs";

async function pageBundle(): Promise<string> {
  const dist = join(process.cwd(), "dist") + "/"; // tests run from the repository root
  const out = await build({
    stdin: {
      contents: `import { KeyVaultClient } from "${dist}index.js"; import { createEcKey, signData } from "${dist}keys.js";
        window.kv = { KeyVaultClient, createEcKey, signData };`,
      resolveDir: dist, loader: "js",
    },
    bundle: true, format: "esm", write: false, logLevel: "silent", logOverride: { "ignored-bare-import": "silent" },
  });
  return out.outputFiles[0]!.text;
}

const suite: SuiteFile = (t) => {
  t.group("browser through a CORS proxy (Chromium's own fetch)", () => {
    t.test("discovery needs an exposed WWW-Authenticate; a static challenge works without; keys are created and used", async () => {
      const emulator = createEmulator();
      const token = (await emulator.getToken({ scopes: [`${emulator.resource}/.default`] })) as { token: string };
      const bundle = await pageBundle();
      const page = await serveFetchHandler(async (req) => new URL(req.url).pathname === "/kv.js"
        ? new Response(bundle, { headers: { "content-type": "text/javascript" } })
        : new Response('<!doctype html><script type="module" src="/kv.js"></script>', { headers: { "content-type": "text/html" } }), { tls: false });
      const proxy = (expose: boolean) => serveFetchHandler(async (req) => {
        const cors: Record<string, string> = { "access-control-allow-origin": page.url, vary: "origin" };
        if (expose) cors["access-control-expose-headers"] = "WWW-Authenticate, x-ms-request-id";
        if (req.method === "OPTIONS") {
          return new Response(null, { status: 204, headers: { ...cors,
            "access-control-allow-methods": "GET, POST, PUT, PATCH, DELETE",
            "access-control-allow-headers": "authorization, content-type, x-ms-client-request-id" } });
        }
        const url = new URL(req.url);
        const init: RequestInit = { method: req.method, headers: req.headers };
        if (req.method !== "GET" && req.method !== "HEAD") init.body = await req.arrayBuffer();
        const res = await emulator.fetch(emulator.vaultUrl + url.pathname + url.search, init);
        const headers = new Headers(res.headers);
        for (const [k, v] of Object.entries(cors)) headers.set(k, v);
        return new Response(res.body, { status: res.status, headers });
      }, { tls: false });
      const exposing = await proxy(true), hiding = await proxy(false);
      const browser = await launchChromium();
      try {
        const tab = await browser.newPage();
        await tab.goto(page.url + "/");
        await tab.waitForFunction(() => (window as any).kv !== undefined, null, { timeout: 20_000 });
        const result = await tab.evaluate(async ({ exposing, hiding, token, scope }) => {
          const { KeyVaultClient, createEcKey, signData } = (window as any).kv;
          const base = { getToken: () => token, allowInsecureLoopback: true, verifyChallengeResource: false };
          const out: Record<string, unknown> = {};
          // 1. discovery through a proxy that exposes the challenge
          const a = new KeyVaultClient(exposing, base);
          const key = await createEcKey(a, "browser-key", { curve: "P-256" });
          const signed = await signData(a, key.id.replace(/^https:\/\/[^/]+/, exposing), "ES256", new TextEncoder().encode("hi"));
          out.discovered = { kty: key.key.kty, signatureBytes: signed.result.length };
          // 2. discovery through a proxy that hides it: a clear error, nothing sent with a token
          try { await new KeyVaultClient(hiding, base).fetch("/keys/browser-key"); out.hidden = "no error"; }
          catch (e: any) { out.hidden = { name: e.name, code: e.code, message: e.message }; }
          // 3. the same proxy with the challenge given up front
          const c = new KeyVaultClient(hiding, { ...base, challenge: { scope } });
          const res = await c.fetch("/keys/browser-key");
          out.static = { status: res.status, kty: (await res.json()).key.kty };
          return out;
        }, { exposing: exposing.url, hiding: hiding.url, token: token.token, scope: `${emulator.resource}/.default` });
        assert.deepEqual(result.discovered, { kty: "EC", signatureBytes: 64 });
        const hidden = result.hidden as { name: string; code: string; message: string };
        assert.equal(hidden.code, "ERR_CHALLENGE_INVALID");
        assert.match(hidden.message, /options\.challenge/);
        assert.deepEqual(result.static, { status: 200, kty: "EC" });
        // every vault request after the first carried the token; the hidden-proxy probe carried none
        const authorized = emulator.requests.filter((r: any) => r.target !== "authority" && r.authorization).length;
        assert.ok(authorized >= 3, `authorized vault requests: ${authorized}`);
      } finally {
        await browser.close();
        await Promise.all([page.close(), exposing.close(), hiding.close()]);
      }
    }, { timeoutMs: 60_000 });
  });
};
export default suite;
