// Envelope encryption of a file with a Key Vault RSA key, in Deno:
//   encrypt: a fresh AES-256-GCM key encrypts the file here; the vault key's public half (fetched
//            once) wraps that key with RSA-OAEP-256; the result is one compact JWE.
//   decrypt: one unwrapKey call in the vault, then the file is decrypted here.
//
//   deno run --allow-net --allow-env --allow-read --allow-write envelope.ts encrypt secret.pdf secret.pdf.jwe
//   deno run --allow-net --allow-env --allow-read --allow-write envelope.ts decrypt secret.pdf.jwe secret.pdf
//
// Environment: KEYVAULT_URL, ENVELOPE_KEY (an RSA key name, or name/version), and either
// AZURE_TENANT_ID + AZURE_CLIENT_ID + AZURE_CLIENT_SECRET (+ AZURE_AUTHORITY_HOST), or nothing
// else on an Azure host with a managed identity. The npm package is mapped in deno.json.
import { KeyVaultClient } from "keyvault-fetch";
import { fromClientSecret, fromManagedIdentity, managedIdentityFromEnv } from "keyvault-fetch/entra";
import { decryptJwe, encryptJwe } from "keyvault-fetch/jose";

function required(name: string): string {
  const value = Deno.env.get(name);
  if (!value) throw new Error(`${name} is not set`);
  return value;
}

function tokenProvider() {
  const env = Deno.env.toObject();
  if (env.AZURE_CLIENT_SECRET) {
    return fromClientSecret({
      tenantId: required("AZURE_TENANT_ID"),
      clientId: required("AZURE_CLIENT_ID"),
      clientSecret: env.AZURE_CLIENT_SECRET,
      ...(env.AZURE_AUTHORITY_HOST ? { authorityHost: env.AZURE_AUTHORITY_HOST } : {}),
    });
  }
  return fromManagedIdentity(managedIdentityFromEnv(env));
}

const [mode, input, output] = Deno.args;
if ((mode !== "encrypt" && mode !== "decrypt") || !input || !output) {
  console.error("usage: envelope.ts encrypt|decrypt <input> <output>");
  Deno.exit(2);
}

const client = new KeyVaultClient(required("KEYVAULT_URL"), { getToken: tokenProvider() });
if (mode === "encrypt") {
  const data = await Deno.readFile(input);
  const jwe = await encryptJwe(client, required("ENVELOPE_KEY"), data, { header: { cty: "application/octet-stream" } });
  await Deno.writeTextFile(output, jwe);
  console.log(
    `encrypted ${data.length} bytes to ${output} (key ${JSON.parse(atob(jwe.split(".")[0]!.replace(/-/g, "+").replace(/_/g, "/"))).kid})`,
  );
} else {
  const { plaintext, kid } = await decryptJwe(client, (await Deno.readTextFile(input)).trim());
  await Deno.writeFile(output, plaintext);
  console.log(`decrypted ${plaintext.length} bytes to ${output} (key ${kid})`);
}
