// keyvault-fetch/certificates in every runtime: input checks (nothing sent), the create wait
// (Retry-After, deadline, signal), getCertificateWithKey's refusals (no key material in errors),
// the DER reader on every recorded certificate, the recordings replayed, and the emulator.
import type { Lib, Recording, Registrar, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { certificatesReplay } from "./certificates-replay.test.js";
import { certificatesSigning } from "./certificates-signing.test.js";
import { certificatesVault } from "./certificates-vault.test.js";

const VAULT = "https://certs.vault.azure.net";
const SCOPE = { scope: "https://vault.azure.net/.default" };

function certificatesUnit(t: Registrar, lib: Lib): void {
  const c = lib.certificates;
  const { KeyVaultClient, base64UrlDecode, base64Encode } = lib.core;

  /** A client whose fetch answers with `answer` and records what was asked. */
  function mock(answer: (request: Request, index: number) => Response | Promise<Response>) {
    const sent: Request[] = [];
    const client = new KeyVaultClient(VAULT, {
      getToken: () => "t",
      challenge: SCOPE,
      retry: false,
      fetch: async (input, init) => {
        const request = new Request(input, init);
        sent.push(request);
        return answer(request, sent.length - 1);
      },
    });
    return { client, sent };
  }
  const pending = (status: string, extra: object = {}) => ({
    id: `${VAULT}/certificates/c/pending`,
    status,
    issuer: { name: "Self" },
    ...extra,
  });

  /** Every certificate (DER) the recordings hold: bundles' `cer`, and the PEM secret's blocks. */
  function recordedCertificates(): {
    name: string;
    der: Uint8Array<ArrayBuffer>;
    x5t?: string;
    nbf?: number | undefined;
    exp?: number | undefined;
  }[] {
    const out: ReturnType<typeof recordedCertificates> = [];
    for (const [name, recording] of Object.entries(lib.fixtures.recordings)) {
      if (!name.startsWith("certificates__")) continue;
      for (const e of (recording as Recording).Entries) {
        const b = e.ResponseBody as { cer?: string; x5t?: string; attributes?: { nbf?: number; exp?: number }; value?: string } | null;
        if (b?.cer) out.push({ name, der: base64UrlDecode(b.cer), x5t: b.x5t ?? "", nbf: b.attributes?.nbf, exp: b.attributes?.exp });
        if (typeof b?.value === "string" && b.value.includes("BEGIN CERTIFICATE"))
          for (const m of b.value.matchAll(/-----BEGIN CERTIFICATE-----([\s\S]*?)-----END CERTIFICATE-----/g))
            out.push({ name: `${name} (PEM)`, der: base64UrlDecode(m[1]!.replace(/\s+/g, "")) });
      }
    }
    return out;
  }

  t.group("certificates", () => {
    t.test("the DER reader on every recorded certificate: thumbprint, validity, subject, RSA public key", async () => {
      const all = recordedCertificates();
      assert.ok(all.length >= 9, `recorded certificates: ${all.length}`);
      for (const r of all) {
        const info = c.parseCertificate(r.der);
        assert.ok(/^CN=/i.test(info.subject), `${r.name}: subject ${info.subject}`);
        assert.deepEqual(info.publicKey, { kty: "RSA", bits: 2048 }, r.name);
        if (r.x5t) assert.equal((await c.certificateThumbprints(r.der)).x5t, r.x5t, `${r.name}: x5t`);
        // The bundle's nbf/exp are the certificate's own validity.
        if (r.nbf) assert.equal(info.notBefore.getTime(), r.nbf * 1000, `${r.name}: notBefore`);
        if (r.exp) assert.equal(info.notAfter.getTime(), r.exp * 1000, `${r.name}: notAfter`);
        const key = (await c.importCertificatePublicKey(r.der)) as CryptoKey;
        assert.deepEqual([key.type, key.algorithm.name], ["public", "RSASSA-PKCS1-v1_5"], r.name);
      }
    });

    t.test("the DER reader refuses what is not a certificate with ERR_INVALID_INPUT (never a TypeError)", async () => {
      for (const bad of [
        new Uint8Array(0),
        new Uint8Array([0x30]),
        new Uint8Array([0x30, 0x84, 1, 2, 3, 4]),
        new Uint8Array([0x04, 0x01, 0x00]),
      ])
        await assert.rejects(async () => c.parseCertificate(bad), { code: "ERR_INVALID_INPUT" });
      const der = recordedCertificates()[0]!.der;
      await assert.rejects(async () => c.parseCertificate(der.slice(0, der.length - 1)), { code: "ERR_INVALID_INPUT" }, "truncated");
    });

    t.test("every operation checks its input before sending anything", async () => {
      const { client, sent } = mock(() => new Response("{}"));
      const invalid = { code: "ERR_INVALID_INPUT" };
      const policy = { issuerName: "Self", subject: "CN=x" };
      const cases: [string, () => unknown][] = [
        ["client", () => c.getCertificate({} as never, "a")],
        ["name", () => c.getCertificate(client, "a/b/c")],
        ["name with a dot", () => c.createCertificate(client, "a.b", policy)],
        ["policy without issuer", () => c.createCertificate(client, "a", { subject: "CN=x" })],
        ["policy without subject", () => c.createCertificate(client, "a", { issuerName: "Self" })],
        ["policy keySize type", () => c.createCertificate(client, "a", { ...policy, keySize: "2048" as never })],
        ["policy sans", () => c.createCertificate(client, "a", { ...policy, subjectAlternativeNames: { dnsNames: "x" as never } })],
        ["wait", () => c.createCertificate(client, "a", policy, { wait: "yes" as never })],
        ["version", () => c.getCertificate(client, "a", {} as never)],
        ["update nothing", () => c.updateCertificateProperties(client, "a", "", {})],
        ["update tags", () => c.updateCertificateProperties(client, "a", "", { tags: { a: 1 as never } })],
        ["import nothing", () => c.importCertificate(client, "a", "not pem")],
        ["import bytes", () => c.importCertificate(client, "a", new Uint8Array(0))],
        ["merge", () => c.mergeCertificate(client, "a", [])],
        ["restore", () => c.restoreCertificateBackup(client, new Uint8Array(0))],
        ["contacts", () => c.setContacts(client, [])],
        ["contact email", () => c.setContacts(client, [{ email: 5 as never }])],
        ["issuer provider", () => c.createIssuer(client, "i", {})],
        ["issuer name", () => c.getIssuer(client, "i/j")],
        ["update issuer nothing", () => c.updateIssuer(client, "i", {})],
        ["with key: extractable", () => c.getCertificateWithKey(client, "a", undefined, { extractable: "yes" as never })],
        ["with key: rsa", () => c.getCertificateWithKey(client, "a", undefined, { rsa: { name: "RSA-OAEP" as never } })],
        ["list includePending", () => c.listPropertiesOfCertificates(client, { includePending: 1 as never })],
        ["list page size", () => c.listPropertiesOfIssuers(client, { maxPageSize: 100 })[Symbol.asyncIterator]().next()],
        ["options", () => c.deleteCertificate(client, "a", "wait" as never)],
      ];
      for (const [what, run] of cases) await assert.rejects(async () => run(), invalid, what);
      await assert.rejects(async () => c.getCertificate(client, "https://other.vault.azure.net/certificates/a"), {
        code: "ERR_FOREIGN_ORIGIN",
      });
      assert.equal(sent.length, 0, "nothing was sent");
    });

    t.test("createCertificate sends the policy in the service's names and returns the pending operation", async () => {
      const { client, sent } = mock(() =>
        Response.json(pending("inProgress", { csr: base64Encode(new Uint8Array([1, 2, 3])) }), { status: 202 }),
      );
      const operation = await c.createCertificate(
        client,
        "c",
        {
          issuerName: "Self",
          subject: "CN=api",
          subjectAlternativeNames: { dnsNames: ["api.example.com"] },
          keyType: "EC",
          keyCurveName: "P-384",
          exportable: false,
          contentType: "application/x-pem-file",
          validityInMonths: 3,
          lifetimeActions: [{ action: "AutoRenew", daysBeforeExpiry: 10 }],
        },
        { tags: { env: "test" }, enabled: true },
      );
      assert.deepEqual([operation.status, operation.name, Array.from(operation.csr!)], ["inProgress", "c", [1, 2, 3]]);
      assert.equal(sent.length, 1, "no poll without wait");
      assert.deepEqual(await sent[0]!.json(), {
        policy: {
          key_props: { kty: "EC", crv: "P-384", exportable: false },
          secret_props: { contentType: "application/x-pem-file" },
          x509_props: { subject: "CN=api", sans: { dns_names: ["api.example.com"] }, validity_months: 3 },
          lifetime_actions: [{ trigger: { days_before_expiry: 10 }, action: { action_type: "AutoRenew" } }],
          issuer: { name: "Self" },
        },
        attributes: { enabled: true },
        tags: { env: "test" },
      });
    });

    t.test("createCertificate { wait } honours Retry-After, then returns the completed operation", async () => {
      const times: number[] = [];
      const { client, sent } = mock((_, i) => {
        times.push(Date.now());
        if (i === 0) return Response.json(pending("inProgress"), { status: 202, headers: { "retry-after": "1" } });
        return Response.json(pending(i < 2 ? "inProgress" : "completed"), { headers: { "retry-after": "0" } });
      });
      const done = await c.createCertificate(client, "c", { issuerName: "Self", subject: "CN=x" }, { wait: true });
      assert.equal(done.status, "completed");
      assert.deepEqual(
        sent.map((r) => `${r.method} ${new URL(r.url).pathname}`),
        ["POST /certificates/c/create", "GET /certificates/c/pending", "GET /certificates/c/pending"],
      );
      assert.ok(times[1]! - times[0]! >= 950, `waited ${times[1]! - times[0]!} ms for Retry-After: 1`);
    });

    t.test("the create wait ends at its deadline (ERR_TIMEOUT), at the caller's signal, and on a failed operation", async () => {
      const { client } = mock((_, i) => Response.json(pending("inProgress"), { status: i ? 200 : 202, headers: { "retry-after": "10" } }));
      const policy = { issuerName: "Self", subject: "CN=x" };
      const started = Date.now();
      await assert.rejects(() => c.createCertificate(client, "c", policy, { wait: { timeoutMs: 200 } }), {
        code: "ERR_TIMEOUT",
        message: /getCertificateOperation/,
      });
      assert.ok(Date.now() - started < 2000, "the deadline cut the 10 s Retry-After short");
      const controller = new AbortController();
      setTimeout(() => controller.abort(new Error("stop")), 50);
      await assert.rejects(() => c.getCertificateOperation(client, "c", { wait: true, signal: controller.signal }), { message: /stop/ });
      const failing = mock(() => Response.json(pending("failed", { error: { code: "Issuer", message: "the CA said no" } }))).client;
      await assert.rejects(() => c.getCertificateOperation(failing, "c", { wait: { intervalMs: 1 } }), {
        code: "ERR_OPERATION_FAILED",
        message: /the CA said no/,
      });
    });

    t.test("getCertificateWithKey: a non-exportable certificate is a clear error, and no key material is in any error", async () => {
      const recording = lib.fixtures.recordings["certificates__get-secret-pem"] as Recording;
      const pem = (recording.Entries.at(-1)!.ResponseBody as { value: string }).value;
      const certificateOnly = pem.replace(/-----BEGIN PRIVATE KEY-----[\s\S]*?-----END PRIVATE KEY-----\n?/, "");
      const keyBody = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END/.exec(pem)![1]!.replace(/\s+/g, "");
      const answer = (value: string) => mock(() => Response.json({ value, id: `${VAULT}/secrets/c/v1` })).client;
      const noKey = await assert.rejects(() => c.getCertificateWithKey(answer(certificateOnly), "c"), {
        code: "ERR_KEY_NOT_EXPORTABLE",
        message: /exportable: true/,
      });
      assert.match(noKey.message, /keyId/);
      // A key that does not import (an EC certificate's chain with an RSA key would too): the message names no bytes.
      const broken = pem.replace(/(-----BEGIN PRIVATE KEY-----)[\s\S]*?(-----END PRIVATE KEY-----)/, `$1\n${keyBody.slice(0, 200)}\n$2`);
      const e = await assert.rejects(() => c.getCertificateWithKey(answer(broken), "c"), { code: "ERR_UNSUPPORTED" });
      for (const text of [e.message, String(e.stack), JSON.stringify(e), String(e.cause ?? "")])
        assert.ok(!text.includes(keyBody.slice(0, 24)) && !text.includes(keyBody.slice(100, 124)), "no key bytes in the error");
      await assert.rejects(() => c.getCertificateWithKey(answer("not pem"), "c"), { code: "ERR_INVALID_RESPONSE" });
    });

    t.test("parseCertificateId splits identifiers and refuses others", async () => {
      assert.deepEqual(c.parseCertificateId(`${VAULT}/certificates/api/0123abcd`), {
        sourceId: `${VAULT}/certificates/api/0123abcd`,
        vaultUrl: VAULT,
        collection: "certificates",
        name: "api",
        version: "0123abcd",
      });
      await assert.rejects(async () => c.parseCertificateId(`${VAULT}/keys/api`), { code: "ERR_INVALID_INPUT" });
    });
  });
}

const suite: SuiteFile = (t, lib) => {
  certificatesUnit(t, lib);
  certificatesReplay(t, lib);
  certificatesSigning(t, lib);
  certificatesVault(t, lib);
};
export default suite;
