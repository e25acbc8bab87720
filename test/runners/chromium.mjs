// Chromium leg: the bundle runs in a page served from http://127.0.0.1 (a secure context, so
// crypto.subtle exists), driven by playwright-core (see test/chromium.mjs for where Chromium comes from).
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { launchChromium } from "../chromium.mjs";

export async function run(filter) {
  const bundle = readFileSync(join(process.env.KVF_TEST_OUT, "all.js"));
  const server = createServer((req, res) => {
    if (req.url === "/all.js") {
      res.writeHead(200, { "content-type": "text/javascript" });
      res.end(bundle);
    } else {
      res.writeHead(200, { "content-type": "text/html" });
      res.end(`<!doctype html><meta charset="utf-8"><title>keyvault-fetch suite</title>
<script type="module">import { run } from "/all.js"; window.runSuite = run; window.suiteReady = true;</script>`);
    }
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", () => r(undefined)));
  const browser = await launchChromium();
  try {
    const page = await browser.newPage();
    const errors = [];
    page.on("pageerror", (e) => errors.push(String(e)));
    await page.goto(`http://127.0.0.1:${/** @type {import("node:net").AddressInfo} */ (server.address()).port}/`);
    await page
      .waitForFunction(() => /** @type {any} */ (window).suiteReady === true, null, { timeout: 30_000 })
      .catch(() => {
        throw new Error(`the suite did not load in Chromium: ${errors.join("\n")}`);
      });
    return await page.evaluate((f) => /** @type {any} */ (window).runSuite("chromium", f || undefined), filter ?? "");
  } finally {
    await browser.close();
    server.close();
  }
}
