// `--cors` for real: a page on one loopback origin gets a token from the emulator's authority and
// uses the vault on another port with Chromium's own fetch (no proxy); a page on an origin that is
// not listed is refused by the browser, because the emulator sends it no CORS headers.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { build } from "esbuild";
import { join } from "node:path";
import { serveFetchHandler, startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { launchChromium } from "../chromium.mjs";

async function pageBundle(): Promise<string> {
  const dist = join(process.cwd(), "dist") + "/"; // tests run from the repository root
  const out = await build({
    stdin: {
      contents: `import { KeyVaultClient } from "${dist}index.js"; import { createEcKey, signData } from "${dist}keys.js";
        window.kv = { KeyVaultClient, createEcKey, signData };`,
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

/** What the page does: a token straight from the authority, then the vault through keyvault-fetch. */
async function inPage(args: {
  authority: string;
  tenant: string;
  clientId: string;
  secret: string;
  vault: string;
  resource: string;
}): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  try {
    const res = await fetch(`${args.authority}/${args.tenant}/oauth2/v2.0/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "client_credentials",
        client_id: args.clientId,
        client_secret: args.secret,
        scope: `${args.resource}/.default`,
      }),
    });
    const token = (await res.json()).access_token as string;
    out.token = token.split(".").length;
    const { KeyVaultClient, createEcKey, signData } = (window as any).kv;
    const client = new KeyVaultClient(args.vault, { getToken: () => token, allowInsecureLoopback: true });
    const key = await createEcKey(client, "from-the-page", { curve: "P-256" });
    const signed = await signData(client, key.id, "ES256", new TextEncoder().encode("hello"));
    out.key = { kty: key.key.kty, signatureBytes: signed.result.length };
  } catch (e: any) {
    out.error = { name: e.name, message: String(e.message) };
  }
  try {
    const challenge = await fetch(`${args.vault}/keys?api-version=2025-07-01`);
    out.challenge = { status: challenge.status, wwwAuthenticate: challenge.headers.get("www-authenticate") };
  } catch (e: any) {
    out.challengeError = e.name;
  }
  return out;
}

const suite: SuiteFile = (t) => {
  t.group("emulator --cors in Chromium", () => {
    t.test(
      "a listed origin reaches the token endpoint and the vault directly (challenge exposed); a non-listed one is refused",
      async () => {
        const bundle = await pageBundle();
        const page = await serveFetchHandler(
          async (req) =>
            new URL(req.url).pathname === "/kv.js"
              ? new Response(bundle, { headers: { "content-type": "text/javascript" } })
              : new Response('<!doctype html><script type="module" src="/kv.js"></script>', { headers: { "content-type": "text/html" } }),
          { tls: false },
        );
        const listed = page.url; // http://127.0.0.1:<port>
        const unlisted = page.url.replace("127.0.0.1", "localhost"); // same page, another origin
        const server = await startEmulatorServer({ name: "cors-page", vaultHost: "127.0.0.1", tls: false, cors: [listed] });
        const browser = await launchChromium();
        try {
          const args = {
            authority: server.authorityHost,
            tenant: server.tenantId,
            clientId: server.clientId,
            secret: server.clientSecret,
            vault: server.vaultUrl,
            resource: server.resource,
          };
          const tab = await browser.newPage();
          const run = async (origin: string) => {
            await tab.goto(origin + "/");
            await tab.waitForFunction(() => (window as any).kv !== undefined, null, { timeout: 20_000 });
            return tab.evaluate(inPage, args);
          };
          const ok = await run(listed);
          assert.equal(ok.error, undefined, JSON.stringify(ok.error));
          assert.equal(ok.token, 3, "a JWT from the authority, read by the page");
          assert.deepEqual(ok.key, { kty: "EC", signatureBytes: 64 });
          assert.deepEqual(ok.challenge, {
            status: 401,
            wwwAuthenticate: `Bearer authorization="${server.authorityHost}/${server.tenantId}", resource="${server.resource}"`,
          });
          const preflights = server.emulator.requests.filter((r) => r.method === "OPTIONS");
          assert.ok(preflights.length >= 1 && preflights.every((r) => r.status === 204), "the browser's preflights were answered");

          const created = server.emulator.requests.filter((r) => r.method === "POST" && r.url.includes("/create")).length;
          const refused = await run(unlisted);
          assert.equal(
            (refused.error as { name: string } | undefined)?.name,
            "TypeError",
            `refused by the browser: ${JSON.stringify(refused)}`,
          );
          assert.equal(refused.challengeError, "TypeError", "not even the challenge can be read");
          assert.equal(
            server.emulator.requests.filter((r) => r.method === "POST" && r.url.includes("/create")).length,
            created,
            "nothing was created from the other origin",
          );
        } finally {
          await browser.close();
          await server.close();
          await page.close();
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;
