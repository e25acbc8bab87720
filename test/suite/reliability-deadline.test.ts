// Slow and silent servers: every place a call can wait (the caller's body, the probe, the token
// provider, the answer's headers, a retry wait, the answer's body, an error body) × every entry
// (client.fetch with its body read, request(), getKey, sign) × the caller's signal (none, aborting,
// or the only limit with `timeout: false`), with fetches that honour their signal and ones that
// ignore it. Each call must end by the deadline (timeout + timeout/32 late at most, plus what a busy
// machine adds) with ERR_TIMEOUT, or at once with the caller's own reason. One exception, by the
// README's contract: client.fetch hands back the fetch's own Response, unwrapped, whose body is
// bounded through the signal that fetch was given; with a fetch deaf to it, the body is the fetch's.
import type { Lib, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { classify, dribble, freshHost, keep, watchdog } from "./reliability-kit.js";

const TIMEOUT = 200;
const ABORT_AT = 40;
/** What a busy machine may add to a timer (the suite shares 2 cores with other work). */
const SLACK = 1500;

type Stall = "caller-body" | "probe" | "token" | "headers" | "retry-wait" | "body" | "error-body";
const STALLS: { id: Stall; label: string }[] = [
  { id: "caller-body", label: "the caller's own body stream never ends" },
  { id: "probe", label: "the probe is never answered" },
  { id: "token", label: "the token provider never answers" },
  { id: "headers", label: "the request is never answered (no headers at all)" },
  { id: "retry-wait", label: "a 503 asks for a 20 s wait" },
  { id: "body", label: "headers, then a body that dribbles" },
  { id: "error-body", label: "a 400 whose error body dribbles" },
];
type Entry = "client.fetch" | "request()" | "getKey" | "sign";
const ENTRIES: Entry[] = ["client.fetch", "request()", "getKey", "sign"];
type Limit = "deadline" | "caller-abort" | "caller-only";

/** One call against a server that stalls at `stall`; returns how it ended and when. */
export async function stalledCall(lib: Lib, stall: Stall, entry: Entry, limit: Limit, honour: boolean) {
  const { KeyVaultClient, request } = lib.core;
  const host = freshHost("d");
  const challenge = `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`;
  let made: Response | undefined;
  const never = (signal: AbortSignal | null | undefined) =>
    new Promise<Response>((_, reject) => {
      if (honour) signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
    });
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const req = new Request(input, init);
    const signal = init?.signal;
    if (!req.headers.get("authorization")) {
      if (stall === "probe") return never(signal);
      return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
    }
    switch (stall) {
      case "headers":
        return never(signal);
      case "retry-wait":
        return new Response('{"error":{"code":"ServiceUnavailable","message":"later"}}', {
          status: 503,
          headers: { "retry-after-ms": "20000" },
        });
      case "body":
        return (made = new Response(dribble('{"key":{"kid":"', { signal: honour ? signal : null }), {
          status: 200,
          headers: { "content-type": "application/json" },
        }));
      case "error-body":
        return (made = new Response(dribble('{"error":{"code":"Slow","message":"', { signal: honour ? signal : null }), { status: 400 }));
      default:
        return Response.json({
          key: { kid: `https://${host}/keys/k/v1`, kty: "EC", crv: "P-256" },
          kid: `https://${host}/keys/k/v1`,
          value: "AAAA",
        });
    }
  };
  const getToken =
    stall === "token"
      ? () => new Promise<never>(() => {})
      : async () => ({ token: `token-${host}`, expiresOnTimestamp: Date.now() + 3600_000 });
  const client = new KeyVaultClient(`https://${host}`, {
    getToken,
    fetch,
    timeout: limit === "caller-only" ? false : TIMEOUT,
    retry: { retries: 3, minDelayMs: 1, maxDelayMs: 30_000 },
  });
  const controller = new AbortController();
  const reason = new Error(`the caller gave up after ${ABORT_AT} ms`);
  const timer = limit === "deadline" ? undefined : setTimeout(() => controller.abort(reason), ABORT_AT);
  const signal = limit === "deadline" ? undefined : controller.signal;
  const opts = signal ? { signal } : {};
  // A caller's body that never ends: the client buffers it (for the probe and retries) inside the deadline.
  const body =
    stall === "caller-body"
      ? new ReadableStream<Uint8Array>({
          start(c) {
            c.enqueue(new TextEncoder().encode('{"alg":"ES256","value":"'));
          },
        })
      : '{"alg":"ES256","value":"AAAA"}';
  const run = async (): Promise<unknown> => {
    switch (entry) {
      case "client.fetch": {
        const res = await client.fetch("/keys/k/sign", {
          method: "POST",
          body,
          ...(stall === "caller-body" ? { duplex: "half" } : {}),
          ...opts,
        } as RequestInit);
        if (res === made && !honour) {
          // The fetch's own Response, its body deaf to every signal: the caller owns it (and stops it).
          await res.body?.cancel();
          return DEAF;
        }
        return res.text();
      }
      case "request()":
        return request(client, "POST", "/keys/k/sign", { alg: "ES256", value: "AAAA" }, opts);
      case "getKey":
        return lib.keys.getKey(client, "k", undefined, opts);
      case "sign":
        return lib.keys.sign(client, "k", "ES256", new Uint8Array(32), opts);
    }
  };
  const DEAF = "deaf body, handed back unwrapped";
  // Timed from before the call starts: its deadline starts with it.
  const started = Date.now();
  const r = await watchdog(run(), (limit === "deadline" ? TIMEOUT : ABORT_AT) + SLACK + 500, started);
  clearTimeout(timer);
  if (r.error !== undefined && r.error !== reason) keep(`stall ${stall} ${entry}`, r.error, [`token-${host}`]);
  return {
    ...r,
    kind: r.hung ? "hung" : r.error === undefined ? (r.value === DEAF ? "unwrapped" : "ok") : classify(lib, r.error, reason),
    reason,
  };
}

const suite: SuiteFile = (t, lib) => {
  const { KeyVaultClient } = lib.core;
  t.group("reliability: slow and silent servers", () => {
    for (const { id: stall, label: stallLabel } of STALLS) {
      for (const limit of ["deadline", "caller-abort", "caller-only"] as Limit[]) {
        const what =
          limit === "deadline"
            ? `ends at the ${TIMEOUT} ms deadline with ERR_TIMEOUT`
            : limit === "caller-abort"
              ? "ends when the caller aborts, with its reason"
              : "with timeout: false, the caller's signal alone ends it";
        t.test(
          `${stall}: ${stallLabel}: ${what} (client.fetch${stall === "caller-body" ? "" : ", request(), getKey, sign"}; a fetch that honours its signal and one that ignores it)`,
          async () => {
            const cases = (stall === "caller-body" ? ["client.fetch" as Entry] : ENTRIES).flatMap((entry) =>
              [true, false].map((honour) => ({ entry, honour })),
            );
            const results = await Promise.all(
              cases.map(async (c) => ({ ...c, r: await stalledCall(lib, stall, c.entry, limit, c.honour) })),
            );
            const wrong: string[] = [];
            for (const { entry, honour, r } of results) {
              const label = `${entry}, ${honour ? "honouring" : "ignoring"} its signal: ${r.kind} after ${r.ms} ms`;
              // Chromium reports an error of a body stream it reads as its own "Failed to fetch".
              const chromiumBody =
                lib.runtime === "chromium" && entry === "client.fetch" && /Failed to fetch/.test(String((r.error as Error)?.message));
              if (r.kind === "unwrapped") {
                // client.fetch with a deaf fetch: its Response came back as it was made, in time.
                if (honour || entry !== "client.fetch" || (stall !== "body" && stall !== "error-body"))
                  wrong.push(`${label}: handed back unwrapped where it should not have been`);
                if (r.ms > (limit === "deadline" ? TIMEOUT : ABORT_AT) + SLACK) wrong.push(`${label}: the headers came late`);
              } else if (limit === "deadline") {
                if (r.kind !== "KeyVaultClientError ERR_TIMEOUT" && !chromiumBody) wrong.push(`${label}: expected ERR_TIMEOUT`);
                else if (r.ms < TIMEOUT - 5) wrong.push(`${label}: ended before the deadline`);
                else if (r.ms > TIMEOUT + SLACK) wrong.push(`${label}: ended long after the deadline`);
              } else if (r.kind !== "caller-abort" && !chromiumBody) {
                wrong.push(`${label}: expected the caller's own reason`);
              } else if (r.ms > ABORT_AT + SLACK) {
                wrong.push(`${label}: ended long after the caller aborted`);
              }
            }
            assert.ok(wrong.length === 0, `\n${wrong.join("\n")}`);
          },
          { timeoutMs: 30_000 },
        );
      }
    }

    t.test(
      "the returned body of client.fetch stays cancellable by the caller's signal (a fetch that passes it on); a deaf fetch's Response comes back as it was made",
      async () => {
        for (const honour of [true, false]) {
          let made: Response | undefined;
          const fetch = async (input: string | URL | Request, init?: RequestInit) => {
            const req = new Request(input, init);
            if (!req.headers.get("authorization"))
              return new Response("", {
                status: 401,
                headers: {
                  "www-authenticate": `Bearer authorization="https://login.microsoftonline.com/t", resource="https://vault.azure.net"`,
                },
              });
            return (made = new Response(dribble("{", { signal: honour ? init?.signal : null }), { status: 200 }));
          };
          const client = new KeyVaultClient(`https://${freshHost("b")}`, { getToken: () => "token-x", fetch, timeout: false });
          const controller = new AbortController();
          const res = await client.fetch("/keys/k", { signal: controller.signal });
          assert.equal(res, made, "the fetch's own Response, unwrapped");
          if (!honour) {
            await res.body?.cancel();
            continue;
          }
          const reason = new Error("stop");
          setTimeout(() => controller.abort(reason), 30);
          const r = await watchdog(res.text(), SLACK + 500);
          assert.ok(!r.hung, "the body read outlived the caller's abort");
          if (lib.runtime !== "chromium") assert.equal(r.error, reason, "the caller's own reason");
        }
      },
    );
  });
};

export default suite;
