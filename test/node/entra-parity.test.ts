// Parity: the official @azure/identity ClientSecretCredential and keyvault-fetch/entra's
// fromClientSecret get equivalent tokens from the emulator server's authority for the same
// client (same audience, issuer, tenant, app, lifetime, CAE capability), both signed by the
// authority's key, both accepted by the vault; both refuse a wrong secret with the same Entra code.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import * as jose from "jose";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { KeyVaultClient, request } from "keyvault-fetch";
import { runNodeScript } from "./child.js";

type Token = { token: string; expiresOnTimestamp: number };
/** Claims that differ on every issue (time, unique id), left out of the comparison. */
const VOLATILE = new Set(["iat", "nbf", "exp", "uti"]);

const suite: SuiteFile = (t) => {
  t.group("entra parity with @azure/identity", () => {
    t.test(
      "ClientSecretCredential and fromClientSecret get equivalent tokens from the emulator server",
      async () => {
        const server = await startEmulatorServer({ name: "entra-parity" });
        try {
          const out = await runNodeScript("test/node/entra-parity-client.mjs", {
            certificate: server.certificate!,
            resolveLocalhost: true,
            env: { ...server.env, KVF_RESOURCE: server.resource },
            timeoutMs: 30_000,
          });
          const got = JSON.parse(out.stdout.trim().split("\n").pop()!) as Record<string, Token> & { wrong: any; officialWrong: any };
          const jwks = jose.createLocalJWKSet({ keys: (await server.emulator.authorityKeys()) as jose.JWK[] });
          const verified = async (tk: Token) => (await jose.jwtVerify(tk.token, jwks, { audience: server.resource })).payload;
          const stable = (c: jose.JWTPayload) => Object.fromEntries(Object.entries(c).filter(([k]) => !VOLATILE.has(k)));

          for (const [officialName, oursName] of [
            ["officialCae", "oursCae"],
            ["official", "ours"],
          ] as const) {
            const official = await verified(got[officialName]!);
            const ours = await verified(got[oursName]!);
            assert.deepEqual(stable(ours), stable(official), `${oursName} vs ${officialName}`);
            assert.equal(ours.exp! - ours.iat!, official.exp! - official.iat!, "same lifetime");
            assert.ok(
              Math.abs(got[oursName]!.expiresOnTimestamp - got[officialName]!.expiresOnTimestamp) < 10_000,
              "expiry within seconds",
            );
            assert.equal(ours.tid, server.tenantId);
          }
          // Whatever the authority makes of the client capability, it makes the same of both.
          assert.deepEqual((await verified(got.oursCae!)).xms_cc, (await verified(got.officialCae!)).xms_cc);
          assert.deepEqual((await verified(got.oursCae!)).xms_cc, ["CP1"], "both asked for the cp1 capability");

          // Both tokens open the vault (in process: the same emulator the server serves).
          for (const name of ["officialCae", "oursCae"]) {
            const client = new KeyVaultClient(server.vaultUrl, { getToken: () => got[name]!, fetch: server.emulator.fetch });
            await request(client, "POST", `/keys/${name}/create`, { kty: "EC", crv: "P-256" });
          }
          // Both asked the same token endpoint.
          const endpoint = `${server.authorityHost}/${server.tenantId}/oauth2/v2.0/token`;
          const posts = server.emulator.requests
            .filter((r) => r.method === "POST" && r.target === "authority")
            .map((r) => r.url.split("?")[0]);
          assert.equal(posts.length, 6, "four tokens, two refusals");
          assert.ok(
            posts.every((u) => u === endpoint),
            JSON.stringify(posts),
          );
          // A wrong secret: the same Entra code on both sides, no secret in ours.
          assert.equal(got.wrong.code, "ERR_TOKEN");
          assert.equal(got.wrong.error, "invalid_client");
          assert.deepEqual(got.wrong.errorCodes, [7000215]);
          assert.match(got.officialWrong.message, /7000215/);
          assert.ok(!got.wrong.message.includes("not-the-secret"));
        } finally {
          await server.close();
        }
      },
      { timeoutMs: 40_000 },
    );
  });
};
export default suite;
