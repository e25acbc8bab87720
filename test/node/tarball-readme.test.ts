// The snippets of the README and the guides, as written, against the packed tarball: each block
// marked `<!-- test: … -->` (see test/node/readme-snippets.ts and CONTRIBUTING.md) runs in an
// empty project where only the tarball is installed: with Node or Deno (it must exit 0), as a
// Worker in workerd (a POST to it must answer 200), or as a page in Chromium (it must log).
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { execFile } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createRequire } from "node:module";
import { promisify } from "node:util";
import { build, transform } from "esbuild";
import { Miniflare } from "miniflare";
import { denoEnv, denoExecutable } from "../processes.mjs";
import { runInBrowserAsAzure } from "./browser-as-azure.js";
import { repoRoot } from "./child.js";
import { documentationFiles, testedSnippets, type Snippet } from "./readme-snippets.js";
import { consumerProject, startInstalledCli } from "./tarball.js";
import { tempDir } from "./tmp.js";

const run = promisify(execFile);

const suite: SuiteFile = (t) => {
  t.group("README snippets", () => {
    const root = repoRoot();
    const snippets = documentationFiles(root).flatMap((file) =>
      testedSnippets(readFileSync(join(root, file), "utf8"), file).map((s) => ({ ...s, file })),
    );

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

    t.test("the README's quickstarts are tested snippets, one per runtime", () => {
      const readme = snippets.filter((s) => s.file === "README.md");
      assert.deepEqual(
        ["Node", "Cloudflare Workers", "Deno", "A browser"].filter((section) => !readme.some((s) => s.section === section)),
        [],
        readme.map((s) => `${s.line} ${s.section}`).join("; "),
      );
      const keys = new Set(snippets.map((s) => `${s.file} ${s.section} ${s.runner} ${s.options.join(" ")}`.trim()));
      assert.deepEqual(
        Object.keys(SAYS).filter((k) => !keys.has(k)),
        [],
        "every expected output names a snippet",
      );
    });

    t.test(
      "README.md's Node quickstart runs as written under Bun (bun app.mjs), as its Bun section says",
      async () => {
        const readme = readFileSync(join(repoRoot(), "README.md"), "utf8");
        assert.match(readme, /^### Bun\n[^#]*`bun app\.mjs`/m, "the README's Bun section says to run the Node quickstart with bun");
        const snippet = snippets.find((s) => s.file === "README.md" && s.section === "Node" && s.options.includes("emulator-env"));
        assert.ok(snippet, "the README has the Node quickstart");
        const dir = await consumerProject();
        const cli = await startInstalledCli(dir, ["--port", "0", "--name", "snippet-bun"]);
        try {
          const file = join(dir, "app-bun.mjs");
          writeFileSync(file, snippet.code);
          const { stdout } = await run(bunExecutable(), ["app-bun.mjs"], { cwd: dir, env: userEnv(cli.env), timeout: 60_000 }).catch(
            explain,
          );
          assert.match(stdout, SAYS["README.md Node node emulator-env"]!);
        } finally {
          await cli.stop();
        }
      },
      { timeoutMs: 120_000 },
    );

    for (const snippet of snippets) {
      t.test(
        `${snippet.file}:${snippet.line} (${snippet.section}) runs as written against the tarball (${snippet.runner})`,
        async () => {
          const dir = await consumerProject();
          const cliArgs = snippet.options.includes("emulator-http")
            ? ["--port", "0", "--http", "--vault-host", "127.0.0.1"]
            : snippet.options.includes("emulator-env")
              ? ["--port", "0"]
              : undefined;
          const cli = cliArgs ? await startInstalledCli(dir, [...cliArgs, "--name", `snippet-${snippet.line}`]) : undefined;
          try {
            const output = await RUN[snippet.runner](dir, snippet, cli?.env ?? {});
            const expected = SAYS[`${snippet.file} ${snippet.section} ${snippet.runner} ${snippet.options.join(" ")}`.trim()];
            if (expected) assert.match(output, expected, "what the text around the snippet says it prints");
          } catch (e) {
            throw new Error(`${snippet.file}:${snippet.line} failed:\n${(e as Error).message}\n--- the snippet ---\n${snippet.code}`);
          } finally {
            await cli?.stop();
          }
        },
        { timeoutMs: 120_000 },
      );
    }
  });
};

/** Only what a user's shell would have, plus the emulator's lines when asked for. */
const userEnv = (emulator: Record<string, string>) => ({
  PATH: process.env.PATH ?? "",
  HOME: process.env.HOME ?? "",
  TMPDIR: process.env.TMPDIR ?? "",
  ...emulator,
});

/** What the text beside a snippet says it prints, by file, section, runner and options. */
const SAYS: Record<string, RegExp> = {
  "README.md Node node emulator-env":
    /^signed in the vault by https:\/\/\S+\/keys\/quickstart-signer\/[0-9a-f]{32}; verified locally: true$/m,
  "README.md A browser chromium": /^signed in the vault by https:\/\/myvault\.vault\.azure\.net\/keys\/quickstart-signer\/[0-9a-f]{32}$/,
};

/** Each runner resolves with what the snippet printed (a Worker: its answer's body). */
const RUN: Record<Snippet["runner"], (dir: string, snippet: Snippet, env: Record<string, string>) => Promise<string>> = {
  async node(dir, snippet, env) {
    const source = snippet.code;
    const code = snippet.lang === "ts" ? (await transform(source, { loader: "ts", format: "esm", target: "node20" })).code : source;
    const file = join(dir, `snippet-${snippet.line}.mjs`);
    writeFileSync(file, code);
    const { stdout } = await run(process.execPath, [file], { cwd: dir, env: userEnv(env), timeout: 30_000 }).catch(explain);
    return stdout;
  },

  async deno(dir, snippet, env) {
    // A Deno project that installed the package with npm (nodeModulesDir "manual": no registry asked).
    const project = tempDir("kvf-snippet-deno-");
    mkdirSync(join(project, "node_modules"));
    symlinkSync(join(dir, "node_modules/keyvault-fetch"), join(project, "node_modules/keyvault-fetch"), "dir");
    writeFileSync(join(project, "package.json"), JSON.stringify({ private: true, dependencies: { "keyvault-fetch": "*" } }));
    writeFileSync(join(project, "deno.json"), JSON.stringify({ nodeModulesDir: "manual" }));
    writeFileSync(join(project, "main.ts"), snippet.code);
    const { stdout } = await run(denoExecutable(), ["run", "--no-prompt", "--no-lock", "--allow-net", "--allow-env", "main.ts"], {
      cwd: project,
      env: denoEnv({ TMPDIR: process.env.TMPDIR ?? "", ...env }),
      timeout: 90_000,
    }).catch(explain);
    return stdout;
  },

  chromium: (dir, snippet) => runInBrowserAsAzure(dir, snippet.code),

  async workerd(dir, snippet, env) {
    const entry = join(dir, `worker-${snippet.line}.ts`);
    writeFileSync(entry, snippet.code);
    const bundle = await build({
      entryPoints: [entry],
      bundle: true,
      format: "esm",
      platform: "browser",
      conditions: ["workerd", "worker", "browser"],
      write: false,
      absWorkingDir: dir,
      logLevel: "silent",
    });
    const mf = new Miniflare({
      modules: true,
      script: bundle.outputFiles[0]!.text,
      compatibilityDate: "2025-09-01",
      bindings: env,
    });
    try {
      const res = await mf.dispatchFetch("http://localhost/", { method: "POST", body: "hello" });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      return text;
    } finally {
      await mf.dispose();
    }
  },
};

function explain(e: { stderr?: string; stdout?: string; message: string }): never {
  throw new Error(`${e.stderr || e.message}\n${e.stdout ?? ""}`);
}

function errorOf(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  return undefined;
}

export default suite;

/** The Bun binary of the `@oven/bun-linux-x64-baseline` dev dependency (the bun leg's). */
function bunExecutable(): string {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve("@oven/bun-linux-x64-baseline/package.json")), "bin", "bun");
}
