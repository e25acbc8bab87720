// Replays a recorded Key Vault session (test/fixtures/recordings, copied from the recorded sessions) as a fetch: requests are
// matched in order on method, path and query; body hosts are rewritten to the client's vault.
import type { RecordedEntry, Recording } from "./harness.js";
import * as assert from "./assert.js";

export const RECORDED_HOST = "https://Sanitized.vault.azure.net";

export interface ReplayOptions {
  /** the vault URL the client uses (default the recorded one) */
  vaultUrl?: string;
}

export function pathOf(uri: string): string {
  const u = new URL(uri);
  return u.pathname + u.search;
}

/** Rewrites the sanitised body hosts (keyvault_name.vault.azure.net:443, …) to the client's vault. */
export function rewriteHosts(value: unknown, vaultUrl: string): unknown {
  const text = JSON.stringify(value);
  if (text === undefined) return value;
  return JSON.parse(
    text.replace(
      /https:\/\/(keyvault_name\.vault\.azure\.net|azure_managedhsm\.managedhsm\.azure\.net|Sanitized\.(vault|managedhsm)\.azure\.net)(:443)?/g,
      vaultUrl,
    ),
  );
}

export function replayFetch(recording: Recording, options: ReplayOptions = {}) {
  const entries = recording.Entries;
  const used = new Array<boolean>(entries.length).fill(false);
  const origin = options.vaultUrl ?? new URL(entries[0]!.RequestUri).origin;
  const sent: { method: string; path: string; authorization: string | null; body: string; entry: RecordedEntry }[] = [];
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const path = pathOf(req.url);
    const authorization = req.headers.get("authorization");
    const body = await req.text();
    // The next unused entry with this method, path and query. A recorded 401 challenge is answered
    // only to a request without a token (the recording's second clients re-challenged; ours do not).
    const index = entries.findIndex(
      (e, i) => !used[i] && e.RequestMethod === req.method && pathOf(e.RequestUri) === path && (e.StatusCode === 401) === !authorization,
    );
    if (index < 0) throw new Error(`replay: no recorded ${req.method} ${path} (authorization: ${!!authorization})`);
    for (let i = 0; i <= index; i++) if (entries[i]!.StatusCode === 401 || i === index) used[i] = true;
    const entry = entries[index]!;
    sent.push({ method: req.method, path, authorization, body, entry });
    const headers = new Headers();
    for (const [k, v] of Object.entries(entry.ResponseHeaders)) if (!/^content-length$/i.test(k)) headers.set(k, v);
    const payload =
      entry.ResponseBody === null
        ? null
        : typeof entry.ResponseBody === "string"
          ? entry.ResponseBody
          : JSON.stringify(rewriteHosts(entry.ResponseBody, origin));
    return new Response(entry.StatusCode === 204 ? null : payload, { status: entry.StatusCode, headers });
  };
  return { fetch, sent, entries, origin, remaining: () => entries.filter((e, i) => !used[i] && e.StatusCode !== 401) };
}

/**
 * Checks what a replay sent: in recorded order; the challenge probe without a body; every other
 * request with `Bearer ${token}` and the recorded body (both compared after `normalize`); and
 * every recorded exchange used, but those at the indexes in `skipped` (the recording SDK's own looks).
 * @example
 * assertReplayed(replay, "replay-token", { normalize: pruneEmpty, skipped: [3] });
 */
export function assertReplayed(
  replay: ReturnType<typeof replayFetch>,
  token: string,
  options: { normalize?: (body: any) => unknown; skipped?: number[] } = {},
): void {
  const { normalize = (body) => body, skipped = [] } = options;
  const indexes = replay.sent.map((s) => replay.entries.indexOf(s.entry));
  assert.ok(
    indexes.every((v, i) => i === 0 || v > indexes[i - 1]!),
    `requests in recorded order: ${indexes.join(",")}`,
  );
  for (const s of replay.sent) {
    if (!s.authorization) {
      assert.equal(s.body, "", "the challenge probe carries no body");
      continue;
    }
    assert.equal(s.authorization, `Bearer ${token}`);
    const recorded = s.entry.RequestBody;
    if (recorded === null) assert.equal(s.body, "", `${s.method} ${s.path} sends no body`);
    else assert.deepEqual(normalize(JSON.parse(s.body)), normalize(recorded), `${s.method} ${s.path} body`);
  }
  assert.deepEqual(
    replay
      .remaining()
      .filter((e) => !skipped.includes(replay.entries.indexOf(e)))
      .map((e) => `${e.RequestMethod} ${e.RequestUri}`),
    [],
    "every recorded exchange was replayed",
  );
}
