// The emulator serves certificates like Azure: every recorded certificates session replayed against a
// fresh emulator (statuses, shapes, the values that do not vary, Location headers), then what the
// recordings do not cover: EC and RSA sizes, the linked key and secret, merge, import of PEM and of
// Key Vault's own PKCS#12, versions and lists, policy updates, soft delete with its cascade, backup
// and restore, lifetime actions on the emulator's clock, saved state and per-vault isolation.
import { NOT_IN_BROWSERS, type Lib, type Registrar, type SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { compare as compareWith, secretsCaller } from "./secrets-emulator.test.js";

const RECORDED_ORIGIN = "https://keyvault_name.vault.azure.net";
/** Fields fresh on every run (or made from fresh keys): compared by type only. */
const VARYING = new Set([
  "created",
  "updated",
  "nbf",
  "exp",
  "deletedDate",
  "scheduledPurgeDate",
  "cer",
  "csr",
  "x5t",
  "request_id",
  "value",
]);
const HEX32 = /[0-9a-f]{32}/g;
const PEM = "application/x-pem-file";
/**
 * A PKCS#12 file in OpenSSL 3's default form (PBES2: PBKDF2-HMAC-SHA-256, AES-256-CBC; HMAC-SHA-256
 * MAC), password "fixture", EC P-256, CN=fixture.example; made with `openssl req -x509 -newkey ec
 * -pkeyopt ec_paramgen_curve:P-256` and `openssl pkcs12 -export -passout pass:fixture` (OpenSSL 3.0.19).
 */
const OPENSSL_PFX =
  "MIIEHAIBAzCCA9IGCSqGSIb3DQEHAaCCA8MEggO/MIIDuzCCAnIGCSqGSIb3DQEHBqCCAmMwggJfAgEAMIICWAYJKoZIhvcNAQcBMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAhj6qU31+tQzAICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEFidNOg79J7FooVkroxR9ViAggHwK5GADTDlikINW8460uNS4giDGTsuPyYUPqTijhnXIPgYfy6+urGutO8Pof3jdRKH6NGkhUZYbt8its0f/icBlVLEo4jk/q+ID6/w0zqphtUTDY9qqyhEpK3rmYPf8NfLxLPAxHXEsPFXjNdPzFOC2NTMPvZkQ7llp+fSvtX5EGsyqg2VLnusuJ+YhUs9rYmsGpAbY4YFznhjoRvkB2rKBixiJLAuVslUW5SnodgRbwpea7tkDVsNKQZ9Y1nMM7d6M5GKNSSIF8vYq2HPEpEW9TJzpmb1bBb2JcFL2q6VJ9GsRq7fXI/tGNfVdChlOWX6HJNAYRFV0IVOHSBiQt/WSKXYmYv8Zqa40ap29mt1XX1Gz0NMe+POTvkfePdNZOZS0iE8C92Zwwu53kl1JpUSHVxlIjkvgCWoGmRHLVNyZb9oJBH3IMhqrPDN8CeyVwCuGvwvij8hzcV4vm5Jxk8b8z8wrGN17nzybDhpgrMoAyUNnmkT17RwmHFUZd+eMHgBfEgFnSjc6ZcdAcfupAQFsU1LE038RJI5BIvozTZsjNp+bEEYHGke6RX4BcaE8Z7V9z80TSO4+eGJbFW1i7mkmUl0LER6UEFS5XSm6N+t6zGD0a5Yic9F0aKZ4L29KkM450M+GurbrOyL/pSSlxsfhTCCAUEGCSqGSIb3DQEHAaCCATIEggEuMIIBKjCCASYGCyqGSIb3DQEMCgECoIHvMIHsMFcGCSqGSIb3DQEFDTBKMCkGCSqGSIb3DQEFDDAcBAgqSjMcSPqcoQICCAAwDAYIKoZIhvcNAgkFADAdBglghkgBZQMEASoEEPT9YUepHlH9qBYpxKfrhS4EgZC74DrlQS4MEA3hdy1SljlwPCjJrPClr3MNUBT7DZcge7ZQflgU98CWo67kucn0eFrkh8TfV3qfjG3Lj+JHcjoU/BWD/vyj/zqdT0aJcHvx7T82XEH/T8pCWxkbcttSCNsBKMra0qo5KZvbbVOm0Mhi6/XKM9hXf6f0BjJMDHIaSPawt/ZpHqIC43rrXxKqjIQxJTAjBgkqhkiG9w0BCRUxFgQUMsznqSrEXrZfTYwIFrpOQse4uMswQTAxMA0GCWCGSAFlAwQCAQUABCA5+A0iiX+eheh0YeAZJ72ZafKeaC2UJ2qLECh8LCIO2wQILnSushfSRawCAggA";
/** base64url(SHA-1) of that file's certificate, as openssl computes it. */
const OPENSSL_PFX_X5T = "MsznqSrEXrZfTYwIFrpOQse4uMs";
const compare = (ours: unknown, rec: unknown, path: string, out: string[]) => compareWith(ours, rec, path, out, VARYING);

const std = (b: Uint8Array): string => {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return btoa(s);
};
const unstd = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
/** The RSA-2048 SubjectPublicKeyInfo inside DER (CSR or certificate), found by its fixed header. */
const SPKI_2048 = "30820122300d06092a864886f70d01010105000382010f00";
function spkiHex(der: Uint8Array): string {
  const h = hexOf(der);
  const at = h.indexOf(SPKI_2048);
  assert.ok(at >= 0 && at % 2 === 0, "an RSA-2048 public key");
  return h.slice(at, at + 294 * 2);
}
/**
 * The recorded merge's certificate, moved to our pending key: the CA signed the recorded CSR's key;
 * with our CSR's key spliced in (same length), the chain is as an outside CA would send it for ours.
 */
function rekey(x5c: string, recordedCsr: string, ourCsr: string): string {
  const der = unstd(atob(x5c).replace(/-----(BEGIN|END) CERTIFICATE-----|\s+/g, ""));
  const swapped = hexOf(der).replace(spkiHex(unstd(recordedCsr)), spkiHex(unstd(ourCsr)));
  return std(Uint8Array.from(swapped.match(/../g)!, (x) => parseInt(x, 16)));
}

async function sha1b64url(der: Uint8Array): Promise<string> {
  const d = new Uint8Array(await crypto.subtle.digest("SHA-1", new Uint8Array(der)));
  return std(d).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}
const contains = (hay: Uint8Array, needle: Uint8Array) => hexOf(hay).includes(hexOf(needle));
const fromB64url = (s: string) => unstd(s.replace(/-/g, "+").replace(/_/g, "/") + "===".slice(0, (4 - (s.length % 4)) % 4));

const suite: SuiteFile = (t: Registrar, lib: Lib) => {
  const { createEmulator } = lib.emulator;

  t.group("emulator: certificates recordings replayed", () => {
    // Each recorded session goes to a fresh emulator (same names, 7-day retention as recorded).
    // Certificates issue 10 s after create on the emulator's clock, as recorded: the clock moves
    // before each poll that was recorded as completed. Runs of identical requests (polling a
    // deletion) count with their settled answer. The merge sends the recorded CA's certificate for
    // our pending key; the import sends the recorded Key Vault PKCS#12 file itself.
    for (const [name, rec] of Object.entries(lib.fixtures.recordings)) {
      if (!name.startsWith("certificates__")) continue;
      t.test(name, async () => {
        const emu = createEmulator({ recoverableDays: 7, certificateDelayMs: 5_000, deletionDelayMs: 5_000 });
        const { token } = await emu.getToken({ scopes: [`${emu.resource}/.default`] });
        const problems: string[] = [];
        let ourCsr = "";
        let recordedCsr = "";
        const entries = rec.Entries;
        for (let i = 0; i < entries.length; i++) {
          const e = entries[i]!,
            n = entries[i + 1];
          const u = new URL(e.RequestUri);
          if (e.StatusCode >= 402 && n && n.StatusCode !== 401 && n.RequestMethod === e.RequestMethod && n.RequestUri === e.RequestUri)
            continue;
          const recorded = e.ResponseBody as any;
          // The emulator's clock moves as the recorded session's did (its Date headers).
          if (i > 0)
            emu.clock.advance(Math.max(0, Date.parse(e.ResponseHeaders.Date!) - Date.parse(entries[i - 1]!.ResponseHeaders.Date!)));
          let body = e.RequestBody as any;
          if (u.pathname.endsWith("/merge")) body = { ...body, x5c: [rekey(body.x5c[0], recordedCsr, ourCsr)] };
          const auth = e.StatusCode !== 401;
          const text = auth && body !== null ? JSON.stringify(body) : undefined;
          const res = await emu.fetch(emu.vaultUrl + u.pathname + u.search, {
            method: e.RequestMethod,
            headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(text ? { "content-type": "application/json" } : {}) },
            ...(text ? { body: text } : {}),
          });
          const answer = await res.text();
          const where = `#${i} ${e.RequestMethod} ${u.pathname}`;
          if (res.status !== e.StatusCode) {
            problems.push(`${where}: status ${res.status}, recorded ${e.StatusCode}: ${answer.slice(0, 200)}`);
            continue;
          }
          if (!auth) continue;
          const ours = answer ? JSON.parse(answer) : null;
          if (ours?.csr) {
            ourCsr = ours.csr;
            recordedCsr = recorded.csr;
          }
          const location = e.ResponseHeaders.Location;
          if (location) {
            const mine = res.headers.get("location")?.split(emu.vaultUrl).join(RECORDED_ORIGIN).replace(HEX32, "<id>");
            if (mine !== location.replace(HEX32, "<id>")) problems.push(`${where}: Location ${mine}`);
          }
          if (e.ResponseHeaders["Retry-After"] && !res.headers.get("retry-after")) problems.push(`${where}: no Retry-After`);
          const normalized = JSON.parse((answer || "null").split(emu.vaultUrl).join(RECORDED_ORIGIN).replace(HEX32, "<version>"));
          const theirs = JSON.parse(JSON.stringify(recorded).replace(HEX32, "<version>"));
          compare(normalized, theirs, where, problems);
          if (recorded?.deletedDate !== undefined && ours)
            if (ours.scheduledPurgeDate - ours.deletedDate !== recorded.scheduledPurgeDate - recorded.deletedDate)
              problems.push(`${where}: retention ${ours.scheduledPurgeDate - ours.deletedDate} s`);
          // Secret values: the same kind of content as recorded (PEM text, or a PKCS#12 file in base64).
          if (u.pathname.startsWith("/secrets/") && typeof recorded?.value === "string") {
            const pem = recorded.value.startsWith("-----BEGIN PRIVATE KEY-----");
            if (pem !== ours.value.startsWith("-----BEGIN PRIVATE KEY-----") || (!pem && !ours.value.startsWith("MII")))
              problems.push(`${where}: secret value ${ours.value.slice(0, 30)}`);
          }
          // The import of the recorded PKCS#12 file gives back the recorded certificate.
          if (u.pathname.endsWith("/import") && (ours.x5t !== recorded.x5t || ours.cer !== recorded.cer))
            problems.push(`${where}: imported certificate differs from the recorded one`);
          if (ours?.x5t && ours.cer && ours.x5t !== (await sha1b64url(unstd(ours.cer)))) problems.push(`${where}: x5t is not SHA-1(cer)`);
        }
        assert.deepEqual(problems, []);
      });
    }
  });

  t.group("emulator: certificates", () => {
    const policy = (extra: Record<string, unknown> = {}, x509: Record<string, unknown> = {}) => ({
      policy: { key_props: {}, secret_props: {}, x509_props: { subject: "CN=MyCert", ...x509 }, issuer: { name: "Self" }, ...extra },
    });

    t.test("create answers 202 with Location and Retry-After; pending until the clock passes the delay; instant with 0", async () => {
      const emu = createEmulator({ certificateDelayMs: 5000 });
      const { call } = await secretsCaller(emu);
      const created = await call("POST", "/certificates/c1/create", policy());
      assert.equal(created.status, 202);
      assert.ok(created.headers.get("location")!.startsWith(`${emu.vaultUrl}/certificates/c1/pending?api-version=2025-07-01&request_id=`));
      assert.ok(Number(created.headers.get("retry-after")) >= 1);
      assert.deepEqual([created.json.status, created.json.cancellation_requested], ["inProgress", false]);
      const pending = await call("GET", "/certificates/c1/");
      assert.deepEqual([pending.json.attributes.enabled, pending.json.cer, pending.json.kid], [false, undefined, undefined]);
      assert.equal((await call("GET", "/keys/c1")).status, 404, "no key before the certificate is issued");
      emu.clock.advance(6000);
      const op = await call("GET", "/certificates/c1/pending");
      assert.deepEqual([op.json.status, op.json.target], ["completed", `${emu.vaultUrl}/certificates/c1`]);
      const cert = await call("GET", "/certificates/c1");
      assert.equal(cert.json.attributes.enabled, true);
      assert.equal(cert.json.x5t, await sha1b64url(unstd(cert.json.cer)));

      const instant = createEmulator({ certificateDelayMs: 0 });
      const i = await secretsCaller(instant);
      assert.equal((await i.call("POST", "/certificates/now/create", policy())).json.status, "completed");
      assert.equal((await i.call("GET", "/certificates/now")).json.attributes.enabled, true);
    });

    t.test(
      "Self issuer: RSA 3072 and EC P-256/P-384/P-521 with subject, SANs and validity; the key is the certificate's and signs",
      async () => {
        const emu = createEmulator({ certificateDelayMs: 0 });
        const { call } = await secretsCaller(emu);
        const cases = [
          { name: "rsa", key_props: { kty: "RSA", key_size: 3072 }, alg: "RS256", digest: 32 },
          { name: "p256", key_props: { kty: "EC", crv: "P-256" }, alg: "ES256", digest: 32 },
          { name: "p384", key_props: { kty: "EC", crv: "P-384" }, alg: "ES384", digest: 48 },
          { name: "p521", key_props: { kty: "EC-HSM", crv: "P-521" }, alg: "ES512", digest: 64 },
        ];
        for (const c of cases) {
          const r = await call(
            "POST",
            `/certificates/${c.name}/create`,
            policy(
              { key_props: c.key_props },
              { subject: "CN=app.example, O=Acme", sans: { dns_names: ["app.example", "www.app.example"] }, validity_months: 6 },
            ),
          );
          assert.equal(r.json.status, "completed", c.name);
          const cert = (await call("GET", `/certificates/${c.name}`)).json;
          const der = unstd(cert.cer);
          assert.ok(contains(der, new TextEncoder().encode("www.app.example")), `${c.name}: SAN in the certificate`);
          assert.ok(contains(der, new TextEncoder().encode("Acme")), `${c.name}: subject in the certificate`);
          const days = (cert.attributes.exp - cert.attributes.nbf) / 86400;
          assert.ok(days > 180 && days < 186, `${c.name}: six months, got ${days} days`);
          const key = (await call("GET", `/keys/${c.name}`)).json;
          assert.equal(key.key.kid, cert.kid);
          assert.equal(key.managed, true);
          const pub = key.key.kty.startsWith("RSA")
            ? fromB64url(key.key.n)
            : new Uint8Array([...fromB64url(key.key.x), ...fromB64url(key.key.y)]);
          assert.ok(contains(der, pub), `${c.name}: the key's public key is the certificate's`);
          const digest = std(new Uint8Array(c.digest).fill(7));
          const sig = await call("POST", `/keys/${c.name}/sign`, { alg: c.alg, value: digest });
          assert.equal(sig.status, 200, `${c.name} sign: ${sig.text}`);
          const ok = await call("POST", `/keys/${c.name}/verify`, { alg: c.alg, digest, value: sig.json.value });
          assert.equal(ok.json.value, true, `${c.name} verify`);
        }
        const rsa = await call("POST", "/keys/rsa/encrypt", { alg: "RSA-OAEP", value: "aGVsbG8" });
        assert.equal((await call("POST", "/keys/rsa/decrypt", { alg: "RSA-OAEP", value: rsa.json.value })).json.value, "aGVsbG8");
        const wrapped = await call("POST", "/keys/rsa/wrapkey", { alg: "RSA-OAEP-256", value: "aGVsbG8" });
        assert.equal((await call("POST", "/keys/rsa/unwrapkey", { alg: "RSA-OAEP-256", value: wrapped.json.value })).json.value, "aGVsbG8");
      },
      // RSA-3072 key generation takes seconds on a loaded machine.
      { timeoutMs: 90_000 },
    );

    t.test("the managed secret: PKCS#12 by default, PEM by policy, converted by outContentType; set and delete refused", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      const { call } = await secretsCaller(emu);
      await call("POST", "/certificates/pfx/create", policy());
      await call("POST", "/certificates/pem/create", policy({ secret_props: { contentType: PEM } }));
      const pfx = (await call("GET", "/secrets/pfx")).json;
      assert.deepEqual([pfx.contentType, pfx.managed, pfx.value.startsWith("MII")], ["application/x-pkcs12", true, true]);
      const pem = (await call("GET", "/secrets/pem")).json.value as string;
      assert.ok(
        /^-----BEGIN PRIVATE KEY-----\n[\s\S]+-----END PRIVATE KEY-----\n-----BEGIN CERTIFICATE-----\n/.test(pem),
        pem.slice(0, 60),
      );
      const converted = (await call("GET", "/secrets/pfx?outContentType=application%2Fx-pem-file")).json;
      assert.equal(converted.contentType, PEM);
      const cer = (await call("GET", "/certificates/pfx")).json.cer as string;
      assert.ok(converted.value.replace(/\n/g, "").includes(cer), "the PEM holds the certificate");
      const set = await call("PUT", "/secrets/pfx", { value: "x" });
      assert.deepEqual([set.status, set.json.error.innererror.code], [403, "SecretManagedByKeyVault"]);
      assert.equal((await call("DELETE", "/secrets/pfx")).status, 403);
      assert.equal((await call("DELETE", "/keys/pfx")).status, 403);
      assert.equal((await call("POST", "/keys/pfx/rotate")).status, 403);
    });

    t.test(
      "a non-exportable certificate's secret holds no private key (PEM, PKCS#12, outContentType, import); its key still signs",
      async () => {
        const emu = createEmulator({ certificateDelayMs: 0 });
        const { call } = await secretsCaller(emu);
        const ec = { kty: "EC", crv: "P-256" };
        await call("POST", "/certificates/open/create", policy({ key_props: ec }));
        await call("POST", "/certificates/nx-pfx/create", policy({ key_props: { ...ec, exportable: false } }));
        await call(
          "POST",
          "/certificates/nx-pem/create",
          policy({ key_props: { ...ec, exportable: false }, secret_props: { contentType: PEM } }),
        );
        const onlyCertificates = async (name: string, pem: string) => {
          const cer = (await call("GET", `/certificates/${name}`)).json.cer as string;
          assert.ok(!pem.includes("PRIVATE KEY"), `${name}: no key in ${pem.slice(0, 40)}`);
          const blocks = [...pem.matchAll(/-----BEGIN CERTIFICATE-----\n([\s\S]+?)-----END CERTIFICATE-----\n/g)];
          assert.equal(blocks.map((m) => m[0]).join(""), pem, `${name}: nothing but CERTIFICATE blocks`);
          assert.deepEqual(
            blocks.map((m) => m[1]!.replace(/\n/g, "")),
            [cer],
            `${name}: the certificate`,
          );
        };
        await onlyCertificates("nx-pem", (await call("GET", "/secrets/nx-pem")).json.value);
        // PKCS#12: the key bag's type (pkcs8ShroudedKeyBag) is in the clear in Key Vault's form; an exportable certificate's has it.
        const KEY_BAG = new Uint8Array([0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01]);
        const pfx = (await call("GET", "/secrets/nx-pfx")).json;
        assert.equal(pfx.contentType, "application/x-pkcs12");
        assert.ok(!contains(unstd(pfx.value), KEY_BAG), "no key bag in the non-exportable PFX");
        assert.ok(contains(unstd((await call("GET", "/secrets/open")).json.value), KEY_BAG), "the exportable PFX has its key bag");
        await onlyCertificates("nx-pfx", (await call("GET", "/secrets/nx-pfx?outContentType=application%2Fx-pem-file")).json.value);
        const keyless = await call("POST", "/certificates/again/import", { value: pfx.value });
        assert.deepEqual(
          [keyless.status, keyless.json.error.code],
          [400, "BadParameter"],
          "a PFX without its key is not a certificate to import",
        );
        // Imported with exportable: false: the key is kept as the certificate's key, out of the secret.
        const openPem = (await call("GET", "/secrets/open?outContentType=application%2Fx-pem-file")).json.value as string;
        assert.ok(openPem.includes("-----BEGIN PRIVATE KEY-----"), "the exportable one's PEM has its key");
        const imported = await call("POST", "/certificates/nx-import/import", {
          value: openPem,
          policy: { key_props: { exportable: false }, secret_props: { contentType: PEM } },
        });
        assert.deepEqual([imported.status, imported.json.policy.key_props.exportable], [200, false], imported.text);
        await onlyCertificates("nx-import", (await call("GET", "/secrets/nx-import")).json.value);
        const digest = std(new Uint8Array(32).fill(9));
        for (const name of ["nx-pfx", "nx-pem", "nx-import"]) {
          const key = (await call("GET", `/keys/${name}`)).json;
          assert.deepEqual([key.key.d, key.managed], [undefined, true], name);
          const sig = await call("POST", `/keys/${name}/sign`, { alg: "ES256", value: digest });
          assert.equal(sig.status, 200, `${name} sign: ${sig.text}`);
          assert.equal(
            (await call("POST", `/keys/${name}/verify`, { alg: "ES256", digest, value: sig.json.value })).json.value,
            true,
            name,
          );
        }
      },
    );

    t.test("issuer Unknown: the CSR; a merge with another key is the service's 400; cancel and delete the operation", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      const op = (await call("POST", "/certificates/u/create", policy({ issuer: { name: "Unknown" } }))).json;
      assert.equal(op.status_details, "Pending certificate created. Please Perform Merge to complete the request.");
      await call("POST", "/certificates/other/create", { ...policy(), policy: { ...policy().policy, issuer: { name: "Self" } } });
      emu.clock.advance(2000);
      const other = (await call("GET", "/certificates/other")).json.cer;
      const wrong = await call("POST", "/certificates/u/pending/merge", { x5c: [other] });
      assert.deepEqual(
        [wrong.status, wrong.json.error.message],
        [400, "Public key from x509 certificate and key of this instance doesn't match"],
      );
      const malformed = await call("POST", "/certificates/u/pending/merge", { x5c: ["bm90IGEgY2VydA"] });
      assert.equal(malformed.status, 400);
      const cancelled = await call("PATCH", "/certificates/u/pending", { cancellation_requested: true });
      assert.deepEqual([cancelled.json.cancellation_requested, cancelled.json.status], [true, "inProgress"]);
      assert.equal((await call("DELETE", "/certificates/u/pending")).status, 200);
      const gone = await call("GET", "/certificates/u/pending");
      assert.deepEqual([gone.status, gone.json.error.code], [404, "PendingCertificateNotFound"]);
      assert.equal((await call("GET", "/certificates/u")).json.pending, undefined);
    });

    t.test("import: PEM in either order, Key Vault's PKCS#12; malformed input is a 400, never a 500", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      const { call } = await secretsCaller(emu);
      await call(
        "POST",
        "/certificates/src/create",
        policy({ secret_props: { contentType: PEM } }, { sans: { dns_names: ["a.example"] } }),
      );
      const source = (await call("GET", "/certificates/src")).json;
      const pem = (await call("GET", "/secrets/src")).json.value as string;
      const [keyPart, certPart] = pem.split(/(?=-----BEGIN CERTIFICATE-----)/);
      for (const [name, value] of [
        ["key-first", pem],
        ["cert-first", `${certPart}${keyPart}`],
      ]) {
        const r = await call("POST", `/certificates/${name}/import`, { value, policy: { secret_props: { contentType: PEM } } });
        assert.equal(r.status, 200, `${name}: ${r.text}`);
        assert.deepEqual(
          [r.json.x5t, r.json.policy.issuer.name, r.json.policy.x509_props.sans],
          [source.x5t, "Unknown", { dns_names: ["a.example"] }],
        );
        assert.equal((await call("GET", `/secrets/${name}`)).json.contentType, PEM);
      }
      const recorded = lib.fixtures.recordings["certificates__get-secret-pkcs12"]!.Entries.find(
        (e) => e.RequestUri.includes("/secrets/") && e.StatusCode === 200,
      )!;
      const kv = await call("POST", "/certificates/kv/import", { value: (recorded.ResponseBody as any).value });
      assert.equal(kv.status, 200, kv.text);
      assert.equal(kv.json.policy.secret_props.contentType, "application/x-pkcs12");
      const aes = await call("POST", "/certificates/aes/import", { value: OPENSSL_PFX, pwd: "fixture" });
      assert.deepEqual([aes.status, aes.json.x5t, aes.json.policy.key_props.crv], [200, OPENSSL_PFX_X5T, "P-256"], aes.text);
      const wrongPwd = await call("POST", "/certificates/aes/import", { value: OPENSSL_PFX, pwd: "nope" });
      assert.deepEqual([wrongPwd.status, wrongPwd.json.error.code], [400, "BadParameter"]);
      for (const bad of [
        { value: "not base64!" },
        { value: "AAAA" },
        { value: "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----" },
        { value: pem, pwd: 5 },
        {},
      ]) {
        const r = await call("POST", "/certificates/bad/import", bad);
        assert.deepEqual([r.status, r.json.error.code], [400, "BadParameter"], JSON.stringify(bad).slice(0, 60));
      }
      assert.equal((await call("POST", "/certificates/bad/import", { value: certPart })).status, 400, "a certificate without its key");
    });

    t.test("versions, lists with includePending and paging, update of properties and policy (the next version uses it)", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      const { call } = await secretsCaller(emu);
      await call("POST", "/certificates/v/create", policy());
      const upd = await call("PATCH", "/certificates/v/policy", { x509_props: { subject: "CN=Second" } });
      assert.deepEqual([upd.json.x509_props.subject, upd.json.key_props.key_size], ["CN=Second", 2048]);
      await call("POST", "/certificates/v/create", {});
      const second = (await call("GET", "/certificates/v")).json;
      assert.ok(contains(unstd(second.cer), new TextEncoder().encode("Second")));
      const versions = (await call("GET", "/certificates/v/versions")).json.value;
      assert.equal(versions.length, 2);
      const first = versions.find((x: any) => !second.id.endsWith(x.id.split("/").pop()));
      const patched = await call("PATCH", `/certificates/v/${first.id.split("/").pop()}`, {
        attributes: { enabled: false },
        tags: { a: "b" },
      });
      assert.deepEqual([patched.json.attributes.enabled, patched.json.tags], [false, { a: "b" }]);
      assert.equal((await call("GET", `/keys/v/${first.id.split("/").pop()}`)).json.attributes.enabled, false, "the key follows");
      const slow = createEmulator({ certificateDelayMs: 60_000 });
      const s = await secretsCaller(slow);
      for (const n of ["a", "b", "c"]) await s.call("POST", `/certificates/${n}/create`, policy());
      assert.equal((await s.call("GET", "/certificates")).json.value.length, 0, "never-issued certificates are left out");
      const page1 = await s.call("GET", "/certificates?includePending=true&maxresults=2");
      assert.equal(page1.json.value.length, 2);
      assert.equal((await s.call("GET", page1.json.nextLink)).json.value.length, 1);
      assert.equal((await s.call("GET", "/certificates?maxresults=26")).status, 400);
    });

    t.test("delete cascades to the key and the secret; recover and purge bring all back or remove all; 409 while deleted", async () => {
      const emu = createEmulator({ certificateDelayMs: 0, recoverableDays: 7 });
      const { call } = await secretsCaller(emu);
      await call("POST", "/certificates/d/create", policy());
      const del = (await call("DELETE", "/certificates/d")).json;
      assert.equal(del.recoveryId, `${emu.vaultUrl}/deletedcertificates/d`);
      assert.equal(del.scheduledPurgeDate - del.deletedDate, 7 * 86400);
      assert.deepEqual([(await call("GET", "/keys/d")).status, (await call("GET", "/secrets/d")).status], [404, 404]);
      assert.equal((await call("GET", "/deletedcertificates")).json.value.length, 1);
      assert.equal((await call("POST", "/certificates/d/create", policy())).status, 409);
      assert.equal((await call("POST", "/deletedcertificates/d/recover")).status, 200);
      assert.deepEqual([(await call("GET", "/keys/d")).status, (await call("GET", "/secrets/d")).status], [200, 200]);
      await call("DELETE", "/certificates/d");
      assert.equal((await call("DELETE", "/deletedcertificates/d")).status, 204);
      assert.deepEqual([(await call("GET", "/deletedkeys/d")).status, (await call("GET", "/deletedsecrets/d")).status], [404, 404]);
      assert.equal((await call("POST", "/certificates/d/create", policy())).status, 202, "the name is free again");
    });

    t.test(
      "backup and restore: sealed, with the key and the secret; 409 while the name is taken; malformed is the recorded 400",
      async () => {
        const emu = createEmulator({ certificateDelayMs: 0 });
        const { call } = await secretsCaller(emu);
        await call("POST", "/certificates/b/create", policy());
        const blob = (await call("POST", "/certificates/b/backup")).json.value as string;
        assert.ok(
          !atob(blob.replace(/-/g, "+").replace(/_/g, "/") + "===".slice(0, (4 - (blob.length % 4)) % 4)).includes("PRIVATE"),
          "sealed",
        );
        assert.equal((await call("POST", "/certificates/restore", { value: blob })).status, 409);
        await call("DELETE", "/certificates/b");
        await call("DELETE", "/deletedcertificates/b");
        const restored = await call("POST", "/certificates/restore", { value: blob });
        assert.equal(restored.status, 200, restored.text);
        assert.deepEqual([(await call("GET", "/keys/b")).status, (await call("GET", "/secrets/b")).status], [200, 200]);
        const bad = await call("POST", "/certificates/restore", { value: "A".repeat(6304) });
        assert.deepEqual([bad.status, bad.json.error.code], [400, "Malformed backup blob"]);
      },
    );

    t.test("contacts and issuers: CRUD as recorded; a named issuer is stored, never called", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      assert.equal((await call("GET", "/certificates/contacts")).json.error.code, "ContactsNotFound");
      await call("PUT", "/certificates/contacts", { contacts: [{ email: "a@a.com", name: "a" }] });
      assert.deepEqual((await call("GET", "/certificates/contacts")).json.contacts, [{ email: "a@a.com", name: "a" }]);
      const issuer = await call("PUT", "/certificates/issuers/ca", { provider: "Test", credentials: { account_id: "x", pwd: "secret" } });
      assert.deepEqual([issuer.json.credentials, issuer.json.attributes.enabled], [{ account_id: "x" }, true]);
      assert.equal((await call("GET", "/certificates/issuers")).json.value.length, 1);
      assert.equal((await call("PATCH", "/certificates/issuers/ca", { provider: "Other" })).json.provider, "Other");
      assert.equal((await call("DELETE", "/certificates/issuers/ca")).status, 200);
      assert.equal((await call("GET", "/certificates/issuers/ca")).json.error.code, "CertificateIssuerNotFound");
    });

    t.test("lifetime actions on the emulator's clock: AutoRenew makes a new version; EmailContacts is a sweep event", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      let { call } = await secretsCaller(emu);
      await call(
        "POST",
        "/certificates/r/create",
        policy({ lifetime_actions: [{ trigger: { days_before_expiry: 30 }, action: { action_type: "AutoRenew" } }] }),
      );
      await call(
        "POST",
        "/certificates/m/create",
        policy({ lifetime_actions: [{ trigger: { lifetime_percentage: 50 }, action: { action_type: "EmailContacts" } }] }),
      );
      const before = (await call("GET", "/certificates/r")).json.id;
      emu.clock.advance("P340D");
      const events = await emu.sweep();
      ({ call } = await secretsCaller(emu)); // the first token has expired meanwhile
      assert.ok(
        events.some((e) => e.kind === "certificate-renewed"),
        JSON.stringify(events),
      );
      assert.ok(events.some((e) => e.kind === "certificate-email-contacts" && e.id.includes("/certificates/m/")));
      const after = (await call("GET", "/certificates/r")).json;
      assert.notEqual(after.id, before);
      assert.equal((await call("GET", "/certificates/r/versions")).json.value.length, 2);
      assert.equal((await call("GET", "/secrets/r")).json.id, after.sid);
    });

    t.test("access policy: certificate permissions give 403 ForbiddenByPolicy", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      const reader = { clientId: "cert-reader", clientSecret: "reader-secret" };
      emu.registerClient({ ...reader, certificatePermissions: ["get", "list"] });
      const { call } = await secretsCaller(emu);
      await call("POST", "/certificates/p/create", policy());
      const form = new URLSearchParams({
        grant_type: "client_credentials",
        client_id: reader.clientId,
        client_secret: reader.clientSecret,
        scope: `${emu.resource}/.default`,
      });
      const tok = await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, { method: "POST", body: form });
      const r = await secretsCaller(emu, ((await tok.json()) as { access_token: string }).access_token);
      assert.equal((await r.call("GET", "/certificates/p")).status, 200);
      const refused = await r.call("POST", "/certificates/q/create", policy());
      assert.deepEqual([refused.status, refused.json.error.innererror.code], [403, "ForbiddenByPolicy"]);
      assert.ok(refused.json.error.message.includes("certificates create permission"), refused.json.error.message);
    });

    t.test(
      "CORS: a listed origin sees Location and Retry-After of a create",
      async () => {
        const emu = createEmulator({ cors: ["http://localhost:5173"] });
        const token = (await emu.getToken({ scopes: [`${emu.resource}/.default`] })).token;
        const res = await emu.fetch(`${emu.vaultUrl}/certificates/cors/create?api-version=2025-07-01`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, origin: "http://localhost:5173", "content-type": "application/json" },
          body: JSON.stringify(policy()),
        });
        const exposed = res.headers.get("access-control-expose-headers")!.toLowerCase();
        assert.ok(exposed.includes("location") && exposed.includes("retry-after"), exposed);
      },
      // A page cannot set Origin itself: test/node/emulator-cors.test.ts drives Chromium.
      { only: NOT_IN_BROWSERS },
    );

    t.test("bad input gets the service's 400 (or 403, 404, 405), never a 500", async () => {
      const emu = createEmulator({ certificateDelayMs: 0, purgeProtection: true });
      const { call } = await secretsCaller(emu);
      const p = policy().policy;
      const x509 = p.x509_props;
      const create = (policyIn: unknown, extra: Record<string, unknown> = {}) => ({ policy: policyIn, ...extra });
      const cases: [string, string, unknown, number][] = [
        ["POST", "/certificates/new/create", {}, 400],
        ["POST", "/certificates/new/create", create("x"), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: "x" }), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: { kty: "oct" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: { exportable: "yes" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: { reuse_key: "no" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: { kty: "EC", crv: "P-999" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, key_props: { key_size: 1024 } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, secret_props: { contentType: "text/plain" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { subject: 5 } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, sans: "x" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, sans: { dns_names: "x" } } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: {} }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { subject: "bogus" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { subject: "XX=1" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, ekus: ["not-an-oid"] } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, key_usage: ["fly"] } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, validity_months: 0 } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, x509_props: { ...x509, validity_months: 1.5 } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, issuer: { name: "" } }), 400],
        ["POST", "/certificates/new/create", create({ ...p, lifetime_actions: "x" }), 400],
        [
          "POST",
          "/certificates/new/create",
          create({ ...p, lifetime_actions: [{ trigger: { lifetime_percentage: 50 }, action: { action_type: "Explode" } }] }),
          400,
        ],
        [
          "POST",
          "/certificates/new/create",
          create({
            ...p,
            issuer: { name: "Unknown" },
            lifetime_actions: [{ trigger: { lifetime_percentage: 50 }, action: { action_type: "AutoRenew" } }],
          }),
          400,
        ],
        [
          "POST",
          "/certificates/new/create",
          create({
            ...p,
            lifetime_actions: [{ trigger: { lifetime_percentage: 50, days_before_expiry: 3 }, action: { action_type: "AutoRenew" } }],
          }),
          400,
        ],
        [
          "POST",
          "/certificates/new/create",
          create({ ...p, lifetime_actions: [{ trigger: {}, action: { action_type: "AutoRenew" } }] }),
          400,
        ],
        [
          "POST",
          "/certificates/new/create",
          create({ ...p, lifetime_actions: [{ trigger: { lifetime_percentage: 100 }, action: { action_type: "AutoRenew" } }] }),
          400,
        ],
        [
          "POST",
          "/certificates/new/create",
          create({ ...p, lifetime_actions: [{ trigger: { days_before_expiry: 0 }, action: { action_type: "AutoRenew" } }] }),
          400,
        ],
        ["POST", "/certificates/new/create", create({ ...p, attributes: { enabled: "x" } }), 400],
        ["POST", "/certificates/new/create", create(p, { attributes: "x" }), 400],
        ["POST", "/certificates/new/create", create(p, { tags: "x" }), 400],
        ["POST", "/certificates/bad_name/create", create(p), 400],
        ["GET", "/certificates/missing/policy", undefined, 404],
        ["GET", "/certificates/missing/versions", undefined, 404],
        ["PATCH", "/certificates/missing/", { attributes: {} }, 404],
        ["PATCH", "/certificates/missing/pending", { cancellation_requested: true }, 404],
        ["POST", "/certificates/missing/pending/merge", { x5c: ["MIIB"] }, 400],
        ["POST", "/certificates/missing/pending/merge", { x5c: "x" }, 400],
        ["POST", "/certificates/missing/pending/merge", { x5c: [123] }, 400],
        ["POST", "/certificates/missing/import", { value: "AAAA", policy: "x" }, 400],
        [
          "POST",
          "/certificates/missing/import",
          { value: "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----" },
          400,
        ],
        ["POST", "/certificates/missing/import", { value: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----" }, 400],
        ["POST", "/certificates/missing/import", { value: "-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----" }, 400],
        ["PUT", "/certificates/contacts", { contacts: "x" }, 400],
        ["PUT", "/certificates/contacts", { contacts: ["x"] }, 400],
        ["PUT", "/certificates/contacts", { contacts: [{ name: "no email" }] }, 400],
        ["PUT", "/certificates/contacts", { contacts: [{ email: "a@b.c", phone: 5 }] }, 400],
        ["DELETE", "/certificates/contacts", undefined, 404],
        ["PUT", "/certificates/issuers/ca", {}, 400],
        ["PUT", "/certificates/issuers/Self", { provider: "Test" }, 400],
        ["PUT", "/certificates/issuers/ca", { provider: "Test", credentials: "x" }, 400],
        ["PUT", "/certificates/issuers/ca", { provider: "Test", attributes: { enabled: "x" } }, 400],
        ["PATCH", "/certificates/issuers/missing", { provider: "Test" }, 404],
        ["GET", "/deletedcertificates/missing", undefined, 404],
        ["POST", "/deletedcertificates/missing/recover", undefined, 404],
        ["DELETE", "/deletedcertificates/missing", undefined, 403],
        ["POST", "/certificates/restore", {}, 400],
        ["POST", "/certificates/restore", { value: "S1ZGRVRDSC1FTVVMQVRPUi1DRVJUSUZJQ0FURS1CQUNLVVAtVjE6AAAA" }, 400],
        ["GET", "/certificates/x/y/z", undefined, 404],
        ["PUT", "/certificates/x/create", {}, 405],
        ["GET", "/certificates/%E0", undefined, 400],
        ["GET", "/deletedcertificates/x/nope", undefined, 404],
      ];
      const problems: string[] = [];
      for (const [method, path, body, status] of cases) {
        const r = await call(method, path, body);
        if (r.status !== status || !r.json?.error?.code)
          problems.push(`${method} ${path} ${JSON.stringify(body)?.slice(0, 90)}: ${r.status} ${r.text.slice(0, 120)}`);
      }
      assert.deepEqual(problems, []);
      await call("POST", "/certificates/ok/create", policy());
      const bad = [
        await call("PATCH", "/certificates/ok/", { attributes: { enabled: "x" } }),
        await call("PATCH", "/certificates/ok/00000000000000000000000000000000", { attributes: {} }),
        await call("PATCH", "/certificates/ok/policy", { key_props: { kty: "oct" } }),
        await call("PATCH", "/certificates/ok/pending", { cancellation_requested: "x" }),
        await call("POST", "/certificates/ok/create", policy()),
      ];
      assert.deepEqual(
        bad.map((r) => r.status),
        [400, 404, 400, 400, 202],
      );
      const old = await call("GET", `${emu.vaultUrl}/certificates/ok?api-version=7.0`);
      assert.deepEqual(
        [old.status, old.json.attributes.recoverableDays],
        [200, undefined],
        "api-version 7.0 answers have no recoverableDays",
      );
      const hsm = createEmulator({ managedHsm: true });
      assert.equal((await (await secretsCaller(hsm)).call("GET", "/certificates")).status, 404, "a Managed HSM has no certificates");
    });

    t.test("16 tags are a 400 that names what was tagged: a certificate, a key, a secret", async () => {
      const emu = createEmulator({ certificateDelayMs: 0 });
      const { call } = await secretsCaller(emu);
      const tags = Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"]));
      const answers = [
        await call("POST", "/certificates/tagged/create", { policy: policy().policy, tags }),
        await call("POST", "/keys/tagged/create", { kty: "EC", crv: "P-256", tags }),
        await call("PUT", "/secrets/tagged", { value: "v", tags }),
      ];
      assert.deepEqual(
        answers.map((a) => [a.status, a.json.error.message]),
        [
          [400, "A certificate can have at most 15 tags."],
          [400, "A key can have at most 15 tags."],
          [400, "A secret can have at most 15 tags."],
        ],
      );
    });

    t.test("state: exported and imported with the vault (what --state saves); vaults are isolated", async () => {
      const emu = createEmulator({ certificateDelayMs: 0, vaults: [{ name: "one" }, { name: "two" }] });
      const { call } = await secretsCaller(emu);
      await call("POST", "/certificates/s/create", policy());
      const cert = (await call("GET", "/certificates/s")).json;
      const state = emu.vault(emu.vaultUrl).exportState();
      const twin = createEmulator({ vaults: [{ name: "one", state }] });
      const t2 = await secretsCaller(twin);
      assert.equal((await t2.call("GET", "/certificates/s")).json.x5t, cert.x5t);
      const other = await call("GET", `${emu.vault("https://two.vault.azure.net").url}/certificates/s?api-version=2025-07-01`);
      assert.equal(other.status, 404);
      // Saved state (what --state writes through openEmulator's persistence), reopened.
      let saved: string | undefined;
      const storage = { read: async () => saved, write: async (text: string) => void (saved = text) };
      const first = await lib.emulator.openEmulator({
        name: "saved",
        certificateDelayMs: 0,
        persistence: { storage, kdfIterations: 1000, key: "k" },
      });
      const f = await secretsCaller(first);
      await f.call("POST", "/certificates/kept/create", policy());
      const x5t = (await f.call("GET", "/certificates/kept")).json.x5t;
      await first.flush();
      const again = await lib.emulator.openEmulator({ name: "saved", persistence: { storage, key: "k" } });
      const a = await secretsCaller(again);
      assert.equal((await a.call("GET", "/certificates/kept")).json.x5t, x5t);
      assert.equal((await a.call("GET", "/secrets/kept")).json.managed, true);
    });
  });
};
export default suite;
