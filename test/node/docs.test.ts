// The API reference (`npm run docs`, TypeDoc into docs/api/): every entry point in it, no TypeDoc
// warning, every export documented, every function, class, constant and class method with an
// `@example`, and every example type-checked against the built declarations in one TypeScript
// program (see test/node/api-docs.ts for how an example becomes a module). Prints the counts.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "./child.js";
import { ENTRY_POINTS, loadApiModel, typeCheckModules, wrapExample, type ApiExample, type ApiModel } from "./api-docs.js";

// Two examples that must fail, checked in the same program: a check that passes them is broken.
const CANARIES: ApiExample[] = [
  {
    owner: "canary: bytes expected",
    entry: "keyvault-fetch/keys",
    code: 'await sign(client, "k", "ES256", "not bytes");',
    source: "test/node/docs.test.ts",
  },
  {
    owner: "canary: undeclared name",
    entry: "keyvault-fetch",
    code: "await client.fetch(undeclaredPath);",
    source: "test/node/docs.test.ts",
  },
];

const suite: SuiteFile = (t) => {
  t.group("API docs", () => {
    const root = repoRoot();
    let loaded: Promise<ApiModel> | undefined;
    const model = () => (loaded ??= loadApiModel(root));
    const slow = { timeoutMs: 240_000 };

    t.test(
      "TypeDoc reads every entry point of both packages' package.json, with no warning",
      async () => {
        const fromPackage = ["package.json", "emulator/package.json"].flatMap((file) => {
          const pkg = JSON.parse(readFileSync(join(root, file), "utf8")) as { name: string; exports: Record<string, unknown> };
          return Object.keys(pkg.exports)
            .filter((k) => k !== "./package.json")
            .map((k) => (k === "." ? pkg.name : `${pkg.name}/${k.slice(2)}`));
        });
        assert.deepEqual([...ENTRY_POINTS].sort(), fromPackage.sort(), "ENTRY_POINTS lists the packages' exports");
        const m = await model();
        assert.deepEqual(
          m.modules.map((x) => x.entry).sort(),
          fromPackage.sort(),
          "one TypeDoc module per entry point, named by its specifier (@module)",
        );
        assert.deepEqual(
          m.messages.map((x) => `${x.level}: ${x.text}`),
          [],
          "TypeDoc warnings and errors",
        );
      },
      slow,
    );

    t.test(
      "every export of every entry point has a doc comment",
      async () => {
        const m = await model();
        const items = m.items;
        const withExample = items.filter((i) => i.examples.length > 0).length;
        const methods = items.flatMap((i) => i.methods);
        console.log(
          `  [docs] ${m.modules.length} entry points, ${items.length} exports: ${items.filter((i) => i.documented).length} documented, ` +
            `${withExample} with an @example (${items.filter((i) => i.needsExample).length} functions, classes and constants: ` +
            `${items.filter((i) => i.needsExample && i.examples.length).length} with one); ${methods.length} class methods: ` +
            `${methods.filter((x) => x.documented).length} documented, ${methods.filter((x) => x.examples.length).length} with an @example`,
        );
        const missing = [
          ...m.modules.filter((x) => !x.documented).map((x) => `${x.entry} (its module comment)`),
          ...items.filter((i) => !i.documented).map((i) => `${i.entry}: ${i.name} (${i.kind})`),
          ...items.flatMap((i) => i.methods.filter((x) => !x.documented).map((x) => `${i.entry}: ${i.name}.${x.name}`)),
        ];
        assert.deepEqual(missing, [], "exports without a doc comment");
      },
      slow,
    );

    t.test(
      "every entry point, function, class, constant and class method has an @example",
      async () => {
        const m = await model();
        const missing = [
          ...m.modules.filter((x) => !x.examples.length).map((x) => `${x.entry} (its module comment)`),
          ...m.items.filter((i) => i.needsExample && !i.examples.length).map((i) => `${i.entry}: ${i.name} (${i.kind})`),
          ...m.items.flatMap((i) => i.methods.filter((x) => !x.examples.length).map((x) => `${i.entry}: ${i.name}.${x.name}`)),
        ];
        assert.deepEqual(missing, [], "without an @example");
      },
      slow,
    );

    t.test("README.md's links to its own sections name headings that exist", () => {
      const readme = readFileSync(join(root, "README.md"), "utf8");
      const anchors = headingAnchors(readme);
      const links = [...readme.replace(/```[\s\S]*?```/g, "").matchAll(/\]\(#([^)\s]+)\)/g)].map((m) => m[1]!);
      assert.ok(links.length > 10, "README has in-page links");
      assert.deepEqual(
        links.filter((l) => !anchors.has(l)),
        [],
        `links to missing sections (headings: ${[...anchors].join(", ")})`,
      );
    });

    t.test(
      "every @example type-checks against the built declarations (one TypeScript program)",
      async () => {
        const m = await model();
        // One comment can reach several exports (a class and its constructor, an alias): check it once.
        const unique = new Map<string, ApiExample>();
        for (const e of [
          ...m.modules.flatMap((x) => x.examples),
          ...m.items.flatMap((i) => [...i.examples, ...i.methods.flatMap((x) => x.examples)]),
        ]) {
          if (!unique.has(`${e.source}\n${e.code}`)) unique.set(`${e.source}\n${e.code}`, e);
        }
        const quickstart = quickstartSnippets(readFileSync(join(root, "README.md"), "utf8"));
        assert.ok(quickstart.length >= 3, "the README's Quickstart has TypeScript snippets (Workers, Deno, browser)");
        const examples = [...unique.values(), ...quickstart];
        assert.ok(examples.length > 0, "examples found");
        const started = Date.now();
        const all = [...examples, ...CANARIES];
        const { perModule, elsewhere } = typeCheckModules(
          join(root, "test", ".out", "doc-examples"),
          all.map((e) => wrapExample(e, m.exportsOf)),
        );
        console.log(`  [docs] ${examples.length} examples type-checked in ${Date.now() - started} ms`);
        assert.deepEqual(elsewhere, [], "problems outside the examples (the globals or the declarations)");
        perModule.slice(examples.length).forEach((p, i) => assert.ok(p.length > 0, `${CANARIES[i]!.owner} must fail the check`));
        const failures = perModule
          .slice(0, examples.length)
          .flatMap((p, i) => p.map((x) => `${examples[i]!.owner} (${examples[i]!.source}): ${x.message}\n      ${x.line}`));
        if (failures.length) throw new Error(`${failures.length} problems in @example code:\n  ${failures.join("\n  ")}`);
      },
      slow,
    );
  });
};
/**
 * The README's Quickstart code in TypeScript (the runtimes' snippets; the JavaScript ones run in
 * the tarball tests), checked like the examples. Deno's `npm:` specifiers become package names.
 */
export function quickstartSnippets(readme: string): ApiExample[] {
  const start = readme.indexOf("\n## Quickstart\n");
  const end = readme.indexOf("\n## ", start + 1);
  const lineOf = (i: number) => readme.slice(0, i).split("\n").length;
  return [...readme.slice(start, end).matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => ({
    owner: `README.md:${lineOf(start + m.index!) + 1} (Quickstart)`,
    entry: "keyvault-fetch",
    source: "README.md",
    code: m[1]!.replace(/"npm:keyvault-fetch@[^/"]*(\/[^"]*)?"/g, (_, sub: string | undefined) => `"keyvault-fetch${sub ?? ""}"`),
  }));
}

/** GitHub's anchors for a markdown text's headings (github-slugger: lower case, punctuation dropped, spaces to dashes, repeats numbered). */
export function headingAnchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const anchors = new Set<string>();
  for (const m of markdown.replace(/```[\s\S]*?```/g, "").matchAll(/^#{1,6}\s+(.+?)\s*$/gm)) {
    const base = m[1]!
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

export default suite;
