// The OpenTelemetry recipe of docs/client.md (under "## Observability"), run as written against a stub of
// @opentelemetry/api's `trace` and `SpanKind`: concurrent calls to one URL, a retried 503 and the
// probe each get their own span, every span ends once with its status, and no span or event holds
// a token. Only the import line is replaced (by the stub) and `fetch` routed to the in-process emulator.
import type { SuiteFile } from "../suite/harness.js";
import * as assert from "../suite/assert.js";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KeyVaultClient as RealClient, type KeyVaultClientOptions } from "keyvault-fetch";
import { createEmulator } from "@keyvault-fetch/emulator";
import { repoRoot } from "./child.js";

/** The js block under docs/client.md's "## Observability" heading. */
export function otelRecipe(page: string): string {
  const at = page.indexOf("## Observability");
  if (at < 0) throw new Error('docs/client.md has no "## Observability" section');
  const block = /```js\n([\s\S]*?)```/.exec(page.slice(at));
  if (!block) throw new Error("no js block under Observability");
  return block[1]!;
}

interface StubSpan {
  name: string;
  kind: unknown;
  attributes: Record<string, unknown>;
  status?: { code: number; message?: string };
  ends: number;
  events: { name: string; attributes: unknown }[];
}

function stubOtel() {
  const spans: StubSpan[] = [];
  const make = (name: string, options: { kind?: unknown; attributes?: Record<string, unknown> } = {}) => {
    const span: StubSpan = { name, kind: options.kind, attributes: { ...options.attributes }, ends: 0, events: [] };
    spans.push(span);
    return Object.assign(span, {
      setAttributes(a: Record<string, unknown>) {
        Object.assign(span.attributes, a);
        return this;
      },
      setStatus(s: { code: number; message?: string }) {
        span.status = s;
        return this;
      },
      addEvent(n: string, a: unknown) {
        span.events.push({ name: n, attributes: a });
        return this;
      },
      end() {
        span.ends++;
      },
    });
  };
  const active = make("app: handle request");
  const trace = { getTracer: () => ({ startSpan: make }), getActiveSpan: () => active };
  return { trace, SpanKind: { CLIENT: 2 }, spans, active };
}

const suite: SuiteFile = (t) => {
  t.group("README recipes", () => {
    t.test(
      "the OpenTelemetry recipe: one span per request (concurrent calls, a retry, the probe), each ended once with its status; no token anywhere",
      async () => {
        const recipe = otelRecipe(readFileSync(join(repoRoot(), "docs/client.md"), "utf8"));
        const importLine = /^import \{ trace, SpanKind \} from "@opentelemetry\/api";.*\n/m;
        assert.match(recipe, importLine);
        assert.match(recipe, /^const client = new KeyVaultClient\(url, \{ getToken, onEvent \}\);\s*$/m);
        const otel = stubOtel();
        const emulator = createEmulator();
        let flaky = 0;
        const fetch = (input: string | URL | Request, init?: RequestInit) => {
          const request = new Request(input, init);
          if (new URL(request.url).pathname === "/keys/flaky" && request.headers.has("authorization") && flaky++ === 0) {
            return Promise.resolve(
              Response.json(
                { error: { code: "ServiceUnavailable", message: "later" } },
                { status: 503, headers: { "retry-after-ms": "1" } },
              ),
            );
          }
          return emulator.fetch(request);
        };
        // The recipe's free names: the vault URL, the token provider and the client class (fetch routed to the emulator).
        class KeyVaultClient extends RealClient {
          constructor(url: string, options: KeyVaultClientOptions) {
            super(url, { ...options, fetch });
          }
        }
        const tokens: string[] = [];
        const getToken = async (r: { scopes: string[] }) => {
          const answer = await emulator.getToken(r);
          tokens.push(answer.token);
          return answer;
        };
        const body = recipe.replace(importLine, "") + "\nreturn { client, spans };";
        const run = new Function("trace", "SpanKind", "url", "getToken", "KeyVaultClient", body);
        const { client, spans } = run(otel.trace, otel.SpanKind, emulator.vaultUrl, getToken, KeyVaultClient) as {
          client: RealClient;
          spans: Map<string, unknown>;
        };

        assert.equal(
          (
            await client.fetch("/keys/k/create", {
              method: "POST",
              headers: { "content-type": "application/json" },
              body: '{"kty":"EC","crv":"P-256"}',
            })
          ).status,
          200,
        );
        const reads = await Promise.all([1, 2, 3].map(() => client.fetch("/keys/k")));
        assert.deepEqual(
          reads.map((r) => r.status),
          [200, 200, 200],
        );
        assert.equal((await client.fetch("/keys/flaky")).status, 404, "the retry's answer (no such key)");

        const requestSpans = otel.spans.filter((s) => s !== otel.active);
        // probe + create, three reads, the flaky call's two attempts
        assert.equal(requestSpans.length, 7, requestSpans.map((s) => s.name).join(", "));
        assert.deepEqual(
          requestSpans.map((s) => s.ends),
          requestSpans.map(() => 1),
          "every span ended exactly once",
        );
        assert.equal(spans.size, 0, "no span left open in the recipe's map");
        assert.equal(requestSpans.filter((s) => s.name === "GET /keys/k").length, 3);
        assert.ok(requestSpans.every((s) => s.kind === 2 && typeof s.attributes["http.response.status_code"] === "number"));
        const flakySpans = requestSpans.filter((s) => s.name === "GET /keys/flaky");
        assert.deepEqual(
          flakySpans.map((s) => [s.attributes["http.request.resend_count"], s.attributes["http.response.status_code"], s.status?.code]),
          [
            [0, 503, 2],
            [1, 404, undefined],
          ],
        );
        // OpenTelemetry's Azure SDK conventions: azure.client.request.id, azure.service.request.id,
        // and azure.resource_provider.namespace on every span (the old az.* names are gone).
        assert.ok(
          requestSpans.every((s) => s.attributes["azure.resource_provider.namespace"] === "Microsoft.KeyVault"),
          "azure.resource_provider.namespace",
        );
        assert.ok(
          requestSpans.every((s) => Object.keys(s.attributes).every((a) => !a.startsWith("az."))),
          "no attribute under the replaced az.* names",
        );
        // the vault's answers (the 401s of the probe aside, and the test's own 503, which has none)
        const answered = requestSpans.filter((s) => [200, 404].includes(s.attributes["http.response.status_code"] as number));
        assert.equal(answered.length, 5);
        assert.ok(
          answered.every(
            (s) => typeof s.attributes["azure.service.request.id"] === "string" && s.attributes["azure.service.request.id"] !== "",
          ),
          "the service's request id (x-ms-request-id) on every answered span",
        );
        const ids = new Set(requestSpans.map((s) => s.attributes["azure.client.request.id"]));
        assert.equal(ids.size, 5, "one client request id per call (the probe and the create share theirs; a retry keeps its call's)");
        assert.deepEqual([...new Set(otel.active.events.map((e) => e.name))].sort(), [
          "keyvault.challenge",
          "keyvault.retry",
          "keyvault.token",
        ]);
        const text = JSON.stringify(otel.spans);
        assert.ok(tokens.length > 0 && tokens.every((tok) => !text.includes(tok)) && !text.includes("Bearer"), "a token in a span");
      },
    );
  });
};

export default suite;
