#!/usr/bin/env node
// Serves the browser demo on loopback: the emulator (vault and Entra authority, plain HTTP), the
// shipped CORS proxy in front of its vault, and the page, bundled with esbuild at start.
//
//   npm run build && node examples/browser/serve.mjs     # then open the printed URL
//
// The page's origin is the only one the proxy allows, and the redirect URI of the single-page app
// registered with the emulator's authority. PORT picks the page's port (default 5173).
import { build } from "esbuild";
import { readFileSync } from "node:fs";
import { fileURLToPath, pathToFileURL } from "node:url";
import { KeyVaultClient, request } from "keyvault-fetch";
import { serveFetchHandler, startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { serveVaultProxy } from "keyvault-fetch/proxy/server";

/** Starts everything; `close()` stops it. */
export async function startDemo({ port = 0, keyName = "demo-signer" } = {}) {
  const out = await build({
    entryPoints: [fileURLToPath(new URL("./main.ts", import.meta.url))],
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    logLevel: "warning",
    logOverride: { "ignored-bare-import": "silent" },
  });
  const script = out.outputFiles[0].text;
  const html = readFileSync(new URL("./index.html", import.meta.url), "utf8");

  const vault = await startEmulatorServer({ tls: false, name: "demo", vaultHost: "127.0.0.1" });
  let config;
  const page = await serveFetchHandler(
    (req) => {
      const path = new URL(req.url).pathname;
      if (path === "/") return new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } });
      if (path === "/main.js") return new Response(script, { headers: { "content-type": "text/javascript; charset=utf-8" } });
      if (path === "/config.json") return Response.json(config);
      return new Response("not found\n", { status: 404 });
    },
    { tls: false, port },
  );
  const proxy = await serveVaultProxy({ vaultUrl: vault.vaultUrl, allowedOrigins: [page.url], allowInsecureLoopback: true });

  // The single-page app, and two keys for it to find (made by the emulator's own service principal).
  const clientId = crypto.randomUUID();
  vault.emulator.registerClient({ clientId, redirectUris: [`${page.url}/`] });
  const admin = new KeyVaultClient(vault.vaultUrl, { getToken: vault.emulator.getToken, allowInsecureLoopback: true });
  await request(admin, "POST", `/keys/${keyName}/create`, { kty: "EC", crv: "P-256" });
  await request(admin, "POST", "/keys/demo-wrapping/create", { kty: "RSA", key_size: 2048 });
  config = { proxyUrl: proxy.url, vaultOrigin: vault.vaultUrl, authority: `${vault.authorityHost}/${vault.tenantId}`, clientId, keyName };

  return {
    url: page.url,
    proxyUrl: proxy.url,
    vaultUrl: vault.vaultUrl,
    authority: config.authority,
    emulator: vault.emulator,
    close: () => Promise.all([page.close(), proxy.close(), vault.close()]).then(() => {}),
  };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const demo = await startDemo({ port: Number(process.env.PORT ?? 5173) });
  console.log(`demo page  ${demo.url}/\nproxy      ${demo.proxyUrl} -> vault ${demo.vaultUrl}\nauthority  ${demo.authority}\nCtrl+C stops`);
  process.once("SIGINT", () => {
    void demo.close().then(() => process.exit(0));
  });
}
