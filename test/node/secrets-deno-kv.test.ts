// The Deno KV adapter against a real Deno KV (deno's own binary, `Deno.openKv(":memory:")`): two
// caches (two isolates) on one KV database cost one vault read, and the database holds only a
// sealed value under a hashed key.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot } from "./child.js";
import { denoEnv, denoExecutable } from "../processes.mjs";

const script = (dist: (sub: string) => string) => `
import { KeyVaultClient } from "${dist("index")}";
import { SecretCache, denoKvStore } from "${dist("secrets")}";
const VAULT = "https://deno-kv.vault.azure.net";
let reads = 0;
// Canned vault answers: the secret, read through the real client (token, retries, JSON).
const fetch = async (input) => {
  reads++;
  const id = VAULT + "/secrets/db/0123456789abcdef0123456789abcdef";
  return Response.json({ value: "s3cret-from-vault", id, attributes: { enabled: true, created: 1, updated: 1 } });
};
// A JWT naming its identity (tid, oid): the store files entries under it (an opaque token does not use the store).
const b64url = (o) => btoa(JSON.stringify(o)).replace(/=+$/, "").replaceAll("+", "-").replaceAll("/", "_");
const token = b64url({ alg: "none" }) + "." + b64url({ tid: "72f988bf-86f1-41af-91ab-2d7cd011db47", oid: "5d9b1f0e-2c3a-4b5c-8d7e-9f0a1b2c3d4e" }) + ".sig";
const client = () => new KeyVaultClient(VAULT, { getToken: () => token, fetch, challenge: { scope: "https://vault.azure.net/.default" } });
const kv = await Deno.openKv(":memory:");
const store = denoKvStore(kv);
const isolate = () => new SecretCache({ store, sealingKey: "deno-kv-sealing-key-0123456789" });
const a = isolate(), b = isolate();
// The answer does not wait for the store's write; waitUntil keeps it (as on Workers), and here we await it.
const writes = [];
const first = await a.getValue(client(), "db", { waitUntil: (p) => writes.push(p) });
await Promise.all(writes);
const second = await b.getValue(client(), "db");
const entries = [];
for await (const e of kv.list({ prefix: ["keyvault-fetch"] })) entries.push([e.key, e.value]);
console.log(JSON.stringify({ first, second, reads, storeHits: b.stats.storeHits, entries }));
kv.close();
`;

const suite: SuiteFile = (t) => {
  t.test(
    "Deno KV adapter on a real Deno KV: the second isolate is served by the store; sealed, hashed",
    async () => {
      const root = repoRoot();
      const dir = mkdtempSync(join(tmpdir(), "kvf-deno-kv-"));
      try {
        const file = join(dir, "kv.mjs");
        writeFileSync(
          file,
          script((sub) => pathToFileURL(join(root, "dist", `${sub}.js`)).href),
        );
        const stdout = await new Promise<string>((resolve, reject) =>
          execFile(
            denoExecutable(),
            ["run", "--no-prompt", "--no-lock", "--no-config", "--unstable-kv", file],
            {
              cwd: root,
              timeout: 60_000,
              env: denoEnv(),
            },
            (error, out, err) => (error ? reject(new Error(`deno failed: ${error.message}\n${err}\n${out}`)) : resolve(out)),
          ),
        );
        const result = JSON.parse(stdout.trim().split("\n").pop()!);
        assert.deepEqual([result.first, result.second, result.reads, result.storeHits], ["s3cret-from-vault", "s3cret-from-vault", 1, 1]);
        assert.equal(result.entries.length, 1);
        const [[key, value]] = result.entries;
        assert.equal(key[0], "keyvault-fetch");
        assert.match(key[1], /^kvf-secret1:[A-Za-z0-9_-]{43}$/);
        assert.match(value, /^kvf1\./);
        assert.ok(
          !JSON.stringify(result.entries).includes("s3cret") && !JSON.stringify(result.entries).includes("/secrets/db"),
          "no value, no name",
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
    { timeoutMs: 90_000 },
  );
};
export default suite;
