// A short soak inside `npm test`: 2,000 operations of the seeded mix against the in-process emulator
// with seeded faults (scripts/soak-worker.mjs, in a child process with --expose-gc). `npm run soak`
// runs 100,000 and also holds the heap flat; this one checks what 2,000 can show.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { join } from "node:path";
import { repoRoot } from "./child.js";

interface SoakFigures {
  ops: number;
  outcomes: Record<string, number>;
  foreign: string[];
  unhandled: string[];
  faultHits: Record<string, number>;
  lostAnswers: number;
  byOp: Record<string, Record<string, number>>;
}

function soak(ops: number, seed: number): Promise<SoakFigures> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ["--expose-gc", join(repoRoot(), "scripts/soak-worker.mjs"), "--ops", String(ops), "--seed", String(seed), "--samples", "4"],
      { cwd: repoRoot(), timeout: 120_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const line = stdout.split("\n").find((l) => l.startsWith("{"));
        if (!line) reject(new Error(`no figures (${error?.message}): ${stderr.slice(-2000)}`));
        else resolve(JSON.parse(line));
      },
    );
  });
}

const suite: SuiteFile = (t) => {
  t.group("reliability: soak (short)", () => {
    t.test(
      "2,000 operations with seeded faults: no unhandled rejection, every failure one of our classes or the caller's abort, every kind of fault hit",
      async () => {
        const r = await soak(2000, 3);
        assert.equal(r.ops, 2000);
        assert.deepEqual(r.unhandled, [], "unhandled rejections");
        assert.equal(r.outcomes.FOREIGN ?? 0, 0, `failures of foreign classes: ${r.foreign.join(" | ")}`);
        for (const k of Object.keys(r.outcomes)) assert.match(k, /^(ok|caller-abort|KeyVaultError \d{3}|KeyVaultClientError ERR_[A-Z_]+)$/);
        assert.ok((r.outcomes.ok ?? 0) > 1200, `only ${r.outcomes.ok} succeeded`);
        for (const fault of ["status 429", "status 503", "drop", "drop after", "malformed body"])
          assert.ok((r.faultHits[fault] ?? 0) > 0, `the fault "${fault}" never hit`);
        assert.ok(
          Object.values(r.byOp).every((o) => (o.ok ?? 0) + (o.failed ?? 0) > 0),
          "every operation of the mix ran",
        );
      },
      { timeoutMs: 150_000 },
    );
  });
};

export default suite;
