// Routes the official Azure SDK's HTTP traffic to a standard fetch (the emulator's, in process):
// an `@azure/core-rest-pipeline` HttpClient whose sendRequest calls that fetch.
import { createHttpHeaders } from "@azure/core-rest-pipeline";
import { answer, responseHeaders } from "./canned.mjs";

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

/** An HttpClient answering the canned bytes of ./canned.mjs directly, without going through Response. */
export const cannedHttpClient = {
  async sendRequest(request) {
    const a = answer(request.method, request.url, request.headers.has("authorization"));
    return { request, status: a.status, headers: createHttpHeaders(responseHeaders(a)), bodyAsText: a.body };
  },
};
