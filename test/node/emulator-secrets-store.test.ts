// The emulator's secrets store on its own: serialize() / deserialize() round-trip everything a
// persistence layer must keep (values, versions, deleted secrets, names being purged), refuse
// snapshots that are not theirs, and sweep() applies purge dates by whatever clock calls it.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { SecretStore } from "../../emulator/src/vault/secrets-store.js";

const info = { url: "https://store-test.vault.azure.net", recoverableDays: 7, purgeProtection: false };
const version = (value: string, created: number) => ({
  version: created.toString(16).padStart(32, "0"),
  value,
  enabled: true,
  created,
  updated: created,
});

const suite: SuiteFile = (t) => {
  t.group("emulator secrets store (node-only, from src)", () => {
    t.test("serialize/deserialize round-trip values, versions, tags (prototype names too), deleted secrets and purges", () => {
      const store = new SecretStore(info);
      store.live.set("constructor", {
        name: "constructor",
        versions: [
          version("a", 1),
          {
            ...version("b", 2),
            tags: [
              ["__proto__", "x"],
              ["constructor", "y"],
            ],
            contentType: "text/plain",
            exp: 99,
          },
        ],
      });
      store.deleted.set("gone", {
        entry: { name: "Gone", versions: [version("c", 3)] },
        deletedDate: 10,
        scheduledPurgeDate: 10 + 7 * 86400,
        readyAtMs: 10_000,
      });
      store.purging.set("purged", 123_000);
      const snapshot = JSON.parse(JSON.stringify(store.serialize()));
      const back = SecretStore.deserialize(snapshot, info);
      assert.deepEqual(back.serialize(), store.serialize());
      assert.equal(back.secret("CONSTRUCTOR")!.versions[1]!.value, "b");
      assert.deepEqual(
        back.bundle("constructor", back.secret("constructor")!.versions[1]!, true).tags,
        Object.fromEntries([
          ["__proto__", "x"],
          ["constructor", "y"],
        ]),
      );
      assert.equal(
        Object.getPrototypeOf(back.bundle("constructor", back.secret("constructor")!.versions[1]!, true).tags),
        Object.prototype,
        "__proto__ stays a tag",
      );
      assert.equal(back.deletedSecret("GONE")!.entry.name, "Gone");
      assert.equal(back.purging.get("purged"), 123_000);
      snapshot.live[0].versions[0].value = "changed";
      assert.equal(back.secret("constructor")!.versions[0]!.value, "a", "the snapshot is a copy");
    });

    t.test("deserialize refuses what serialize did not make", () => {
      for (const bad of [
        null,
        {},
        { format: "other", live: [], deleted: [], purging: [] },
        {
          format: "keyvault-fetch-emulator-secrets/1",
          live: [{ name: "bad name", versions: [version("a", 1)] }],
          deleted: [],
          purging: [],
        },
        { format: "keyvault-fetch-emulator-secrets/1", live: [{ name: "ok", versions: [] }], deleted: [], purging: [] },
        {
          format: "keyvault-fetch-emulator-secrets/1",
          live: [{ name: "ok", versions: [{ ...version("a", 1), value: 5 }] }],
          deleted: [],
          purging: [],
        },
        {
          format: "keyvault-fetch-emulator-secrets/1",
          live: [],
          deleted: [{ entry: { name: "ok", versions: [version("a", 1)] } }],
          purging: [],
        },
        { format: "keyvault-fetch-emulator-secrets/1", live: [], deleted: [], purging: [["x"]] },
      ]) {
        let threw = false;
        try {
          SecretStore.deserialize(bad, info);
        } catch {
          threw = true;
        }
        assert.ok(threw, JSON.stringify(bad));
      }
    });

    t.test("sweep: deleted secrets go at their scheduled purge date, purged names come free at their time", () => {
      const store = new SecretStore(info);
      store.deleted.set("a", { entry: { name: "a", versions: [version("x", 1)] }, deletedDate: 0, scheduledPurgeDate: 100, readyAtMs: 0 });
      store.purging.set("b", 50_000);
      store.sweep(49_999);
      assert.deepEqual([store.deleted.size, store.purging.size], [1, 1]);
      store.sweep(50_000);
      assert.deepEqual([store.deleted.size, store.purging.size], [1, 0]);
      store.sweep(100_000);
      assert.equal(store.deleted.size, 0);
    });
  });
};
export default suite;
