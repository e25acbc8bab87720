// The official Azure SDK's transports for the bench, through its own extension point (an
// `@azure/core-rest-pipeline` HttpClient, option `httpClient`); no SDK code is changed.
// - httpClientFor(fetch): each request goes to a standard fetch (the emulator's, or a canned one),
//   a Response built and read, as for keyvault-fetch and the floor;
// - cannedHttpClient: the canned bytes of canned.mjs handed to the SDK directly (no fetch, no
//   Response), the SDK's cheapest possible transport;
// - createHeldHttpClient(): the same, holding every answer until released (heap part).
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import { TOKEN, answer, responseHeaders } from "./canned.mjs";

/** An HttpClient for `@azure/keyvault-keys` and `@azure/identity` (option `httpClient`) that sends through `fetchFn`. */
export function httpClientFor(fetchFn) {
  return {
    async sendRequest(request) {
      const headers = {};
      for (const [name, value] of request.headers) headers[name] = value;
      const init = { method: request.method, headers };
      if (request.body !== undefined && request.body !== null) {
        const b = request.body;
        init.body = typeof b === "string" || b instanceof Uint8Array || b instanceof ArrayBuffer ? b : await new Response(b).arrayBuffer();
      }
      if (request.abortSignal) init.signal = request.abortSignal;
      const response = await fetchFn(request.url, init);
      const responseHeaders = createHttpHeaders();
      response.headers.forEach((value, name) => responseHeaders.set(name, value));
      return { request, status: response.status, headers: responseHeaders, bodyAsText: await response.text() };
    },
  };
}

/** The SDK's answer (a PipelineResponse) for one request, from the canned bytes. */
function directResponse(request) {
  const a = answer(request.method, request.url, request.headers.has("authorization"));
  return { request, status: a.status, headers: createHttpHeaders(responseHeaders(a)), bodyAsText: a.body };
}

/** An HttpClient answering the canned bytes of ./canned.mjs directly, without going through Response. */
export const cannedHttpClient = {
  async sendRequest(request) {
    return directResponse(request);
  },
};

/**
 * cannedHttpClient, holding every answer until `release()` (for the heap part). It keeps the
 * resolver and the SDK's request object, which the SDK's pipeline holds for the call anyway (the
 * answer must name it), so nothing is counted that the SDK would not keep itself.
 */
export function createHeldHttpClient() {
  let held = [];
  return {
    httpClient: { sendRequest: (request) => new Promise((resolve) => held.push({ request, resolve })) },
    pending: () => held.length,
    release() {
      const now = held;
      held = [];
      for (const { request, resolve } of now) resolve(directResponse(request));
    },
  };
}

/** A TokenCredential that always has the same token (no token requests). */
export const fixedCredential = {
  async getToken() {
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3600_000 };
  },
};
