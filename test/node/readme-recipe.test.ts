// The README's dev-server recipe, run by bash as written: start `keyvault-emulator` in the
// background with its lines going to a file, load that file, run the quickstart against it. Only
// `npx keyvault-emulator` becomes this checkout's CLI (on a free port) and the quickstart's path
// this checkout's. Reading the file before the emulator has written it (the race the recipe once
// had) leaves KEYVAULT_URL unset, and the quickstart then says "embedded emulator" instead.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { repoRoot } from "./child.js";
import { runInGroup } from "../processes.mjs";

/** The sh block after the README's "**Start, and the environment.**" paragraph. */
export function startRecipe(readme: string): string {
  const at = readme.indexOf("**Start, and the environment.**");
  if (at < 0) throw new Error('README.md has no "Start, and the environment" paragraph');
  const block = /```sh\n([\s\S]*?)```/.exec(readme.slice(at));
  if (!block) throw new Error('no sh block after "Start, and the environment"');
  return block[1]!;
}

const suite: SuiteFile = (t) => {
  t.group("README recipes", () => {
    t.test(
      "the dev-server recipe (emulator in the background, its lines sourced) gives the quickstart a full environment",
      async () => {
        const root = repoRoot();
        const recipe = startRecipe(readFileSync(join(root, "README.md"), "utf8"));
        assert.match(recipe, /^npx keyvault-emulator > emulator\.env &/m);
        assert.match(recipe, /^node examples\/quickstart\.mjs/m);
        const script =
          recipe
            .replace(/^npx keyvault-emulator /m, `node ${JSON.stringify(join(root, "dist/emulator-cli.js"))} --port 0 `)
            .replace(/^node examples\/quickstart\.mjs/m, `node ${JSON.stringify(join(root, "examples/quickstart.mjs"))}`) +
          // stop the emulator (SIGTERM: it removes its certificate folder) and wait for it
          "\nstatus=$?\nkill $! 2>/dev/null; wait\nexit $status\n";
        const dir = mkdtempSync(join(tmpdir(), "kvf-recipe-"));
        try {
          const env = Object.fromEntries(
            Object.entries(process.env as Record<string, string>).filter(
              ([k]) => !/^(KEYVAULT_|AZURE_|NODE_EXTRA_CA_CERTS$|NODE_OPTIONS$)/.test(k),
            ),
          );
          // Its own process group: whatever the script leaves running (on a failure or a timeout, the
          // emulator) is ended with it, and named.
          const { stdout, stderr, code, timedOut, leftRunning } = await runInGroup("bash", ["-c", script], {
            cwd: dir,
            env,
            timeoutMs: 60_000,
          });
          assert.equal(code, 0, `the recipe ${timedOut ? "timed out" : "failed"}:\n${stderr}\n${stdout}`);
          assert.deepEqual(leftRunning, [], "the recipe and its stop leave nothing running");
          assert.match(
            stdout,
            /^keyvault-fetch quickstart: vault https:\/\/[^\s]+:\d+$/m,
            `the quickstart ran against the emulator server:\n${stdout}\n${stderr}`,
          );
          assert.match(stdout, /verified locally with Web Crypto: valid/);
          assert.match(stdout, /^done in \d+ ms/m);
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
      { timeoutMs: 90_000 },
    );
  });
};
export default suite;
