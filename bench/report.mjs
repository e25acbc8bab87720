// Turns one bench run into bench/RESULTS.md (tables, ratios, goals, and "Where we lose", all
// computed from the figures) and bench/results.svg (bar charts written by hand: no chart
// dependency). Each part's section is an object { render(r, out), svg?(r), headline?(r) }, listed
// with its part in parts.mjs; `out` collects lines, goals, losses and what was not measured.
import { KINDS, KIND_LABELS, OPS, CASES } from "./cases.mjs";

const OURS = "keyvault-fetch";
const SDK = "@azure/keyvault-keys";

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const int = (n) => Math.round(n).toLocaleString("en-US");
const x = (r) => `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
const r2 = (r) => (r === undefined || !Number.isFinite(r) ? "–" : r.toFixed(2));
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const count = (v) => (v === 0 ? "0" : v < 0.1 ? v.toFixed(3) : String(Number(v.toFixed(2))));
const verdict = (pass) => (pass === undefined ? "not measured" : pass ? "**PASS**" : "**FAIL**");

/**
 * Builds the Markdown report.
 * @param {{ machine: object; skipped: Record<string,string>; [key: string]: any }} r the results, by part key
 * @param {{ name: string; background?: boolean; section?: { render: Function } }[]} parts
 */
export function renderMarkdown(r, parts) {
  const body = [];
  const goals = [];
  const losses = [];
  const skipped = Object.entries(r.skipped ?? {}).map(([what, why]) => `${what}: ${why}`);
  let number = 0;
  const out = {
    line: (s = "") => body.push(s),
    heading: (title) => {
      body.push(`## ${++number}. ${title}`, "");
    },
    /** A goal: printed where it is checked, and in the Goals list. pass: true, false or undefined (not measured). */
    goal: (text, pass, detail = "") => {
      body.push(`- Goal: ${text}: ${detail ? `${detail} — ` : ""}${verdict(pass)}.`);
      goals.push({ text, pass, detail });
    },
    loss: (text) => losses.push(text),
    skip: (what, why) => skipped.push(`${what}: ${why}`),
  };
  for (const p of parts) p.section?.render(r, out);

  const lines = [];
  const put = (s = "") => lines.push(s);
  put("# keyvault-fetch benchmarks");
  put();
  put(
    `Written by \`npm run bench\` (bench/run.mjs) on ${r.machine.date}. Every ratio compares figures measured in this same run, on this machine:`,
  );
  put();
  const load = r.machine.load
    ? `; 1-minute load average ${r.machine.load.map((l) => l.toFixed(1)).join(" at the start, ")} at the end`
    : "";
  put(`- CPU: ${r.machine.cpu} (${r.machine.cores} logical cores${load})`);
  if (r.machine.load && Math.max(...r.machine.load) > r.machine.cores) {
    put(
      "- The machine was busy with other work during this run (load above its core count): timings are noisier and slower than on an idle machine; ratios between contenders, measured interleaved, hold better than absolute numbers, and instruction counts do not depend on the load.",
    );
  }
  put(
    `- Node ${r.machine.node} on ${r.machine.platform}; esbuild ${r.machine.esbuild}; @azure/keyvault-keys ${r.machine.sdk}; aws4fetch ${r.machine.aws4fetch}; tinybench ${r.machine.tinybench}${r.machine.valgrind ? `; ${r.machine.valgrind}` : ""}`,
  );
  const bg = new Set(parts.filter((p) => p.background).map((p) => p.name));
  const times = Object.entries(r.machine.partSeconds ?? {}).map(
    ([k, s]) => `${k} ${s.toFixed(0)} s${bg.has(k) ? " in the background, alongside the parts before it" : ""}`,
  );
  put(`- Total time: ${(r.machine.durationMs / 1000).toFixed(0)} s${times.length ? ` (${times.join(", ")})` : ""}`);
  put();
  put("The chart (results.svg) shows the main figures; the tables below hold all of them.");
  put();
  const heads = headline(r, parts);
  if (heads.length) {
    put("## Headline");
    put();
    for (const h of heads) put(`- ${h}`);
    put();
  }
  if (goals.length) {
    put("## Goals");
    put();
    for (const g of goals)
      put(`- ${g.pass === undefined ? "NOT MEASURED" : g.pass ? "PASS" : "FAIL"}: ${g.text}${g.detail ? ` (${g.detail})` : ""}`);
    put();
  }
  lines.push(...body);
  put("## Where we lose");
  put();
  put("Generated from the figures above: each line is a comparison this run lost, or a goal it missed.");
  put();
  if (losses.length === 0) put("Nowhere in this run: every figure is at least as good as every peer's, and every goal is met.");
  for (const l of losses) put(`- ${l}`);
  put();
  if (skipped.length) {
    put("## Not measured in this run");
    put();
    for (const s of skipped) put(`- ${s}`);
    put();
  }
  put("## How to reproduce");
  put();
  put(
    "`npm ci && npm run bench` (offline; under ten minutes on a busy 2-core machine, most of it callgrind). `node bench/run.mjs --only bytes,cpu` runs some parts and leaves the files",
  );
  put(
    "unwritten unless `--write` is given; `--quick` shortens every part. Method: bench/README.md. Sources: bench/parts.mjs lists every part and its file.",
  );
  return lines.join("\n") + "\n";
}

/** The main figures, one sentence each (for RESULTS.md and the project README). */
export function headline(r, parts) {
  return parts.flatMap((p) => p.section?.headline?.(r) ?? []);
}

// ---------------------------------------------------------------------------------------------
// 1. Bytes

export const bytesSection = {
  render(r, out) {
    if (!r.bytes) return;
    const by = Object.fromEntries(r.bytes.map((b) => [b.id, b]));
    const sdk = by["azure-sdk"],
      aws = by["aws4fetch"];
    out.heading("Bytes shipped");
    out.line(
      "Each entry bundled with esbuild (minified ESM, platform browser, everything inlined), then gzip -9 and brotli -11 (node:zlib).",
    );
    out.line(
      "The official SDK is its browser build (`KeyClient` + `CryptographyClient`), compared with our bundles that carry no credential code;",
    );
    out.line('the two "app" bundles add what a Worker needs to get tokens with a client secret on each side. The peer column divides the');
    out.line("bundle an app would ship instead (the SDK, with or without `@azure/identity`) by ours.");
    out.line();
    out.line("| bundle | minified | gzip | brotli | peer / this (gzip) | this / aws4fetch (gzip) |");
    out.line("|---|---:|---:|---:|---:|---:|");
    for (const b of r.bytes) {
      const peer = b.peer ? by[b.peer] : undefined; // the emulator is a test tool: no peer
      out.line(
        `| ${esc(b.label)} | ${int(b.minified)} B | ${int(b.gzip)} B | ${int(b.brotli)} B | ${peer ? x(peer.gzip / b.gzip) : "–"} | ${peer && aws ? (b.gzip / aws.gzip).toFixed(2) : "–"} |`,
      );
    }
    out.line();
    const kc = by["key-client"],
      cf = by["client-fetch"],
      sv = by["sign-verify"];
    const core = by.core;
    if (kc && sdk)
      out.line(
        `- Every key helper (\`KeyClient\`, local crypto included): ${kb(kc.gzip)} against ${kb(sdk.gzip)} for the official SDK (${x(sdk.gzip / kc.gzip)}).`,
      );
    if (sv) out.line(`- An app that signs and verifies: ${kb(sv.gzip)}${sdk ? `, ${x(sdk.gzip / sv.gzip)} less than the SDK` : ""}.`);
    if (cf) out.goal("`client.fetch` alone at most 6.0 KB gzipped", cf.gzip <= 6144, `${int(cf.gzip)} B`);
    if (cf && cf.gzip > 6144) out.loss(`Bytes: \`client.fetch\` alone is ${int(cf.gzip)} B gzipped, over the 6.0 KB goal.`);
    if (core)
      out.goal(
        "everything the core exports at most 7.0 KB gzipped",
        core.gzip <= 7168,
        `${int(core.gzip)} B${sdk ? `, ${x(sdk.gzip / core.gzip)} less than the SDK` : ""}`,
      );
    if (core && core.gzip > 7168) out.loss(`Bytes: everything the core exports is ${int(core.gzip)} B gzipped, over the 7.0 KB goal.`);
    const app = by["app-secret"],
      sdkApp = by["azure-sdk-identity"];
    if (app && sdkApp) {
      out.line(
        `- With tokens from a client secret: ${kb(app.gzip)} against ${kb(sdkApp.gzip)} for the SDK with \`@azure/identity\` (${x(sdkApp.gzip / app.gzip)}).`,
      );
      if (app.gzip > sdkApp.gzip)
        out.loss("Bytes: our app bundle with a client-secret provider is larger than the SDK's with ClientSecretCredential.");
    }
    const withKey = by["certificate-with-key"],
      certClient = by["certificate-client"],
      sdkCerts = by["azure-sdk-certificates"];
    if (withKey) {
      out.goal("an app that calls `getCertificateWithKey` at most 9 KB gzipped", withKey.gzip <= 9216, `${int(withKey.gzip)} B`);
      if (withKey.gzip > 9216)
        out.loss(
          `Bytes: an app that calls \`getCertificateWithKey\` ships ${int(withKey.gzip)} B gzipped, over the 9 KB goal: ${int(cf ? withKey.gzip - cf.gzip : withKey.gzip)} B on top of \`client.fetch\`, for the DER reader (names, SANs, validity, public key), PEM, chain ordering and the key import.`,
        );
    }
    if (certClient && sdkCerts) {
      const share = certClient.gzip / sdkCerts.gzip;
      out.goal(
        "`CertificateClient` (every certificate helper) at most 40 % of `@azure/keyvault-certificates`' browser build, gzipped",
        share <= 0.4,
        `${(100 * share).toFixed(0)} %: ${kb(certClient.gzip)} vs ${kb(sdkCerts.gzip)}`,
      );
      if (share > 0.4)
        out.loss(
          `Bytes: \`CertificateClient\` is ${(100 * share).toFixed(0)} % of \`@azure/keyvault-certificates\`' browser build gzipped (${kb(certClient.gzip)} vs ${kb(sdkCerts.gzip)}), over the 40 % goal. It carries \`getCertificateWithKey\` and the DER reader, which the SDK does not have; the standalone functions tree-shake.`,
        );
    }
    if (cf && aws && cf.gzip > aws.gzip) {
      out.line(
        `- \`client.fetch\` alone against aws4fetch: ${int(cf.gzip)} B vs ${int(aws.gzip)} B gzipped (${(cf.gzip / aws.gzip).toFixed(2)}×).`,
      );
      out.loss(
        `Bytes: \`client.fetch\` alone (${int(cf.gzip)} B gzip) is larger than aws4fetch (${int(aws.gzip)} B gzip). aws4fetch signs with one static key (HMAC, no discovery); KeyVaultClient also carries the RFC 7235 challenge parser, resource verification, the isolate-wide challenge and token caches, CAE, retries with Retry-After, timeouts and typed errors.`,
      );
    }
    out.line();
  },
  svg(r) {
    if (!r.bytes) return [];
    return [
      panel(
        "Bytes shipped (gzip)",
        "esbuild, minified, browser; shorter is better (the emulator, a test tool, is in RESULTS.md)",
        r.bytes.filter((b) => b.id !== "emulator").map((b) => ({ label: b.short, value: b.gzip, ours: b.ours })),
        (v) => `${(v / 1024).toFixed(1)} KB`,
      ),
    ];
  },
  headline(r) {
    const by = Object.fromEntries((r.bytes ?? []).map((b) => [b.id, b]));
    if (!by["sign-verify"] || !by["key-client"] || !by["azure-sdk"]) return [];
    const sdk = by["azure-sdk"].gzip;
    return [
      `Bytes: an app that signs and verifies ships ${kb(by["sign-verify"].gzip)} gzipped, all key helpers ${kb(by["key-client"].gzip)}; the official SDK's KeyClient + CryptographyClient ${kb(sdk)} (${x(sdk / by["sign-verify"].gzip)} and ${x(sdk / by["key-client"].gzip)} more).`,
    ];
  },
};

// ---------------------------------------------------------------------------------------------
// 2. Round trips

export const roundTripsSection = {
  render(r, out) {
    if (!r.roundTrips) return;
    out.heading("Round trips");
    out.line(
      "Requests that reached the emulated vault (of which 401 challenges) and the emulated Entra authority, per scenario. Both sides sign a digest",
    );
    out.line(
      "with an EC key; both get tokens with a client secret from the same emulated authority (keyvault-fetch with `fromClientSecret` from",
    );
    out.line(
      "keyvault-fetch/entra, the SDK with `@azure/identity`'s ClientSecretCredential; each made once per scenario and shared by every client,",
    );
    out.line("and each keeps its own token cache). Each scenario starts on a vault");
    out.line(
      "this process has never met. The SDK's CryptographyClient first reads the key (GET) so it can work locally where it can; that request is counted.",
    );
    out.line();
    out.line(`| scenario | ${OURS}: vault (401) | authority | ${SDK}: vault (401) | authority | SDK / ours (all requests) |`);
    out.line("|---|---:|---:|---:|---:|---:|");
    const total = (t) => t.vault + t.authority;
    for (const s of [...new Set(r.roundTrips.map((t) => t.scenario))]) {
      const o = r.roundTrips.find((t) => t.scenario === s && t.contender === OURS);
      const k = r.roundTrips.find((t) => t.scenario === s && t.contender === SDK);
      const err = (t) => (t.errors ? ` ⚠ ${t.errors} failed` : "");
      out.line(
        `| ${esc(o.label)} | ${o.vault} (${o.challenges})${err(o)} | ${o.authority} | ${k.vault} (${k.challenges})${err(k)} | ${k.authority} | ${x(total(k) / total(o))} |`,
      );
      if (total(o) > total(k))
        out.loss(`Round trips: "${o.label}" took ${total(o)} requests with keyvault-fetch, ${total(k)} with the SDK.`);
      if (o.errors) out.loss(`Round trips: "${o.label}": ${o.errors} of keyvault-fetch's calls failed.`);
    }
    out.line();
    const cold = r.roundTrips.filter((t) => t.contender === OURS && t.scenario.startsWith("cold"));
    const workers = r.roundTrips.find((t) => t.contender === OURS && t.scenario === "workers-10");
    out.goal(
      "one challenge round trip per vault per isolate, whatever the number of clients or concurrent calls",
      cold.every((t) => t.challenges === 1) && workers?.challenges === 1,
    );
    const ideal = r.roundTrips
      .filter((t) => t.contender === OURS && t.scenario !== "token-expiry" && t.scenario !== "cae")
      .every((t) => t.authority <= 1);
    out.goal(
      "one token request per token lifetime (the expiry scenario needs a second token, the CAE one a token carrying the claims)",
      ideal,
    );
    out.line();
  },
  svg(r) {
    if (!r.roundTrips) return [];
    const rows = r.roundTrips.map((t) => ({
      label: `${t.scenario} · ${t.contender === OURS ? "keyvault-fetch" : "Azure SDK"}`,
      value: t.vault + t.authority,
      ours: t.contender === OURS,
    }));
    return [panel("Requests per scenario (vault + authority)", "emulated vault and Entra; fewer is better", rows, (v) => String(v))];
  },
  headline(r) {
    const rt = (s, c) => r.roundTrips?.find((t) => t.scenario === s && t.contender === c);
    const total = (t) => t.vault + t.authority;
    if (!rt("cold-100", OURS) || !rt("cold-100", SDK) || !rt("workers-10", OURS) || !rt("workers-10", SDK)) return [];
    return [
      `Round trips: 100 concurrent first calls cost ${total(rt("cold-100", OURS))} requests (one challenge, one token) against ${total(rt("cold-100", SDK))} with the SDK; 10 calls on 10 new clients (the Workers pattern) ${total(rt("workers-10", OURS))} against ${total(rt("workers-10", SDK))}.`,
    ];
  },
};

// ---------------------------------------------------------------------------------------------
// 3. Per call: rate and CPU time (cpu), instructions (instructions), heap in flight (heap)

/** Every figure of one case, from the three parts (undefined where a part did not run). */
function perCallFigures(r) {
  const rows = new Map();
  for (const c of CASES) rows.set(c.id, { case: c });
  for (const t of r.cpu?.rows ?? []) Object.assign(rows.get(t.id) ?? {}, { ops: t.opsPerSec, rme: t.rme, cpu: t.cpuUsPerCall });
  for (const t of r.instructions ?? [])
    if (t.perCall !== undefined)
      Object.assign(rows.get(t.id) ?? {}, { instr: t.perCall, gc: t.gcPerCall, spread: t.spread, regions: t.regions });
  for (const t of r.heap ?? [])
    if (t.bytesPerCall !== undefined)
      Object.assign(rows.get(t.id) ?? {}, { heap: t.bytesPerCall, timers: t.timersPerCall, retained: t.retainedPerCall });
  return rows;
}

/** Rate of `a` relative to `b` (above 1: `a` is cheaper), by instructions and by CPU time. */
const rate = (a, b) => ({
  instr: a?.instr && b?.instr ? b.instr / a.instr : undefined,
  cpu: a?.cpu && b?.cpu ? b.cpu / a.cpu : undefined,
});
const both = (v) => `${r2(v.instr)} · ${r2(v.cpu)}`;
const atLeast = (v, min) => (v.instr === undefined || v.cpu === undefined ? undefined : v.instr >= min && v.cpu >= min);

const FLOOR_GOAL = 0.8,
  SDK_GOAL = 1.3;

export const perCallSection = {
  render(r, out) {
    if (!r.cpu && !r.instructions && !r.heap) return;
    const rows = perCallFigures(r);
    for (const [id, why] of Object.entries(r.cpu?.skipped ?? {})) out.skip(`per call: ${id}`, why);
    for (const t of [...(r.instructions ?? []), ...(r.heap ?? [])])
      if (t.skipped && !r.cpu?.skipped?.[t.id]) out.skip(`per call: ${t.id}`, t.skipped);
    // (rows that failed are listed by run.mjs, from results.skipped)
    out.heading("Per call: rate, CPU time, instructions, heap");
    out.line(
      "One call at a time against a vault that answers instantly with the same canned bytes for everyone (bench/canned.mjs). The **floor**",
    );
    out.line("is a hand-written `fetch` with a fixed token, JSON in and out, nothing else. The official SDK runs with two transports: its");
    out.line(
      "**direct** HttpClient hands it the canned text (no fetch, no Response: its cheapest possible transport, and the fair comparison",
    );
    out.line(
      "for the SDK's own work), and **through fetch** it goes through the same canned `fetch` as the floor and keyvault-fetch (the same",
    );
    out.line("transport cost as theirs). Challenge, tokens and the SDK's key lookup are warm.");
    out.line();
    out.line(
      "- **ops/s**: tinybench, best of interleaved rounds (± is that round's margin of error); **CPU µs**: the process's CPU time per call",
    );
    out.line("  (user + system, GC and JIT threads included), best round; both in one child process.");
    out.line(
      "- **instructions**: callgrind, median of several regions of calls after a warm-up, each case in its own process, JIT compilation",
    );
    out.line("  left out (bench/README.md); independent of the machine's load.");
    out.line(
      "- **heap in flight**: many calls started at once against a transport that holds its answers; heap after full GC, while they wait,",
    );
    out.line("  minus before, per call; timers are those outstanding meanwhile, per call (0.001: one timer shared by 1,000 calls).");
    out.line("- Ratios are rates (above 1: the row is cheaper than the column's contender), given as instructions · CPU time.");
    out.line();
    for (const [op, spec] of Object.entries(OPS)) {
      const inOp = [...rows.values()].filter((f) => f.case.op === op && (f.ops || f.instr || f.heap));
      if (!inOp.length) continue;
      inOp.sort((a, b) => KINDS.indexOf(a.case.kind) - KINDS.indexOf(b.case.kind));
      const floor = inOp.find((f) => f.case.kind === "floor");
      const direct = inOp.find((f) => f.case.kind === "sdk-direct");
      const viaFetch = inOp.find((f) => f.case.kind === "sdk-fetch");
      out.line(`### ${spec.label}`);
      out.line();
      out.line(
        "| contender | call | ops/s | CPU µs/call | instructions/call | heap in flight/call | timers in flight/call | rate vs floor | vs SDK direct | vs SDK through fetch |",
      );
      out.line("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
      for (const f of inOp) {
        const ours = f.case.kind === "ours";
        const heapCell = f.heap === undefined ? "–" : `${int(f.heap)} B${floor?.heap && f !== floor ? ` (${x(f.heap / floor.heap)})` : ""}`;
        out.line(
          `| ${esc(KIND_LABELS[f.case.kind])} | ${esc(f.case.label)} | ${f.ops ? `${int(f.ops)} ±${f.rme.toFixed(0)} %` : "–"} | ${f.cpu ? f.cpu.toFixed(1) : "–"} | ${f.instr ? int(f.instr) : "–"} | ${heapCell} | ${f.timers === undefined ? "–" : count(f.timers)} | ${f === floor ? "1" : both(rate(f, floor))} | ${ours ? both(rate(f, direct)) : "–"} | ${ours ? both(rate(f, viaFetch)) : "–"} |`,
        );
      }
      out.line();
      for (const f of inOp.filter((k) => k.case.kind === "ours")) {
        const name = `\`${f.case.label}\``;
        const vsFloor = rate(f, floor),
          vsDirect = rate(f, direct),
          vsFetch = rate(f, viaFetch);
        if (f.case.goal) {
          const okFloor = atLeast(vsFloor, FLOOR_GOAL);
          out.goal(`${name} at ≥ ${FLOOR_GOAL.toFixed(2)} of the floor's rate (instructions and CPU time)`, okFloor, both(vsFloor));
          if (okFloor === false)
            out.loss(
              `Per call: ${name} runs at ${r2(vsFloor.instr)} of the floor's rate in instructions (${int(f.instr)} against ${int(floor.instr)} per call) and ${r2(vsFloor.cpu)} in CPU time (${f.cpu.toFixed(1)} against ${floor.cpu.toFixed(1)} µs); the goal is ${FLOOR_GOAL.toFixed(2)}.`,
            );
          const okSdk = atLeast(vsDirect, SDK_GOAL);
          out.goal(
            `${name} at ≥ ${SDK_GOAL}× the rate of the SDK with its direct HttpClient (instructions and CPU time)`,
            okSdk,
            both(vsDirect),
          );
          if (okSdk === false)
            out.loss(
              `Per call: ${name} runs at ${r2(vsDirect.instr)}× the rate of the SDK with its direct HttpClient in instructions (${int(f.instr)} against ${int(direct.instr)} per call) and ${r2(vsDirect.cpu)}× in CPU time; the goal is ${SDK_GOAL}×.`,
            );
        } else if (!f.case.hookOf) {
          for (const [vs, who] of /** @type {[ReturnType<typeof rate>, string][]} */ ([
            [vsDirect, "the SDK with its direct HttpClient"],
            [vsFetch, "the SDK through fetch"],
          ])) {
            if ((vs.instr !== undefined && vs.instr < 1) || (vs.cpu !== undefined && vs.cpu < 1))
              out.loss(`Per call: ${name} costs more than ${who} (rate ${both(vs)}, instructions · CPU time).`);
          }
        }
        if (f.case.goal) {
          if ((vsFetch.instr !== undefined && vsFetch.instr < 1) || (vsFetch.cpu !== undefined && vsFetch.cpu < 1))
            out.loss(`Per call: ${name} costs more than the SDK through the same fetch (rate ${both(vsFetch)}, instructions · CPU time).`);
        }
        // A timer shared by many calls (a coarse deadline) is not a per-call cost; one per call or more is.
        if (f.timers >= 0.1 && floor && floor.timers === 0)
          out.loss(
            `Timers: each ${name} call in flight keeps ${count(f.timers)} timer${f.timers === 1 ? "" : "s"} outstanding; the floor keeps none.`,
          );
        if (f.case.hookOf) {
          const base = rows.get(f.case.hookOf);
          const extra = f.instr && base?.instr ? f.instr - base.instr : undefined;
          out.line(
            `- The observability hook: ${name} against the same call without \`onEvent\`: ${extra === undefined ? "instructions not measured" : `${extra >= 0 ? "+" : ""}${int(extra)} instructions per call (${((f.instr / base.instr - 1) * 100).toFixed(1)} %)`}${f.cpu && base?.cpu ? `, CPU time ${((f.cpu / base.cpu - 1) * 100).toFixed(1)} %` : ""}.`,
          );
        }
      }
      out.line();
    }
    const measured = (r.instructions ?? []).filter((t) => t.perCall !== undefined);
    if (measured.length) {
      out.line(
        "Instructions in detail, per call. Each region is the mean of its calls with JIT compilation left out; the figure is the median",
      );
      out.line(
        "region. Regions above 1.25× the median are those a major GC cycle (incremental marking) or a deoptimisation landed in: the",
      );
      out.line(
        "median leaves them out, which flatters whoever allocates more (the heap figures show who that is). The spread is between the",
      );
      out.line("other regions (large: the warm-up was too short). GC is the collector's own code in the median region, approximately.");
      out.line();
      out.line("| case | instructions/call | of which GC | regions left out | spread of the others | regions |");
      out.line("|---|---:|---:|---:|---:|---|");
      for (const t of measured)
        out.line(
          `| ${esc(t.id)} | ${int(t.perCall)} | ${int(t.gcPerCall)} | ${t.outliers ?? "–"} | ${(t.spread * 100).toFixed(1)} % | ${t.regions.map(int).join(", ")} |`,
        );
      out.line();
      for (const t of measured)
        if (t.spread > 0.05)
          out.line(
            `- ${t.id}: its regions differ by ${(t.spread * 100).toFixed(0)} % (outliers aside): its count is less certain than the others'.`,
          );
      out.line();
    }
    const held = (r.heap ?? []).filter((t) => t.bytesPerCall !== undefined);
    if (held.length) {
      out.line(
        `Heap per call once the calls have settled (retained, after full GC; near 0 when nothing leaks): ${held.map((t) => `${t.id} ${int(t.retainedPerCall)} B`).join(", ")}.`,
      );
      out.line();
    }
  },
  svg(r) {
    const rows = perCallFigures(r);
    const panels = [];
    const cpuRows = [...rows.values()].filter((f) => f.ops);
    if (cpuRows.length) {
      panels.push(
        panel(
          "Calls per second, canned answers",
          "tinybench, one call at a time; longer is better",
          cpuRows.map((f) => ({
            label: `${f.case.op} · ${f.case.kind === "ours" ? f.case.label.replace(/ \(keyvault-fetch\/keys\)| \+ res\.json\(\)/g, "") : KIND_LABELS[f.case.kind].replace("@azure/keyvault-keys", "Azure SDK")}`,
            value: f.ops,
            ours: f.case.kind === "ours",
            base: f.case.kind === "floor",
          })),
          (v) => `${int(v)}/s`,
        ),
      );
    }
    const ratioRows = [];
    for (const f of rows.values()) {
      if (f.case.kind !== "ours" || f.case.hookOf || !(f.instr || f.cpu)) continue;
      const inOp = [...rows.values()].filter((k) => k.case.op === f.case.op);
      const short = f.case.label.replace(/ \(keyvault-fetch\/keys\)| \+ res\.json\(\)/g, "");
      for (const [kind, name, goal] of [
        ["floor", "floor", FLOOR_GOAL],
        ["sdk-direct", "SDK direct", SDK_GOAL],
        ["sdk-fetch", "SDK via fetch", undefined],
      ]) {
        const v = rate(
          f,
          inOp.find((k) => k.case.kind === kind),
        );
        if (v.instr !== undefined || v.cpu !== undefined) ratioRows.push({ label: `${short} ÷ ${name}`, values: [v.instr, v.cpu], goal });
      }
    }
    if (ratioRows.length)
      panels.push(
        ratioPanel(
          "keyvault-fetch's rate relative to the floor and to the SDK",
          "dark: instructions, light: CPU time; 1 = the same cost, longer is better; ticks mark the goals (0.8 of the floor, 1.3× the SDK direct)",
          ratioRows,
        ),
      );
    return panels;
  },
  headline(r) {
    const rows = perCallFigures(r);
    const parts = [];
    for (const f of rows.values()) {
      if (!f.case.goal) continue;
      const inOp = [...rows.values()].filter((k) => k.case.op === f.case.op);
      const vsFloor = rate(
        f,
        inOp.find((k) => k.case.kind === "floor"),
      );
      const vsDirect = rate(
        f,
        inOp.find((k) => k.case.kind === "sdk-direct"),
      );
      const vsFetch = rate(
        f,
        inOp.find((k) => k.case.kind === "sdk-fetch"),
      );
      if (vsFloor.instr === undefined && vsFloor.cpu === undefined) continue;
      parts.push(
        `${f.case.label.replace(/ \(keyvault-fetch\/keys\)/, "")} ${r2(vsFloor.instr)} · ${r2(vsFloor.cpu)} of the floor, ${r2(vsDirect.instr)} · ${r2(vsDirect.cpu)}× the SDK direct, ${r2(vsFetch.instr)} · ${r2(vsFetch.cpu)}× the SDK through fetch`,
      );
    }
    return parts.length ? [`Per call against canned answers, rate as instructions · CPU time: ${parts.join("; ")}.`] : [];
  },
};

// ---------------------------------------------------------------------------------------------
// 4. Local versus remote

export const localRemoteSection = {
  render(r, out) {
    if (!r.localRemote) return;
    out.heading("Local versus remote");
    out.line(
      "`verifyData` (ES256, P-256) and `encrypt` (RSA-OAEP-256, RSA 2048) with a KeyHandle that verifies / encrypts locally with the cached",
    );
    out.line(
      "public key (Web Crypto), against the standalone functions that ask the emulator over loopback HTTP (Node fetch, keep-alive), with",
    );
    out.line("latency added to every vault answer. Median time per call. The remote figure includes the emulator's own service time");
    out.line("(the same call to the emulator in process, without HTTP), shown apart; the real service's time differs.");
    out.line();
    out.line("| operation | added latency | local | remote | remote / local |");
    out.line("|---|---:|---:|---:|---:|");
    const lat = [...new Set(r.localRemote.map((t) => t.latencyMs))];
    for (const op of ["verifyData", "encrypt"]) {
      for (const ms of lat) {
        const l = r.localRemote.find((t) => t.op === op && t.latencyMs === ms && t.mode === "local");
        const m = r.localRemote.find((t) => t.op === op && t.latencyMs === ms && t.mode === "remote");
        out.line(`| ${op} | ${ms} ms | ${l.medianMs.toFixed(3)} ms | ${m.medianMs.toFixed(2)} ms | ${x(m.medianMs / l.medianMs)} |`);
        if (l.medianMs > m.medianMs)
          out.loss(
            `Local: ${op} locally (${l.medianMs.toFixed(2)} ms) was slower than through the emulator with ${ms} ms of latency (${m.medianMs.toFixed(2)} ms).`,
          );
      }
    }
    out.line();
    for (const op of ["verifyData", "encrypt"]) {
      const d = r.localRemote.find((t) => t.op === op && t.mode === "in-process");
      if (d) out.line(`- ${op}: the emulator in process (no HTTP) takes ${d.medianMs.toFixed(2)} ms per call.`);
    }
    out.line();
  },
  svg(r) {
    if (!r.localRemote) return [];
    return [
      panel(
        "Local vs remote, median ms per call",
        "loopback HTTP with added latency; shorter is better",
        r.localRemote
          .filter((t) => t.mode !== "in-process")
          .map((t) => ({ label: `${t.op} ${t.mode} · +${t.latencyMs} ms`, value: t.medianMs, ours: t.mode === "local" })),
        (v) => `${v < 1 ? v.toFixed(2) : v.toFixed(1)} ms`,
      ),
    ];
  },
  headline(r) {
    const l = r.localRemote?.find((t) => t.op === "verifyData" && t.mode === "local" && t.latencyMs === 5);
    const m = r.localRemote?.find((t) => t.op === "verifyData" && t.mode === "remote" && t.latencyMs === 5);
    return l && m
      ? [
          `Verifying locally with the cached public key takes ${l.medianMs.toFixed(2)} ms, against ${m.medianMs.toFixed(1)} ms through the emulator with 5 ms of network latency.`,
        ]
      : [];
  },
};

// ---------------------------------------------------------------------------------------------
// 5. Start-up

export const startupSection = {
  render(r, out) {
    if (!r.startup) return;
    out.heading("Start-up in workerd");
    out.line(
      "Time to start workerd (miniflare) with a module Worker, send its first request and read the answer; that request makes a client and",
    );
    out.line(
      "signs one digest against canned answers (challenge included). Runs are interleaved; other work on the machine only adds time, so",
    );
    out.line(
      "the best run is compared (the median is shown too); the empty Worker is the baseline. Azure code counts the bundle's inputs from",
    );
    out.line("`@azure/*` and `@typespec/*` and SDK-only text; the part fails if keyvault-fetch's Worker has any (or the SDK's has none).");
    out.line();
    out.line("| Worker | script bytes (minified) | Azure code | best | median | best, over the empty Worker | runs (ms) |");
    out.line("|---|---:|---:|---:|---:|---:|---|");
    for (const s of r.startup) {
      out.line(
        `| ${esc(s.contender)} | ${int(s.bytes)} B | ${s.azureCode ?? "–"} | ${s.bestMs.toFixed(0)} ms | ${s.medianMs.toFixed(0)} ms | ${s.contender === "empty Worker" ? "baseline" : `${s.overBaselineMs.toFixed(0)} ms`} | ${s.runs.map((v) => v.toFixed(0)).join(", ")} |`,
      );
    }
    const o = r.startup.find((s) => s.contender === OURS),
      k = r.startup.find((s) => s.contender === SDK);
    if (o && k) {
      out.line();
      out.line(
        `- Over the empty Worker, keyvault-fetch adds ${o.overBaselineMs.toFixed(0)} ms and the SDK ${k.overBaselineMs.toFixed(0)} ms (best runs; start-up times are noisy: see the runs).`,
      );
      if (o.bestMs > k.bestMs)
        out.loss(
          `Start-up: keyvault-fetch's Worker started slower than the SDK's in this run (${o.bestMs.toFixed(0)} vs ${k.bestMs.toFixed(0)} ms, best runs).`,
        );
    }
    out.line();
  },
  svg(r) {
    if (!r.startup) return [];
    return [
      panel(
        "workerd start + first call (best run)",
        "miniflare; shorter is better",
        r.startup.map((s) => ({ label: s.contender, value: s.bestMs, ours: s.contender === OURS, base: s.contender === "empty Worker" })),
        (v) => `${v.toFixed(0)} ms`,
      ),
    ];
  },
  headline(r) {
    const o = r.startup?.find((s) => s.contender === OURS),
      k = r.startup?.find((s) => s.contender === SDK);
    return o && k
      ? [
          `workerd start-up plus first signature: ${o.bestMs.toFixed(0)} ms (an empty Worker: ${(o.bestMs - o.overBaselineMs).toFixed(0)} ms), against ${k.bestMs.toFixed(0)} ms for the SDK (best of interleaved runs).`,
        ]
      : [];
  },
};

// ---------------------------------------------------------------------------------------------
// The chart

const WIDTH = 860,
  LABEL_W = 250,
  ROW_H = 22;

/** One panel of horizontal bars. rows: { label, value, ours, base }. Returns (y0) => [svg, height]. */
export function panel(title, note, rows, format) {
  return (y0) => {
    const barW = WIDTH - LABEL_W - 110;
    const max = Math.max(...rows.map((r) => r.value), 1e-9);
    let s = `<text x="16" y="${y0 + 20}" class="t">${esc(title)}</text><text x="16" y="${y0 + 38}" class="n">${esc(note)}</text>`;
    rows.forEach((r, i) => {
      const y = y0 + 50 + i * ROW_H;
      const w = Math.max(1, (r.value / max) * barW);
      s += `<text x="${LABEL_W + 8}" y="${y + 15}" class="l" text-anchor="end">${esc(r.label)}</text>`;
      s += `<rect x="${LABEL_W + 16}" y="${y + 3}" width="${w.toFixed(1)}" height="${ROW_H - 7}" class="${r.ours ? "o" : r.base ? "b" : "p"}"/>`;
      s += `<text x="${(LABEL_W + 22 + w).toFixed(1)}" y="${y + 15}" class="v">${esc(format(r.value))}</text>`;
    });
    return [s, 60 + rows.length * ROW_H];
  };
}

/** Ratio bars (two per row: instructions, CPU time) with a line at 1 and a tick at each row's goal. */
function ratioPanel(title, note, rows) {
  return (y0) => {
    const barW = WIDTH - LABEL_W - 110;
    const max = Math.max(1.5, ...rows.flatMap((r) => r.values.filter((v) => v !== undefined)), ...rows.map((r) => r.goal ?? 0)) * 1.05;
    const at = (v) => LABEL_W + 16 + (v / max) * barW;
    let s = `<text x="16" y="${y0 + 20}" class="t">${esc(title)}</text><text x="16" y="${y0 + 38}" class="n">${esc(note)}</text>`;
    const top = y0 + 50,
      bottom = top + rows.length * ROW_H;
    rows.forEach((r, i) => {
      const y = top + i * ROW_H;
      s += `<text x="${LABEL_W + 8}" y="${y + 15}" class="l" text-anchor="end">${esc(r.label)}</text>`;
      r.values.forEach((v, j) => {
        if (v === undefined) return;
        const w = Math.max(1, at(v) - at(0));
        s += `<rect x="${LABEL_W + 16}" y="${y + 3 + j * 8}" width="${w.toFixed(1)}" height="7" class="${j === 0 ? "o" : "q"}"/>`;
        s += `<text x="${(at(v) + 6).toFixed(1)}" y="${y + 10 + j * 8}" class="s">${esc(v.toFixed(2))}</text>`;
      });
      if (r.goal) s += `<line x1="${at(r.goal).toFixed(1)}" x2="${at(r.goal).toFixed(1)}" y1="${y + 1}" y2="${y + ROW_H - 2}" class="g"/>`;
    });
    s += `<line x1="${at(1).toFixed(1)}" x2="${at(1).toFixed(1)}" y1="${top}" y2="${bottom}" class="u"/>`;
    s += `<text x="${at(1).toFixed(1)}" y="${bottom + 12}" class="n" text-anchor="middle">1</text>`;
    return [s, 66 + rows.length * ROW_H];
  };
}

/** Builds the SVG chart from the same results. */
export function renderSvg(r, parts) {
  let y = 10,
    body = "";
  for (const p of parts) {
    for (const draw of p.section?.svg?.(r) ?? []) {
      const [s, h] = draw(y);
      body += s;
      y += h + 14;
    }
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.t{font-size:15px;font-weight:600;fill:#111}.n{font-size:11px;fill:#666}.l{font-size:12px;fill:#222}.v{font-size:11px;fill:#333}.s{font-size:9px;fill:#333}.o{fill:#2563eb}.q{fill:#93c5fd}.p{fill:#9ca3af}.b{fill:#e5e7eb;stroke:#9ca3af}.u{stroke:#111;stroke-width:1}.g{stroke:#dc2626;stroke-width:2}</style>
<rect width="100%" height="100%" fill="#fff"/>
${body}
<text x="${WIDTH - 16}" y="${y - 6}" font-size="10" fill="#888" text-anchor="end">blue: keyvault-fetch · grey: peers · light: baselines · red ticks: goals · ${esc(r.machine.date)} · ${esc(r.machine.cpu)} · Node ${esc(r.machine.node)}</text>
</svg>
`;
}
