// The public surface as shipped: every error code the library throws is in the closed
// ClientErrorCode union, written out in full where it is thrown, and listed in docs/ARCHITECTURE.md;
// the built declarations name no internal type (each one they declare is exported by an entry point).
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "./child.js";

/** The .ts files under `dir`, the emulator's excepted (its own package, its own errors). */
function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === "emulator" ? [] : sources(path);
    return name.endsWith(".ts") ? [path] : [];
  });
}

const codesIn = (text: string) => new Set([...text.matchAll(/\bERR_[A-Z_]+\b/g)].map((m) => m[0]));
const sorted = (s: Set<string>) => [...s].sort();

// Entry points of this package (the emulator's are another package's).
const ENTRIES = ["index", "keys", "entra", "jose", "proxy", "proxy-server", "secrets", "certificates"];
// The method `request()` and the helpers call through is keyed by this symbol: its declaration must ship with the method.
const ALLOWED = new Set(["send"]);

const suite: SuiteFile = (t) => {
  t.group("public API: error codes and declarations", () => {
    const root = repoRoot();
    const errors = readFileSync(join(root, "src/errors.ts"), "utf8");
    const union = codesIn(/export type ClientErrorCode =([^;]*);/.exec(errors)![1]!);

    t.test("ClientErrorCode is closed and lists exactly the codes thrown in src/", () => {
      assert.ok(!/ClientErrorCode =[^;]*string & \{\}/.test(errors), "the union is open");
      const used = new Set<string>();
      for (const file of sources(join(root, "src"))) {
        const text = readFileSync(file, "utf8");
        assert.ok(!/`ERR_\$\{/.test(text), `${relative(root, file)} assembles a code: write it out in full`);
        for (const code of codesIn(text)) used.add(code);
      }
      assert.deepEqual(sorted(used), sorted(union));
    });

    t.test("docs/ARCHITECTURE.md lists exactly the codes of ClientErrorCode", () => {
      const doc = readFileSync(join(root, "docs/ARCHITECTURE.md"), "utf8");
      assert.deepEqual(sorted(codesIn(doc)), sorted(union));
    });

    t.test("the built .d.ts files declare nothing that no entry point exports (no internal type)", () => {
      const dist = join(root, "dist");
      const exported = new Set<string>();
      for (const entry of ENTRIES) {
        const text = readFileSync(join(dist, `${entry}.d.ts`), "utf8");
        for (const m of text.matchAll(/export\s*(?:type\s*)?\{([^}]*)\}/g))
          for (const part of m[1]!.split(","))
            exported.add(
              part
                .trim()
                .split(/\s+as\s+/)
                .pop()!
                .replace(/^type\s+/, ""),
            );
        for (const m of text.matchAll(/export\s+(?:declare\s+)?(?:abstract\s+)?(?:class|interface|type|function|const|enum)\s+(\w+)/g))
          exported.add(m[1]!);
      }
      // The entries and the chunks they import, by what each file imports (a stale chunk of an older build is not shipped).
      const seen = new Set<string>();
      const visit = (file: string) => {
        if (seen.has(file)) return;
        seen.add(file);
        const text = readFileSync(join(dist, file), "utf8");
        for (const m of text.matchAll(/from\s+["']\.\/([^"']+)\.js["']/g)) visit(`${m[1]}.d.ts`);
      };
      for (const entry of ENTRIES) visit(`${entry}.d.ts`);
      const internal: string[] = [];
      for (const file of seen) {
        const text = readFileSync(join(dist, file), "utf8");
        for (const m of text.matchAll(
          /^(?:export\s+)?(?:declare\s+)?(?:abstract\s+)?(?:class|interface|type|function|const|enum)\s+(\w+)/gm,
        ))
          if (!exported.has(m[1]!) && !ALLOWED.has(m[1]!)) internal.push(`${file}: ${m[1]}`);
      }
      assert.ok(seen.size > ENTRIES.length, "the entries import chunks");
      assert.deepEqual(internal, []);
    });
  });
};
export default suite;
