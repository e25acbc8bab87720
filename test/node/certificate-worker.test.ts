// The certificate Worker example, run for real: bundled by esbuild with only keyvault-fetch (no
// nodejs_compat), in miniflare, its outbound fetch routed to the in-process emulator. Its JWTs are
// signed in the vault by the certificate's key; jose verifies them with the Worker's JWKS, whose
// x5c is the certificate. `GET /certificates/{name}/` is answered in front of the emulator with the
// certificate built around the vault key (see test/suite/certificates-signing.test.ts).
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import * as jose from "jose";
import { Miniflare, Response as MfResponse, type Request as MfRequest } from "miniflare";
import { join } from "node:path";
import { KeyVaultClient, request, base64Encode } from "keyvault-fetch";
import { createEmulator } from "@keyvault-fetch/emulator";
import { makeCertificate } from "../suite/entra-helpers.js";
import { repoRoot } from "./child.js";
import { bundleWorker, emulatorBindings, toEmulator } from "../workers.mjs";

const suite: SuiteFile = (t, lib) => {
  t.group("examples", () => {
    t.test("certificate Worker (miniflare): JWTs signed by a vault-held certificate's key, JWKS with x5c, jose verifies", async () => {
      const root = repoRoot();
      const script = await bundleWorker(root, { file: join(root, "examples/certificate-worker/worker.ts") }, { minify: true });

      const emu = createEmulator({ name: `certworker${Date.now().toString(36)}` });
      const admin = new KeyVaultClient(emu.vaultUrl, { getToken: emu.getToken, fetch: emu.fetch });
      const cert = await makeCertificate(lib, "jwt issuer");
      const jwk = await crypto.subtle.exportKey("jwk", cert.privateKey);
      const { key } = await request<{ key: { kid: string } }>(admin, "PUT", "/keys/jwt-signing-cert", {
        key: { ...jwk, key_ops: ["sign", "verify"], alg: undefined, ext: undefined },
      });
      const version = key.kid.split("/").pop();
      const certificateAnswer = {
        id: `${emu.vaultUrl}/certificates/jwt-signing-cert/${version}`,
        kid: key.kid,
        cer: base64Encode(cert.der),
      };

      const toVault = toEmulator(emu);
      const mf = new Miniflare({
        modules: true,
        script,
        compatibilityDate: "2025-09-01",
        bindings: {
          ...emulatorBindings(emu),
          SIGNING_CERTIFICATE: "jwt-signing-cert",
          ISSUER: "https://issuer.example",
        },
        outboundService: async (req: MfRequest) => {
          const url = new URL(req.url);
          if (
            req.method === "GET" &&
            url.origin === emu.vaultUrl &&
            url.pathname === "/certificates/jwt-signing-cert/" &&
            req.headers.get("authorization")
          )
            return new MfResponse(JSON.stringify(certificateAnswer), { headers: { "content-type": "application/json" } });
          return toVault(req);
        },
      });
      try {
        const res = await mf.dispatchFetch("https://issuer.example/token", { method: "POST", body: JSON.stringify({ sub: "alice" }) });
        const text = await res.text();
        assert.equal(res.status, 200, text);
        const { token } = JSON.parse(text) as { token: string };
        const jwks = (await (await mf.dispatchFetch("https://issuer.example/.well-known/jwks.json")).json()) as jose.JSONWebKeySet;
        assert.deepEqual(jwks.keys[0]!.x5c, [base64Encode(cert.der)]);
        assert.equal(jwks.keys[0]!.kid, key.kid);
        const { payload, protectedHeader } = await jose.jwtVerify(token, jose.createLocalJWKSet(jwks), {
          issuer: "https://issuer.example",
          audience: "https://issuer.example",
        });
        assert.equal(payload.sub, "alice");
        assert.deepEqual(protectedHeader.x5c, [base64Encode(cert.der)]);
        assert.equal(protectedHeader["x5t#S256"], jwks.keys[0]!["x5t#S256"]);
        // The certificate in the header verifies the token too (what an x5c-trusting verifier does).
        const fromX5c = await jose.importX509(
          `-----BEGIN CERTIFICATE-----\n${protectedHeader.x5c![0]}\n-----END CERTIFICATE-----`,
          "RS256",
        );
        await jose.jwtVerify(token, fromX5c);
        assert.ok(
          emu.requests.some((r) => r.method === "POST" && /\/keys\/jwt-signing-cert\/[0-9a-f]+\/sign/.test(r.url)),
          "signed in the vault",
        );
      } finally {
        await mf.dispose();
      }
    });
  });
};
export default suite;
