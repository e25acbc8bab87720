// Our declarations where users compile them: a small consumer (test/types/consumer.ts, using core,
// keys, secrets, entra, jose, proxy and emulator, and handing byte results straight to Web Crypto)
// compiled by the repository's TypeScript with `lib: ["ES2022"]` and only one runtime's global
// types (@cloudflare/workers-types, @types/node, Deno's), and once with the DOM lib as a browser
// project has it. `skipLibCheck: false`, so every line of dist/*.d.ts is checked. One tsc per way.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { root, tsc, writeDenoTypes } from "../types/tsc.mjs";

interface Way {
  name: string;
  lib: string[];
  types: string[];
  files?: () => string[];
}

/** The declarations each consumer must read (relative to the repository root). */
const DECLARATIONS = ["index", "keys", "secrets", "certificates", "entra", "jose", "proxy"]
  .map((sub) => `dist/${sub}.d.ts`)
  .concat("emulator/dist/index.d.ts");
const NODE_DECLARATIONS = ["dist/proxy-server.d.ts", "emulator/dist/server.d.ts"];

const suite: SuiteFile = (t) => {
  t.group("declarations in consumer projects", () => {
    const out = join(process.env.KVF_TEST_OUT ?? join(root, "test/.out/default"), "consumer-types");
    const ways: Way[] = [
      { name: "Cloudflare Workers (@cloudflare/workers-types, no DOM)", lib: ["ES2022"], types: ["@cloudflare/workers-types"] },
      {
        name: "Node (@types/node, no DOM; with the Node-only subpaths)",
        lib: ["ES2022"],
        types: ["node"],
        files: () => [join(root, "test/types/consumer-node.ts")],
      },
      { name: "Deno (Deno's own types, no DOM)", lib: ["ES2022"], types: [], files: () => [writeDenoTypes(join(out, "deno.d.ts"))] },
      { name: "browsers (the DOM lib)", lib: ["ES2022", "DOM", "DOM.Iterable"], types: [] },
    ];
    for (const way of ways) {
      t.test(
        `compiles for ${way.name}`,
        async () => {
          mkdirSync(out, { recursive: true });
          const project = join(out, `tsconfig.${way.name.split(" ")[0]!.toLowerCase()}.json`);
          writeFileSync(
            project,
            JSON.stringify(
              {
                compilerOptions: {
                  target: "ES2022",
                  module: "ESNext",
                  moduleResolution: "Bundler",
                  strict: true,
                  noEmit: true,
                  skipLibCheck: false,
                  lib: way.lib,
                  types: way.types,
                },
                files: [join(root, "test/types/consumer.ts"), ...(way.files?.() ?? [])],
              },
              null,
              2,
            ),
          );
          const { code, output } = await tsc(project, ["--listFiles"]);
          const errors = output.split("\n").filter((line) => /error TS\d+/.test(line));
          assert.ok(
            errors.length === 0,
            `tsc found ${errors.length} errors for ${way.name}:\n${output
              .split("\n")
              .filter((l) => !l.startsWith("/"))
              .join("\n")}`,
          );
          assert.equal(code, 0);
          // The check is real only if tsc read our declarations, and the DOM lib only where it belongs.
          const files = output.split("\n").map((line) => line.replace(/\\/g, "/"));
          for (const declaration of [...DECLARATIONS, ...(way.types.includes("node") ? NODE_DECLARATIONS : [])])
            assert.ok(files.includes(join(root, declaration)), `tsc read ${declaration}`);
          assert.equal(
            files.some((f) => /\/lib\.dom\.d\.ts$/.test(f)),
            way.lib.includes("DOM"),
            "the DOM lib is loaded exactly when asked for",
          );
        },
        { timeoutMs: 180_000 },
      );
    }
  });
};
export default suite;
