// The "types" leg of `npm test`: tsc (--noEmit) over every TypeScript and JavaScript file we keep,
// each project with the global types of the runtime it runs in. One check per project; a project
// with any error fails. Tests and examples import `keyvault-fetch` by name, so they are checked
// against the built declarations in dist/ (run after the build).
// Alone: `node test/typecheck.mjs [--filter text]`.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { root, tsc, writeDenoTypes } from "./types/tsc.mjs";

/** The projects, by name: a tsconfig path, or one made here (Deno's types are generated). */
function projects(out) {
  return [
    { name: "src (edge: Web APIs)", project: "tsconfig.json" },
    { name: "src (Node: proxy server)", project: "tsconfig.node.json" },
    { name: "emulator/src (edge: Web APIs)", project: "emulator/tsconfig.json" },
    { name: "emulator/src (Node: server, CLI)", project: "emulator/tsconfig.node.json" },
    { name: "test (TypeScript)", project: "test/tsconfig.json" },
    { name: "test, bench, examples (JavaScript, checkJs)", project: "test/tsconfig.js.json" },
    { name: "examples/worker (@cloudflare/workers-types, no DOM)", project: "examples/worker/tsconfig.json" },
    { name: "examples/certificate-worker (@cloudflare/workers-types, no DOM)", project: "examples/certificate-worker/tsconfig.json" },
    { name: "examples/browser (DOM)", project: "examples/browser/tsconfig.json" },
    {
      name: "examples/deno (Deno's types, no DOM)",
      project: () => {
        const denoTypes = writeDenoTypes(join(out, "deno.d.ts"));
        const file = join(out, "tsconfig.examples-deno.json");
        writeFileSync(
          file,
          JSON.stringify(
            {
              compilerOptions: {
                target: "ES2022",
                module: "ESNext",
                moduleResolution: "Bundler",
                lib: ["ES2022"],
                types: [],
                strict: true,
                noEmit: true,
                // examples/deno/package.json (a link to the checkout, for running from a clone) ends
                // the package's self-reference there: name its built declarations, as npm installs them
                paths: { "keyvault-fetch": [join(root, "dist/index.d.ts")], "keyvault-fetch/*": [join(root, "dist/*.d.ts")] },
              },
              files: [denoTypes, join(root, "examples/deno/proxy.ts"), join(root, "examples/deno/envelope.ts")],
            },
            null,
            2,
          ),
        );
        return file;
      },
    },
  ];
}

/** Runs every project (two at a time); the result has the shape of a leg's. */
export async function run(filter) {
  const out = join(process.env.KVF_TEST_OUT ?? join(root, "test/.out/default"), "types");
  const result = { passed: 0, failed: 0, skipped: 0, failures: [] };
  const queue = projects(out).filter((p) => {
    if (!filter || p.name.includes(filter)) return true;
    result.skipped++;
    return false;
  });
  const worker = async () => {
    for (let p = queue.shift(); p; p = queue.shift()) {
      try {
        const project = typeof p.project === "function" ? p.project() : p.project;
        const { code, output } = await tsc(project);
        if (code === 0 && !/error TS\d+/.test(output)) result.passed++;
        else throw new Error(output || `tsc exited with ${code}`);
      } catch (e) {
        result.failed++;
        result.failures.push({ name: `tsc ${p.name}`, error: String(e?.message ?? e) });
      }
    }
  };
  await Promise.all([worker(), worker()]);
  return result;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const i = process.argv.indexOf("--filter");
  const r = await run(i > 0 ? process.argv[i + 1] : undefined);
  for (const f of r.failures) console.error(`FAIL ${f.name}\n    ${f.error.replace(/\n/g, "\n    ")}`);
  console.log(`${r.passed} passed, ${r.failed} failed`);
  process.exit(r.failed ? 1 : 0);
}
