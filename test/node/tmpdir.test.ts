// Runs last: the run leaves nothing in the temp directory. test/run.mjs gives the whole run its
// own temp directory (TMPDIR, inherited by every child: the CLI, Deno, workerd, Chromium, npm) and
// records its listing first; whatever is in it now that was not then, after the Node-only tests'
// own shared folders are removed (test/node/tmp.ts), was left behind by a test or a tool.
// Nothing is ignored: the one cache that is meant to stay, Chromium extracted from
// @sparticuz/chromium (/tmp/chromium, fonts/, the swiftshader libraries, locales/), is resolved
// by test/run.mjs in the machine's temp directory before the run's own exists.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { removeTempDirs } from "./tmp.js";

/** Who makes folders with these prefixes, so a leftover names the code to fix. */
const MAKERS: [RegExp, string][] = [
  [/^keyvault-emulator-/, "the keyvault-emulator CLI's certificate folder (emulator/src/cli.ts)"],
  [/^kvf-child-/, "test/node/child.ts"],
  [/^kvf-cert-/, "test/node/cli.test.ts"],
  [/^kvf-(stage|consumer|npm-cache)-/, "test/node/tarball.ts"],
  [/^kvf-deno-/, "test/node/entra-examples.test.ts"],
  [/^playwright/, "playwright-core (a browser not closed)"],
];

const suite: SuiteFile = (t) => {
  t.group("temp directory", () => {
    t.test("the run leaves nothing behind in it", () => {
      const root = process.env.KVF_TMP_ROOT;
      const before = process.env.KVF_TMP_BEFORE;
      if (!root || !before) throw new Error("run through test/run.mjs, which gives the run its own temp directory");
      removeTempDirs();
      const known = new Set(JSON.parse(before) as string[]);
      const left = readdirSync(root)
        .filter((n) => !known.has(n))
        .map((n) => {
          const kind = statSync(join(root, n)).isDirectory() ? "folder" : "file";
          const maker = MAKERS.find(([re]) => re.test(n))?.[1];
          return `${kind} ${n}${maker ? ` (from ${maker})` : ""}`;
        });
      if (left.length) throw new assert.AssertionError(`${left.length} left in the temp directory:\n${left.join("\n")}`);
    });
  });
};
export default suite;
