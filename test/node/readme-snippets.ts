// The tested snippets of the README and the guides in docs/: a fenced js/ts block right after a
// one-line marker
//
//   <!-- test: node -->                 runs as an ES module with Node in the consumer project
//   <!-- test: node emulator-env -->    the same, with a running `keyvault-emulator`'s environment
//                                       (KEYVAULT_URL, AZURE_*, NODE_EXTRA_CA_CERTS) set
//   <!-- test: deno emulator-env -->    runs with `deno run --allow-net --allow-env` in a Deno
//                                       project whose node_modules holds the package
//   <!-- test: workerd emulator-http -->  a Worker module, bundled and run in workerd (miniflare, no
//                                       nodejs_compat) with `keyvault-emulator --http`'s lines as its
//                                       bindings; a POST to it must answer 200
//   <!-- test: chromium -->             a page's module script, in Chromium with the real MSAL.js;
//                                       Azure's addresses it names are answered by the emulator and
//                                       the shipped proxy (see test/node/browser-as-azure.ts)
//
// (see CONTRIBUTING.md). A marker that is not followed by such a block, or names an unknown runner
// or option, is an error: a typo must never turn a snippet silently untested.

import { readdirSync } from "node:fs";
import { join } from "node:path";

export interface Snippet {
  /** 1-based line of the marker in the file */
  line: number;
  /** the heading the snippet sits under */
  section: string;
  runner: Runner;
  options: SnippetOption[];
  lang: "js" | "ts";
  code: string;
}

export type SnippetOption = "emulator-env" | "emulator-http";
export type Runner = (typeof RUNNERS)[number];

const RUNNERS = ["node", "deno", "workerd", "chromium"] as const;
const OPTIONS: readonly SnippetOption[] = ["emulator-env", "emulator-http"];
const LANGS: Record<string, "js" | "ts"> = { js: "js", javascript: "js", mjs: "js", ts: "ts", typescript: "ts" };

/** Every marked snippet of a markdown text, in order; throws on a malformed marker. */
export function testedSnippets(markdown: string, file = "README.md"): Snippet[] {
  const lines = markdown.split("\n");
  const snippets: Snippet[] = [];
  let section = "";
  let inCode = false; // a "# comment" in a sh block is no heading
  for (let i = 0; i < lines.length; i++) {
    if (/^```/.test(lines[i]!)) inCode = !inCode;
    const heading = inCode ? null : /^#{1,6}\s+(.*)$/.exec(lines[i]!);
    if (heading) section = heading[1]!.trim();
    const marker = /^<!--\s*test:\s*(.*?)\s*-->\s*$/.exec(lines[i]!);
    if (!marker) continue;
    const where = `${file}:${i + 1}`;
    const [runner, ...options] = marker[1]!.split(/\s+/).filter(Boolean);
    if (!RUNNERS.includes(runner as Runner)) throw new Error(`${where}: unknown runner "${runner ?? ""}" (known: ${RUNNERS.join(", ")})`);
    for (const o of options)
      if (!OPTIONS.includes(o as SnippetOption)) throw new Error(`${where}: unknown option "${o}" (known: ${OPTIONS.join(", ")})`);
    const fence = /^```(\w+)\s*$/.exec(lines[i + 1] ?? "");
    const lang = fence ? LANGS[fence[1]!.toLowerCase()] : undefined;
    if (!fence || !lang) throw new Error(`${where}: a test marker must be followed on the next line by a \`\`\`js or \`\`\`ts block`);
    const end = lines.findIndex((l, j) => j > i + 1 && /^```\s*$/.test(l));
    if (end < 0) throw new Error(`${where}: the code block is never closed`);
    snippets.push({
      line: i + 1,
      section,
      runner: runner as Runner,
      options: options as SnippetOption[],
      lang,
      code: lines.slice(i + 2, end).join("\n") + "\n",
    });
    i = end;
  }
  return snippets;
}

/** The documentation a user reads: README.md, then every guide in docs/ (the generated API reference aside). */
export function documentationFiles(root: string): string[] {
  return [
    "README.md",
    ...readdirSync(join(root, "docs"))
      .filter((f) => f.endsWith(".md"))
      .sort()
      .map((f) => `docs/${f}`),
  ];
}
