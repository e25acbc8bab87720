// The API reference (`npm run docs`, TypeDoc into docs/api/): every entry point in it, no TypeDoc
// warning, every export documented, every function, class, constant and class method with an
// `@example`, and every example type-checked against the built declarations in one TypeScript
// program (see test/node/api-docs.ts for how an example becomes a module). Prints the counts.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { repoRoot } from "./child.js";
import { documentationFiles } from "./readme-snippets.js";
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

    t.test(
      "docs/api/ is the reference TypeDoc writes from the doc comments now (npm run docs rewrites it)",
      async () => {
        const m = await model();
        const out = join(root, "test", ".out", "api-reference");
        rmSync(out, { recursive: true, force: true });
        await m.render(out);
        const committed = join(root, "docs", "api");
        const written = filesUnder(out);
        assert.ok(written.length >= ENTRY_POINTS.length, `one page per entry point (${written.join(", ")})`);
        const stale = [...new Set([...written, ...(existsSync(committed) ? filesUnder(committed) : [])])]
          .sort()
          .filter(
            (f) =>
              !existsSync(join(committed, f)) ||
              !existsSync(join(out, f)) ||
              readFileSync(join(committed, f), "utf8") !== readFileSync(join(out, f), "utf8"),
          );
        assert.deepEqual(stale, [], "pages of docs/api/ that differ from what TypeDoc writes now: run npm run docs and commit docs/api/");
      },
      slow,
    );

    t.test("every link in README.md and docs/ names a file and a heading that exist; the README's are absolute", () => {
      const broken: string[] = [];
      let count = 0;
      for (const file of documentationFiles(root)) {
        const text = readFileSync(join(root, file), "utf8");
        for (const link of markdownLinks(text)) {
          count++;
          const problem = checkLink(root, file, link);
          if (problem) broken.push(`${file}: ${link}: ${problem}`);
          if (file === "README.md" && !/^(https?:|#|mailto:)/.test(link))
            broken.push(`README.md: ${link}: relative (npm shows the README outside the repository)`);
        }
      }
      assert.ok(count > 100, `links found (${count})`);
      assert.deepEqual(broken, []);
    });

    t.test("the link check refuses a missing file, a missing heading and a foreign blob path", () => {
      assert.equal(checkLink(root, "docs/keys.md", "client.md#tokens"), undefined);
      assert.match(String(checkLink(root, "docs/keys.md", "no-such-guide.md")), /no file/);
      assert.match(String(checkLink(root, "docs/keys.md", "client.md#no-such-heading")), /no heading/);
      assert.match(String(checkLink(root, "README.md", `${REPO_BLOB}docs/nothing.md`)), /no file/);
      assert.equal(checkLink(root, "README.md", `${REPO_BLOB}docs/keys.md#what-runs-locally`), undefined);
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
        const blocks = documentationBlocks(root);
        assert.ok(blocks.length >= 25, `code blocks of the README and the guides (${blocks.length})`);
        const examples = [...unique.values(), ...blocks];
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
 * Every js/ts block of the README and the guides that no snippet test runs: each is type-checked
 * like an `@example` (same free variables, names imported from the entry points). A block that
 * runs is preceded by `<!-- test: … -->`; one that is checked another way, or is not code to
 * check, by `<!-- not checked: why -->`. Deno's `npm:` specifiers become package names, and
 * `@keyvault-fetch/emulator` the subpath it comes from until that package is installed here.
 */
export function documentationBlocks(root: string): ApiExample[] {
  return documentationFiles(root)
    .filter((file) => file !== "docs/ARCHITECTURE.md")
    .flatMap((file) => {
      const lines = readFileSync(join(root, file), "utf8").split("\n");
      const blocks: ApiExample[] = [];
      for (let i = 0; i < lines.length; i++) {
        const fence = /^```(\w*)\s*$/.exec(lines[i]!);
        if (!fence) continue;
        const end = lines.findIndex((l, j) => j > i && /^```\s*$/.test(l));
        const before = lines[i - 1] ?? "";
        if (/^(ts|js|typescript|javascript|mjs)$/.test(fence[1]!) && !/^<!--\s*(test|not checked):/.test(before)) {
          let code = lines.slice(i + 1, end).join("\n");
          code = code.replace(/"npm:keyvault-fetch@[^/"]*(\/[^"]*)?"/g, (_, sub: string | undefined) => `"keyvault-fetch${sub ?? ""}"`);
          blocks.push({ owner: `${file}:${i + 1}`, entry: "keyvault-fetch", source: file, code: `${code}\n` });
        }
        i = end;
      }
      return blocks;
    });
}

/** Every file under a folder, as paths relative to it. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => join(e.parentPath, e.name).slice(dir.length + 1))
    .sort();
}

export const REPO_BLOB = "https://github.com/keyvault-fetch/keyvault-fetch/blob/main/";
const REPO_TREE = "https://github.com/keyvault-fetch/keyvault-fetch/tree/main/";

/** The targets of a markdown text's links and images, code aside. */
export function markdownLinks(markdown: string): string[] {
  const prose = markdown.replace(/^```[\s\S]*?^```/gm, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!);
}

/**
 * Why a link from `file` does not resolve, or undefined: a relative path (or one of this
 * repository's GitHub blob/tree URLs) must name a file or folder here, and its #fragment a heading
 * of that markdown file. Other absolute URLs are not followed (no network in tests).
 */
export function checkLink(root: string, file: string, link: string): string | undefined {
  let target: string;
  if (link.startsWith(REPO_BLOB) || link.startsWith(REPO_TREE)) target = link.slice(REPO_BLOB.length);
  else if (/^[a-z]+:/.test(link)) return undefined;
  else if (link.startsWith("#")) target = `${file}${link}`;
  else target = normalize(join(dirname(file), link));
  const [path, fragment] = target.split("#") as [string, string | undefined];
  if (!existsSync(join(root, path))) return "no file";
  if (fragment && path.endsWith(".md") && !headingAnchors(readFileSync(join(root, path), "utf8")).has(fragment)) return "no heading";
  return undefined;
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
