// The size tables of the README and the guides (README's "Sizes and speed", docs/performance.md,
// docs/secrets.md's "Sizes and requests") state what esbuild measures now: each row is built the way bench/bundles.mjs builds (minified ESM for the browser,
// from the built dist/), and its figures must match to the README's rounding (0.1 KB) plus 1 %.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { bundleText } from "../../bench/bundles.mjs";
import { repoRoot } from "./child.js";
import { documentationFiles } from "./readme-snippets.js";

/** Each README row's label, and the module that row imports. */
const ROWS: Record<string, string> = {
  "`KeyVaultClient` (`client.fetch` alone)": `export { KeyVaultClient } from "{dist}/index.js";`,
  "`KeyVaultClient` + `sign` + `verify`": `export { KeyVaultClient } from "{dist}/index.js"; export { sign, verify } from "{dist}/keys.js";`,
  "`KeyClient` (every helper, handles, local crypto)": `export { KeyClient } from "{dist}/keys.js";`,
  "`@azure/keyvault-keys` (`KeyClient` + `CryptographyClient`), for comparison": `export { KeyClient, CryptographyClient } from "@azure/keyvault-keys";`,
  "`keyvault-fetch/entra`, everything": `export * from "{dist}/entra.js";`,
  "`fromClientSecret` alone": `export { fromClientSecret } from "{dist}/entra.js";`,
  "`fromClientCertificate` alone": `export { fromClientCertificate } from "{dist}/entra.js";`,
  "`fromManagedIdentity` alone": `export { fromManagedIdentity } from "{dist}/entra.js";`,
  "`keyvault-fetch/jose`, everything": `export * from "{dist}/jose.js";`,
  "`signJwt` alone": `export { signJwt } from "{dist}/jose.js";`,
  "`getJwks` alone": `export { getJwks } from "{dist}/jose.js";`,
  "`encryptJwe` + `decryptJwe`": `export { encryptJwe, decryptJwe } from "{dist}/jose.js";`,
  "`KeyVaultClient` + `fromClientSecret` + `signJwt`": `export { KeyVaultClient } from "{dist}/index.js"; export { fromClientSecret } from "{dist}/entra.js"; export { signJwt } from "{dist}/jose.js";`,
  "core + entra + jose, everything": `export * from "{dist}/index.js"; export * from "{dist}/entra.js"; export * from "{dist}/jose.js";`,
  // Secrets, "Sizes and requests" (the same entries as bench/secrets.mjs)
  "`KeyVaultClient` + `getSecret` + `fromClientSecret`": `export { KeyVaultClient } from "{dist}/index.js"; export { getSecret } from "{dist}/secrets.js"; export { fromClientSecret } from "{dist}/entra.js";`,
  "`KeyVaultClient` + `SecretCache` + `workersKvStore` + `fromClientSecret`": `export { KeyVaultClient } from "{dist}/index.js"; export { SecretCache, workersKvStore } from "{dist}/secrets.js"; export { fromClientSecret } from "{dist}/entra.js";`,
  "`SecretClient` (every secret helper)": `export { SecretClient } from "{dist}/secrets.js";`,
  "`@azure/keyvault-secrets` `SecretClient` + `@azure/identity` `ClientSecretCredential`, for comparison": `export { SecretClient } from "@azure/keyvault-secrets"; export { ClientSecretCredential } from "@azure/identity";`,
};

/** The KB figures of a README table row (`| label | 1.2 KB |` or `| label | 3.4 KB | 1.2 KB |`). */
function statedFigures(readme: string, label: string): number[] | undefined {
  const row = readme.split("\n").find((line) => line.startsWith(`| ${label} |`));
  return row
    ?.slice(label.length + 3)
    .split("|")
    .map((cell) => /^\s*([\d.]+) KB\s*$/.exec(cell)?.[1])
    .filter((x) => x !== undefined)
    .map(Number);
}

// KB as the bench writes it (1,024 B), so the README agrees with bench/RESULTS.md and its generated lines.
const close = (stated: number, bytes: number) => Math.abs(stated * 1024 - bytes) <= 52 + bytes * 0.01;

const suite: SuiteFile = (t) => {
  t.group("documentation size tables", () => {
    t.test(
      "every row states what esbuild measures now (minified and gzip -9, within rounding + 1 %)",
      async () => {
        const root = repoRoot();
        const pages = documentationFiles(root).map((file) => ({ file, text: readFileSync(join(root, file), "utf8") }));
        const wrong: string[] = [];
        for (const [label, entry] of Object.entries(ROWS)) {
          // Every page that states the row (the README repeats a few of docs/performance.md's).
          const stating = pages.flatMap(({ file, text }) => {
            const stated = statedFigures(text, label);
            return stated?.length ? [{ file, stated }] : [];
          });
          assert.ok(stating.length > 0, `the documentation has a size row ${label}`);
          const text = Buffer.from(await bundleText(root, { entry }));
          for (const { file, stated } of stating) {
            const measured =
              stated.length === 2 ? [text.length, gzipSync(text, { level: 9 }).length] : [gzipSync(text, { level: 9 }).length];
            if (!stated.every((kb, i) => close(kb, measured[i]!))) {
              wrong.push(
                `${label}: ${file} says ${stated.map((kb) => `${kb} KB`).join(" / ")}, measured ${measured.map((b) => `${(b / 1024).toFixed(1)} KB`).join(" / ")}`,
              );
            }
          }
        }
        assert.deepEqual(wrong, []);
      },
      { timeoutMs: 120_000 },
    );

    t.test("the README's request counts are the ones the last npm run bench wrote into docs/performance.md", () => {
      const root = repoRoot();
      const readme = readFileSync(join(root, "README.md"), "utf8");
      const row = (label: string) => {
        const m = new RegExp(`^\\| ${label} \\| (\\d+) \\(the official SDK: (\\d+)\\) \\|$`, "m").exec(readme);
        assert.ok(m, `README.md has the row "${label}"`);
        return [Number(m[1]), Number(m[2])];
      };
      const bench =
        /100 concurrent first calls cost (\d+) requests .*? against (\d+) with the SDK; 10 calls on 10 new clients \(the Workers pattern\) (\d+) against (\d+)\./.exec(
          readFileSync(join(root, "docs/performance.md"), "utf8"),
        );
      assert.ok(bench, "docs/performance.md has the bench's round-trip line");
      assert.deepEqual(
        [
          ...row("requests for 100 concurrent first calls on one client"),
          ...row("requests for 10 calls on 10 new clients \\(the Workers pattern\\)"),
        ],
        bench.slice(1).map(Number),
      );
    });

    t.test("the check refuses a stale figure", () => {
      assert.deepEqual(statedFigures("| `x` | 3.0 KB | 1.2 KB |\n", "`x`"), [3.0, 1.2]);
      assert.ok(close(1.2, 1210) && !close(1.2, 1400));
    });
  });
};

export default suite;
