// A recorded keys or secrets session sent to a fresh emulator, exchange by exchange (for
// emulator.test.ts and secrets-emulator.test.ts): the same names; recorded versions, and values a
// later request sends back (signatures, ciphertexts, backup blobs), mapped to the emulator's own.
// Statuses and challenges (header and body) must match; each answer the caller then compares in
// its own way. Runs of identical requests that failed (polling an eventually consistent deletion,
// a restore retried after 409) count with their settled answer; recorded next pages are followed
// through the emulator's own nextLink.
import type { RecordedEntry, Recording } from "./harness.js";
import type { Emulator as Emu } from "../../emulator/src/index.js";

/** One authorised answer, for the caller's comparison. */
export interface ReplayedAnswer {
  /** the recorded exchange */
  e: RecordedEntry;
  u: URL;
  /** `#index METHOD path`, to start a problem's text */
  where: string;
  /** the emulator's answer, parsed (null when empty) */
  ours: any;
  /** the emulator's answer text with its origin and versions written back as the recording's */
  normalized: string;
}

export interface EmulatorReplayOptions {
  /** the origin the recording names (`https://keyvault_name.vault.azure.net`, …) */
  recordedOrigin: string;
  /** the answer field whose trailing version links a recorded version to ours: `kid` for keys, `id` for secrets */
  versionField: string;
  /** answer fields whose recorded values a later request may send back (`value`, `iv`, `tag`): ours are sent instead */
  valueFields: string[];
  /** whether to learn versions and values from this answer (default every answer) */
  learnFrom?: (u: URL) => boolean;
  /** recorded pages are not replayed (a session in a shared vault, whose pages the caller checks) */
  skipPages?: boolean;
  /** a recorded last page that is empty, where the emulator had no next page, is the service's and fine */
  emptyLastPage?: boolean;
  /** compares an authorised answer with the recorded one, pushing what differs */
  check: (answer: ReplayedAnswer, problems: string[]) => void;
}

/**
 * Replays `recording` against `emu`; returns the differences (none when the emulator answered as recorded).
 * @example
 * const problems = await replayOnEmulator(emu, recording, { recordedOrigin, versionField: "id", valueFields: ["value"], check });
 */
export async function replayOnEmulator(emu: Emu, recording: Recording, options: EmulatorReplayOptions): Promise<string[]> {
  const { token } = await emu.getToken({ scopes: [`${emu.resource}/.default`] });
  const versions = new Map<string, string>(),
    values = new Map<string, string>();
  const problems: string[] = [];
  let nextLink: string | null = null;
  const entries = recording.Entries;
  for (let i = 0; i < entries.length; i++) {
    const e = entries[i]!,
      n = entries[i + 1];
    const u = new URL(e.RequestUri);
    const paging = u.searchParams.has("$skiptoken");
    if (
      !paging &&
      e.StatusCode >= 402 &&
      n &&
      n.StatusCode !== 401 &&
      n.RequestMethod === e.RequestMethod &&
      n.RequestUri === e.RequestUri &&
      JSON.stringify(n.RequestBody) === JSON.stringify(e.RequestBody)
    )
      continue;
    let url: string;
    if (paging) {
      if (options.skipPages) continue;
      if (!nextLink) {
        if (options.emptyLastPage && (e.ResponseBody as any)?.value?.length === 0) continue;
        problems.push(`#${i}: recorded another page, the emulator had none`);
        continue;
      }
      url = nextLink;
    } else {
      let path = u.pathname + u.search;
      for (const [r, o] of versions) path = path.split(r).join(o);
      url = emu.vaultUrl + path;
    }
    const auth = e.StatusCode !== 401;
    const body = auth && e.RequestBody !== null ? JSON.stringify(substitute(e.RequestBody, values)) : undefined;
    const res = await emu.fetch(url, {
      method: e.RequestMethod,
      headers: { ...(auth ? { authorization: `Bearer ${token}` } : {}), ...(body ? { "content-type": "application/json" } : {}) },
      ...(body ? { body } : {}),
    });
    const text = await res.text();
    const where = `#${i} ${e.RequestMethod} ${u.pathname}`;
    if (res.status !== e.StatusCode) {
      problems.push(`${where}: status ${res.status}, recorded ${e.StatusCode}: ${text.slice(0, 160)}`);
      continue;
    }
    if (!auth) {
      const expected = e.ResponseHeaders["WWW-Authenticate"]!.replace(
        /microsoftonline\.com\/[0-9a-f-]+"/,
        `microsoftonline.com/${emu.tenantId}"`,
      );
      if (res.headers.get("www-authenticate") !== expected) problems.push(`${where}: challenge ${res.headers.get("www-authenticate")}`);
      const recordedBody =
        e.ResponseBody === null ? "" : typeof e.ResponseBody === "string" ? e.ResponseBody : JSON.stringify(e.ResponseBody);
      if (text !== recordedBody) problems.push(`${where}: 401 body ${text.slice(0, 120)} vs recorded ${recordedBody.slice(0, 120)}`);
      continue;
    }
    const ours = text ? JSON.parse(text) : null;
    if (options.learnFrom?.(u) ?? true) learn(e.ResponseBody, ours, options, versions, values);
    // A list's answer sets the next page; other answers in between (the SDK reads items while paging) keep it.
    if (ours && typeof ours === "object" && "nextLink" in ours) nextLink = ours.nextLink;
    let normalized = text.split(emu.vaultUrl).join(options.recordedOrigin);
    for (const [r, o] of versions) normalized = normalized.split(o).join(r);
    options.check({ e, u, where, ours, normalized }, problems);
  }
  return problems;
}

/** Learns recorded -> emulator substitutions from two answers: versions (from `versionField`) and `valueFields`. */
function learn(
  rec: any,
  ours: any,
  fields: Pick<EmulatorReplayOptions, "versionField" | "valueFields">,
  versions: Map<string, string>,
  values: Map<string, string>,
): void {
  if (!rec || !ours || typeof rec !== "object" || typeof ours !== "object") return;
  for (const k of Object.keys(rec)) {
    const r = rec[k],
      o = ours[k];
    if (typeof r === "string" && typeof o === "string") {
      const rv = /\/([0-9a-f]{32})$/.exec(r)?.[1],
        ov = /\/([0-9a-f]{32})$/.exec(o)?.[1];
      if (k === fields.versionField && rv && ov) versions.set(rv, ov);
      if (fields.valueFields.includes(k) && r !== o) values.set(r, o);
    } else if (typeof r === "object") {
      learn(r, o, fields, versions, values);
    }
  }
}

/** A recorded request body with the values learned replaced by ours. */
function substitute(body: any, values: Map<string, string>): any {
  if (typeof body === "string") return values.get(body) ?? body;
  if (Array.isArray(body)) return body.map((b) => substitute(b, values));
  if (body && typeof body === "object") return Object.fromEntries(Object.entries(body).map(([k, v]) => [k, substitute(v, values)]));
  return body;
}
