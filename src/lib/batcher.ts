/**
 * Group commit for any batched operation: every item submitted during one event-loop turn goes to one call of
 * `run`, and each submitter gets back its own result.
 *
 * The trade: an item waits up to one event-loop turn (plus the remainder of a flush already in flight) so that N
 * concurrent items cost one call — one transaction — instead of N. Under load the batches grow by themselves,
 * because everything that arrives while a flush is in flight forms the next batch.
 *
 * Bounded on both sides: at most `maxBatchSize` items per call and one call in flight; at most `maxPending` items
 * (and optionally `maxPendingWeight`) waiting, beyond which `submit` fails at once with `overflowError()` — a
 * stalled database becomes fast errors, not unbounded memory.
 */
export interface BatcherOptions<In, Out> {
  /** Handles one batch; returns one result per item, in order. If it throws, every item of the batch fails. */
  run: (items: In[]) => Promise<Out[]>;
  maxBatchSize: number;
  maxPending: number;
  /**
   * Optional bound on the summed `weightOf` of waiting items (e.g. payload bytes), since a count alone does not
   * bound memory. One item is always let in, however heavy, so a single large item cannot be refused forever.
   */
  maxPendingWeight?: number;
  weightOf?: (item: In) => number;
  overflowError: () => Error;
}

interface Entry<In, Out> {
  item: In;
  weight: number;
  resolve: (value: Out) => void;
  reject: (error: unknown) => void;
}

export class Batcher<In, Out> {
  readonly #options: BatcherOptions<In, Out>;
  #queue: Entry<In, Out>[] = [];
  #queuedWeight = 0;
  #scheduled = false;
  #flushing = false;
  #idleWaiters: (() => void)[] = [];

  constructor(options: BatcherOptions<In, Out>) {
    if (options.maxBatchSize < 1 || options.maxPending < 1)
      throw new RangeError("batch and pending limits must be >= 1");
    this.#options = options;
  }

  /** Items waiting for a flush (not counting a batch in flight). */
  get pending(): number {
    return this.#queue.length;
  }

  submit(item: In): Promise<Out> {
    const { maxPending, maxPendingWeight = Infinity, weightOf } = this.#options;
    const weight = weightOf ? weightOf(item) : 0;
    const tooHeavy = this.#queue.length > 0 && this.#queuedWeight + weight > maxPendingWeight;
    if (this.#queue.length >= maxPending || tooHeavy) return Promise.reject(this.#options.overflowError());
    return new Promise<Out>((resolve, reject) => {
      this.#queue.push({ item, weight, resolve, reject });
      this.#queuedWeight += weight;
      this.#schedule();
    });
  }

  /** Resolves once every item submitted so far has been handled. */
  idle(): Promise<void> {
    if (this.#queue.length === 0 && !this.#flushing && !this.#scheduled) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  #schedule(): void {
    // A flush in flight picks up new items when it finishes; otherwise wait for the rest of this turn's items.
    if (this.#scheduled || this.#flushing) return;
    this.#scheduled = true;
    setImmediate(() => {
      this.#scheduled = false;
      void this.#flush();
    });
  }

  async #flush(): Promise<void> {
    this.#flushing = true;
    try {
      while (this.#queue.length > 0) {
        const batch = this.#queue.splice(0, this.#options.maxBatchSize);
        for (const entry of batch) this.#queuedWeight -= entry.weight;
        await this.#runBatch(batch);
      }
    } finally {
      this.#flushing = false;
      const waiters = this.#idleWaiters;
      this.#idleWaiters = [];
      for (const wake of waiters) wake();
    }
  }

  async #runBatch(batch: Entry<In, Out>[]): Promise<void> {
    let results: Out[];
    try {
      results = await this.#options.run(batch.map((entry) => entry.item));
      if (results.length !== batch.length) {
        throw new Error(`batch function returned ${results.length} results for ${batch.length} items`);
      }
    } catch (error) {
      for (const entry of batch) entry.reject(error);
      return;
    }
    batch.forEach((entry, index) => entry.resolve(results[index] as Out));
  }
}
