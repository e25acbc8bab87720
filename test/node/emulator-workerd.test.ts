// The README's `wrangler dev` recipe, as workerd runs it: a Worker (no nodejs_compat) with the
// printed environment as its vars reaches `keyvault-emulator --http --vault-host 127.0.0.1` over
// plain HTTP on loopback, gets a token with fromClientSecret and uses the vault.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { Miniflare } from "miniflare";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { repoRoot } from "./child.js";
import { bundleWorker } from "../workers.mjs";

const WORKER = `
import { KeyVaultClient } from "keyvault-fetch";
import { fromClientSecret } from "keyvault-fetch/entra";
import { createEcKey, signData } from "keyvault-fetch/keys";
export default {
  async fetch(request, env) {
    const getToken = fromClientSecret({ tenantId: env.AZURE_TENANT_ID, clientId: env.AZURE_CLIENT_ID, clientSecret: env.AZURE_CLIENT_SECRET,
      authorityHost: env.AZURE_AUTHORITY_HOST, allowInsecureLoopback: true });
    const client = new KeyVaultClient(env.KEYVAULT_URL, { getToken, allowInsecureLoopback: true });
    const key = await createEcKey(client, "from-workerd", { curve: "P-256" });
    const signed = await signData(client, key.id, "ES256", new TextEncoder().encode("hello"));
    return Response.json({ kid: key.id, signatureBytes: signed.result.length });
  },
};`;

const suite: SuiteFile = (t) => {
  t.group("emulator for wrangler dev (workerd)", () => {
    t.test(
      "a Worker configured by the printed environment uses the --http emulator on loopback",
      async () => {
        const script = await bundleWorker(repoRoot(), { contents: WORKER });
        const server = await startEmulatorServer({ name: "workerd-dev", vaultHost: "127.0.0.1", tls: false });
        const mf = new Miniflare({
          modules: true,
          script,
          compatibilityDate: "2025-09-01",
          bindings: { ...server.env },
        });
        try {
          const res = await mf.dispatchFetch("http://worker/");
          const text = await res.text();
          assert.equal(res.status, 200, text);
          const body = JSON.parse(text);
          assert.match(body.kid, new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/keys/from-workerd/[0-9a-f]{32}$`));
          assert.equal(body.signatureBytes, 64);
          assert.ok(
            server.emulator.requests.some((r) => r.target === "authority" && r.status === 200),
            "the token came from the emulator's authority",
          );
        } finally {
          await mf.dispose();
          await server.close();
        }
      },
      { timeoutMs: 60_000 },
    );
  });
};
export default suite;
