// A browser snippet of the docs, run as written in Chromium with the real @azure/msal-browser.
// The page is https://app.example.com/ with the snippet as its module script. Every request the
// page makes to the addresses the snippet names is answered in this process, from the packages
// installed in `dir`: login.microsoftonline.com by the emulator's Entra authority,
// kv-proxy.example.com by the shipped proxy (keyvault-fetch/proxy) in front of the emulator's vault
// https://myvault.vault.azure.net. Only what a user fills in is filled in: `<SPA app id>` with an
// app registered for the page, `<tenant>` with the emulator's tenant. The sign-in page is answered
// with a user name, as a person would.
import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { build } from "esbuild";
import { launchChromium } from "../chromium.mjs";
import { repoRoot } from "./child.js";

export const PAGE = "https://app.example.com";
const AUTHORITY = "https://login.microsoftonline.com";
const PROXY = "https://kv-proxy.example.com";
const VAULT = "https://myvault.vault.azure.net";

/** The key the snippet may sign with: the one the Node quickstart creates. */
export const KEY_NAME = "quickstart-signer";

/** Runs the snippet; resolves with what it logged, rejects when it logs nothing within 30 s or the page throws. */
export async function runInBrowserAsAzure(dir: string, snippet: string): Promise<string> {
  const installed = createRequire(join(dir, "package.json"));
  const load = (name: string) => import(pathToFileURL(installed.resolve(name)).href);
  const [{ createEmulator }, { createVaultProxy }, { KeyVaultClient, request }] = await Promise.all([
    load("@keyvault-fetch/emulator"),
    load("keyvault-fetch/proxy"),
    load("keyvault-fetch"),
  ]);
  const emulator = createEmulator({ vaultUrl: VAULT, authorityHost: AUTHORITY });
  const clientId = crypto.randomUUID();
  emulator.registerClient({ clientId, redirectUris: [PAGE] });
  const admin = new KeyVaultClient(VAULT, { getToken: emulator.getToken, fetch: emulator.fetch });
  await request(admin, "POST", `/keys/${KEY_NAME}/create`, { kty: "EC", crv: "P-256" });
  const proxy = createVaultProxy({ vaultUrl: VAULT, allowedOrigins: [PAGE], fetch: emulator.fetch });

  const filled = snippet.replaceAll("<SPA app id>", clientId).replaceAll("<tenant>", emulator.tenantId);
  const bundle = await build({
    stdin: { contents: filled, loader: "ts", resolveDir: dir },
    nodePaths: [join(repoRoot(), "node_modules")], // @azure/msal-browser: a dev dependency here, not in the tarball
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    logLevel: "silent",
  });
  const page = new Map([
    [
      "/",
      { type: "text/html", body: '<!doctype html><meta charset="utf-8"><title>app</title><script type="module" src="/app.js"></script>' },
    ],
    ["/app.js", { type: "text/javascript", body: bundle.outputFiles[0]!.text }],
  ]);

  const browser = await launchChromium();
  try {
    const context = await browser.newContext();
    await context.route("**/*", async (route) => {
      const req = route.request();
      const url = new URL(req.url());
      let res: Response;
      if (url.origin === PAGE) {
        const file = page.get(url.pathname);
        res = file ? new Response(file.body, { headers: { "content-type": file.type } }) : new Response("not found", { status: 404 });
      } else if (url.origin === PROXY || url.origin === AUTHORITY) {
        const body = req.method() === "GET" || req.method() === "HEAD" ? undefined : new Uint8Array(req.postDataBuffer() ?? []);
        const forwarded = new Request(url, { method: req.method(), headers: req.headers(), body });
        res = url.origin === PROXY ? await proxy(forwarded) : await emulator.fetch(forwarded);
      } else {
        return route.abort("addressunreachable"); // nothing else is on this network
      }
      const location = res.headers.get("location");
      if (location && req.isNavigationRequest()) {
        // Chromium does not follow a redirect given to route.fulfill; a page that moves on at once does the same.
        res = new Response(`<!doctype html><script>location.replace(${JSON.stringify(location)})</script>`, {
          headers: { "content-type": "text/html" },
        });
      }
      await route.fulfill({
        status: res.status,
        headers: Object.fromEntries(res.headers),
        body: Buffer.from(await res.arrayBuffer()),
      });
    });

    const tab = await context.newPage();
    const thrown: string[] = [];
    tab.on("pageerror", (e) => thrown.push(e.message));
    await tab.goto(`${PAGE}/`);
    // The snippet's first call has no account: MSAL sends the page to the authority to sign in.
    await tab.waitForURL((u) => u.href.startsWith(`${AUTHORITY}/${emulator.tenantId}/oauth2/v2.0/authorize?`), { timeout: 30_000 });
    await tab.fill("#username", "ada@contoso.example");
    const [message] = await Promise.all([
      tab.waitForEvent("console", { predicate: (m) => m.type() === "log", timeout: 30_000 }),
      tab.click("#signin"),
    ]).catch((cause) => {
      throw new Error(
        `the snippet logged nothing within 30 s of the sign-in${thrown.length ? `; the page threw: ${thrown.join("; ")}` : ""}`,
        { cause },
      );
    });
    if (thrown.length) throw new Error(`the page threw: ${thrown.join("; ")}`);
    return message.text();
  } finally {
    await browser.close();
  }
}
