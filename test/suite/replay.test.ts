import { isKeysRecording, type SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { RECORDED_HOST, pathOf, replayFetch, rewriteHosts } from "./replay.js";

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient, clearChallengeCache } = lib.core;
  const names = Object.keys(lib.fixtures.recordings).filter(isKeysRecording).sort();

  t.group("replay through client.fetch", () => {
    t.test("all 30 recordings are present", () => assert.equal(names.length, 30));
    for (const name of names) {
      t.test(name, async () => {
        const recording = lib.fixtures.recordings[name]!;
        const vaultUrl = new URL(recording.Entries[0]!.RequestUri).origin;
        clearChallengeCache(vaultUrl);
        const replay = replayFetch(recording);
        const tokens: { scopes: string[]; tenantId?: string | undefined }[] = [];
        const client = new KeyVaultClient(vaultUrl, {
          getToken: (r) => {
            tokens.push({ scopes: r.scopes, tenantId: r.tenantId });
            return { token: "recorded-token", expiresOnTimestamp: Date.now() + 3600_000 };
          },
          fetch: replay.fetch,
          retry: false,
        });
        // Send every authorized request of the recording, as recorded, through client.fetch.
        const authorized = recording.Entries.filter((e) => e.StatusCode !== 401 || e.RequestHeaders.Authorization);
        for (const entry of authorized) {
          const init: RequestInit = { method: entry.RequestMethod };
          if (entry.RequestBody !== null) {
            init.body = JSON.stringify(entry.RequestBody);
            init.headers = { "content-type": "application/json" };
          }
          const res = await client.fetch(pathOf(entry.RequestUri), init);
          assert.equal(res.status, entry.StatusCode, `${entry.RequestMethod} ${pathOf(entry.RequestUri)}`);
          const text = await res.text();
          if (entry.ResponseBody !== null && typeof entry.ResponseBody === "object") {
            assert.deepEqual(JSON.parse(text), rewriteHosts(entry.ResponseBody, vaultUrl));
          }
        }
        // The first request went without token and body; every later one with the token.
        const [first, ...rest] = replay.sent;
        assert.equal(first!.authorization, null);
        assert.equal(first!.body, "");
        assert.equal(first!.entry.StatusCode, 401);
        assert.ok(rest.every((s) => s.authorization === "Bearer recorded-token"));
        assert.equal(
          replay.sent.filter((s) => !s.authorization).length,
          1,
          "one challenge round trip, however many clients the recording had",
        );
        // The body the client sent is the recorded body.
        for (const s of rest) if (s.entry.RequestBody !== null) assert.deepEqual(JSON.parse(s.body), s.entry.RequestBody);
        // Scope and tenant come from the recorded challenge.
        const header = recording.Entries[0]!.ResponseHeaders["WWW-Authenticate"]!;
        const expectedTenant = /login\.microsoftonline\.com\/([^"]+)"/.exec(header)![1];
        assert.deepEqual(tokens[0], {
          scopes: [/managedhsm/.test(vaultUrl) ? "https://managedhsm.azure.net/.default" : "https://vault.azure.net/.default"],
          tenantId: expectedTenant,
        });
        assert.equal(tokens.length, 1);
        assert.equal(replay.remaining().length, 0, "every recorded exchange was replayed");
      });
    }
    t.test("a nextLink naming the recorded (sanitised) host is refused as another origin", async () => {
      const recording = lib.fixtures.recordings["list__keys-paged"]!;
      const page = recording.Entries.find((e) => e.RequestUri.includes("maxresults=1") && e.StatusCode === 200)!;
      const nextLink = (page.ResponseBody as { nextLink: string }).nextLink;
      assert.match(nextLink, /^https:\/\/keyvault_name\.vault\.azure\.net:443\//);
      const client = new KeyVaultClient(RECORDED_HOST, { getToken: () => "t", fetch: replayFetch(recording).fetch });
      await assert.rejects(() => client.fetch(nextLink), { code: "ERR_FOREIGN_ORIGIN" });
    });
  });
};
export default suite;
