// The browser story for real: a page on one loopback origin calls the emulator's vault through the
// shipped proxy (keyvault-fetch/proxy/server) on another, with Chromium's own fetch (nothing
// injected): discovery through the exposed challenge, a static challenge that needs none, the
// request id readable on errors, and a page whose origin is not allowed stopped at the preflight.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { build } from "esbuild";
import { join } from "node:path";
import { serveFetchHandler, startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { serveVaultProxy } from "keyvault-fetch/proxy/server";
import { launchChromium } from "../chromium.mjs";
import { repoRoot } from "./child.js";

async function pageBundle(): Promise<string> {
  const dist = join(repoRoot(), "dist") + "/";
  const out = await build({
    stdin: {
      contents: `import { KeyVaultClient } from "${dist}index.js"; import { KeyClient, createEcKey, signData } from "${dist}keys.js";
        window.kv = { KeyVaultClient, KeyClient, createEcKey, signData };`,
      resolveDir: dist,
      loader: "js",
    },
    bundle: true,
    format: "esm",
    write: false,
    logLevel: "silent",
    logOverride: { "ignored-bare-import": "silent" },
  });
  return out.outputFiles[0]!.text;
}

async function servePage(bundle: string) {
  return serveFetchHandler(
    async (req) =>
      new URL(req.url).pathname === "/kv.js"
        ? new Response(bundle, { headers: { "content-type": "text/javascript" } })
        : new Response('<!doctype html><script type="module" src="/kv.js"></script>', { headers: { "content-type": "text/html" } }),
    { tls: false },
  );
}

const suite: SuiteFile = (t) => {
  t.group("browser through the shipped proxy (Chromium's own fetch)", () => {
    t.test(
      "discovery through the exposed challenge, a static challenge without it, request ids readable, other origins stopped at the preflight",
      async () => {
        const vault = await startEmulatorServer({ tls: false, name: "browserproxy", vaultHost: "127.0.0.1" });
        const emulator = vault.emulator;
        const token = (await emulator.getToken({ scopes: [`${vault.resource}/.default`] })).token;
        const bundle = await pageBundle();
        const page = await servePage(bundle);
        const stranger = await servePage(bundle);
        const proxy = await serveVaultProxy({ vaultUrl: vault.vaultUrl, allowedOrigins: [page.url], allowInsecureLoopback: true });
        const browser = await launchChromium();
        const vaultCalls = () => emulator.requests.filter((r) => r.target === "vault");
        try {
          const open = async (url: string) => {
            const tab = await browser.newPage();
            await tab.goto(url + "/");
            await tab.waitForFunction(() => (window as any).kv !== undefined, null, { timeout: 20_000 });
            return tab;
          };
          const args = { proxy: proxy.url, token, scope: `${vault.resource}/.default`, vault: vault.vaultUrl };

          // 1. A static challenge in a fresh page (empty caches): no probe, every request carries the token.
          const before = vaultCalls().length;
          const first = await open(page.url);
          const staticResult = await first.evaluate(async ({ proxy, token, scope }) => {
            const { KeyVaultClient, createEcKey } = (window as any).kv;
            const client = new KeyVaultClient(proxy, { getToken: () => token, allowInsecureLoopback: true, challenge: { scope } });
            const key = await createEcKey(client, "static-key", { curve: "P-256" });
            return { kty: key.key.kty, id: key.id };
          }, args);
          assert.equal(staticResult.kty, "EC");
          const staticCalls = vaultCalls().slice(before);
          assert.ok(
            staticCalls.length >= 1 && staticCalls.every((r) => r.authorization),
            "no unauthenticated probe with a static challenge",
          );
          await first.close();

          // 2. Discovery in another fresh page: the 401's WWW-Authenticate is readable through the proxy.
          const beforeDiscovery = vaultCalls().length;
          const second = await open(page.url);
          const discovered = await second.evaluate(async ({ proxy, token, vault }) => {
            const { KeyClient, signData } = (window as any).kv;
            const client = new KeyClient(proxy, { getToken: () => token, allowInsecureLoopback: true, vaultOrigin: vault });
            const key = await client.createEcKey("discovered-key", { curve: "P-256" });
            const data = new TextEncoder().encode("hello from Chromium");
            const signed = await signData(client, key.id, "ES256", data);
            const verified = await client.key(signed.kid).verifyData("ES256", data, signed.result);
            let missing: Record<string, unknown> = {};
            try {
              await client.getKey("no-such-key");
            } catch (e: any) {
              missing = { name: e.name, status: e.status, code: e.code, requestId: e.requestId };
            }
            return { signatureBytes: signed.result.length, valid: verified.result, local: verified.local, missing };
          }, args);
          assert.deepEqual(
            { signatureBytes: discovered.signatureBytes, valid: discovered.valid, local: discovered.local },
            { signatureBytes: 64, valid: true, local: true },
          );
          assert.equal(discovered.missing.code, "KeyNotFound");
          assert.equal(discovered.missing.status, 404);
          assert.match(String(discovered.missing.requestId), /^[0-9a-f-]{36}$/, "x-ms-request-id is exposed");
          const discoveryCalls = vaultCalls().slice(beforeDiscovery);
          assert.equal(discoveryCalls[0]!.authorization, false, "the first request is the probe");
          assert.equal(discoveryCalls.filter((r) => !r.authorization).length, 1, "exactly one probe");
          await second.close();

          // 3. A page whose origin is not on the list: the preflight is refused, nothing reaches the vault.
          const beforeStranger = vaultCalls().length;
          const third = await open(stranger.url);
          const refused = await third.evaluate(async ({ proxy, token, scope }) => {
            const { KeyVaultClient } = (window as any).kv;
            const client = new KeyVaultClient(proxy, {
              getToken: () => token,
              allowInsecureLoopback: true,
              challenge: { scope },
              retry: false,
            });
            try {
              await client.fetch("/keys");
              return "no error";
            } catch (e: any) {
              return { name: e.name, code: e.code };
            }
          }, args);
          assert.deepEqual(refused, { name: "KeyVaultClientError", code: "ERR_NETWORK" });
          assert.equal(vaultCalls().length, beforeStranger, "the vault saw nothing from the other origin");
          await third.close();
        } finally {
          await browser.close();
          await Promise.all([page.close(), stranger.close(), proxy.close(), vault.close()]);
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;
