// The fault matrix in every runtime, with the client's real retry rules and short waits (see
// reliability-matrix.ts). The cells run once, concurrently; each test below checks one fault.
import type { Lib, SuiteFile } from "./harness.js";
import * as assert from "./assert.js";
import { isForeign } from "./reliability-kit.js";
import {
  FAULTS,
  OPS,
  SUITE_POLICY,
  expectedOutcome,
  ours,
  runCell,
  runCells,
  venue,
  type Cell,
  type FaultKind,
  type When,
} from "./reliability-matrix.js";

/** Operation classes under persistent faults and on a cold vault's probe (every class faces the transient ones). */
const ALWAYS_OPS = ["read", "sign", "create", "rotate"];
const PROBE_OPS = ["read", "sign", "create", "restore"];
/** The deadline of the suite policy plus what a busy machine adds. */
const LIMIT_MS = SUITE_POLICY.timeoutMs + 2500;

export function suiteCells(): { fault: FaultKind; op: (typeof OPS)[number]; when: When }[] {
  const cells: { fault: FaultKind; op: (typeof OPS)[number]; when: When }[] = [];
  for (const fault of FAULTS) {
    for (const op of OPS) cells.push({ fault, op, when: "once" });
    for (const op of OPS.filter((o) => ALWAYS_OPS.includes(o.id))) cells.push({ fault, op, when: "always" });
    for (const op of OPS.filter((o) => PROBE_OPS.includes(o.id))) cells.push({ fault, op, when: "probe" });
  }
  return cells;
}

let matrix: Promise<Cell[]> | undefined;
function results(lib: Lib): Promise<Cell[]> {
  if (!matrix) {
    const place = venue(lib);
    matrix = runCells(
      suiteCells().map((c) => () => runCell(lib, ours(lib), c.fault, c.op, c.when, SUITE_POLICY, place)),
      48,
    );
  }
  return matrix;
}

const show = (c: Cell) =>
  `${c.op}/${c.when}: ${c.outcome} (processed ${c.processed}, attempts ${c.attempts}, probes ${c.probes}, ${c.elapsedMs} ms)`;

const suite: SuiteFile = (t, lib) => {
  t.group("reliability: fault matrix", () => {
    t.test(
      `runs ${suiteCells().length} cells (${FAULTS.length} faults × operation classes × once/always/probe); every class ran or says why not`,
      async () => {
        const cells = await results(lib);
        const ran = cells.filter((c) => !c.skipped);
        assert.ok(
          ran.length >= cells.length - FAULTS.length * 1,
          `only ${ran.length} of ${cells.length} cells ran: ${[...new Set(cells.filter((c) => c.skipped).map((c) => `${c.op}: ${c.skipped}`))].join("; ")}`,
        );
        assert.ok(ran.some((c) => c.processed > 0) && ran.some((c) => c.attempts > 1), "the matrix measured something");
      },
      { timeoutMs: 120_000 },
    );

    for (const fault of FAULTS) {
      t.test(
        `${fault.label}: nothing lost (no unsafe operation processed twice, no body without a token, no other origin), bounded time, expected outcomes`,
        async () => {
          const cells = (await results(lib)).filter((c) => c.fault === fault.id && !c.skipped);
          assert.ok(cells.length > 0, "cells ran");
          const wrong: string[] = [];
          for (const c of cells) {
            const op = OPS.find((o) => o.id === c.op)!;
            if (c.struck === 0) wrong.push(`${show(c)}: the fault never struck (the cell proves nothing)`);
            if (c.processedTwice) wrong.push(`${show(c)}: an unsafe operation was processed ${c.processed} times`);
            if (c.bodyWithoutToken) wrong.push(`${show(c)}: ${c.bodyWithoutToken} bodies went out without a token`);
            if (c.otherOrigin) wrong.push(`${show(c)}: ${c.otherOrigin} requests to another origin`);
            if (isForeign(c.outcome)) wrong.push(`${show(c)}: a failure that is not ours`);
            if (c.elapsedMs > LIMIT_MS) wrong.push(`${show(c)}: took past the deadline`);
            const expected = expectedOutcome(fault, op, c.when);
            if (expected !== undefined && c.outcome !== expected) wrong.push(`${show(c)}: expected ${expected}`);
            // A transient fault the client retries costs exactly one more attempt; the vault processed an unsafe one at most once.
            if (c.when === "once" && c.outcome === "ok" && c.attempts !== 2 && c.probes === 0)
              wrong.push(`${show(c)}: expected 2 attempts`);
          }
          assert.ok(wrong.length === 0, `\n${wrong.join("\n")}`);
        },
        { timeoutMs: 120_000 },
      );
    }
  });
};

export default suite;
