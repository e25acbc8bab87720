// What `npm run reliability` measures (bundled by scripts/reliability.mjs and run against dist/):
// the hostile-server properties with many more cases, the slow-server matrix, the fault matrix with
// the client's default policy for keyvault-fetch and for the official SDK through the same faults,
// concurrent cold callers that abort, and the leak scan over everything caught. Returns the figures.
import fc from "fast-check";
import * as core from "keyvault-fetch";
import * as emulator from "keyvault-fetch/emulator";
import * as keys from "keyvault-fetch/keys";
import * as entra from "keyvault-fetch/entra";
import * as jose from "keyvault-fetch/jose";
import { CryptographyClient, KeyClient } from "@azure/keyvault-keys";
import { SecretClient } from "@azure/keyvault-secrets";
import type { Lib } from "../test/suite/harness.js";
import {
  caught,
  classify,
  delay,
  findLeak,
  isForeign,
  opaqueToken,
  responseTexts,
  seededRandom,
  testJwt,
  watchdog,
} from "../test/suite/reliability-kit.js";
import { runWorld, world, HOSTILE_SEED } from "../test/suite/reliability-hostile.test.js";
import { stalledCall } from "../test/suite/reliability-deadline.test.js";
import { PATHS } from "../test/suite/reliability-leaks.test.js";
import {
  DEFAULT_POLICY,
  FAULTS,
  OPS,
  expectedOutcome,
  ours,
  runCell,
  runCells,
  venue,
  type Cell,
  type Contender,
  type OpClass,
  type OpContext,
  type Policy,
  type When,
} from "../test/suite/reliability-matrix.js";
// @ts-expect-error: a plain ES module, without types
import { sdkHttpClient } from "./sdk-http-client.mjs";

const lib = { core, emulator, keys, entra, jose, runtime: "node", fixtures: { recordings: {}, specExamples: {} } } as unknown as Lib;

type Log = (line: string) => void;

/** An SDK call that resolved without a valid answer (the garbage was taken for a result). */
class InvalidResult extends Error {
  override name = "InvalidResult";
}

/** The official SDK (`@azure/keyvault-keys`, `@azure/keyvault-secrets`), default options, through the same faulty fetch. */
function officialSdk(): Contender {
  const b64 = (s: unknown) => (typeof s === "string" ? new Uint8Array(Buffer.from(s, "base64url")) : undefined);
  return {
    id: "@azure/keyvault-keys",
    make: (ctx: OpContext, fetch, _policy: Policy) => {
      const httpClient = sdkHttpClient(fetch);
      const credential = {
        getToken: async (scopes: string | string[], o?: { tenantId?: string; claims?: string }) =>
          ctx.emulator.getToken({
            scopes: Array.isArray(scopes) ? scopes : [scopes],
            ...(o?.tenantId ? { tenantId: o.tenantId } : {}),
            ...(o?.claims ? { claims: o.claims } : {}),
          }),
      };
      const keyClient = new KeyClient(ctx.vaultUrl, credential, { httpClient });
      const run = async (op: OpClass, abortSignal?: AbortSignal): Promise<unknown> => {
        const o = abortSignal ? { abortSignal } : {};
        switch (op.id) {
          case "read":
            return keyClient.getKey(ctx.name, o);
          case "sign":
            return new CryptographyClient(`${ctx.vaultUrl}/keys/${ctx.name}`, credential, { httpClient }).sign(
              "ES256",
              new Uint8Array(32).fill(9),
              o,
            );
          case "update":
            return keyClient.updateKeyProperties(ctx.name, "", { tags: { reliability: "1" }, ...o });
          case "create":
            return keyClient.createEcKey(ctx.name, { curve: "P-256", ...o });
          case "import": {
            const j = ctx.state.jwk as Record<string, string>;
            return keyClient.importKey(ctx.name, { kty: "EC", crv: "P-256", x: b64(j.x), y: b64(j.y), d: b64(j.d) } as never, o);
          }
          case "rotate":
            return keyClient.rotateKey(ctx.name, o);
          case "restore":
            return keyClient.restoreKeyBackup(ctx.state.backup as Uint8Array, o);
          case "recover":
            return (await keyClient.beginRecoverDeletedKey(ctx.name, { intervalInMs: 20, ...o })).pollUntilDone();
          case "set-secret":
            return new SecretClient(ctx.vaultUrl, credential, { httpClient }).setSecret(ctx.name, "s3cret value", o);
          default:
            throw new Error(`no SDK call for ${op.id}`);
        }
      };
      // A success must carry a real answer: an SDK that turns a garbage 200 into a result has not survived it.
      const checked = async (op: OpClass, signal?: AbortSignal) => {
        const result = (await run(op, signal)) as { id?: unknown; result?: Uint8Array; value?: unknown; properties?: unknown } | undefined;
        const valid =
          op.id === "sign"
            ? result?.result instanceof Uint8Array && result.result.length === 64
            : op.id === "set-secret"
              ? result?.value === "s3cret value"
              : typeof result?.id === "string" && (result.id as string).includes(`/${ctx.name}/`);
        if (!valid) throw new InvalidResult(JSON.stringify(result)?.slice(0, 120) ?? "undefined");
        return result;
      };
      return { run: checked };
    },
    classify: (e) => {
      if (e instanceof InvalidResult) return "InvalidResult: a success without a valid answer";
      const x = e as { name?: string; statusCode?: number; code?: string; message?: string };
      if (x?.name === "RestError") return `RestError ${x.statusCode ?? x.code}`;
      if (x?.name === "AbortError") return "AbortError";
      return `${x?.name ?? "Error"}: ${String(x?.message).slice(0, 80)}`;
    },
  };
}

/** The hostile-server properties, sampled (not stopped at the first failure): every violation is kept. */
async function hostile(log: Log, coreRuns: number, helperRuns: number) {
  const groups = [
    {
      id: "core",
      label: "client.fetch and request()",
      ops: ["fetch-get", "fetch-post", "fetch-abs", "request-post", "request-put-create"],
      runs: coreRuns,
      seed: HOSTILE_SEED + 100,
    },
    {
      id: "helpers",
      label: "helpers (getKey, sign, createKey, listKeys)",
      ops: ["getKey", "sign", "create", "list"],
      runs: helperRuns,
      seed: HOSTILE_SEED + 101,
    },
  ] as const;
  const out = [];
  for (const g of groups) {
    const worlds = fc.sample(world([...g.ops] as never), { seed: g.seed, numRuns: g.runs });
    const tally = {
      cases: 0,
      requests: 0,
      tokenCalls: 0,
      authorized: 0,
      outcomes: {} as Record<string, number>,
      violations: {} as Record<string, { count: number; example: string }>,
    };
    let next = 0;
    await Promise.all(
      Array.from({ length: 24 }, async () => {
        while (next < worlds.length) {
          const w = worlds[next++]!;
          const r = await runWorld(lib, w);
          tally.cases++;
          tally.requests += r.seen.length;
          tally.tokenCalls += r.tokenCalls.length;
          tally.authorized += r.seen.filter((s) => s.authorization).length;
          const kind = r.outcome.replace(/^(FOREIGN \w+).*/, "$1").replace(/^KeyVaultError \d+$/, "KeyVaultError (any status)");
          tally.outcomes[kind] = (tally.outcomes[kind] ?? 0) + 1;
          for (const v of r.violations) {
            const key = v
              .replace(/https?:\/\/[^\s"]+/g, "<url>")
              .replace(/\d+/g, "N")
              .slice(0, 160);
            const slot = (tally.violations[key] ??= { count: 0, example: JSON.stringify(w) });
            slot.count++;
          }
        }
      }),
    );
    log(`hostile ${g.id}: ${tally.cases} cases, ${Object.keys(tally.violations).length} kinds of violation`);
    out.push({ ...g, ...tally });
  }
  return out;
}

/** The slow-server matrix: where each call waits × entry × limit × fetch behaviour, how long it took to end. */
async function slow(log: Log) {
  const stalls = ["caller-body", "probe", "token", "headers", "retry-wait", "body", "error-body"] as const;
  const entries = ["client.fetch", "request()", "getKey", "sign"] as const;
  const limits = ["deadline", "caller-abort", "caller-only"] as const;
  const jobs: (() => Promise<{ stall: string; entry: string; limit: string; honour: boolean; kind: string; ms: number }>)[] = [];
  for (const stall of stalls)
    for (const entry of stall === "caller-body" ? ["client.fetch" as const] : entries)
      for (const limit of limits)
        for (const honour of [true, false]) {
          jobs.push(async () => {
            const r = await stalledCall(lib, stall, entry, limit, honour);
            return { stall, entry, limit, honour, kind: r.kind, ms: r.ms };
          });
        }
  const rows = await runCells(jobs, 16);
  log(`slow servers: ${rows.length} cases`);
  return rows;
}

/** The fault matrix for one contender with one policy. */
async function matrix(log: Log, contender: Contender, policy: Policy) {
  const whens: When[] = ["once", "always", "probe"];
  const place = venue(lib);
  const jobs = FAULTS.flatMap((fault) =>
    OPS.flatMap((op) => whens.map((when) => () => runCell(lib, contender, fault, op, when, policy, place))),
  );
  const started = Date.now();
  const cells = await runCells(jobs, 96);
  log(`fault matrix ${contender.id}: ${cells.length} cells in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return cells;
}

/** Many concurrent cold calls, a third of them aborting at seeded random moments. */
async function concurrency(log: Log, n: number, firstAborts: boolean) {
  const challenge = `Bearer authorization="https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47", resource="https://vault.azure.net"`;
  let probes = 0,
    tokens = 0,
    bodiesWithoutToken = 0;
  const fetch = async (input: string | URL | Request, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = init?.body ? await req.text() : "";
    if (!req.headers.get("authorization")) {
      probes++;
      if (body) bodiesWithoutToken++;
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(resolve, 30);
        init?.signal?.addEventListener("abort", () => {
          clearTimeout(t);
          reject(init.signal!.reason);
        });
      });
      return new Response("", { status: 401, headers: { "www-authenticate": challenge } });
    }
    return Response.json({ ok: true });
  };
  const client = new core.KeyVaultClient(`https://load-${n}-${firstAborts ? "a" : "b"}-${Date.now()}.vault.azure.net`, {
    getToken: async () => {
      tokens++;
      await delay(20);
      return { token: "token-load", expiresOnTimestamp: Date.now() + 3600_000 };
    },
    fetch,
    timeout: 10_000,
  });
  const random = seededRandom(n + (firstAborts ? 1 : 0));
  const started = Date.now();
  const results = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const aborts = (i === 0 && firstAborts) || (i > 0 && random() < 1 / 3);
      const controller = new AbortController();
      const reason = new Error("gave up");
      if (aborts) setTimeout(() => controller.abort(reason), i === 0 ? 10 : Math.floor(random() * 70));
      const r = await watchdog(
        client.fetch(`/keys/k${i}/sign`, { method: "POST", body: `{"n":${i}}`, signal: controller.signal }).then((res) => res.text()),
        15_000,
      );
      return { aborts, ok: !r.hung && r.error === undefined, own: r.error === reason, hung: r.hung };
    }),
  );
  const row = {
    n,
    firstAborts,
    ms: Date.now() - started,
    probes,
    tokens,
    bodiesWithoutToken,
    aborted: results.filter((r) => r.aborts && r.own).length,
    succeeded: results.filter((r) => r.ok).length,
    othersFailed: results.filter((r) => !r.aborts && !r.ok).length,
    hung: results.filter((r) => r.hung).length,
  };
  log(`concurrency ${n}${firstAborts ? " (first aborts)" : ""}: ${row.succeeded} ok, ${row.probes} probes, ${row.tokens} token calls`);
  return row;
}

/** The leak scan: every error path with both kinds of token, then every error caught so far. */
async function leaks(log: Log) {
  let paths = 0;
  for (const path of PATHS) {
    const tag = path.id.length.toString(36);
    for (const token of path.jwtOnly ? [testJwt(tag)] : [testJwt(tag), opaqueToken(tag)]) {
      paths++;
      try {
        await path.run(lib, token);
      } catch (e) {
        caught.push({ source: `leak path: ${path.id}`, error: e, secrets: [token, ...(path.forms?.(token) ?? [])] });
      }
    }
  }
  const found: Record<string, string> = {};
  let inResponse = 0;
  let foreign = 0;
  for (const c of caught) {
    const where = findLeak(c.error, c.secrets);
    if (where) found[c.source] = where;
    if (responseTexts(c.error).some((t) => c.secrets.some((s) => t.includes(s)))) inResponse++;
    if (isForeign(classify(lib, c.error))) foreign++;
  }
  log(`leak scan: ${caught.length} errors, ${Object.keys(found).length} sources leak`);
  return { paths, scanned: caught.length, leaks: found, inResponse, foreign };
}

/** Everything, in the order RELIABILITY.md reports it. */
export async function measure(options: { quick?: boolean; log?: Log } = {}) {
  const log = options.log ?? ((line: string) => console.log(line));
  const quick = options.quick === true;
  const policy: Policy = quick ? { id: "quick", timeoutMs: 5000 } : DEFAULT_POLICY;
  const [hostileRuns, slowRows] = [await hostile(log, quick ? 300 : 3000, quick ? 150 : 1500), await slow(log)];
  const [oursCells, sdkCells] = await Promise.all([matrix(log, ours(lib), policy), matrix(log, officialSdk(), policy)]);
  const loads = [await concurrency(log, 1000, false), await concurrency(log, 1000, true)];
  const leakScan = await leaks(log);
  const expectations = oursCells
    .filter((c) => !c.skipped)
    .map((c) => {
      const expected = expectedOutcome(FAULTS.find((f) => f.id === c.fault)!, OPS.find((o) => o.id === c.op)!, c.when);
      return { cell: c, expected, met: expected === undefined || expected === c.outcome };
    });
  return {
    policy,
    hostile: hostileRuns,
    slow: slowRows,
    ours: oursCells,
    sdk: sdkCells,
    loads,
    leaks: leakScan,
    expectations,
    faults: FAULTS.map(({ id, label, after }) => ({ id, label, after })),
    ops: OPS.map(({ id, label, unsafe }) => ({ id, label, unsafe })),
  };
}

export type Measured = Awaited<ReturnType<typeof measure>>;
export type { Cell };
