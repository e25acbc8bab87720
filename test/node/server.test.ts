// The Node server under any fetch handler: HTTPS with the self-signed certificate made at
// start, plain HTTP, request/response translation, dropped connections, body limits.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { X509Certificate, createPrivateKey } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createSelfSignedCertificate, serveFetchHandler, startEmulatorServer } from "@keyvault-fetch/emulator/server";
import { runNode } from "./child.js";

const echo = async (req: Request) =>
  Response.json(
    { url: req.url, method: req.method, body: await req.text(), header: req.headers.get("x-test") },
    { status: 201, headers: { "x-ms-request-id": "r-1" } },
  );

/** GET over plain HTTP to 127.0.0.1 with a chosen Host header (fetch will not send one of its own choosing). */
function rawGet(
  port: number,
  host: string,
  path: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    httpRequest({ host: "127.0.0.1", port, path, headers: { host: host.includes(":") ? host : `${host}:${port}` } }, (res) => {
      let body = "";
      res
        .on("data", (c: Buffer) => {
          body += c;
        })
        .on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    })
      .on("error", reject)
      .end();
  });
}

const suite: SuiteFile = (t) => {
  t.group("server", () => {
    t.test("self-signed certificate names localhost, 127.0.0.1, ::1 and the extra names, and is self-signed", async () => {
      const server = await serveFetchHandler(echo, { dnsNames: ["kv.vault.localhost"] });
      try {
        const cert = new X509Certificate(server.certificate!);
        assert.ok(cert.checkHost("localhost"), "localhost");
        assert.ok(cert.checkHost("kv.vault.localhost"), "kv.vault.localhost");
        assert.equal(cert.checkHost("other.vault.localhost"), undefined);
        assert.ok(cert.checkIP("127.0.0.1"), "127.0.0.1");
        assert.ok(cert.checkIP("::1"), "::1");
        assert.ok(cert.verify(cert.publicKey), "signed by its own key");
        assert.equal(cert.ca, false);
        assert.ok(new Date(cert.validTo).getTime() > Date.now() + 86_400_000, "valid for more than a day");
        assert.ok(new Date(cert.validFrom).getTime() < Date.now(), "already valid");
      } finally {
        await server.close();
      }
    });

    t.test("createSelfSignedCertificate: any IPv6 form, and GeneralizedTime for dates after 2049", async () => {
      const { cert, key, fingerprint256 } = await createSelfSignedCertificate({
        dnsNames: ["a.test"],
        ipAddresses: ["fe80::1:2", "10.0.0.1"],
        days: 365 * 40,
      });
      const x = new X509Certificate(cert);
      assert.ok(x.checkIP("fe80::1:2") && x.checkIP("10.0.0.1"), "IP SANs");
      assert.equal(x.checkIP("127.0.0.1"), undefined);
      assert.equal(x.subject.includes("CN=a.test"), true);
      assert.ok(new Date(x.validTo).getUTCFullYear() >= 2060, `validTo ${x.validTo}`);
      assert.equal(x.fingerprint256, fingerprint256);
      assert.ok(x.checkPrivateKey(createPrivateKey(key)), "the key matches");
    });

    t.test("serves HTTPS on loopback; a client that trusts the certificate gets the handler's answer", async () => {
      const server = await serveFetchHandler(echo);
      try {
        assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+$/);
        const out = await runNode(
          `const r = await fetch(${JSON.stringify(server.url + "/keys?x=1")}, { method: "POST", body: "hello", headers: { "x-test": "yes" } });
           console.log(JSON.stringify({ status: r.status, id: r.headers.get("x-ms-request-id"), body: await r.json() }));`,
          { certificate: server.certificate! },
        );
        const got = JSON.parse(out.stdout);
        assert.equal(got.status, 201);
        assert.equal(got.id, "r-1");
        assert.deepEqual(got.body, { url: `${server.url}/keys?x=1`, method: "POST", body: "hello", header: "yes" });
      } finally {
        await server.close();
      }
    });

    t.test("a client that does not trust the certificate is refused by TLS", async () => {
      const server = await serveFetchHandler(echo);
      try {
        const error = await new Promise<NodeJS.ErrnoException>((resolve) => {
          httpsRequest(`${server.url}/`, () => resolve(new Error("answered") as NodeJS.ErrnoException))
            .on("error", resolve)
            .end();
        });
        assert.equal(error.code, "DEPTH_ZERO_SELF_SIGNED_CERT");
      } finally {
        await server.close();
      }
    });

    t.test("the request URL carries the Host header the client used", async () => {
      const server = await serveFetchHandler(echo, { tls: false });
      try {
        assert.match(server.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        // fetch will not send a Host header of its own choosing; node:http will
        const body = await new Promise<string>((resolve, reject) => {
          httpRequest(`${server.url}/a/b?c=d`, { headers: { host: `kv.vault.localhost:${server.port}` } }, (res) => {
            let text = "";
            res
              .on("data", (c: Buffer) => {
                text += c;
              })
              .on("end", () => resolve(text));
          })
            .on("error", reject)
            .end();
        });
        assert.equal(JSON.parse(body).url, `http://kv.vault.localhost:${server.port}/a/b?c=d`);
      } finally {
        await server.close();
      }
    });

    t.test("a handler that rejects drops the connection (the client sees a network error)", async () => {
      const server = await serveFetchHandler(() => Promise.reject(new Error("drop")), { tls: false });
      try {
        const error = await fetch(`${server.url}/x`).then(
          () => undefined,
          (e: unknown) => e,
        );
        assert.ok(error instanceof TypeError, "fetch rejected");
      } finally {
        await server.close();
      }
    });

    t.test("a body over the limit gets 413 without reaching the handler", async () => {
      let calls = 0;
      const server = await serveFetchHandler(
        () => {
          calls++;
          return new Response("no");
        },
        { tls: false, maxBodyBytes: 10 },
      );
      try {
        const r = await fetch(`${server.url}/x`, { method: "POST", body: "01234567890" });
        assert.equal(r.status, 413);
        assert.equal(calls, 0);
      } finally {
        await server.close();
      }
    });

    t.test("204 and HEAD answers have no body; status text and headers pass through", async () => {
      const server = await serveFetchHandler(
        (req) =>
          new Response(req.method === "HEAD" ? "ignored" : null, { status: req.method === "HEAD" ? 200 : 204, headers: { "x-a": "1" } }),
        { tls: false },
      );
      try {
        const del = await fetch(`${server.url}/x`, { method: "DELETE" });
        assert.equal(del.status, 204);
        assert.equal(del.headers.get("x-a"), "1");
        assert.equal(await del.text(), "");
        const head = await fetch(`${server.url}/x`, { method: "HEAD" });
        assert.equal(head.status, 200);
        assert.equal(await head.text(), "");
      } finally {
        await server.close();
      }
    });

    t.test("startEmulatorServer: vault at <name>.vault.localhost, resource its parent domain, authority at localhost", async () => {
      const server = await startEmulatorServer({ name: "srv-check", vaultHost: "srv-check.vault.localhost", tls: false });
      try {
        assert.equal(server.vaultUrl, `http://srv-check.vault.localhost:${server.port}`);
        assert.equal(server.authorityHost, `http://localhost:${server.port}`);
        assert.equal(server.resource, "https://vault.localhost");
        assert.deepEqual(Object.keys(server.env), [
          "KEYVAULT_URL",
          "AZURE_TENANT_ID",
          "AZURE_CLIENT_ID",
          "AZURE_CLIENT_SECRET",
          "AZURE_AUTHORITY_HOST",
        ]);
        const challenge = await rawGet(server.port, "srv-check.vault.localhost", "/keys?api-version=2025-07-01");
        assert.equal(challenge.status, 401);
        assert.equal(
          challenge.headers["www-authenticate"],
          `Bearer authorization="http://localhost:${server.port}/${server.tenantId}", resource="https://vault.localhost"`,
        );
        const metadata = await rawGet(server.port, `localhost:${server.port}`, `/${server.tenantId}/v2.0/.well-known/openid-configuration`);
        assert.equal(JSON.parse(metadata.body).token_endpoint, `http://localhost:${server.port}/${server.tenantId}/oauth2/v2.0/token`);
      } finally {
        await server.close();
      }
    });

    t.test("startEmulatorServer answers a host it does not serve with 421, naming the ones it does", async () => {
      const server = await startEmulatorServer({ name: "srv-421", vaultHost: "srv-421.vault.localhost", tls: false });
      try {
        const r = await fetch(`${server.url}/keys?api-version=2025-07-01`);
        assert.equal(r.status, 421);
        assert.match(await r.text(), /srv-421\.vault\.localhost/);
        assert.equal(server.emulator.requests.length, 0);
      } finally {
        await server.close();
      }
    });

    t.test("close() stops listening", async () => {
      const server = await serveFetchHandler(echo, { tls: false });
      await server.close();
      const error = await fetch(`${server.url}/x`).then(
        () => undefined,
        (e: unknown) => e,
      );
      assert.ok(error instanceof TypeError, "connection refused");
    });
  });
};
export default suite;
