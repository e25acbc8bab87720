import fc from "fast-check";
import type { SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { CAE_HEADER } from "./mock.js";

const suite: SuiteFile = (t, lib) => {
  const {
    parseWwwAuthenticate,
    challengeFromHeader,
    claimsChallengeFromHeader,
    verifyChallengeResource,
    tenantFromAuthorization,
    KeyVaultClientError,
  } = lib.core;

  t.group("challenge parser", () => {
    t.test("parses the Key Vault challenge", () => {
      const header =
        'Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"';
      assert.deepEqual(parseWwwAuthenticate(header), [
        {
          scheme: "bearer",
          params: {
            authorization: "https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47",
            resource: "https://vault.azure.net",
          },
        },
      ]);
    });

    t.test("takes unquoted values, any case, and = inside quotes", () => {
      const [c] = parseWwwAuthenticate('BEARER Authorization=https://login.windows.net/t1, RESOURCE="https://x.test/?a=b=c"');
      assert.equal(c!.scheme, "bearer");
      assert.equal(c!.params.authorization, "https://login.windows.net/t1");
      assert.equal(c!.params.resource, "https://x.test/?a=b=c");
    });

    t.test("reads several challenges in one header, and escapes in quoted strings", () => {
      const cs = parseWwwAuthenticate(
        'Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple", PoP nonce="n", Bearer resource="https://vault.azure.net"',
      );
      assert.deepEqual(
        cs.map((c) => c.scheme),
        ["newauth", "basic", "pop", "bearer"],
      );
      assert.equal(cs[0]!.params.title, 'Login to "apps"');
      assert.equal(cs[0]!.params.type, "1");
    });

    t.test("reads token68 and bare schemes", () => {
      const cs = parseWwwAuthenticate("Negotiate abc+/def==, Basic, Bearer");
      assert.equal(cs[0]!.token68, "abc+/def==");
      assert.deepEqual(
        cs.map((c) => c.scheme),
        ["negotiate", "basic", "bearer"],
      );
    });

    t.test("parses the CAE challenge and decodes its claims", () => {
      const [c] = parseWwwAuthenticate(CAE_HEADER);
      assert.equal(c!.params.error, "insufficient_claims");
      assert.equal(c!.params.realm, "");
      const cae = claimsChallengeFromHeader(CAE_HEADER)!;
      assert.deepEqual(JSON.parse(cae.claims), {
        access_token: { nbf: { essential: true, value: "1726077595" }, xms_caeerror: { value: "10012" } },
      });
      assert.equal(challengeFromHeader(CAE_HEADER), undefined, "a CAE challenge names no resource");
    });

    t.test("decodes claims in unpadded base64", () => {
      const claims = btoa('{"a":1}').replace(/=+$/, "");
      assert.equal(claimsChallengeFromHeader(`Bearer error="insufficient_claims", claims="${claims}"`)!.claims, '{"a":1}');
    });

    for (const bad of [
      'Bearer realm="unterminated',
      "Bearer =x",
      'Bearer a="1", a="2"',
      '"quoted"',
      "Bearer a=1 b=2",
      'Bearer a="x" junk',
    ]) {
      t.test(`rejects malformed header ${JSON.stringify(bad)} with ERR_CHALLENGE_INVALID`, async () => {
        await assert.rejects(() => parseWwwAuthenticate(bad), { name: "KeyVaultClientError", code: "ERR_CHALLENGE_INVALID" });
      });
    }

    t.test("property: any header either parses or throws ERR_CHALLENGE_INVALID, quickly", () => {
      const pieces = fc.constantFrom("Bearer", "bearer", " ", ",", "=", '"', "\\", "a", "resource", "https://x", "\t", "é", "==", "\u0000");
      const header = fc.oneof(
        fc.string({ maxLength: 200 }),
        fc.array(pieces, { maxLength: 60 }).map((a) => a.join("")),
      );
      fc.assert(
        fc.property(header, (h) => {
          const started = Date.now();
          try {
            const out = parseWwwAuthenticate(h);
            for (const c of out) if (typeof c.scheme !== "string" || c.scheme !== c.scheme.toLowerCase()) return false;
          } catch (e) {
            if (!(e instanceof KeyVaultClientError) || e.code !== "ERR_CHALLENGE_INVALID") return false;
          }
          return Date.now() - started < 50;
        }),
        { numRuns: 500 },
      );
    });

    t.test("property: well-formed challenges round-trip", () => {
      const token = fc.stringMatching(/^[a-z][a-z0-9_]{0,8}$/);
      const value = fc.string({ maxLength: 20 }).filter((s) => !/[\u0000-\u001f]/.test(s));
      fc.assert(
        fc.property(token, fc.dictionary(token, value, { minKeys: 1, maxKeys: 5 }), (scheme, params) => {
          const header =
            `${scheme} ` +
            Object.entries(params)
              .map(([k, v]) => `${k}="${v.replace(/["\\]/g, (m) => "\\" + m)}"`)
              .join(", ");
          const [c] = parseWwwAuthenticate(header);
          return c!.scheme === scheme && JSON.stringify(c!.params) === JSON.stringify(params);
        }),
        { numRuns: 300 },
      );
    });
  });

  t.group("scope and tenant", () => {
    t.test("scope is resource + /.default, tenant the first path segment", () => {
      assert.deepEqual(
        challengeFromHeader('Bearer authorization="https://login.windows.net/tenant-a", resource="https://vault.azure.net"'),
        { scope: "https://vault.azure.net/.default", tenantId: "tenant-a", authorization: "https://login.windows.net/tenant-a" },
      );
    });
    t.test("resource wins over scope; scope alone is used as given", () => {
      assert.equal(
        challengeFromHeader('Bearer resource="https://vault.azure.net", scope="https://other/.default"')!.scope,
        "https://vault.azure.net/.default",
      );
      assert.equal(
        challengeFromHeader(
          'Bearer authorization_uri="https://login.microsoftonline.com/t2/oauth2/authorize", scope="https://managedhsm.azure.net/.default"',
        )!.scope,
        "https://managedhsm.azure.net/.default",
      );
      assert.equal(
        challengeFromHeader(
          'Bearer authorization_uri="https://login.microsoftonline.com/t2/oauth2/authorize", scope="https://managedhsm.azure.net/.default"',
        )!.tenantId,
        "t2",
      );
    });
    t.test("AD FS and dstsv2 tenants", () => {
      assert.equal(tenantFromAuthorization("https://adfs.local.azurestack.external/adfs"), "adfs");
      assert.equal(tenantFromAuthorization("https://adfs.contoso.test/adfs/tenant-x"), "adfs");
      assert.equal(
        tenantFromAuthorization("https://dsts.core.windows.net/dstsv2/7a433bfc-2514-4697-b467-e0933190487f"),
        "7a433bfc-2514-4697-b467-e0933190487f",
      );
      assert.equal(tenantFromAuthorization("not a url"), undefined);
    });
    t.test("sovereign and Managed HSM resources", () => {
      for (const r of ["https://vault.azure.cn", "https://vault.usgovcloudapi.net", "https://managedhsm.azure.net"]) {
        assert.equal(
          challengeFromHeader(`Bearer authorization="https://login.chinacloudapi.cn/t", resource="${r}"`)!.scope,
          `${r}/.default`,
        );
      }
    });
  });

  t.group("resource verification", () => {
    const accept: [string, string][] = [
      ["https://vault.azure.net", "https://myvault.vault.azure.net"],
      ["https://vault.azure.net/.default", "https://MyVault.Vault.Azure.Net"],
      ["https://managedhsm.azure.net", "https://hsm.managedhsm.azure.net"],
      ["https://vault.azure.cn", "https://v.vault.azure.cn"],
      ["https://myvault.vault.azure.net", "https://myvault.vault.azure.net"],
    ];
    for (const [resource, vault] of accept) {
      t.test(`accepts ${resource} for ${vault}`, () => verifyChallengeResource(resource, vault));
    }
    const reject: [string, string][] = [
      ["https://user:password@contoso.test", "https://vault.contoso.test"],
      ["https://%75ser@contoso.test", "https://vault.contoso.test"],
      ["https://resource.example%40contoso.test", "https://vault.contoso.test"],
      ["https://[invalid", "https://vault.contoso.test"],
      ["https://vault.azure.net", "https://myvault.azure.net"],
      ["https://foo.bar", "https://myvault.vault.azure.net"],
      ["http://vault.azure.net", "https://myvault.vault.azure.net"],
      ["https://vault.azure.net\\@evil.test", "https://myvault.vault.azure.net"],
      ["https://vault .azure.net", "https://myvault.vault.azure.net"],
      ["https://vault\u0001.azure.net", "https://myvault.vault.azure.net"],
      ["vault.azure.net", "https://myvault.vault.azure.net"],
      ["https://azure.net.evil.test", "https://myvault.vault.azure.net"],
    ];
    for (const [resource, vault] of reject) {
      t.test(`rejects ${JSON.stringify(resource)} for ${vault}`, async () => {
        await assert.rejects(() => verifyChallengeResource(resource, vault), {
          name: "KeyVaultClientError",
          code: "ERR_CHALLENGE_RESOURCE",
        });
      });
    }
    t.test("http resource only for loopback, only by opt-in", async () => {
      verifyChallengeResource("http://127.0.0.1:8080", "http://127.0.0.1:8080", { allowInsecureLoopback: true });
      await assert.rejects(() => verifyChallengeResource("http://127.0.0.1:8080", "http://127.0.0.1:8080"), {
        code: "ERR_CHALLENGE_RESOURCE",
      });
      await assert.rejects(() => verifyChallengeResource("http://example.test", "http://example.test", { allowInsecureLoopback: true }), {
        code: "ERR_CHALLENGE_RESOURCE",
      });
    });
  });
};
export default suite;
