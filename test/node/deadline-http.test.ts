// The deadline with the runtime's own fetch (no race: Node's fetch honours its signal), against a
// real loopback server that answers with headers and then dribbles its body, or never answers; and
// the shared deadline under concurrency, where Node warns of a leak past 10 listeners on one signal.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { KeyVaultClient, request } from "keyvault-fetch";
import { getKey } from "keyvault-fetch/keys";
import { denoEnv, denoExecutable, runInGroup } from "../processes.mjs";
import { repoRoot } from "./child.js";
import { tempDir } from "./tmp.js";

async function slowVault(mode: "dribble" | "silent") {
  const open = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    if (!req.headers.authorization) {
      res.writeHead(401, {
        "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/t1", resource="http://127.0.0.1"`,
      });
      return res.end();
    }
    open.add(res);
    res.on("close", () => open.delete(res));
    if (mode === "silent") return; // headers never come
    res.writeHead(200, { "content-type": "application/json" });
    res.write('{"key":{"kid":"');
    const timer = setInterval(() => res.write("a"), 20);
    res.on("close", () => clearInterval(timer));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    open,
    close: () =>
      new Promise<void>((r) => {
        for (const res of open) res.destroy();
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const getToken = () => ({ token: "token-deadline", expiresOnTimestamp: Date.now() + 3600_000 });

const suite: SuiteFile = (t) => {
  t.group("deadline with the runtime's fetch", () => {
    for (const mode of ["dribble", "silent"] as const) {
      t.test(`request() and getKey end at the deadline (${mode} server), and the connection is closed`, async () => {
        const vault = await slowVault(mode);
        try {
          const client = new KeyVaultClient(vault.url, { getToken, allowInsecureLoopback: true, timeout: 200 });
          const started = Date.now();
          await assert.rejects(() => request(client, "GET", "/keys/k"), { code: "ERR_TIMEOUT" });
          await assert.rejects(() => getKey(client, "k"), { code: "ERR_TIMEOUT" });
          assert.ok(Date.now() - started < 2000, `took ${Date.now() - started} ms`);
          await new Promise((r) => setTimeout(r, 100));
          assert.equal(vault.open.size, 0, "the aborted requests' connections were closed");
        } finally {
          await vault.close();
        }
      });
    }

    t.test("client.fetch: the caller's signal and the deadline cancel the body read", async () => {
      const vault = await slowVault("dribble");
      try {
        const client = new KeyVaultClient(vault.url, { getToken, allowInsecureLoopback: true, timeout: 300 });
        const controller = new AbortController();
        const res = await client.fetch("/keys/k", { signal: controller.signal });
        setTimeout(() => controller.abort(new Error("caller stopped")), 50);
        await assert.rejects(() => res.text(), { message: /caller stopped/ });
        const res2 = await client.fetch("/keys/k");
        await assert.rejects(() => res2.text(), { code: "ERR_TIMEOUT" });
      } finally {
        await vault.close();
      }
    });
  });

  t.group("client.fetch's deadline keeps no process running (Deadline.release unrefs its timer)", () => {
    // A script that gets a Response from client.fetch under a 60 s deadline and leaves its body
    // unread: it must exit at once, not when the deadline's timer fires.
    const script = () => {
      const file = join(tempDir("kvf-release-"), "unread-body.mjs");
      writeFileSync(
        file,
        `const { KeyVaultClient } = await import(${JSON.stringify(pathToFileURL(join(repoRoot(), "dist/index.js")).href)});
const client = new KeyVaultClient("https://exit.vault.azure.net", {
  getToken: () => ({ token: "t", expiresOnTimestamp: Date.now() + 3_600_000 }),
  fetch: async () => new Response("{}"),
  challenge: { scope: "https://vault.azure.net/.default" },
  timeout: 60_000,
});
console.log((await client.fetch("/keys/k")).status);
`,
      );
      return file;
    };
    const bun = join(dirname(createRequire(import.meta.url).resolve("@oven/bun-linux-x64-baseline/package.json")), "bin", "bun");
    const runtimes: [string, (file: string) => [string, string[], NodeJS.ProcessEnv | undefined]][] = [
      ["Node (a Timeout object: unref())", (file) => [process.execPath, [file], undefined]],
      ["Bun (a Timer object: unref())", (file) => [bun, [file], undefined]],
      ["Deno (a number: Deno.unrefTimer)", (file) => [denoExecutable(), ["run", "--no-prompt", "--allow-read", file], denoEnv()]],
    ];
    for (const [runtime, command] of runtimes) {
      t.test(
        `${runtime}: a script that leaves the body unread exits at once`,
        async () => {
          const [exe, args, env] = command(script());
          const started = Date.now();
          const run = await runInGroup(exe, args, { env, timeoutMs: 20_000 });
          assert.equal(run.timedOut, false, "still running after 20 s: the deadline's timer keeps the process alive");
          assert.equal(run.stdout.trim(), "200", run.stderr);
          assert.ok(Date.now() - started < 15_000, `took ${Date.now() - started} ms`);
        },
        { timeoutMs: 60_000 },
      );
    }
  });

  t.group("the shared deadline under concurrency (Node prints a leak warning past 10 listeners on one signal)", () => {
    t.test(
      "30 concurrent calls, each with its own signal, print no MaxListenersExceededWarning (the shared deadline takes no listener per call)",
      async () => {
        const warnings: string[] = [];
        const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
        process.on("warning", onWarning);
        try {
          // A fetch that answers later, so all 30 calls are in flight under one deadline at once.
          const fetch = async () => {
            await new Promise((r) => setTimeout(r, 20));
            return new Response("{}", { headers: { "content-type": "application/json" } });
          };
          const client = new KeyVaultClient("https://listeners.vault.azure.net", {
            getToken,
            fetch,
            challenge: { scope: "https://vault.azure.net/.default" },
          });
          const answers = await Promise.all(
            Array.from({ length: 30 }, () => client.fetch("/keys/k", { signal: new AbortController().signal })),
          );
          assert.equal(answers.filter((r) => r.ok).length, 30);
          await new Promise((r) => setImmediate(r)); // warnings are emitted on a later tick
          assert.deepEqual(
            warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")),
            [],
          );
        } finally {
          process.off("warning", onWarning);
        }
      },
    );

    t.test("20 concurrent calls waiting to retry print no MaxListenersExceededWarning, and each is retried once", async () => {
      const warnings: string[] = [];
      const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}`);
      process.on("warning", onWarning);
      try {
        let sent = 0;
        // Every call is first answered 503 with a retry-after of 30 ms, then 200.
        const seen = new Set<string>();
        const fetch = async (_url: string | URL | Request, init?: RequestInit) => {
          sent++;
          const id = ((init?.headers ?? {}) as Record<string, string>)["x-ms-client-request-id"] ?? "";
          if (!seen.has(id)) {
            seen.add(id);
            return new Response("busy", { status: 503, headers: { "retry-after-ms": "30" } });
          }
          return new Response("{}", { headers: { "content-type": "application/json" } });
        };
        const client = new KeyVaultClient("https://listeners.vault.azure.net", {
          getToken,
          fetch,
          challenge: { scope: "https://vault.azure.net/.default" },
        });
        const answers = await Promise.all(Array.from({ length: 20 }, () => client.fetch("/keys/k")));
        assert.equal(answers.filter((r) => r.ok).length, 20);
        assert.equal(sent, 40);
        await new Promise((r) => setImmediate(r));
        assert.deepEqual(
          warnings.filter((w) => w.startsWith("MaxListenersExceededWarning")),
          [],
        );
      } finally {
        process.off("warning", onWarning);
      }
    });
  });
};
export default suite;
