// The README's snippets, as written, against the packed tarball: each block marked
// `<!-- test: node -->` (see test/node/readme-snippets.ts and CONTRIBUTING.md) runs with Node in
// an empty project where only the tarball is installed, and must exit 0.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { transform } from "esbuild";
import { repoRoot } from "./child.js";
import { testedSnippets } from "./readme-snippets.js";
import { consumerProject, startInstalledCli } from "./tarball.js";

const run = promisify(execFile);

const suite: SuiteFile = (t) => {
  t.group("README snippets", () => {
    const root = repoRoot();
    const snippets = testedSnippets(readFileSync(join(root, "README.md"), "utf8"));

    t.test("the extractor finds marked blocks and refuses a marker without one, or with a typo", () => {
      const md =
        "# A\n<!-- test: node -->\n```ts\nconst a: number = 1;\n```\n## B\n```js\nuntested()\n```\n<!-- test: node emulator-env -->\n```js\nok()\n```\n";
      const found = testedSnippets(md, "x.md");
      assert.deepEqual(
        found.map((s) => [s.line, s.section, s.lang, s.options, s.code]),
        [
          [2, "A", "ts", [], "const a: number = 1;\n"],
          [10, "B", "js", ["emulator-env"], "ok()\n"],
        ],
      );
      assert.match(
        String(errorOf(() => testedSnippets("<!-- test: node -->\n\n```js\nx\n```\n", "x.md"))),
        /x\.md:1: a test marker must be followed on the next line/,
      );
      assert.match(String(errorOf(() => testedSnippets("<!-- test: nod -->\n```js\nx\n```\n", "x.md"))), /x\.md:1: unknown runner "nod"/);
      assert.match(
        String(errorOf(() => testedSnippets("<!-- test: node emulator -->\n```js\nx\n```\n", "x.md"))),
        /unknown option "emulator"/,
      );
      assert.match(String(errorOf(() => testedSnippets("<!-- test: node -->\n```js\nx\n", "x.md"))), /never closed/);
    });

    t.test("the README has tested snippets (the quickstart's among them)", () => {
      assert.ok(
        snippets.some((s) => s.section === "Quickstart"),
        snippets.map((s) => `${s.line} ${s.section}`).join("; "),
      );
    });

    for (const snippet of snippets) {
      t.test(
        `README.md:${snippet.line} (${snippet.section}) runs as written against the tarball`,
        async () => {
          const dir = await consumerProject();
          const code =
            snippet.lang === "ts" ? (await transform(snippet.code, { loader: "ts", format: "esm", target: "node20" })).code : snippet.code;
          const file = join(dir, `readme-${snippet.line}.mjs`);
          writeFileSync(file, code);
          const cli = snippet.options.includes("emulator-env")
            ? await startInstalledCli(dir, ["--port", "0", "--name", `readme-${snippet.line}`])
            : undefined;
          try {
            // Only what a user's shell would have, plus the emulator's lines when asked for.
            const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", TMPDIR: process.env.TMPDIR ?? "", ...cli?.env };
            await run(process.execPath, [file], { cwd: dir, env, timeout: 30_000 }).catch(
              (e: { stderr?: string; stdout?: string; message: string }) => {
                throw new Error(
                  `README.md:${snippet.line} failed:\n${e.stderr || e.message}\n${e.stdout ?? ""}\n--- the snippet ---\n${snippet.code}`,
                );
              },
            );
          } finally {
            await cli?.stop();
          }
        },
        { timeoutMs: 90_000 },
      );
    }
  });
};

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

export default suite;
