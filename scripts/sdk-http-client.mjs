// An @azure/core-rest-pipeline HttpClient that sends the official SDK's requests through a standard
// fetch (the faulty one in front of the emulator), failing the way the SDK's own Node client does:
// a transport failure is a RestError with code REQUEST_SEND_ERROR (which its retry policy repeats),
// an abort an AbortError. The bench's adapter (bench/azure-adapter.mjs) lets fetch's TypeError
// through, which the SDK does not retry: fine for counting round trips, unfair under faults.

/** The code Node's socket gives a reset connection (the emulator's drops say "connection reset"), which the SDK retries. */
const transportCode = (e) => e?.code ?? (/reset/i.test(String(e?.message)) ? "ECONNRESET" : RestError.REQUEST_SEND_ERROR);
import { AbortError } from "@azure/abort-controller";
import { RestError, createHttpHeaders } from "@azure/core-rest-pipeline";

/** @param {(input: string, init: RequestInit) => Promise<Response>} fetchFn */
export function sdkHttpClient(fetchFn) {
  return {
    async sendRequest(request) {
      if (request.abortSignal?.aborted) throw new AbortError("The operation was aborted.");
      const headers = {};
      for (const [name, value] of request.headers) headers[name] = value;
      const init = { method: request.method, headers };
      const b = request.body;
      if (b !== undefined && b !== null)
        init.body = typeof b === "string" || b instanceof Uint8Array || b instanceof ArrayBuffer ? b : await new Response(b).arrayBuffer();
      if (request.abortSignal) init.signal = request.abortSignal;
      let response;
      try {
        response = await fetchFn(request.url, init);
      } catch (e) {
        if (request.abortSignal?.aborted) throw new AbortError("The operation was aborted.");
        throw new RestError(String(e?.message ?? e), { code: transportCode(e), request });
      }
      const responseHeaders = createHttpHeaders();
      response.headers.forEach((value, name) => responseHeaders.set(name, value));
      let bodyAsText;
      try {
        bodyAsText = await response.text();
      } catch (e) {
        if (request.abortSignal?.aborted) throw new AbortError("The operation was aborted.");
        throw new RestError(String(e?.message ?? e), { code: transportCode(e), request });
      }
      return { request, status: response.status, headers: responseHeaders, bodyAsText };
    },
  };
}
