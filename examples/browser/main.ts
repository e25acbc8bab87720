// The demo page: sign in (authorization code + PKCE, through fromMsal), list the vault's keys, sign
// a message in the vault and verify the signature here with Web Crypto. Every vault call goes
// through the CORS proxy; the page never sees a secret, only the signed-in user's token.
import { base64UrlEncode } from "keyvault-fetch";
import { fromMsal } from "keyvault-fetch/entra";
import { KeyClient } from "keyvault-fetch/keys";
import { TinyPublicClient } from "./emulator-msal.js";

interface DemoConfig {
  proxyUrl: string;
  vaultOrigin: string;
  authority: string;
  clientId: string;
  keyName: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const show = (id: string, text: string, className = "") => {
  const el = $(id);
  el.textContent = text;
  el.className = className;
};

const config = (await (await fetch("/config.json")).json()) as DemoConfig;
// With a real tenant this is `new PublicClientApplication({ auth: { clientId, authority, redirectUri, clientCapabilities: ["CP1"] } })`.
const msal = new TinyPublicClient({
  clientId: config.clientId,
  authority: config.authority,
  redirectUri: `${location.origin}/`,
  clientCapabilities: ["CP1"],
});
const client = new KeyClient(config.proxyUrl, {
  getToken: fromMsal(msal, { interaction: "redirect" }),
  vaultOrigin: config.vaultOrigin, // the vault's own origin: key ids name it, and go to the proxy
  allowInsecureLoopback: true, // the demo's proxy is plain http on loopback
});

let signed: { data: Uint8Array; signature: Uint8Array; kid: string } | undefined;

async function run(action: () => Promise<void>) {
  show("error", "");
  try {
    await action();
  } catch (e) {
    show("error", `${(e as Error).name}: ${(e as Error).message}`);
  }
}

function showUser() {
  const account = msal.getActiveAccount();
  show("user", account ? `signed in as ${account.username}` : "not signed in", account ? "" : "muted");
}

$("signin").onclick = () => run(() => msal.acquireTokenRedirect({ scopes: [] }));

$("list").onclick = () =>
  run(async () => {
    const list = $("keys");
    list.replaceChildren();
    for await (const key of client.listKeys()) {
      const li = document.createElement("li");
      li.textContent = key.name;
      list.append(li);
    }
  });

$("sign").onclick = () =>
  run(async () => {
    const data = new TextEncoder().encode($<HTMLInputElement>("message").value);
    const { result, kid } = await client.key(config.keyName).signData("ES256", data);
    signed = { data, signature: result, kid };
    show("signature", `ES256 signature ${base64UrlEncode(result)} by ${kid}`);
    show("verdict", "");
  });

$("verify").onclick = () =>
  run(async () => {
    if (!signed) throw new Error("sign a message first");
    const data = new TextEncoder().encode($<HTMLInputElement>("message").value);
    // The exact key version that signed: its public key is fetched once, then checked here.
    const { result, local } = await client.key(signed.kid).verifyData("ES256", data, signed.signature);
    show(
      "verdict",
      `${result ? "✓ valid" : "✗ not valid for this message"}${local ? ", verified locally with Web Crypto (no request)" : ""}`,
      result ? "valid" : "invalid",
    );
  });

await run(async () => {
  await msal.handleRedirectPromise();
});
showUser();
document.body.dataset.ready = "true";
