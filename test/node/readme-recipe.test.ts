// docs/emulator.md's dev-server recipe, run by bash as written in a project that installed the
// package: start the bin in the background with its lines going to a file, load that file, run
// the quickstart against it, stop it with `kill $!`. Only the quickstart's path becomes this
// checkout's, and `--port 0` is added. Reading the file before the emulator has written it (the
// race the recipe once had) leaves KEYVAULT_URL unset, and the quickstart then says "embedded
// emulator" instead; a `kill $!` that reached npm rather than the emulator leaves its port open.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { join } from "node:path";
import { runInGroup } from "../processes.mjs";
import { repoRoot } from "./child.js";
import { consumerProject } from "./tarball.js";

/** The sh block after docs/emulator.md's "**Start, and the environment.**" paragraph. */
export function startRecipe(page: string): string {
  const at = page.indexOf("**Start, and the environment.**");
  if (at < 0) throw new Error('docs/emulator.md has no "Start, and the environment" paragraph');
  const block = /```sh\n([\s\S]*?)```/.exec(page.slice(at));
  if (!block) throw new Error('no sh block after "Start, and the environment"');
  return block[1]!;
}

/** Whether something accepts connections on 127.0.0.1:port. */
function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port }, () => {
      socket.destroy();
      resolve(true);
    }).on("error", () => resolve(false));
  });
}

const suite: SuiteFile = (t) => {
  t.group("README recipes", () => {
    t.test(
      "the dev-server recipe (the bin in the background, its lines sourced, kill $!) runs the quickstart and frees the port",
      async () => {
        const root = repoRoot();
        const recipe = startRecipe(readFileSync(join(root, "docs/emulator.md"), "utf8"));
        assert.match(recipe, /^node_modules\/\.bin\/keyvault-emulator > emulator\.env &/m);
        assert.match(recipe, /^node examples\/quickstart\.mjs/m);
        assert.match(recipe, /^kill \$! && wait \$!/m);
        const script =
          recipe
            .replace(/^node_modules\/\.bin\/keyvault-emulator /m, "node_modules/.bin/keyvault-emulator --port 0 ")
            .replace(/^node examples\/quickstart\.mjs/m, `node ${JSON.stringify(join(root, "examples/quickstart.mjs"))}`) +
          // what the test needs to look at afterwards: the port it listened on
          '\necho "emulator was at $KEYVAULT_URL"\n';
        const dir = await consumerProject();
        rmSync(join(dir, "emulator.env"), { force: true });
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
        const port = Number(/^emulator was at \S+:(\d+)$/m.exec(stdout)?.[1]);
        assert.ok(port > 0, stdout);
        assert.equal(await listening(port), false, "kill $! stopped the emulator: nothing listens on its port");
      },
      { timeoutMs: 120_000 },
    );

    t.test(
      "npx keyvault-emulator in the background ends when kill $! ends npm (the CLI ends with its parent)",
      async () => {
        const dir = await consumerProject();
        rmSync(join(dir, "npx.env"), { force: true });
        // After kill $!, the script itself waits (10 s at most) for the emulator's port to close:
        // npm passes the signal to the shell it started, and the emulator sees its parent go.
        const waitForPort = [
          "const url = new URL(process.env.KEYVAULT_URL);",
          "let tries = 0;",
          "const probe = () => require('node:net').connect(Number(url.port), '127.0.0.1', function () {",
          "  this.destroy();",
          "  if (++tries < 50) setTimeout(probe, 200); else { console.log('still listening'); process.exit(1); }",
          "}).on('error', () => console.log('port closed'));",
          "probe();",
        ].join(" ");
        const script = [
          "npx --offline keyvault-emulator --port 0 > npx.env &",
          "until [ -s npx.env ] || ! kill -0 $! 2>/dev/null; do sleep 0.1; done",
          "set -a; . ./npx.env; set +a",
          "kill $!",
          `node -e ${JSON.stringify(waitForPort)}`,
        ].join("\n");
        const { stdout, stderr, code, leftRunning } = await runInGroup("bash", ["-c", script], { cwd: dir, timeoutMs: 60_000 });
        assert.equal(code, 0, `${stderr}\n${stdout}`);
        assert.match(stdout, /^port closed$/m, "nothing listens on the emulator's port 10 s after kill $!");
        assert.deepEqual(leftRunning, [], "nothing left running");
      },
      { timeoutMs: 120_000 },
    );
  });
};
export default suite;
