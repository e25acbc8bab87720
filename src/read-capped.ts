// Reading a body with a size cap: the proxy's and the emulator's shared step (no other imports, so
// the emulator's chunk stays free of the client).

/**
 * @internal Reads a body to its end, or stops (and cancels it) as soon as it passes `limit` bytes:
 * nothing past the limit is read or kept.
 */
export async function readCapped(stream: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      void reader.cancel().catch(() => {});
      return undefined;
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
