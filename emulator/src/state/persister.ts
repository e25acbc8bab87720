// Write-through persistence with group commit: every change marks the state dirty; before a
// request is answered it waits for a write that started after its own change. Writes run one at
// a time and each one takes its snapshot when it starts, so a write never misses a change made
// before it and concurrent requests share one write. What the storage does with the text (write
// a temporary file and rename it over the old one) decides what a crash can leave behind.

/**
 * Where the state file lives: the Node server gives a file; tests and other runtimes, anything.
 * @example
 * const memory: StateStorage = { read: async () => undefined, write: async (text) => { console.log(`${text.length} bytes of state`); } };
 * const emulator = await openEmulator({ persistence: { storage: memory } });
 */
export interface StateStorage {
  /** The saved text, or undefined when nothing was saved yet. */
  read(): Promise<string | undefined>;
  /** Replaces the saved text, all at once (a crash leaves the old text or the new, never a mix). */
  write(text: string): Promise<void>;
}

/** Serializes writes of the emulator's state and coalesces the ones requested while one runs. */
export class Persister {
  private dirty = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    private readonly storage: StateStorage,
    /** Takes the state, synchronously: no change can slip in between the snapshot and the dirty flag. */
    private readonly snapshot: () => unknown,
    private readonly encode: (state: unknown) => Promise<string>,
  ) {}

  /** Something changed: the next flush writes. */
  markDirty(): void {
    this.dirty = true;
  }

  /** Resolves once every change made before this call is saved; rejects when the write fails. */
  flush(): Promise<void> {
    const run = this.chain.then(() => this.writeIfDirty());
    this.chain = run.catch(() => {});
    return run;
  }

  private async writeIfDirty(): Promise<void> {
    if (!this.dirty) return;
    this.dirty = false;
    const state = this.snapshot();
    try {
      await this.storage.write(await this.encode(state));
    } catch (e) {
      this.dirty = true; // the next flush tries again
      throw e;
    }
  }
}
