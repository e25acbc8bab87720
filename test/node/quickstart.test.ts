// `npm start` runs examples/quickstart.mjs against the embedded emulator: no account, no network.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { runNodeScript } from "./child.js";

const suite: SuiteFile = (t) => {
  t.group("quickstart", () => {
    t.test("runs offline against the embedded emulator and prints what it did", async () => {
      const { stdout } = await runNodeScript("examples/quickstart.mjs");
      const lines = stdout.trim().split("\n");
      assert.match(
        lines[0]!,
        /^keyvault-fetch quickstart: embedded emulator at https:\/\/quickstart\.vault\.azure\.net \(no account, no network\)$/,
      );
      assert.match(stdout, /✓ created EC key quickstart-ec-[0-9a-z]{4} \(P-256\), version [0-9a-f]{8}…/);
      assert.match(stdout, /✓ signed "hello from keyvault-fetch" with ES256 in the vault; verified locally with Web Crypto: valid/);
      assert.match(stdout, /✓ created RSA key quickstart-rsa-[0-9a-z]{4} \(2048-bit modulus\)/);
      assert.match(stdout, /✓ encrypted locally \(RSA-OAEP-256\), decrypted in the vault: "a secret only the vault can read"/);
      assert.match(stdout, /✓ wrapped a 256-bit AES key \(256-byte blob\), unwrapped in the vault: identical/);
      assert.match(stdout, /✓ listed 2 keys in the vault, ours among them: quickstart-ec-\w+, quickstart-rsa-\w+/);
      assert.match(stdout, /✓ deleted quickstart-ec-\w+ and quickstart-rsa-\w+/);
      assert.match(lines.at(-1)!, /^done in \d+ ms, \d+ HTTP requests$/);
    });
  });
};
export default suite;
