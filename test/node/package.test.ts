// The packages as npm and JSR see them (the library at the root, the emulator in emulator/):
// metadata, each exports map against its build's entries, what each tarball holds, and properties
// of the built files a user relies on (one emulator, class names, require() of the server without
// require(esm), @noble only in the emulator, nothing of the emulator in the library).
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { execFileSync } from "node:child_process";
import { join } from "node:path";
import { SUBPATHS, distName } from "../../tsup.config.js";
import { SUBPATHS as EMULATOR_SUBPATHS, distName as emulatorDistName } from "../../emulator/tsup.config.js";
import { repoRoot, runNode } from "./child.js";
import { distClosure, distSources } from "./dist.js";

/** What package.json `exports` must say for a subpath (ESM and CJS, each with its types). */
function exportBlock(name: string) {
  return {
    import: { types: `./dist/${name}.d.ts`, default: `./dist/${name}.js` },
    require: { types: `./dist/${name}.d.cts`, default: `./dist/${name}.cjs` },
  };
}

const suite: SuiteFile = (t) => {
  t.group("package", () => {
    const root = repoRoot();
    const emulatorDir = join(root, "emulator");
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
    const jsr = JSON.parse(readFileSync(join(root, "jsr.json"), "utf8"));
    const packages = [
      { dir: root, pkg, subpaths: SUBPATHS, distName, jsr, notices: false },
      {
        dir: emulatorDir,
        pkg: JSON.parse(readFileSync(join(emulatorDir, "package.json"), "utf8")),
        subpaths: EMULATOR_SUBPATHS,
        distName: emulatorDistName,
        jsr: undefined,
        notices: true,
      },
    ];
    const entryFiles = (ext: "js" | "cjs") => Object.keys(SUBPATHS).map((s) => `${distName(s)}.${ext}`);

    t.test("keyvault-fetch lists the emulator as a workspace and a dev dependency, and has no bin", () => {
      assert.deepEqual(pkg.workspaces, ["emulator"]);
      assert.equal(pkg.devDependencies["@keyvault-fetch/emulator"], `^${packages[1]!.pkg.version}`);
      assert.equal(pkg.bin, undefined);
    });

    t.test("the scoped emulator package publishes as public (npm makes a scoped package private otherwise)", () => {
      assert.deepEqual(packages[1]!.pkg.publishConfig, { access: "public" });
    });

    for (const { dir, pkg, subpaths, distName, jsr, notices } of packages) {
      t.group(pkg.name, () => {
        t.test("has no dependencies of any kind at run time (the emulator bundles what it needs)", () => {
          for (const field of ["dependencies", "peerDependencies", "peerDependenciesMeta", "optionalDependencies", "bundleDependencies"]) {
            assert.equal(pkg[field], undefined, field);
          }
        });

        t.test("has the metadata npm (and provenance) needs: repository, homepage, bugs, licence, engines", () => {
          assert.match(pkg.repository?.url ?? "", /^git\+https:\/\/github\.com\/[\w.-]+\/[\w.-]+\.git$/, "repository.url");
          assert.equal(pkg.repository?.type, "git");
          const repo = pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "");
          const folder = dir === root ? undefined : "emulator";
          assert.equal(pkg.repository.directory, folder, "repository.directory");
          assert.equal(pkg.homepage, folder ? `${repo}/tree/main/${folder}#readme` : `${repo}#readme`);
          assert.equal(pkg.bugs?.url, `${repo}/issues`);
          assert.equal(pkg.license, "MIT");
          assert.ok(pkg.description && pkg.keywords?.length, "description and keywords");
          // >= 20.0: the servers have CJS builds, so nothing needs require(esm) (20.19); see the tests below.
          assert.equal(pkg.engines?.node, ">=20");
        });

        t.test("prepack builds dist/ from scratch, so a clean clone packs a complete tarball", () => {
          assert.match(pkg.scripts?.prepack ?? "", /rmSync\('dist',\{recursive:true,force:true\}\)\\?"? && tsup$/);
        });

        t.test("bin is written without ./ (npm rewrites it otherwise, with a warning) and is a Node script", () => {
          for (const [name, path] of Object.entries<string>(pkg.bin ?? {})) {
            assert.ok(!path.startsWith("./"), `${name}: ${path}`);
            assert.match(readFileSync(join(dir, path), "utf8"), /^#!\/usr\/bin\/env node\n/, `${name} has a shebang`);
          }
        });

        t.test(`every subpath the build makes is in exports, typesVersions${jsr ? " and jsr.json" : ""}, and nothing else is`, () => {
          const problems: string[] = [];
          const names = Object.keys(subpaths);
          for (const subpath of names) {
            const block = exportBlock(distName(subpath));
            if (!assert.isDeepEqual(pkg.exports[subpath], block))
              problems.push(`package.json exports needs "${subpath}": ${JSON.stringify(block)}`);
            if (subpath !== ".") {
              const types = [`./dist/${distName(subpath)}.d.cts`];
              const key = subpath.slice(2);
              if (!assert.isDeepEqual(pkg.typesVersions?.["*"]?.[key], types))
                problems.push(`package.json typesVersions["*"] needs "${key}": ${JSON.stringify(types)}`);
            }
            if (jsr && jsr.exports?.[subpath] !== `./${subpaths[subpath]}`)
              problems.push(`jsr.json exports needs "${subpath}": "./${subpaths[subpath]}"`);
          }
          for (const subpath of Object.keys(pkg.exports)) {
            if (subpath !== "./package.json" && !names.includes(subpath))
              problems.push(`package.json exports has "${subpath}", which tsup.config.ts SUBPATHS does not build`);
          }
          for (const key of Object.keys(pkg.typesVersions?.["*"] ?? {})) {
            if (!names.includes(`./${key}`)) problems.push(`package.json typesVersions has "${key}", which is no subpath`);
          }
          for (const subpath of Object.keys(jsr?.exports ?? {})) {
            if (!names.includes(subpath)) problems.push(`jsr.json exports has "${subpath}", which is no subpath`);
          }
          assert.deepEqual(problems, []);
          assert.deepEqual(
            [pkg.main, pkg.module, pkg.types],
            ["./dist/index.cjs", "./dist/index.js", "./dist/index.d.cts"],
            "main, module, types (node10)",
          );
        });

        t.test(
          `npm pack holds dist/ code and types, README, LICENSE${notices ? ", notices" : ""} and package.json only (no source maps)`,
          () => {
            const out = JSON.parse(
              execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { cwd: dir, encoding: "utf8" }),
            );
            const files: string[] = out[0].files.map((f: { path: string }) => f.path);
            const meta = ["README.md", "LICENSE", "package.json", ...(notices ? ["THIRD-PARTY-NOTICES.md"] : [])];
            const stray = files.filter((f) => !/^dist\/[^/]+\.(js|cjs|d\.ts|d\.cts)$/.test(f) && !meta.includes(f));
            assert.deepEqual(stray, []);
            const entries = Object.keys(subpaths).flatMap((s) => [`${distName(s)}.js`, `${distName(s)}.cjs`]);
            const live = new Set(
              [...entries, ...Object.values<string>(pkg.bin ?? {}).map((b) => b.replace(/^dist\//, ""))].flatMap((e) =>
                distClosure(dir, e),
              ),
            );
            for (const need of [...[...live].map((f) => `dist/${f}`), ...meta]) assert.ok(files.includes(need), need);
          },
        );

        t.test("every file the exports map names exists after the build", () => {
          const dist = new Set(readdirSync(join(dir, "dist")));
          for (const [sub, target] of Object.entries<any>(pkg.exports)) {
            if (sub === "./package.json") continue;
            for (const p of [target.import.types, target.import.default, target.require.types, target.require.default]) {
              assert.ok(dist.has(p.replace("./dist/", "")), `${sub} → ${p}`);
            }
          }
        });

        t.test("class names survive the build: every exported class is named as exported (ESM and CJS)", async () => {
          const specifiers = Object.keys(subpaths).map((s) => s.replace(/^\./, pkg.name));
          const { stdout } = await runNode(`
            import { createRequire } from "node:module";
            const require = createRequire(process.cwd() + "/");
            const wrong = [];
            for (const sub of ${JSON.stringify(specifiers)}) {
              for (const [how, mod] of [["import", await import(sub)], ["require", require(sub)]]) {
                for (const [name, value] of Object.entries(mod)) {
                  if (typeof value === "function" && /^class\\b/.test(Function.prototype.toString.call(value)) && value.name !== name) wrong.push(how + " " + sub + " " + name + " is named " + value.name);
                }
              }
            }
            console.log(JSON.stringify(wrong));
          `);
          assert.deepEqual(JSON.parse(stdout), []);
        });
      });
    }

    t.test("the core entry works through require() too; util.inspect says KeyVaultError", async () => {
      const out = execFileSync(
        process.execPath,
        ["-e", "const k=require('keyvault-fetch');console.log(typeof k.KeyVaultClient, typeof k.parseWwwAuthenticate)"],
        { cwd: root, encoding: "utf8" },
      );
      assert.equal(out.trim(), "function function");
      const { stdout } = await runNode(`
        import { inspect } from "node:util";
        const { KeyVaultError, KeyVaultClientError } = await import("keyvault-fetch");
        const e = new KeyVaultError({ status: 404, code: "KeyNotFound", message: "404 KeyNotFound: no such key", request: { method: "GET", url: "/" } });
        console.log(JSON.stringify({ inspected: inspect(e).split("\\n")[0], client: inspect(new KeyVaultClientError("ERR_TIMEOUT", "late")).split("\\n")[0] }));
      `);
      const r = JSON.parse(stdout);
      assert.equal(r.inspected, "KeyVaultError: 404 KeyNotFound: no such key");
      assert.equal(r.client, "KeyVaultClientError: late");
    });

    t.test("jsr.json has package.json's version and licence", () => {
      assert.equal(jsr.version, pkg.version);
      assert.equal(jsr.license, pkg.license);
    });

    t.test("one emulator in emulator/dist/: the server's emulator is the package's (ESM, and CJS without require(esm))", async () => {
      const source = `
        const { startEmulatorServer } = await load("@keyvault-fetch/emulator/server");
        const { Faults, createEmulator } = await load("@keyvault-fetch/emulator");
        const server = await startEmulatorServer({ port: 0, tls: false });
        try { console.log(String(server.emulator.faults instanceof Faults), String(createEmulator().faults instanceof Faults)); }
        finally { await server.close(); }`;
      const esm = await runNode(`const load = (s) => import(s);${source}`);
      assert.equal(esm.stdout.trim(), "true true", "ESM");
      // require(esm) came with Node 20.19; with it turned off, this is what Node 20.0 to 20.18 do.
      const cjs = await runNode(
        `import { createRequire } from "node:module"; const require = createRequire(process.cwd() + "/"); const load = async (s) => require(s);${source}`,
        { env: { NODE_OPTIONS: "--no-experimental-require-module" } },
      );
      assert.equal(cjs.stdout.trim(), "true true", "CJS");
      // And the bytes: the emulator's source is in exactly one ESM file and one CJS file.
      for (const ext of ["js", "cjs"] as const) {
        const files = [
          ...new Set([`index.${ext}`, `server.${ext}`, ...(ext === "js" ? ["cli.js"] : [])].flatMap((e) => distClosure(emulatorDir, e))),
        ];
        const holders = files.filter((f) => distSources(emulatorDir, f).includes("src/emulator.ts"));
        assert.equal(holders.length, 1, `${ext}: emulator/src/emulator.ts is in ${holders.join(", ")}`);
      }
    });

    t.test("the CLI imports the server entry rather than bundling it again", () => {
      assert.deepEqual(distSources(emulatorDir, "cli.js"), ["src/cli.ts"]);
      assert.match(readFileSync(join(emulatorDir, "dist/cli.js"), "utf8"), /from ["']\.\/server\.js["']/);
    });

    t.test("the emulator's chunks carry @noble/curves and @noble/ciphers with their licence headers", () => {
      const sources = new Set(distClosure(emulatorDir, "index.js").flatMap((f) => distSources(emulatorDir, f)));
      for (const need of [
        "node_modules/@noble/curves/nist.js",
        "node_modules/@noble/curves/secp256k1.js",
        "node_modules/@noble/ciphers/aes.js",
      ])
        assert.ok(sources.has(need), need);
      for (const ext of ["js", "cjs"]) {
        for (const f of distClosure(emulatorDir, `index.${ext}`)) {
          if (distSources(emulatorDir, f).some((s) => s.includes("@noble/")))
            assert.match(
              readFileSync(join(emulatorDir, "dist", f), "utf8"),
              /\/\*! noble-[\w-]+ - MIT License/,
              `${f} keeps the licence header`,
            );
        }
      }
    });

    t.test("the emulator imports nothing from the library: its sources are its own folder and @noble", () => {
      const sources = new Set(
        ["index.js", "index.cjs", "server.js", "server.cjs", "cli.js"]
          .flatMap((e) => distClosure(emulatorDir, e))
          .flatMap((f) => distSources(emulatorDir, f)),
      );
      assert.deepEqual(
        [...sources].filter((s) => !s.startsWith("src/") && !s.startsWith("node_modules/@noble/")),
        [],
      );
    });

    t.test("no subpath of keyvault-fetch reaches emulator or @noble code (nor does any build name noble)", () => {
      for (const ext of ["js", "cjs"] as const) {
        for (const entry of entryFiles(ext)) {
          for (const f of distClosure(root, entry)) {
            assert.deepEqual(
              distSources(root, f).filter((s) => !s.startsWith("src/")),
              [],
              `${entry} reaches ${f}`,
            );
            assert.ok(!/noble/i.test(readFileSync(join(root, "dist", f), "utf8")), `${entry} reaches ${f}, which mentions noble`);
          }
        }
      }
    });

    t.test("emulator/THIRD-PARTY-NOTICES.md has each bundled package with its installed version and licence, word for word", () => {
      const notices = readFileSync(join(emulatorDir, "THIRD-PARTY-NOTICES.md"), "utf8");
      const bundled = new Set(
        ["index.js", "index.cjs", "server.js", "server.cjs", "cli.js"]
          .flatMap((e) => distClosure(emulatorDir, e))
          .flatMap((f) => distSources(emulatorDir, f))
          .filter((s) => s.startsWith("node_modules/"))
          .map((s) => s.split("/").slice(1, 3).join("/")),
      );
      assert.deepEqual([...bundled].sort(), ["@noble/ciphers", "@noble/curves", "@noble/hashes"]);
      for (const name of bundled) {
        const dir = join(root, "node_modules", name);
        const { version } = JSON.parse(readFileSync(join(dir, "package.json"), "utf8"));
        assert.ok(notices.includes(`\n## ${name} ${version}\n`), `a "## ${name} ${version}" section`);
        const section = notices.slice(notices.indexOf(`## ${name} `)).split("\n## ")[0]!;
        assert.ok(section.includes(readFileSync(join(dir, "LICENSE"), "utf8").trimEnd()), `${name}'s LICENSE, word for word`);
      }
    });

    t.test("edge code uses no Node APIs (only the emulator's server and CLI and the proxy's server may)", () => {
      const offenders: string[] = [];
      const walk = (dir: string) => {
        for (const e of readdirSync(dir, { withFileTypes: true })) {
          const p = `${dir}/${e.name}`;
          if (e.isDirectory()) walk(p);
          else if (p.endsWith(".ts") && !/(emulator\/src\/(server|cli)|src\/proxy\/server)\.ts$/.test(p) && !p.includes("/node/")) {
            // Comments may name Node APIs (docs show process.env to Node users); code may not.
            const text = readFileSync(p, "utf8")
              .replace(/\/\*[\s\S]*?\*\//g, "")
              .replace(/^\s*\/\/.*$/gm, "");
            if (/from\s+["']node:|require\(["']node:|\bBuffer\.|\bprocess\.(env|argv|exit)/.test(text)) offenders.push(p);
          }
        }
      };
      walk(join(root, "src"));
      walk(join(emulatorDir, "src"));
      assert.deepEqual(offenders, []);
    });

    t.test("the built servers and CLI import Node built-ins with the node: prefix (Deno and Bun need it)", () => {
      for (const f of [
        "emulator/dist/server.js",
        "emulator/dist/server.cjs",
        "emulator/dist/cli.js",
        "dist/proxy-server.js",
        "dist/proxy-server.cjs",
      ]) {
        const text = readFileSync(join(root, f), "utf8");
        const bare = [...text.matchAll(/(?:from\s*|require\(\s*)["']([a-z_/]+)["']/g)]
          .map((m) => m[1])
          .filter((s) => existsSync(join(root, "node_modules/@types/node", `${s}.d.ts`)));
        assert.deepEqual(bare, [], f);
      }
    });
  });
};
export default suite;
