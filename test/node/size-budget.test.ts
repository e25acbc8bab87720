// The size budget: every bundle of ours in bench/bundles.mjs (the same esbuild build `npm run bench`
// measures, from the built dist/) must stay within the bytes bench/size-budget.json allows.
// A budget is raised deliberately, in the commit that needs it, never silently.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./child.js";
import { BUNDLES, measureBundles, overBudget, type BundleBudgets, type MeasuredBundle } from "../../bench/bundles.mjs";

const suite: SuiteFile = (t) => {
  t.group("size budget", () => {
    const root = repoRoot();
    const budgets = (JSON.parse(readFileSync(join(root, "bench/size-budget.json"), "utf8")) as { bundles: BundleBudgets }).bundles;
    const ours = BUNDLES.filter((b) => b.ours).map((b) => b.id);
    let measured: Promise<MeasuredBundle[]> | undefined;
    const measure = () => (measured ??= measureBundles(root, ours));

    t.test("every bundle of ours has a budget, and every budget a bundle", () => {
      assert.deepEqual(Object.keys(budgets).sort(), [...ours].sort());
    });

    for (const id of ours) {
      t.test(
        `${id} stays within its budget`,
        async () => {
          const problems = overBudget(await measure(), { [id]: budgets[id] ?? {} });
          if (problems.length) {
            throw new Error(
              `${problems.join("; ")}. If the growth is deliberate, raise bench/size-budget.json and the table in bench/README.md in the same commit.`,
            );
          }
        },
        { timeoutMs: 60_000 },
      );
    }

    t.test(
      "the check catches a bundle over its budget, and a budget without a bundle",
      async () => {
        const m = await measure();
        const first = m[0]!;
        const problems = overBudget(m, { [first.id]: { gzip: first.gzip - 1, minified: first.minified }, missing: { gzip: 1 } });
        assert.equal(problems.length, 2, problems.join("; "));
        assert.match(problems[0]!, new RegExp(`^${first.id} is ${first.gzip} B gzip, over its budget of ${first.gzip - 1} B`));
        assert.match(problems[1]!, /^missing: budgeted but not measured/);
      },
      { timeoutMs: 60_000 },
    );

    t.test("bench/README.md states every budget", () => {
      const readme = readFileSync(join(root, "bench/README.md"), "utf8");
      for (const [id, figures] of Object.entries(budgets)) {
        const row = readme.split("\n").find((line) => line.startsWith(`| \`${id}\``));
        assert.ok(row, `bench/README.md has a budget row for ${id}`);
        for (const bytes of Object.values(figures)) {
          assert.ok(row.includes(bytes.toLocaleString("en-US")), `bench/README.md states ${id}'s budget of ${bytes} B`);
        }
      }
    });
  });
};
export default suite;
