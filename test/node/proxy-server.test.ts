// keyvault-fetch/proxy/server on a real socket: what only raw HTTP can send (absolute-form and
// authority-form targets, a lying Host, chunked bodies with no Content-Length), a real vault
// server upstream (the emulator over plain HTTP on loopback), and a gzipping upstream.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { connect } from "node:net";
import { createServer } from "node:http";
import { gzipSync } from "node:zlib";
import type { AddressInfo } from "node:net";
import { KeyVaultClient } from "keyvault-fetch";
import { createEcKey } from "keyvault-fetch/keys";
import { serveVaultProxy } from "keyvault-fetch/proxy/server";
import { startEmulatorServer } from "@keyvault-fetch/emulator/server";

/** Sends bytes as they are and reads the answer until the server closes (or `ms` pass). */
function raw(port: number, text: string, ms = 3000): Promise<{ status: number; head: string; body: string }> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let data = "";
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.destroy();
      const at = data.indexOf("\r\n\r\n");
      const head = at < 0 ? data : data.slice(0, at);
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(head)?.[1] ?? 0), head, body: at < 0 ? "" : data.slice(at + 4) });
    };
    const timer = setTimeout(finish, ms);
    socket.on("data", (c) => {
      data += c;
    });
    socket.on("close", finish);
    socket.on("error", finish);
    socket.write(text);
  });
}

const suite: SuiteFile = (t) => {
  t.group("proxy server (node:http)", () => {
    t.test(
      "absolute-form, authority-form and //host targets are refused; Host cannot move the target; a real client works through it",
      async () => {
        const vault = await startEmulatorServer({ tls: false, name: "proxyraw", vaultHost: "127.0.0.1" });
        const seen: string[] = [];
        const proxy = await serveVaultProxy({
          vaultUrl: vault.vaultUrl,
          allowedOrigins: ["http://app.localhost:3000"],
          allowInsecureLoopback: true,
          fetch: (input, init) => {
            seen.push(String(input));
            return fetch(input, init);
          },
        });
        try {
          const absolute = await raw(
            proxy.port,
            `GET http://evil.example/keys HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n`,
          );
          assert.equal(absolute.status, 400);
          const authority = await raw(proxy.port, `CONNECT evil.example:443 HTTP/1.1\r\nHost: evil.example:443\r\n\r\n`);
          assert.ok(authority.status === 400 || authority.status === 0, `CONNECT: ${authority.status}`);
          const doubleSlash = await raw(proxy.port, `GET //evil.example/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
          assert.equal(doubleSlash.status, 404);
          assert.match(doubleSlash.head, /x-keyvault-proxy-error: ProxyTargetNotAllowed/i);
          const backslash = await raw(proxy.port, `GET /\\evil.example/keys HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
          assert.equal(backslash.status, 404);
          const encoded = await raw(proxy.port, `GET /keys/%2F%2Fevil.example HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
          assert.equal(encoded.status, 404);
          const hostGame = await raw(
            proxy.port,
            `GET /keys?api-version=2025-07-01 HTTP/1.1\r\nHost: evil.example\r\nX-Forwarded-Host: evil.example\r\nConnection: close\r\n\r\n`,
          );
          assert.equal(hostGame.status, 401, "the vault's own challenge, from the vault");
          assert.match(hostGame.head, /www-authenticate: Bearer authorization=/i);
          assert.deepEqual(seen, [`${vault.vaultUrl}/keys?api-version=2025-07-01`]);

          const client = new KeyVaultClient(proxy.url, { getToken: vault.emulator.getToken, allowInsecureLoopback: true });
          const key = await createEcKey(client, "via-node-proxy", { curve: "P-256" });
          assert.equal(key.key.crv, "P-256");
          assert.ok(seen.every((u) => u.startsWith(vault.vaultUrl + "/")));
        } finally {
          await proxy.close();
          await vault.close();
        }
      },
      { timeoutMs: 30_000 },
    );

    t.test("chunked bodies are counted as they arrive: over the cap is 413 and the connection closes; under it arrives whole", async () => {
      const bodies: number[] = [];
      const proxy = await serveVaultProxy({
        vaultUrl: "https://capped.vault.azure.net",
        allowedOrigins: ["https://app.example"],
        maxBodyBytes: 1000,
        fetch: async (_input, init) => {
          bodies.push(init?.body ? (init.body as Uint8Array).byteLength : 0);
          return Response.json({ ok: true });
        },
      });
      try {
        const chunk = (n: number) => `${n.toString(16)}\r\n${"x".repeat(n)}\r\n`;
        const over = await raw(
          proxy.port,
          `POST /keys/k/sign HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n${chunk(600)}${chunk(600)}0\r\n\r\n`,
        );
        assert.equal(over.status, 413);
        assert.match(over.body, /ProxyBodyTooLarge/);
        const under = await raw(
          proxy.port,
          `POST /keys/k/sign HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunk(500)}${chunk(500)}0\r\n\r\n`,
        );
        assert.equal(under.status, 200);
        const declared = await raw(proxy.port, `POST /keys/k/sign HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n${"y".repeat(100)}`);
        assert.equal(declared.status, 413, "a declared length over the cap is refused before the body arrives");
        assert.match(declared.head, /connection: close/i);
        assert.deepEqual(bodies, [1000], "only the body within the cap was forwarded");
      } finally {
        await proxy.close();
      }
    });

    t.test("a gzipped upstream answer reaches the page decoded, without a stale Content-Encoding", async () => {
      const payload = JSON.stringify({ value: [{ kid: "https://gz.vault.azure.net/keys/a" }], nextLink: null });
      const upstream = createServer((_req, res) => {
        const gz = gzipSync(payload);
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": gz.length,
          "x-ms-request-id": "gz-1",
        });
        res.end(gz);
      });
      await new Promise<void>((r) => upstream.listen(0, "127.0.0.1", r));
      const port = (upstream.address() as AddressInfo).port;
      const proxy = await serveVaultProxy({
        vaultUrl: `http://127.0.0.1:${port}`,
        allowedOrigins: ["https://app.example"],
        allowInsecureLoopback: true,
      });
      try {
        const res = await raw(proxy.port, `GET /keys HTTP/1.1\r\nHost: x\r\nAccept-Encoding: identity\r\nConnection: close\r\n\r\n`);
        assert.equal(res.status, 200);
        assert.ok(!/content-encoding/i.test(res.head), res.head);
        assert.match(res.head, /x-ms-request-id: gz-1/i);
        const body = /transfer-encoding: chunked/i.test(res.head) ? dechunk(res.body) : res.body;
        assert.equal(body, payload);
      } finally {
        await proxy.close();
        await new Promise((r) => upstream.close(r));
      }
    });
  });
};

function dechunk(text: string): string {
  let out = "";
  let rest = text;
  for (;;) {
    const nl = rest.indexOf("\r\n");
    const size = parseInt(rest.slice(0, nl), 16);
    if (!size) return out;
    out += rest.slice(nl + 2, nl + 2 + size);
    rest = rest.slice(nl + 2 + size + 2);
  }
}

export default suite;
