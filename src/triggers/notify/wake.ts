/**
 * A coalescing wake-up: any number of signals while the watcher is busy (a delta sync) make
 * exactly one more sync; without any, the wait ends after the safety-net period.
 */
export class Wake {
  #dirty = false;
  #resolve: (() => void) | undefined;

  signal(): void {
    this.#dirty = true;
    this.#resolve?.();
  }

  /** Resolves at the next signal (at once if one came since the last wait), after `ms`, or on abort. */
  async wait(ms: number, abort: AbortSignal): Promise<void> {
    if (!this.#dirty && !abort.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => {
          clearTimeout(timer);
          abort.removeEventListener('abort', done);
          this.#resolve = undefined;
          resolve();
        };
        const timer = setTimeout(done, ms);
        this.#resolve = done;
        abort.addEventListener('abort', done, { once: true });
      });
    }
    this.#dirty = false;
  }
}
