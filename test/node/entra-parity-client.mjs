// Child process of entra-parity.test.ts: the official @azure/identity ClientSecretCredential and
// keyvault-fetch's fromClientSecret ask the emulator server's authority (HTTPS, trusted through
// NODE_EXTRA_CA_CERTS) for tokens for the same client; prints them as one JSON line.
import { ClientSecretCredential } from "@azure/identity";
import { fromClientSecret } from "keyvault-fetch/entra";

const env = (name) =>
  process.env[name] ??
  (() => {
    throw new Error(`${name} is not set`);
  })();
const [tenantId, clientId, clientSecret, authorityHost] = [
  "AZURE_TENANT_ID",
  "AZURE_CLIENT_ID",
  "AZURE_CLIENT_SECRET",
  "AZURE_AUTHORITY_HOST",
].map(env);
const scope = `${env("KVF_RESOURCE")}/.default`;

const official = new ClientSecretCredential(tenantId, clientId, clientSecret, { authorityHost, disableInstanceDiscovery: true });
const ours = fromClientSecret({ tenantId, clientId, clientSecret, authorityHost });
const oursNoCae = fromClientSecret({ tenantId, clientId, clientSecret, authorityHost, enableCae: false });

const pick = (t) => ({ token: t.token, expiresOnTimestamp: t.expiresOnTimestamp });
const out = {
  officialCae: pick(await official.getToken(scope, { enableCae: true })),
  oursCae: pick(await ours({ scopes: [scope] })),
  official: pick(await official.getToken(scope)),
  ours: pick(await oursNoCae({ scopes: [scope] })),
};
let wrong;
try {
  await fromClientSecret({ tenantId, clientId, clientSecret: "not-the-secret", authorityHost, retry: false })({ scopes: [scope] });
} catch (e) {
  wrong = { name: e.name, code: e.code, error: e.error, errorCodes: e.errorCodes, message: e.message };
}
let officialWrong;
try {
  await new ClientSecretCredential(tenantId, clientId, "not-the-secret", { authorityHost, disableInstanceDiscovery: true }).getToken(scope);
} catch (e) {
  officialWrong = { name: e.name, message: String(e.message) };
}
console.log(JSON.stringify({ ...out, wrong, officialWrong }));
