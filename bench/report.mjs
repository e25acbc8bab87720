// Turns one bench run into bench/RESULTS.md (tables, ratios, verdicts) and bench/results.svg
// (horizontal bar charts, written by hand: no chart dependency).

const OURS = "keyvault-fetch";
const SDK = "@azure/keyvault-keys";

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const int = (n) => Math.round(n).toLocaleString("en-US");
const x = (r) => `${r >= 10 ? r.toFixed(0) : r.toFixed(1)}×`;
const pct = (r) => `${r >= 0 ? "+" : ""}${(r * 100).toFixed(0)} %`;
const esc = (s) => String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

/**
 * Builds the Markdown report.
 * @param {{ machine: object; bytes?: any[]; roundTrips?: any[]; cpu?: any[]; localRemote?: any[]; startup?: any[]; skipped: Record<string,string> }} r
 */
export function renderMarkdown(r) {
  const lines = [];
  const losses = [];
  const out = (s = "") => lines.push(s);
  out("# keyvault-fetch benchmarks");
  out();
  out(`Written by \`npm run bench\` (bench/run.mjs) on ${r.machine.date}. Every ratio compares figures measured in this same run, on this machine:`);
  out();
  const load = r.machine.load ? `; 1-minute load average ${r.machine.load.map((l) => l.toFixed(1)).join(" at the start, ")} at the end` : "";
  out(`- CPU: ${r.machine.cpu} (${r.machine.cores} logical cores${load})`);
  if (r.machine.load && Math.max(...r.machine.load) > r.machine.cores) {
    out(`- The machine was busy with other work during this run (load above its core count): timings are noisier and slower than on an idle machine; ratios between contenders, measured interleaved, hold better than absolute numbers.`);
  }
  out(`- Node ${r.machine.node} on ${r.machine.platform}; esbuild ${r.machine.esbuild}; @azure/keyvault-keys ${r.machine.sdk}; aws4fetch ${r.machine.aws4fetch}; tinybench ${r.machine.tinybench}`);
  out(`- Total time: ${(r.machine.durationMs / 1000).toFixed(0)} s`);
  out();
  out("The chart (results.svg) shows the main figures; the tables below hold all of them.");
  out();
  const heads = headline(r);
  if (heads.length) {
    out("## Headline");
    out();
    for (const h of heads) out(`- ${h}`);
    out();
  }

  if (r.bytes) {
    const by = Object.fromEntries(r.bytes.map((b) => [b.id, b]));
    const sdk = by["azure-sdk"], aws = by["aws4fetch"];
    out("## 1. Bytes shipped");
    out();
    out("Each entry bundled with esbuild (minified ESM, platform browser, everything inlined), then gzip -9 and brotli -11 (node:zlib).");
    out("The official SDK is its browser build (`KeyClient` + `CryptographyClient`), compared with our bundles that carry no credential code;");
    out("the two \"app\" bundles add what a Worker needs to get tokens with a client secret on each side. The peer column divides the");
    out("bundle an app would ship instead (the SDK, with or without `@azure/identity`) by ours.");
    out();
    out("| bundle | minified | gzip | brotli | peer / this (gzip) | this / aws4fetch (gzip) |");
    out("|---|---:|---:|---:|---:|---:|");
    for (const b of r.bytes) {
      const peer = b.peer ? by[b.peer] : undefined; // the emulator is a test tool: no peer
      out(`| ${esc(b.label)} | ${int(b.minified)} B | ${int(b.gzip)} B | ${int(b.brotli)} B | ${peer ? x(peer.gzip / b.gzip) : "–"} | ${peer && aws ? (b.gzip / aws.gzip).toFixed(2) : "–"} |`);
    }
    out();
    const kc = by["key-client"], cf = by["client-fetch"], sv = by["sign-verify"];
    if (kc && sdk) {
      const ratio = sdk.gzip / kc.gzip;
      out(`- Goal: every key helper at least 5× smaller than the official SDK: **${x(ratio)}** smaller gzipped (${kb(kc.gzip)} vs ${kb(sdk.gzip)}) — ${ratio >= 5 ? "met" : "**not met**"}.`);
      if (ratio < 5) losses.push(`Bytes: KeyClient (every helper) is ${x(ratio)} smaller than the official SDK gzipped, short of the 5× goal. It carries every operation and KeyHandle's local public-key crypto (RSA and ECDSA verification over a digest, local RSA-OAEP), which the SDK's browser build does not have (it sends those to the service); the standalone functions tree-shake, so an app that signs and verifies ships ${by["sign-verify"] ? kb(by["sign-verify"].gzip) : "less"}.`);
    }
    if (sv && sdk) out(`- An app that only signs and verifies ships ${kb(sv.gzip)} gzipped: ${x(sdk.gzip / sv.gzip)} less than the SDK.`);
    const app = by["app-secret"], sdkApp = by["azure-sdk-identity"];
    if (app && sdkApp) {
      out(`- With tokens from a client secret: ${kb(app.gzip)} against ${kb(sdkApp.gzip)} for the SDK with \`@azure/identity\` (${x(sdkApp.gzip / app.gzip)}).`);
      if (app.gzip > sdkApp.gzip) losses.push(`Bytes: our app bundle with a client-secret provider is larger than the SDK's with ClientSecretCredential.`);
    }
    if (cf && aws) {
      const met = cf.gzip < aws.gzip;
      out(`- Goal: \`client.fetch\` alone smaller than aws4fetch: ${kb(cf.gzip)} vs ${kb(aws.gzip)} gzipped — ${met ? "met" : `**not met** (${(cf.gzip / aws.gzip).toFixed(2)}× aws4fetch)`}.`);
      if (!met) losses.push(`Bytes: \`client.fetch\` alone (${int(cf.gzip)} B gzip) is larger than aws4fetch (${int(aws.gzip)} B gzip). aws4fetch signs with one static key (HMAC, no discovery); KeyVaultClient also carries the RFC 7235 challenge parser, resource verification, the isolate-wide challenge and token caches, CAE, retries with Retry-After, timeouts and typed errors.`);
    }
    out();
  }

  if (r.roundTrips) {
    out("## 2. Round trips");
    out();
    out("Requests that reached the emulated vault (of which 401 challenges) and the emulated Entra authority, per scenario. Both sides sign a digest");
    out("with an EC key; both get tokens with a client secret from the same emulated authority (keyvault-fetch with `fromClientSecret` from");
    out("keyvault-fetch/entra, the SDK with `@azure/identity`'s ClientSecretCredential; each made once per scenario and shared by every client,");
    out("and each keeps its own token cache). Each scenario starts on a vault");
    out("this process has never met. The SDK's CryptographyClient first reads the key (GET) so it can work locally where it can; that request is counted.");
    out();
    out(`| scenario | ${OURS}: vault (401) | authority | ${SDK}: vault (401) | authority | SDK / ours (all requests) |`);
    out("|---|---:|---:|---:|---:|---:|");
    const scenarios = [...new Set(r.roundTrips.map((t) => t.scenario))];
    for (const s of scenarios) {
      const o = r.roundTrips.find((t) => t.scenario === s && t.contender === OURS);
      const k = r.roundTrips.find((t) => t.scenario === s && t.contender === SDK);
      const total = (t) => t.vault + t.authority;
      const err = (t) => (t.errors ? ` ⚠ ${t.errors} failed` : "");
      out(`| ${esc(o.label)} | ${o.vault} (${o.challenges})${err(o)} | ${o.authority} | ${k.vault} (${k.challenges})${err(k)} | ${k.authority} | ${x(total(k) / total(o))} |`);
      if (total(o) > total(k)) losses.push(`Round trips: "${o.label}" took ${total(o)} requests with keyvault-fetch, ${total(k)} with the SDK.`);
    }
    out();
    const cold = r.roundTrips.filter((t) => t.contender === OURS && t.scenario.startsWith("cold"));
    const workers = r.roundTrips.find((t) => t.contender === OURS && t.scenario === "workers-10");
    const oneChallenge = cold.every((t) => t.challenges === 1) && workers?.challenges === 1;
    out(`- Goal: one challenge round trip per vault per isolate, whatever the number of clients or concurrent calls — ${oneChallenge ? "met" : "**not met**"}.`);
    const ideal = r.roundTrips.filter((t) => t.contender === OURS && t.scenario !== "token-expiry" && t.scenario !== "cae").every((t) => t.authority <= 1);
    out(`- Goal: one token request per token lifetime — ${ideal ? "met" : "**not met**"} (the expiry scenario needs a second token, the CAE one a token carrying the claims).`);
    out();
  }

  if (r.cpu) {
    out("## 3. CPU per call");
    out();
    out("One call at a time against a vault that answers instantly with canned bytes (same bytes for all). The floor is a hand-written");
    out("`fetch` with a fixed token, JSON in and out, nothing else. keyvault-fetch uses its standalone `getKey`, `sign`, `encrypt`;");
    out("the SDK its KeyClient / CryptographyClient, with an HttpClient that calls the same canned `fetch` (a Response built and read, as for");
    out("the others), and, in the last column, with one that hands it the canned text directly (its cheapest transport). Challenge, tokens");
    out("and the SDK's key lookup are warm. Each figure is the best of several interleaved tinybench rounds (mean time per call within the");
    out("round; ± is that round's relative margin of error).");
    out();
    out(`| operation | floor ops/s | ${OURS} ops/s | of floor | ${SDK} ops/s | ours / SDK | SDK, direct HttpClient |`);
    out("|---|---:|---:|---:|---:|---:|---:|");
    for (const op of ["getKey", "sign", "encrypt"]) {
      const f = r.cpu.find((t) => t.op === op && t.contender === "floor");
      const o = r.cpu.find((t) => t.op === op && t.contender === OURS);
      const k = r.cpu.find((t) => t.op === op && t.contender === SDK);
      const d = r.cpu.find((t) => t.op === op && t.contender === `${SDK} (direct)`);
      const ofFloor = o.opsPerSec / f.opsPerSec;
      const vsSdk = o.opsPerSec / k.opsPerSec;
      const pm = (t) => `${int(t.opsPerSec)} ±${t.rme.toFixed(0)} %`;
      out(`| ${op} | ${pm(f)} | ${pm(o)} | ${(ofFloor * 100).toFixed(0)} % | ${pm(k)} | ${x(vsSdk)} | ${d ? pm(d) : "–"} |`);
      if (ofFloor < 0.9) losses.push(`CPU: ${op} runs at ${(ofFloor * 100).toFixed(0)} % of the hand-written floor's rate (goal: within 10 %). Where the time goes: bench/README.md.`);
      if (vsSdk < 1) losses.push(`CPU: ${op} is slower than the official SDK (${int(o.opsPerSec)} vs ${int(k.opsPerSec)} ops/s, same canned fetch).`);
      else if (vsSdk < 2) losses.push(`CPU: ${op} is only ${x(vsSdk)} the official SDK's rate (goal: several times faster).`);
    }
    out();
  }

  if (r.localRemote) {
    out("## 4. Local versus remote");
    out();
    out("`verifyData` (ES256, P-256) and `encrypt` (RSA-OAEP-256, RSA 2048) with a KeyHandle that verifies / encrypts locally with the cached");
    out("public key (Web Crypto), against the standalone functions that ask the emulator over loopback HTTP (Node fetch, keep-alive), with");
    out("latency added to every vault answer. Median time per call. The remote figure includes the emulator's own service time");
    out("(the same call to the emulator in process, without HTTP), shown apart; the real service's time differs.");
    out();
    out("| operation | added latency | local | remote | remote / local |");
    out("|---|---:|---:|---:|---:|");
    const lat = [...new Set(r.localRemote.map((t) => t.latencyMs))];
    for (const op of ["verifyData", "encrypt"]) {
      for (const ms of lat) {
        const l = r.localRemote.find((t) => t.op === op && t.latencyMs === ms && t.mode === "local");
        const m = r.localRemote.find((t) => t.op === op && t.latencyMs === ms && t.mode === "remote");
        out(`| ${op} | ${ms} ms | ${l.medianMs.toFixed(3)} ms | ${m.medianMs.toFixed(2)} ms | ${x(m.medianMs / l.medianMs)} |`);
      }
    }
    out();
    for (const op of ["verifyData", "encrypt"]) {
      const d = r.localRemote.find((t) => t.op === op && t.mode === "in-process");
      if (d) out(`- ${op}: the emulator in process (no HTTP) takes ${d.medianMs.toFixed(2)} ms per call.`);
    }
    out();
  }

  if (r.startup) {
    out("## 5. Start-up in workerd");
    out();
    out("Time to start workerd (miniflare) with a module Worker, send its first request and read the answer; that request makes a client and");
    out("signs one digest against canned answers (challenge included). Runs are interleaved; other work on the machine only adds time, so");
    out("the best run is compared (the median is shown too); the empty Worker is the baseline.");
    out();
    out("| Worker | script bytes (minified) | best | median | best, over the empty Worker | runs (ms) |");
    out("|---|---:|---:|---:|---:|---|");
    for (const s of r.startup) {
      out(`| ${esc(s.contender)} | ${int(s.bytes)} B | ${s.bestMs.toFixed(0)} ms | ${s.medianMs.toFixed(0)} ms | ${s.contender === "empty Worker" ? "baseline" : `${s.overBaselineMs.toFixed(0)} ms`} | ${s.runs.map((v) => v.toFixed(0)).join(", ")} |`);
    }
    const o = r.startup.find((s) => s.contender === OURS), k = r.startup.find((s) => s.contender === SDK);
    if (o && k) {
      out();
      out(`- Over the empty Worker, keyvault-fetch adds ${o.overBaselineMs.toFixed(0)} ms and the SDK ${k.overBaselineMs.toFixed(0)} ms (best runs; start-up times are noisy: see the runs).`);
      if (o.bestMs > k.bestMs) losses.push(`Start-up: keyvault-fetch's Worker started slower than the SDK's in this run (${o.bestMs.toFixed(0)} vs ${k.bestMs.toFixed(0)} ms, best runs).`);
    }
    out();
  }

  out("## Where we lose");
  out();
  if (losses.length === 0) out("Nowhere in this run: every figure is at least as good as every peer's, and every goal is met.");
  for (const l of losses) out(`- ${l}`);
  out();
  const skipped = Object.entries(r.skipped);
  if (skipped.length) {
    out("## Not measured in this run");
    out();
    for (const [part, why] of skipped) out(`- ${part}: ${why}`);
    out();
  }
  out("## How to reproduce");
  out();
  out("`npm ci && npm run bench` (offline; a few minutes). `node bench/run.mjs --only bytes,cpu` runs some parts and leaves the files unwritten");
  out("unless `--write` is given. Sources: bench/bundles.mjs, roundtrips.mjs, cpu.mjs, local-remote.mjs, startup.mjs.");
  return lines.join("\n") + "\n";
}

/** The main figures, one sentence each (for RESULTS.md and the project README). */
export function headline(r) {
  const h = [];
  const by = Object.fromEntries((r.bytes ?? []).map((b) => [b.id, b]));
  if (by["sign-verify"] && by["key-client"] && by["azure-sdk"]) {
    const sdk = by["azure-sdk"].gzip;
    h.push(`Bytes: an app that signs and verifies ships ${kb(by["sign-verify"].gzip)} gzipped, all key helpers ${kb(by["key-client"].gzip)}; the official SDK's KeyClient + CryptographyClient ${kb(sdk)} (${x(sdk / by["sign-verify"].gzip)} and ${x(sdk / by["key-client"].gzip)} more).`);
  }
  const rt = (s, c) => r.roundTrips?.find((t) => t.scenario === s && t.contender === c);
  const total = (t) => t.vault + t.authority;
  if (rt("cold-100", OURS) && rt("cold-100", SDK) && rt("workers-10", OURS) && rt("workers-10", SDK)) {
    h.push(`Round trips: 100 concurrent first calls cost ${total(rt("cold-100", OURS))} requests (one challenge, one token) against ${total(rt("cold-100", SDK))} with the SDK; 10 calls on 10 new clients (the Workers pattern) ${total(rt("workers-10", OURS))} against ${total(rt("workers-10", SDK))}.`);
  }
  if (r.cpu) {
    const parts = ["getKey", "sign", "encrypt"].map((op) => {
      const o = r.cpu.find((t) => t.op === op && t.contender === OURS), k = r.cpu.find((t) => t.op === op && t.contender === SDK), f = r.cpu.find((t) => t.op === op && t.contender === "floor");
      return `${op} ${int(o.opsPerSec)}/s (SDK ${int(k.opsPerSec)}/s, floor ${int(f.opsPerSec)}/s)`;
    });
    h.push(`CPU per call against canned answers: ${parts.join("; ")}.`);
  }
  if (r.localRemote) {
    const l = r.localRemote.find((t) => t.op === "verifyData" && t.mode === "local" && t.latencyMs === 5);
    const m = r.localRemote.find((t) => t.op === "verifyData" && t.mode === "remote" && t.latencyMs === 5);
    if (l && m) h.push(`Verifying locally with the cached public key takes ${l.medianMs.toFixed(2)} ms, against ${m.medianMs.toFixed(1)} ms through the emulator with 5 ms of network latency.`);
  }
  if (r.startup) {
    const o = r.startup.find((s) => s.contender === OURS), k = r.startup.find((s) => s.contender === SDK);
    if (o && k) h.push(`workerd start-up plus first signature: ${o.bestMs.toFixed(0)} ms (an empty Worker: ${(o.bestMs - o.overBaselineMs).toFixed(0)} ms), against ${k.bestMs.toFixed(0)} ms for the SDK (best of interleaved runs).`);
  }
  return h;
}

/**
 * One panel of horizontal bars. rows: { label, value, ours, base }. Returns [svg, height].
 * @returns {[string, number]}
 */
function panel(title, note, rows, format, y0, width) {
  const labelW = 250, barW = width - labelW - 110, rowH = 22;
  const max = Math.max(...rows.map((r) => r.value), 1e-9);
  let s = `<text x="16" y="${y0 + 20}" class="t">${esc(title)}</text>`;
  s += `<text x="16" y="${y0 + 38}" class="n">${esc(note)}</text>`;
  rows.forEach((r, i) => {
    const y = y0 + 50 + i * rowH;
    const w = Math.max(1, (r.value / max) * barW);
    s += `<text x="${labelW + 8}" y="${y + 15}" class="l" text-anchor="end">${esc(r.label)}</text>`;
    s += `<rect x="${labelW + 16}" y="${y + 3}" width="${w.toFixed(1)}" height="${rowH - 7}" class="${r.ours ? "o" : r.base ? "b" : "p"}"/>`;
    s += `<text x="${(labelW + 22 + w).toFixed(1)}" y="${y + 15}" class="v">${esc(format(r.value))}</text>`;
  });
  return [s, 60 + rows.length * rowH];
}

/** Builds the SVG chart from the same results. */
export function renderSvg(r) {
  const width = 860;
  let y = 10, body = "";
  const add = ([s, h]) => { body += s; y += h + 14; };
  if (r.bytes) {
    add(panel("Bytes shipped (gzip)", "esbuild, minified, browser; shorter is better (the emulator, a test tool, is in RESULTS.md)",
      r.bytes.filter((b) => b.id !== "emulator").map((b) => ({ label: b.short, value: b.gzip, ours: b.ours })), (v) => `${(v / 1024).toFixed(1)} KB`, y, width));
  }
  if (r.roundTrips) {
    const rows = [];
    for (const t of r.roundTrips) rows.push({ label: `${t.scenario} · ${t.contender === OURS ? "keyvault-fetch" : "Azure SDK"}`, value: t.vault + t.authority, ours: t.contender === OURS });
    add(panel("Requests per scenario (vault + authority)", "emulated vault and Entra; fewer is better", rows, (v) => String(v), y, width));
  }
  if (r.cpu) {
    add(panel("Calls per second, canned answers", "one call at a time; longer is better",
      r.cpu.filter((t) => t.contender !== `${SDK} (direct)`).map((t) => ({ label: `${t.op} · ${t.contender === SDK ? "Azure SDK" : t.contender === "floor" ? "hand-written floor" : t.contender}`, value: t.opsPerSec, ours: t.contender === OURS, base: t.contender === "floor" })),
      (v) => `${int(v)}/s`, y, width));
  }
  if (r.localRemote) {
    add(panel("Local vs remote, median ms per call", "loopback HTTP with added latency; shorter is better",
      r.localRemote.filter((t) => t.mode !== "in-process").map((t) => ({ label: `${t.op} ${t.mode} · +${t.latencyMs} ms`, value: t.medianMs, ours: t.mode === "local" })),
      (v) => `${v < 1 ? v.toFixed(2) : v.toFixed(1)} ms`, y, width));
  }
  if (r.startup) {
    add(panel("workerd start + first call (best run)", "miniflare; shorter is better",
      r.startup.map((s) => ({ label: s.contender, value: s.bestMs, ours: s.contender === OURS, base: s.contender === "empty Worker" })), (v) => `${v.toFixed(0)} ms`, y, width));
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${y}" viewBox="0 0 ${width} ${y}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">
<style>.t{font-size:15px;font-weight:600;fill:#111}.n{font-size:11px;fill:#666}.l{font-size:12px;fill:#222}.v{font-size:11px;fill:#333}.o{fill:#2563eb}.p{fill:#9ca3af}.b{fill:#e5e7eb;stroke:#9ca3af}</style>
<rect width="100%" height="100%" fill="#fff"/>
${body}
<text x="${width - 16}" y="${y - 6}" font-size="10" fill="#888" text-anchor="end">blue: keyvault-fetch · grey: peers · light: baselines · ${esc(r.machine.date)} · ${esc(r.machine.cpu)} · Node ${esc(r.machine.node)}</text>
</svg>
`;
}
