// What each feature of the core costs in `client.fetch` alone: a diagnostic beside the bytes part,
// for the 6.0 KB goal (issue 19). For each feature, a copy of src/ has that feature's functions replaced by a
// stand-in that does nothing (so esbuild drops everything only they used), and the bundle of
// `KeyVaultClient` is measured again (minified like bench/bundles.mjs, gzip -9). The difference is
// what the feature costs; "all of the above" removes them together. Nothing here is a proposal: the
// copies are not correct programs, only measurements of bytes.
// Usage: node bench/feature-cost.mjs
import { build } from "esbuild";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { BUNDLE_OPTIONS } from "./bundles.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/**
 * Each feature: [file, function or method name, stand-in body] for every function it consists of;
 * "calls of X" replaces every call `X(…)` by the stand-in instead.
 */
/** @type {[string, [string, string, string][]][]} */
const FEATURES = [
  [
    'the RFC 7235 parser (a naive key="value" match instead)',
    [
      [
        "challenge.ts",
        "parseWwwAuthenticate",
        `const p = {}; for (const m of header.matchAll(/(\\w+)="([^"]*)"/g)) p[m[1].toLowerCase()] = m[2]; return [{ scheme: "bearer", params: p }];`,
      ],
    ],
  ],
  ["resource verification (scope against the vault's host)", [["challenge.ts", "refusal", `return "";`]]],
  [
    "redaction of tokens in errors",
    [
      ["redact.ts", "redact", "return text;"],
      ["redact.ts", "redactError", "return error;"],
      ["redact.ts", "isClean", "return true;"],
    ],
  ],
  ["CAE (claims challenge decoding)", [["challenge.ts", "claimsChallengeFromHeader", "return undefined;"]]],
  ["Retry-After parsing", [["retry.ts", "retryAfterMs", "return undefined;"]]],
  ["idempotency rules (unsafe operations retried only on 429)", [["retry.ts", "isIdempotent", "return true;"]]],
  [
    "the token cache's bound",
    [
      [
        "token.ts",
        "put",
        "const expiresOnTimestamp = Number(token.expiresOnTimestamp); if (expiresOnTimestamp > Date.now()) this.#entries.set(key, { token: token.token, expiresOnTimestamp, refreshAt: expiresOnTimestamp - REFRESH_MARGIN_MS });",
      ],
    ],
  ],
  [
    "network errors that name the host and the cause (certificate failures not retried)",
    [
      [
        "network.ts",
        "networkError",
        'return new KeyVaultClientError("ERR_NETWORK", "fetch failed", { cause: redactError(failure, secrets) });',
      ],
      ["network.ts", "isCertificateFailure", "return false;"],
    ],
  ],
  [
    "onEvent (every event built and told)",
    [
      ["client.ts", "calls of this.#emit", "void 0"],
      ["client.ts", "#observed", "return deadline.race(this.#fetch(call.url, init));"],
    ],
  ],
];

/** The source with every call `callee(…)` replaced by `by`. */
/** @param {string} source @param {string} callee @param {string} by */
function dropCalls(source, callee, by) {
  let out = "";
  let from = 0;
  for (let at = source.indexOf(`${callee}(`); at >= 0; at = source.indexOf(`${callee}(`, from)) {
    let i = at + callee.length;
    for (let depth = 0; ; i++) {
      if (source[i] === "(") depth++;
      else if (source[i] === ")" && --depth === 0) break;
    }
    out += source.slice(from, at) + by;
    from = i + 1;
  }
  return out + source.slice(from);
}

/** The source with the body of function (or method) `name` replaced by `body`. */
/** @param {string} source @param {string} name @param {string} body @param {string} file */
function stub(source, name, body, file) {
  if (name.startsWith("calls of ")) return dropCalls(source, name.slice(9), body);
  const at = new RegExp(`(?:function\\s+|\\n\\s*(?:async\\s+)?)${name.replace(/[#$]/g, "\\$&")}\\s*(?:<[^>(]*>)?\\(`).exec(source);
  if (!at) throw new Error(`${file}: no function ${name} (feature-cost.mjs needs updating)`);
  let i = at.index + at[0].length - 1;
  for (let depth = 0; ; i++) {
    if (source[i] === "(") depth++;
    else if (source[i] === ")" && --depth === 0) break;
  }
  const open = source.indexOf("{", i);
  let end = open;
  for (let depth = 0; ; end++) {
    if (source[end] === "{") depth++;
    else if (source[end] === "}" && --depth === 0) break;
  }
  return `${source.slice(0, open + 1)}${body}${source.slice(end)}`;
}

/** @param {string} dir */
async function gzipOf(dir) {
  const result = await build({
    ...BUNDLE_OPTIONS,
    stdin: { contents: `export { KeyVaultClient } from "./src/index.ts";`, resolveDir: dir, loader: "ts" },
  });
  return gzipSync(result.outputFiles[0].text, { level: 9 }).length;
}

/** @param {[string, string, string][]} edits */
async function measure(edits) {
  const dir = mkdtempSync(join(tmpdir(), "kvf-feature-cost-"));
  try {
    cpSync(join(root, "src"), join(dir, "src"), { recursive: true });
    for (const [file, name, body] of edits) {
      const path = join(dir, "src", file);
      writeFileSync(path, stub(readFileSync(path, "utf8"), name, body, file));
    }
    return await gzipOf(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const base = await measure([]);
console.log(`client.fetch alone (built from src/): ${base.toLocaleString("en-US")} B gzip; the goal is 6,144 B`);
console.log("| feature | gzip bytes it costs |\n|---|---:|");
for (const [label, edits] of FEATURES) console.log(`| ${label} | ${(base - (await measure(edits))).toLocaleString("en-US")} |`);
const without = await measure(FEATURES.flatMap(([, edits]) => edits));
console.log(`| all of the above | ${(base - without).toLocaleString("en-US")} (leaves ${without.toLocaleString("en-US")} B) |`);
