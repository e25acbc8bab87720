// The browser demo end to end, as a person uses it: examples/browser/serve.mjs serves the page, the
// shipped proxy and the emulator; Chromium (playwright-core) clicks "Sign in", signs in on the
// emulator's authority page, lists the keys, types a message, signs it in the vault and verifies it
// locally, then sees a changed message fail and a CAE revocation answered without a new sign-in.
// The screenshot goes to the test's output folder; KVF_UPDATE_SCREENSHOT=1 also writes the
// README's copy (examples/browser/screenshot.png).
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { launchChromium } from "../chromium.mjs";
import { repoRoot } from "./child.js";

const suite: SuiteFile = (t) => {
  t.group("browser demo", () => {
    t.test(
      "sign in, list keys, sign in the vault and verify locally, through the proxy, in Chromium; a CAE revocation is answered silently",
      async () => {
        const root = repoRoot();
        const { startDemo } = await import(pathToFileURL(join(root, "examples/browser/serve.mjs")).href);
        const demo = await startDemo();
        const browser = await launchChromium();
        try {
          const tab = await browser.newPage({ viewport: { width: 760, height: 600 } });
          const problems: string[] = [];
          tab.on("pageerror", (e) => problems.push(e.message));
          await tab.goto(`${demo.url}/`);
          await tab.waitForSelector("body[data-ready=true]");
          assert.equal(await tab.textContent("#user"), "not signed in");

          // Sign in: off to the emulator's authority, a user name, back with a code the page redeems.
          await tab.click("#signin");
          await tab.waitForURL((url) => url.href.startsWith(`${demo.authority}/oauth2/v2.0/authorize?`));
          assert.match((await tab.textContent("h1")) ?? "", /Sign in/);
          await tab.fill("#username", "ada@contoso.example");
          await tab.click("#signin");
          await tab.waitForURL(`${demo.url}/`);
          await tab.waitForSelector("body[data-ready=true]");
          assert.equal(await tab.textContent("#user"), "signed in as ada@contoso.example");
          assert.equal(new URL(tab.url()).search, "", "the code is out of the address bar");

          await tab.click("#list");
          await tab.waitForSelector("#keys li");
          assert.deepEqual((await tab.$$eval("#keys li", (items) => items.map((li) => li.textContent))).sort(), [
            "demo-signer",
            "demo-wrapping",
          ]);

          await tab.fill("#message", "Pay 100 EUR to Ada");
          await tab.click("#sign");
          await tab.waitForFunction(() => document.getElementById("signature")!.textContent!.length > 0);
          assert.match(
            (await tab.textContent("#signature")) ?? "",
            /^ES256 signature [A-Za-z0-9_-]{86} by http:\/\/127\.0\.0\.1:\d+\/keys\/demo-signer\/[0-9a-f]{32}$/,
          );
          await tab.click("#verify");
          await tab.waitForSelector("#verdict.valid");
          assert.equal(await tab.textContent("#verdict"), "✓ valid, verified locally with Web Crypto (no request)");
          const shot = join(process.env.KVF_TEST_OUT ?? root, "demo.png");
          await tab.screenshot({ path: shot });
          if (process.env.KVF_UPDATE_SCREENSHOT === "1") copyFileSync(shot, join(root, "examples/browser/screenshot.png"));

          await tab.fill("#message", "Pay 900 EUR to Ada");
          await tab.click("#verify");
          await tab.waitForSelector("#verdict.invalid");

          // Every vault request came through the proxy with the user's delegated token (or was the probe).
          const vaultCalls = demo.emulator.requests.filter((r: { target: string }) => r.target === "vault");
          const fromPage = vaultCalls.filter((r: { url: string }) => !/\/create\?/.test(r.url));
          assert.ok(fromPage.length >= 3, `vault calls from the page: ${fromPage.length}`);

          // CAE: the vault revokes the session; the next call gets the claims challenge, fromMsal passes
          // the claims to the (stand-in) MSAL, whose refresh token answers them: no new sign-in.
          const before = demo.emulator.requests.length;
          demo.emulator.revokeSessions();
          await tab.click("#list");
          await tab.waitForFunction(() => document.querySelectorAll("#keys li").length === 2);
          const after = demo.emulator.requests.slice(before);
          const statuses = after.filter((r: { target: string }) => r.target === "vault").map((r: { status: number }) => r.status);
          assert.deepEqual(statuses, [401, 200], "one CAE challenge, one resend");
          assert.ok(
            after.some((r: { target: string; url: string }) => r.target === "authority" && r.url.endsWith("/oauth2/v2.0/token")),
            "a silent refresh, no sign-in page",
          );
          assert.equal(tab.url(), `${demo.url}/`);
          assert.equal(await tab.textContent("#error"), "");
          assert.deepEqual(problems, []);
        } finally {
          await browser.close();
          await demo.close();
        }
      },
      { timeoutMs: 120_000 },
    );
  });
};
export default suite;
