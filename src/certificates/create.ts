// Creating a certificate without a poller object: createCertificate returns the pending
// operation; `wait` looks again as the service asks (Retry-After) until it is done, within one
// deadline and the caller's signal. Anyone can pick it up later by name with getCertificateOperation.
import type { KeyVaultClient } from "../client.js";
import { KeyVaultClientError, KeyVaultError } from "../errors.js";
import { checkClient, invalid, optionsOf } from "../input.js";
import { request } from "../request.js";
import { retryAfterMs, sleep } from "../retry.js";
import { send } from "../send.js";
import { checkName } from "./ids.js";
import { fromPolicy, toOperation } from "./model.js";
import { propertiesBody, signalOf, type CertificatePropertiesInput } from "./operations.js";
import type { CertificateOperation, CertificatePolicy, OperationOptions } from "./types.js";

/**
 * How {@link createCertificate} waits: up to `timeoutMs` (default 120 000), looking again after
 * the service's `Retry-After` (10 s for a self-signed certificate), or after `intervalMs` when given.
 * @example
 * const wait: CreateWaitOptions = { timeoutMs: 60_000 };
 * await createCertificate(client, "api-tls", { issuerName: "Self", subject: "CN=api" }, { wait });
 */
export interface CreateWaitOptions {
  timeoutMs?: number;
  /** Between looks, in ms, instead of the service's Retry-After (default: Retry-After, else 1000). */
  intervalMs?: number;
}

/**
 * Options of {@link createCertificate}.
 * @example
 * const options: CreateCertificateOptions = { wait: true, tags: { env: "prod" } };
 * await createCertificate(client, "api-tls", { issuerName: "Self", subject: "CN=api.example.com" }, options);
 */
export interface CreateCertificateOptions extends CertificatePropertiesInput, OperationOptions {
  /** Wait until the operation is no longer in progress (default: return the pending operation at once). */
  wait?: boolean | CreateWaitOptions;
  /** Keep the chain in the issuer's order (api-version 2025-07-01). */
  preserveCertificateOrder?: boolean;
}

function waitSettings(w: CreateCertificateOptions["wait"]): { timeoutMs: number; intervalMs?: number } | undefined {
  if (w === undefined || w === false) return undefined;
  if (w !== true && (!w || typeof w !== "object")) throw invalid("wait must be true, false or { timeoutMs, intervalMs }");
  const o = w === true ? {} : w;
  const timeoutMs = o.timeoutMs ?? 120_000;
  if (!(timeoutMs >= 0 && Number.isFinite(timeoutMs))) throw invalid("wait.timeoutMs must be a number of milliseconds");
  if (o.intervalMs !== undefined && !(o.intervalMs >= 0 && Number.isFinite(o.intervalMs)))
    throw invalid("wait.intervalMs must be a number of milliseconds");
  return o.intervalMs === undefined ? { timeoutMs } : { timeoutMs, intervalMs: o.intervalMs };
}

/**
 * Starts creating a certificate version from a policy and returns the pending operation
 * (`status: "inProgress"`); nothing polls unless `wait` is set. A self-signed certificate takes
 * about 10 s; issuer `Unknown` stays pending until {@link mergeCertificate}. With `wait`, looks
 * again as the service asks until the operation ends, and throws `ERR_OPERATION_FAILED` with the
 * service's reason if it failed or was cancelled. Not repeated on 5xx (each create makes a version).
 * @example
 * const operation = await createCertificate(client, "api-tls", { issuerName: "Self", subject: "CN=api.example.com" }, { wait: true });
 * operation.status; // "completed"
 * const { cer } = await getCertificate(client, "api-tls");
 */
export async function createCertificate(
  client: KeyVaultClient,
  name: string,
  policy: CertificatePolicy,
  options?: CreateCertificateOptions,
): Promise<CertificateOperation> {
  checkClient(client, "createCertificate");
  checkName(name);
  const o = optionsOf(options, "createCertificate");
  const settings = waitSettings(o.wait);
  if (o.preserveCertificateOrder !== undefined && typeof o.preserveCertificateOrder !== "boolean")
    throw invalid("preserveCertificateOrder must be a boolean");
  const body: Record<string, unknown> = { policy: fromPolicy(policy, true), ...propertiesBody(o) };
  if (o.preserveCertificateOrder !== undefined) body.preserveCertOrder = o.preserveCertificateOrder;
  const started = Date.now();
  const first = await sendJson(client, "POST", `/certificates/${name}/create`, body, o, false);
  const operation = toOperation(first.json);
  if (!settings) return operation;
  return waitFor(client, name, operation, first.after, settings, started, o);
}

/** `request` for one answer whose Retry-After header matters: the JSON and the delay it asks for. */
function sendJson(
  client: KeyVaultClient,
  method: string,
  path: string,
  body: unknown,
  o: OperationOptions,
  idempotent?: boolean,
): Promise<{ json: object; after: number | undefined }> {
  const init: RequestInit = { method };
  if (body !== undefined) {
    init.headers = { "content-type": "application/json" };
    init.body = JSON.stringify(body);
  }
  if (o.signal) init.signal = o.signal;
  return client[send](path, init, idempotent, async (response, call) => {
    if (!response.ok)
      throw await KeyVaultError.fromResponse(response, { method: call.method, url: response.url || call.url }, [call.token]);
    const text = await response.text();
    let json: object;
    try {
      json = JSON.parse(text);
    } catch {
      throw new KeyVaultClientError("ERR_INVALID_RESPONSE", `the vault's answer to ${method} ${path} is not JSON`);
    }
    return { json, after: retryAfterMs(response.headers) };
  });
}

async function waitFor(
  client: KeyVaultClient,
  name: string,
  start: CertificateOperation,
  firstAfter: number | undefined,
  settings: { timeoutMs: number; intervalMs?: number },
  started: number,
  o: OperationOptions,
): Promise<CertificateOperation> {
  let operation = start;
  let after = firstAfter;
  const deadline = started + settings.timeoutMs;
  while (operation.status === undefined || operation.status === "inProgress") {
    const left = deadline - Date.now();
    if (left <= 0)
      throw new KeyVaultClientError(
        "ERR_TIMEOUT",
        `certificate ${name} was still being created after ${settings.timeoutMs} ms (it goes on: look again with getCertificateOperation)`,
      );
    await sleep(Math.min(settings.intervalMs ?? after ?? 1000, left), o.signal);
    const next = await sendJson(client, "GET", `/certificates/${name}/pending`, undefined, o);
    operation = toOperation(next.json);
    after = next.after;
  }
  if (operation.status !== "completed") {
    const why = operation.error?.message ?? operation.statusDetails ?? operation.status;
    throw new KeyVaultClientError("ERR_OPERATION_FAILED", `creating certificate ${name} ended ${operation.status}: ${why}`);
  }
  return operation;
}

/**
 * The pending (or last) creation operation of a certificate: resume waiting after a restart, read
 * its CSR. A 404 once no operation is kept.
 * @example
 * const { status, csr } = await getCertificateOperation(client, "api-tls");
 */
export async function getCertificateOperation(
  client: KeyVaultClient,
  name: string,
  options?: OperationOptions & { wait?: boolean | CreateWaitOptions },
): Promise<CertificateOperation> {
  checkClient(client, "getCertificateOperation");
  checkName(name);
  const o = optionsOf(options, "getCertificateOperation");
  const settings = waitSettings(o.wait);
  const started = Date.now();
  const first = await sendJson(client, "GET", `/certificates/${name}/pending`, undefined, o);
  const operation = toOperation(first.json);
  return settings ? waitFor(client, name, operation, first.after, settings, started, o) : operation;
}

/**
 * Asks the service to cancel a pending creation (`cancellationRequested: true`); it may still complete.
 * @example await cancelCertificateOperation(client, "api-tls");
 */
export async function cancelCertificateOperation(
  client: KeyVaultClient,
  name: string,
  options?: OperationOptions,
): Promise<CertificateOperation> {
  checkClient(client, "cancelCertificateOperation");
  checkName(name);
  const o = optionsOf(options, "cancelCertificateOperation");
  return toOperation(await request(client, "PATCH", `/certificates/${name}/pending`, { cancellation_requested: true }, signalOf(o)));
}

/**
 * Deletes a certificate's creation operation (the certificate version stays, disabled, if it was never issued).
 * @example await deleteCertificateOperation(client, "api-tls");
 */
export async function deleteCertificateOperation(
  client: KeyVaultClient,
  name: string,
  options?: OperationOptions,
): Promise<CertificateOperation> {
  checkClient(client, "deleteCertificateOperation");
  checkName(name);
  const o = optionsOf(options, "deleteCertificateOperation");
  return toOperation(await request(client, "DELETE", `/certificates/${name}/pending`, undefined, signalOf(o, false)));
}
