// The emulator serves secrets like Azure: every recorded secrets session replayed against a fresh
// emulator (statuses, challenges, JSON shapes and values), then the behaviours the recordings do not
// cover: paging, names, limits, soft delete with asynchronous completion, backup blobs, access
// policies, faults, the service's throttling limits, hostile names and escapes, and the store's
// serialize/deserialize and sweep.
import type { Lib, Registrar, RecordedEntry } from "./harness.js";
import * as assert from "./assert.js";
import { replayOnEmulator, type ReplayedAnswer } from "./emulator-replay.js";
import type { Emulator as Emu } from "../../emulator/src/index.js";

const API = "api-version=2025-07-01";
const RECORDED_ORIGIN = "https://keyvault_name.vault.azure.net";
/** Fields fresh on every run: compared by type only. */
const VARYING = new Set(["created", "updated", "deletedDate", "scheduledPurgeDate", "nextLink"]);
const HEX32 = /[0-9a-f]{32}/g;

/** A raw caller of the emulated vault with a real token from its authority. */
export async function secretsCaller(emu: Emu, token?: string) {
  const tok = token ?? (await emu.getToken({ scopes: [`${emu.resource}/.default`] })).token;
  const call = async (method: string, path: string, body?: unknown) => {
    const url = path.startsWith("https://") ? path : `${emu.vaultUrl}${path}${path.includes("?") ? "&" : "?"}${API}`;
    const res = await emu.fetch(url, {
      method,
      headers: { authorization: `Bearer ${tok}`, ...(body !== undefined ? { "content-type": "application/json" } : {}) },
      ...(body !== undefined ? { body: typeof body === "string" ? body : JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : undefined } as {
      status: number;
      headers: Headers;
      text: string;
      json: any;
    };
  };
  return { token: tok, call };
}

/** Compares an answer with the recorded one: keys, types and values; `varying` fields by type only. */
export function compare(ours: any, rec: any, path: string, out: string[], varying: Set<string> = VARYING): void {
  const key = path.split(".").pop()!;
  if (varying.has(key)) {
    if (typeof ours !== typeof rec && !(key === "nextLink" && rec === null)) out.push(`${path}: ${typeof ours} vs recorded ${typeof rec}`);
    return;
  }
  if (rec === null || rec === undefined) {
    if (ours !== null && ours !== undefined) out.push(`${path}: expected nothing, got ${JSON.stringify(ours).slice(0, 80)}`);
    return;
  }
  if (typeof rec !== typeof ours || Array.isArray(rec) !== Array.isArray(ours)) {
    out.push(`${path}: expected ${typeof rec}, got ${JSON.stringify(ours)?.slice(0, 80)}`);
    return;
  }
  if (Array.isArray(rec)) {
    if (rec.length !== ours.length) {
      out.push(`${path}: ${ours.length} items, recorded ${rec.length}`);
      return;
    }
    rec.forEach((r: any, i: number) => compare(ours[i], r, `${path}[${i}]`, out, varying));
    return;
  }
  if (typeof rec === "object") {
    const a = Object.keys(ours).sort().join(),
      b = Object.keys(rec).sort().join();
    if (a !== b) out.push(`${path}: keys ${a} vs recorded ${b}`);
    for (const k of Object.keys(rec)) if (k in ours) compare(ours[k], rec[k], `${path}.${k}`, out, varying);
    return;
  }
  if (ours !== rec) out.push(`${path}: ${JSON.stringify(ours).slice(0, 160)} vs recorded ${JSON.stringify(rec).slice(0, 160)}`);
}

/** The vault settings a recording shows (retention days), read from its first attributes. */
function recordedDays(entries: RecordedEntry[]): number {
  for (const e of entries) {
    const days = (e.ResponseBody as any)?.attributes?.recoverableDays;
    if (typeof days === "number") return days;
  }
  return 90;
}

export function secretsEmulator(t: Registrar, lib: Lib): void {
  const { createEmulator } = lib.emulator;

  t.group("emulator: secrets recordings replayed", () => {
    // Each recorded secrets session goes to a fresh emulator (same names; versions and backup blobs
    // mapped to the emulator's own). Statuses, challenges, JSON shapes and values must match. Runs of
    // identical requests (polling an eventually consistent deletion, a restore retried after 409)
    // count with their settled answer. list-secrets-paged ran in a shared vault full of other
    // secrets: its pages are checked item by item below instead.
    for (const [name, rec] of Object.entries(lib.fixtures.recordings)) {
      if (!name.startsWith("secrets__")) continue;
      t.test(name, async () => {
        const emu = createEmulator({ recoverableDays: recordedDays(rec.Entries) });
        const sharedVault = name === "secrets__list-secrets-paged";
        const listedOurs: string[] = [],
          listedRecorded: string[] = [];
        const check = ({ e, u, where, ours, normalized }: ReplayedAnswer, problems: string[]) => {
          const recorded = e.ResponseBody as any;
          if (sharedVault && e.RequestMethod === "GET" && u.pathname === "/secrets") {
            // Ours lists only the two secrets this session made; each must look like its recorded item.
            const mine = JSON.parse(normalized).value as any[];
            const all = rec.Entries.filter((x) => x.RequestMethod === "GET" && new URL(x.RequestUri).pathname === "/secrets").flatMap(
              (x) => (x.ResponseBody as any).value,
            );
            assert.equal(mine.length, 2);
            for (const item of mine) {
              const twin = all.find((r: any) => r.id === item.id);
              if (!twin) problems.push(`${where}: ${item.id} is not in the recorded pages`);
              else compare(item, twin, `${where} ${item.id}`, problems);
            }
            return;
          }
          // Backup blobs are each side's own; the rest compares (values included). Version lists
          // are ordered by version id, which differ: their ids are compared as a set at the end.
          const op = u.pathname.split("/").pop()!.toLowerCase();
          let mine = normalized ? JSON.parse(normalized) : null;
          let theirs = op === "backup" ? { value: mine.value } : recorded;
          if (op === "versions" && mine) {
            listedOurs.push(...mine.value.map((x: any) => x.id));
            listedRecorded.push(...recorded.value.map((x: any) => x.id));
            const blind = (x: any) => JSON.parse(JSON.stringify(x).replace(HEX32, "<version>"));
            mine = blind(mine);
            theirs = blind(theirs);
          }
          compare(mine, theirs, where, problems);
          if (recorded?.deletedDate !== undefined && ours) {
            if (ours.scheduledPurgeDate - ours.deletedDate !== recorded.scheduledPurgeDate - recorded.deletedDate)
              problems.push(`${where}: retention ${ours.scheduledPurgeDate - ours.deletedDate} s`);
          }
        };
        const problems = await replayOnEmulator(emu, rec, {
          recordedOrigin: RECORDED_ORIGIN,
          versionField: "id",
          valueFields: ["value"],
          // Version lists pair items by position, which says nothing about which version is which.
          learnFrom: (u) => !u.pathname.toLowerCase().endsWith("/versions"),
          skipPages: sharedVault,
          check,
        });
        assert.deepEqual(problems, []);
        assert.deepEqual(listedOurs.sort(), listedRecorded.sort(), "the same versions listed");
      });
    }
  });

  t.group("emulator: secrets", () => {
    t.test("set makes a new version each time; get by latest (/name/ and /name) and by version; versions listed by id", async () => {
      const emu = createEmulator({ name: "secrets-versions" });
      const { call } = await secretsCaller(emu);
      const a = await call("PUT", "/secrets/db-password", { value: "one", contentType: "text/plain", tags: { env: "prod" } });
      assert.equal(a.status, 200);
      assert.deepEqual(Object.keys(a.json), ["value", "contentType", "id", "attributes", "tags"]);
      assert.match(a.json.id, /^https:\/\/secrets-versions\.vault\.azure\.net\/secrets\/db-password\/[0-9a-f]{32}$/);
      assert.deepEqual(Object.keys(a.json.attributes), ["enabled", "created", "updated", "recoveryLevel", "recoverableDays"]);
      assert.deepEqual([a.json.attributes.recoveryLevel, a.json.attributes.recoverableDays], ["Recoverable+Purgeable", 90]);
      const b = await call("PUT", "/secrets/DB-PASSWORD", { value: "two" });
      assert.equal(b.status, 200);
      assert.match(b.json.id, /\/secrets\/db-password\//, "the name keeps its first spelling");
      assert.equal(b.json.contentType, undefined, "a new version starts without the old one's content type");
      assert.equal((await call("GET", "/secrets/db-password/")).json.value, "two");
      assert.equal((await call("GET", "/secrets/db-password")).json.value, "two");
      const v1 = a.json.id.split("/").pop();
      const old = await call("GET", `/secrets/db-password/${v1}`);
      assert.deepEqual([old.json.value, old.json.tags], ["one", { env: "prod" }]);
      assert.equal(
        (await call("GET", `/secrets/db-password/${v1.toUpperCase()}`)).json.value,
        "one",
        "versions compare case-insensitively",
      );
      const missing = await call("GET", `/secrets/db-password/${"0".repeat(32)}`);
      assert.equal(missing.status, 404);
      assert.equal(missing.json.error.code, "SecretNotFound");
      assert.match(
        missing.json.error.message,
        new RegExp(`^A secret with \\(name/id\\) db-password/${"0".repeat(32)} was not found in this key vault\\.`),
      );
      const list = await call("GET", "/secrets/db-password/versions");
      const ids = list.json.value.map((i: any) => i.id.split("/").pop());
      assert.deepEqual(ids, [...ids].sort());
      assert.equal(ids.length, 2);
      assert.equal(list.json.nextLink, null);
      assert.deepEqual(Object.keys(list.json.value.find((i: any) => i.id.endsWith(v1))), ["contentType", "id", "attributes", "tags"]);
    });

    t.test("list: one item per secret (newest version, id without version), maxresults 1..25, absolute nextLinks with :443", async () => {
      const emu = createEmulator({ name: "secrets-paging" });
      const { call } = await secretsCaller(emu);
      for (let i = 0; i < 30; i++)
        assert.equal((await call("PUT", `/secrets/s-${String(i).padStart(2, "0")}`, { value: `v${i}` })).status, 200);
      await call("PUT", "/secrets/s-00", { value: "again" });
      const first = await call("GET", "/secrets");
      assert.equal(first.json.value.length, 25, "25 without maxresults");
      assert.match(first.json.nextLink, /^https:\/\/secrets-paging\.vault\.azure\.net:443\/secrets\?api-version=2025-07-01&\$skiptoken=/);
      const second = await call("GET", first.json.nextLink);
      assert.equal(second.json.value.length, 5);
      assert.equal(second.json.nextLink, null);
      const names = [...first.json.value, ...second.json.value].map((i: any) => i.id.split("/").pop());
      assert.equal(names.length, 30, "one item per secret, not per version");
      assert.deepEqual(names, [...names].sort());
      assert.equal(first.json.value[0].id, `${emu.vaultUrl}/secrets/s-00`);
      assert.deepEqual(Object.keys(first.json.value[0]), ["id", "attributes"]);
      for (const bad of ["0", "26", "abc"]) {
        const r = await call("GET", `/secrets?maxresults=${bad}`);
        assert.equal(r.status, 400, `maxresults=${bad}`);
        assert.equal(r.json.error.code, "BadParameter");
      }
      const paged: string[] = [];
      let link: string | null = "/secrets?maxresults=7";
      while (link) {
        const p = await call("GET", link);
        paged.push(...p.json.value.map((i: any) => i.id));
        link = p.json.nextLink;
        if (link) assert.match(link, /maxresults=7/);
      }
      assert.equal(paged.length, 30);
    });

    t.test("names, values and content types: the service's rules and limits", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      for (const bad of ["a_b", "a.b", "x".repeat(128), "%C3%A9t%C3%A9"]) {
        const r = await call("PUT", `/secrets/${bad}`, { value: "x" });
        assert.equal(r.status, 400, bad);
        assert.equal(r.json.error.code, "BadParameter");
        assert.match(r.json.error.message, /^The request URI contains an invalid name: /);
      }
      assert.equal((await call("PUT", `/secrets/${"x".repeat(127)}`, { value: "x" })).status, 200);
      const empty = await call("PUT", "/secrets/", { value: "x" });
      assert.deepEqual([empty.status, empty.json], [405, { error: { code: "MethodNotAllowed", message: "HTTP PUT not allowed" } }]);
      assert.equal((await call("PUT", "/secrets/big", { value: "a".repeat(25_600) })).status, 200, "25,600 bytes fit");
      const big = await call("PUT", "/secrets/big", { value: "a".repeat(25_599) + "é" });
      assert.equal(big.status, 400, "the limit counts UTF-8 bytes");
      assert.match(big.json.error.message, /25600 bytes/);
      assert.equal((await call("PUT", "/secrets/empty", { value: "" })).status, 200, "an empty value is a value");
      assert.equal((await call("PUT", "/secrets/novalue", { contentType: "x" })).status, 400);
      assert.equal((await call("PUT", "/secrets/number", { value: 5 })).status, 400);
      assert.equal((await call("PUT", "/secrets/nobody")).status, 400);
      assert.equal((await call("PUT", "/secrets/notjson", "{")).status, 400);
      assert.equal((await call("PUT", "/secrets/ct", { value: "x", contentType: "c".repeat(256) })).status, 400);
      assert.equal(
        (await call("PUT", "/secrets/tags", { value: "x", tags: Object.fromEntries(Array.from({ length: 16 }, (_, i) => [`t${i}`, "v"])) }))
          .status,
        400,
      );
      assert.equal((await call("PUT", "/secrets/dates", { value: "x", attributes: { nbf: 200, exp: 100 } })).status, 400);
      assert.equal((await call("PUT", "/secrets/dates", { value: "x", attributes: { exp: "tomorrow" } })).status, 400);
    });

    t.test("get: disabled is 403 SecretDisabled; expired and not-yet-valid secrets are still served (as the service does)", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      const now = Math.floor(Date.now() / 1000);
      await call("PUT", "/secrets/expired", { value: "old", attributes: { exp: now - 60 } });
      await call("PUT", "/secrets/future", { value: "soon", attributes: { nbf: now + 3600 } });
      assert.deepEqual(
        [(await call("GET", "/secrets/expired/")).json.value, (await call("GET", "/secrets/future/")).json.attributes.nbf],
        ["old", now + 3600],
      );
      await call("PUT", "/secrets/off", { value: "x", attributes: { enabled: false } });
      const off = await call("GET", "/secrets/off/");
      assert.deepEqual(
        [off.status, off.json],
        [
          403,
          {
            error: {
              code: "Forbidden",
              message: "Operation get is not allowed on a disabled secret.",
              innererror: { code: "SecretDisabled" },
            },
          },
        ],
      );
      const updated = await call("PATCH", "/secrets/off/", { attributes: { enabled: true }, contentType: "text/plain", tags: { a: "b" } });
      assert.equal(updated.status, 200);
      assert.equal(updated.json.value, undefined, "an update answers without the value");
      assert.deepEqual([updated.json.contentType, updated.json.tags, updated.json.attributes.enabled], ["text/plain", { a: "b" }, true]);
      assert.equal((await call("GET", "/secrets/off/")).json.value, "x");
      assert.equal((await call("PATCH", "/secrets/off/", { tags: {} })).json.tags, undefined, "empty tags remove them");
      assert.equal((await call("PATCH", "/secrets/missing/", { tags: {} })).status, 404);
    });

    t.test(
      "outContentType: PEM from a secret without content type is the recorded 400; PEM to PEM is as is; PFX that is no PKCS#12 is a 400",
      async () => {
        const emu = createEmulator();
        const { call } = await secretsCaller(emu);
        await call("PUT", "/secrets/plain", { value: "x" });
        const plain = await call("GET", "/secrets/plain/?outContentType=application%2Fx-pem-file");
        assert.deepEqual(
          [plain.status, plain.json.error.message],
          [400, "The 'Unsupported' to 'PEM' transformation is not supported. Only PFX to PEM transformation is supported."],
        );
        await call("PUT", "/secrets/pem", { value: "-----BEGIN CERTIFICATE-----", contentType: "application/x-pem-file" });
        assert.equal(
          (await call("GET", "/secrets/pem/?outContentType=application%2Fx-pem-file")).json.value,
          "-----BEGIN CERTIFICATE-----",
        );
        assert.equal((await call("GET", "/secrets/pem/?outContentType=application%2Fx-pkcs12")).status, 400);
        await call("PUT", "/secrets/pfx", { value: "MIIK", contentType: "application/x-pkcs12" });
        assert.equal((await call("GET", "/secrets/pfx/?outContentType=application%2Fx-pem-file")).status, 400);
        assert.equal((await call("GET", "/secrets/pfx/?outContentType=text%2Fplain")).status, 400);
      },
    );

    t.test(
      "soft delete completes asynchronously (deletionDelayMs): 404 then the deleted secret; 409 while the name is deleted; recover and purge complete later too",
      async () => {
        let clock = Date.UTC(2026, 0, 1);
        const emu = createEmulator({ now: () => clock, deletionDelayMs: 5000, recoverableDays: 7 });
        const { call } = await secretsCaller(emu);
        await call("PUT", "/secrets/gone", { value: "v", contentType: "text/plain", tags: { t: "1" } });
        const del = await call("DELETE", "/secrets/gone");
        assert.equal(del.status, 200);
        assert.deepEqual(Object.keys(del.json), [
          "recoveryId",
          "deletedDate",
          "scheduledPurgeDate",
          "contentType",
          "id",
          "attributes",
          "tags",
        ]);
        assert.equal(del.json.recoveryId, `${emu.vaultUrl}/deletedsecrets/gone`);
        assert.equal(del.json.scheduledPurgeDate - del.json.deletedDate, 7 * 86400);
        assert.equal(del.json.value, undefined);
        const early = await call("GET", "/deletedsecrets/gone");
        assert.deepEqual([early.status, early.json.error], [404, { code: "SecretNotFound", message: "Deleted Secret not found: gone" }]);
        assert.equal((await call("GET", "/deletedsecrets")).json.value.length, 0);
        assert.equal((await call("GET", "/secrets/gone/")).status, 404);
        const during = await call("PUT", "/secrets/gone", { value: "w" });
        assert.deepEqual(
          [during.status, during.json.error.code, during.json.error.innererror?.code],
          [409, "Conflict", "ObjectIsBeingDeleted"],
        );
        assert.equal((await call("DELETE", "/deletedsecrets/gone")).status, 409, "purge before the deletion completed");
        clock += 5000;
        assert.equal((await call("GET", "/deletedsecrets/gone")).status, 200);
        const listed = await call("GET", "/deletedsecrets");
        assert.deepEqual(Object.keys(listed.json.value[0]), [
          "recoveryId",
          "deletedDate",
          "scheduledPurgeDate",
          "contentType",
          "id",
          "attributes",
          "tags",
        ]);
        assert.equal(listed.json.value[0].id, `${emu.vaultUrl}/secrets/gone`);
        const reuse = await call("PUT", "/secrets/gone", { value: "w" });
        assert.deepEqual([reuse.status, reuse.json.error.innererror?.code], [409, "ObjectIsDeletedButRecoverable"]);
        assert.match(reuse.json.error.message, /deleted but recoverable state/);
        const rec = await call("POST", "/deletedsecrets/gone/recover");
        assert.equal(rec.status, 200);
        assert.equal(rec.json.value, undefined);
        assert.equal((await call("GET", "/secrets/gone/")).status, 404, "recovery completes in the background");
        assert.equal((await call("PUT", "/secrets/gone", { value: "w" })).status, 409);
        clock += 5000;
        assert.equal((await call("GET", "/secrets/gone/")).json.value, "v");
        await call("DELETE", "/secrets/gone");
        clock += 5000;
        assert.equal((await call("DELETE", "/deletedsecrets/gone")).status, 204);
        assert.equal((await call("PUT", "/secrets/gone", { value: "w" })).status, 409, "a purge completes in the background too");
        assert.equal((await call("GET", "/deletedsecrets/gone")).status, 404);
        clock += 5000;
        assert.equal((await call("PUT", "/secrets/gone", { value: "w" })).status, 200);
        const nothing = await call("POST", "/deletedsecrets/never/recover");
        assert.equal(nothing.status, 404);
        assert.match(nothing.json.error.message, /^A secret with \(name\/id\) never was not found/);
        assert.equal((await call("DELETE", "/secrets/never")).status, 404);
      },
    );

    t.test(
      "deleted secrets are purged when their scheduled date passes (the emulator's clock); purge protection refuses purge",
      async () => {
        let clock = Date.UTC(2026, 0, 1);
        const emu = createEmulator({ now: () => clock, recoverableDays: 7, purgeProtection: true });
        let { call } = await secretsCaller(emu);
        await call("PUT", "/secrets/old", { value: "v" });
        const del = await call("DELETE", "/secrets/old");
        assert.equal(del.json.attributes.recoveryLevel, "CustomizedRecoverable");
        const purge = await call("DELETE", "/deletedsecrets/old");
        assert.deepEqual([purge.status, purge.json.error.innererror.code], [403, "VaultPurgeProtectionEnabled"]);
        clock += 7 * 86400_000 - 1000;
        ({ call } = await secretsCaller(emu)); // the first token expired days ago
        assert.equal((await call("GET", "/deletedsecrets/old")).status, 200);
        clock += 1000;
        assert.equal((await call("GET", "/deletedsecrets/old")).status, 404);
        assert.equal((await call("PUT", "/secrets/old", { value: "new" })).status, 200);
      },
    );

    t.test(
      "backup and restore: a sealed blob that starts like the service's; junk, tampered and key blobs are 'Malformed backup blob'; 409 into a used name",
      async () => {
        const emu = createEmulator({ backupSecret: "shared" });
        const { call } = await secretsCaller(emu);
        // Values long enough that random sealed bytes cannot contain them by chance ("v1" could).
        await call("PUT", "/secrets/kept", { value: "first-plaintext-value", tags: { a: "1" } });
        await call("PUT", "/secrets/kept", { value: "second-plaintext-value", contentType: "text/plain" });
        const backup = await call("POST", "/secrets/kept/backup");
        assert.equal(backup.status, 200);
        const blob: string = backup.json.value;
        const bytes = Uint8Array.from(atob(blob.replace(/-/g, "+").replace(/_/g, "/") + "==".slice(0, (4 - (blob.length % 4)) % 4)), (c) =>
          c.charCodeAt(0),
        );
        assert.equal(new TextDecoder().decode(bytes.subarray(0, 42)), ")AzureKeyVaultSecretBackupV1.microsoft.com");
        const text = new TextDecoder().decode(bytes);
        assert.ok(!text.includes("first-plaintext-value") && !text.includes("second-plaintext-value"), "the values are sealed");
        const conflict = await call("POST", "/secrets/restore", { value: blob });
        assert.equal(conflict.status, 409);
        assert.match(
          conflict.json.error.message,
          new RegExp(`^There was a conflict restoring the secret '${emu.vaultUrl.replace(/\./g, "\\.")}/secrets/kept/[0-9a-f]{32}'\\.`),
        );
        await call("DELETE", "/secrets/kept");
        assert.equal((await call("POST", "/secrets/restore", { value: blob })).status, 409, "a deleted name is still used");
        assert.equal((await call("DELETE", "/deletedsecrets/kept")).status, 204);
        // Another emulator with the same backup secret restores it, every version.
        const other = createEmulator({ backupSecret: "shared" });
        const o = await secretsCaller(other);
        const restored = await o.call("POST", "/secrets/restore", { value: blob });
        assert.equal(restored.status, 200);
        assert.equal(restored.json.value, undefined);
        assert.equal(restored.json.contentType, "text/plain");
        assert.equal((await o.call("GET", "/secrets/kept/versions")).json.value.length, 2);
        assert.equal((await o.call("GET", "/secrets/kept/")).json.value, "second-plaintext-value");
        const tampered = bytes.slice();
        tampered[tampered.length - 5]! ^= 1;
        const b64 = (b: Uint8Array) =>
          btoa(String.fromCharCode(...b))
            .replace(/\+/g, "-")
            .replace(/\//g, "_")
            .replace(/=+$/, "");
        const keyBackup = await call("POST", "/keys/k/create", { kty: "EC" }).then(() => call("POST", "/keys/k/backup"));
        for (const junk of ["A".repeat(6304), b64(tampered), keyBackup.json.value, "!!!", b64(bytes.subarray(0, 50))]) {
          const r = await call("POST", "/secrets/restore", { value: junk });
          assert.deepEqual(
            [r.status, r.json],
            [400, { error: { code: "Malformed backup blob", message: "Backup blob contains invalid or corrupt version." } }],
          );
        }
        const foreign = createEmulator();
        assert.equal(
          (await (await secretsCaller(foreign)).call("POST", "/secrets/restore", { value: blob })).status,
          400,
          "another emulator's seal",
        );
        assert.equal((await call("POST", "/secrets/restore", {})).status, 400);
        assert.equal((await call("POST", "/secrets/missing/backup")).status, 404);
      },
    );

    t.test(
      "access policies: secretPermissions limit a client (403 ForbiddenByPolicy, the service's wording); undefined lifts them",
      async () => {
        const emu = createEmulator();
        const admin = await secretsCaller(emu);
        await admin.call("PUT", "/secrets/shared", { value: "v" });
        emu.registerClient({ clientId: "reader-app", clientSecret: "reader-secret", secretPermissions: ["get", "list"] });
        const form = {
          grant_type: "client_credentials",
          client_id: "reader-app",
          client_secret: "reader-secret",
          scope: "https://vault.azure.net/.default",
        };
        const res = await emu.fetch(`${emu.authorityHost}/${emu.tenantId}/oauth2/v2.0/token`, {
          method: "POST",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(form),
        });
        const reader = await secretsCaller(emu, ((await res.json()) as any).access_token);
        assert.equal((await reader.call("GET", "/secrets/shared/")).status, 200);
        assert.equal((await reader.call("GET", "/secrets")).status, 200);
        const refused = await reader.call("PUT", "/secrets/shared", { value: "w" });
        assert.equal(refused.status, 403);
        assert.deepEqual([refused.json.error.code, refused.json.error.innererror.code], ["Forbidden", "ForbiddenByPolicy"]);
        assert.match(
          refused.json.error.message,
          /^The user, group or application 'appid=reader-app;oid=[0-9a-f-]+;iss=https:\/\/sts\.windows\.net\/[0-9a-f-]+\/' does not have secrets set permission on key vault 'kvemu-[0-9a-f]+;location=emulator'\./,
        );
        for (const [method, path, permission] of [
          ["DELETE", "/secrets/shared", "delete"],
          ["POST", "/secrets/shared/backup", "backup"],
          ["PATCH", "/secrets/shared/", "set"],
          ["DELETE", "/deletedsecrets/x", "purge"],
          ["POST", "/deletedsecrets/x/recover", "recover"],
          ["POST", "/secrets/restore", "restore"],
        ] as const) {
          const r = await reader.call(method, path, method === "PATCH" || path.endsWith("restore") ? {} : undefined);
          assert.equal(r.status, 403, `${method} ${path}`);
          assert.match(r.json.error.message, new RegExp(`secrets ${permission} permission`));
        }
        assert.equal((await reader.call("POST", "/keys/k/create", { kty: "EC" })).status, 200, "key permissions are separate");
        emu.setSecretPermissions("reader-app", undefined);
        assert.equal((await reader.call("PUT", "/secrets/shared", { value: "w" })).status, 200);
        emu.setSecretPermissions("reader-app", []);
        assert.equal((await reader.call("GET", "/secrets/shared/")).status, 403);
      },
    );

    t.test("fault injection reaches secrets: a 429 then the answer; latency; a dropped connection after the set took effect", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      emu.faults.add({ route: "PUT /secrets/*", status: 429, retryAfter: 1 });
      const throttled = await call("PUT", "/secrets/f", { value: "v" });
      assert.deepEqual([throttled.status, throttled.headers.get("retry-after"), throttled.json.error.code], [429, "1", "Throttled"]);
      assert.equal((await call("PUT", "/secrets/f", { value: "v" })).status, 200);
      emu.faults.add({ route: "GET /secrets/**", status: 503 });
      assert.equal((await call("GET", "/secrets/f/")).status, 503);
      emu.faults.add({ route: "PUT /secrets/*", drop: "after" });
      await assert.rejects(() => call("PUT", "/secrets/f", { value: "lost answer" }), { name: "TypeError" });
      assert.equal((await call("GET", "/secrets/f/")).json.value, "lost answer", "the set happened");
      assert.ok(emu.requests.some((r) => r.faults?.includes("status 429")));
    });

    t.test(
      "serviceLimits: 300 sets and 4,000 other secrets operations per 10 s, then 429 Throttled without Retry-After; the window slides on the emulator's clock",
      async () => {
        let clock = Date.UTC(2026, 0, 1);
        const emu = createEmulator({ now: () => clock, serviceLimits: true });
        const { call } = await secretsCaller(emu);
        for (let i = 0; i < 300; i++) assert.equal((await call("PUT", "/secrets/w", { value: String(i) })).status, 200);
        const over = await call("PUT", "/secrets/w", { value: "x" });
        assert.deepEqual([over.status, over.json.error.code, over.headers.get("retry-after")], [429, "Throttled", null]);
        assert.match(over.json.error.message, /VaultRequestTypeLimitReached/);
        assert.equal((await call("GET", "/secrets/w/")).status, 200, "reads have their own limit");
        clock += 5000;
        for (let i = 0; i < 3999; i++) if ((await call("GET", "/secrets/w/")).status !== 200) throw new Error(`read ${i} refused`);
        assert.equal((await call("GET", "/secrets/w/")).status, 429);
        assert.equal((await call("POST", "/keys/k/create", { kty: "EC" })).status, 200, "keys are not counted");
        clock += 5000;
        assert.equal((await call("PUT", "/secrets/w", { value: "y" })).status, 200, "the first sets left the window");
        assert.equal((await call("GET", "/secrets/w/")).status, 200);
        const plain = createEmulator();
        const p = await secretsCaller(plain);
        for (let i = 0; i < 310; i++) assert.equal((await p.call("PUT", "/secrets/w", { value: String(i) })).status, 200, "off by default");
      },
      { timeoutMs: 120_000 },
    );

    t.test("hostile input: prototype names and tags, bad escapes, odd paths", async () => {
      const emu = createEmulator();
      const { call } = await secretsCaller(emu);
      for (const name of ["constructor", "__proto__", "hasOwnProperty", "toString", "prototype"]) {
        const r = await call("PUT", `/secrets/${name}`, { value: name, tags: { __proto__: "x", constructor: "y" } });
        if (name.includes("_")) {
          assert.equal(r.status, 400, name);
          continue;
        }
        assert.equal(r.status, 200, name);
        assert.equal((await call("GET", `/secrets/${name}/`)).json.value, name);
      }
      const body = '{"value":"v","tags":{"__proto__":"p","constructor":"c"}}';
      const tagged = await call("PUT", "/secrets/tagged", body);
      assert.equal(tagged.status, 200);
      assert.equal(tagged.text.includes('"__proto__":"p"'), true, "a __proto__ tag is a tag");
      assert.equal(({} as any).p, undefined);
      assert.equal((await call("GET", "/secrets/constructor/versions")).json.value.length, 1);
      assert.equal((await call("GET", "/secrets/tostring/")).json.value, "toString", "names are case-insensitive, never prototype lookups");
      assert.equal((await call("GET", "/secrets/valueOf/")).status, 404);
      assert.equal((await call("GET", "/deletedsecrets/constructor")).status, 404);
      assert.equal((await call("GET", "/secrets/%E0%A4%A/")).status, 400, "a bad escape is a 400");
      assert.equal((await call("GET", "/secrets/a/b/c")).status, 404);
      assert.equal((await call("POST", "/secrets/a")).status, 405);
      assert.equal((await call("DELETE", "/secrets")).status, 405);
      assert.equal((await call("GET", "/deletedsecrets/a/purge")).status, 404);
    });

    t.test("Managed HSM has no secrets (404), and a token is still required on /secrets (401 challenge)", async () => {
      const hsm = createEmulator({ managedHsm: true });
      const { call } = await secretsCaller(hsm);
      assert.equal((await call("GET", "/secrets")).status, 404);
      const emu = createEmulator();
      const res = await emu.fetch(`${emu.vaultUrl}/secrets/x?${API}`, { method: "PUT", body: "{}" });
      assert.equal(res.status, 401);
      assert.match(res.headers.get("www-authenticate") ?? "", /resource="https:\/\/vault\.azure\.net"/);
    });
  });
}
