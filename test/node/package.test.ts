import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";

const suite: SuiteFile = (t) => {
  t.group("package", () => {
    const pkg = JSON.parse(readFileSync("package.json", "utf8"));

    t.test("has no runtime dependencies; its Node-free subpaths declare only optional peers", () => {
      assert.deepEqual(Object.keys(pkg.dependencies ?? {}), []);
      for (const name of Object.keys(pkg.peerDependencies ?? {})) assert.equal(pkg.peerDependenciesMeta?.[name]?.optional, true, name);
    });

    t.test("npm pack holds dist/, README, LICENSE and package.json only", () => {
      const out = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8" }));
      const files: string[] = out[0].files.map((f: { path: string }) => f.path);
      const stray = files.filter((f) => !f.startsWith("dist/") && !["README.md", "LICENSE", "package.json"].includes(f));
      assert.deepEqual(stray, []);
      for (const need of ["README.md", "LICENSE", "package.json", "dist/index.js", "dist/index.cjs", "dist/index.d.ts"]) assert.ok(files.includes(need), need);
    });

    t.test("every export in the exports map exists after the build, with types", () => {
      const dist = new Set(readdirSync("dist"));
      for (const [sub, target] of Object.entries<any>(pkg.exports)) {
        if (sub === "./package.json") continue;
        const paths = typeof target === "string" ? [target] : [target.import?.default, target.import?.types, target.require?.default, target.default, target.types].filter(Boolean);
        for (const p of paths) assert.ok(dist.has(p.replace("./dist/", "")), `${sub} → ${p}`);
      }
    });

    t.test("the core entry works through require() too", async () => {
      const out = execFileSync(process.execPath, ["-e", "const k=require('keyvault-fetch');console.log(typeof k.KeyVaultClient, typeof k.parseWwwAuthenticate)"], { encoding: "utf8" });
      assert.equal(out.trim(), "function function");
    });

    t.test("edge code uses no Node APIs (only the emulator's server and CLI may)", () => {
      const offenders: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = `${dir}/${e.name}`;
          if (e.isDirectory()) walk(p);
          else if (p.endsWith(".ts") && !/src\/(emulator\/(server|cli)|proxy\/server)\.ts$/.test(p) && !p.includes("/node/")) {
            // Comments may name Node APIs (docs show process.env to Node users); code may not.
            const text = readFileSync(p, "utf8").replace(/\/\*[\s\S]*?\*\//g, "").replace(/^\s*\/\/.*$/gm, "");
            if (/from\s+["']node:|require\(["']node:|\bBuffer\.|\bprocess\.(env|argv|exit)/.test(text)) offenders.push(p);
          }
        }
      };
      walk("src");
      assert.deepEqual(offenders, []);
    });
  });
};
export default suite;
