/** The outcome of one item of a batch: its value, or the error only this item failed with. */
export type ItemOutcome<O> = { ok: true; value: O } | { ok: false; error: unknown };

export interface BatcherOptions<I, O> {
  /** Does the work of several items at once; answers in the items' order (one outcome per item). */
  run(items: I[]): Promise<ItemOutcome<O>[]>;
  /** Most items in one batch. */
  maxSize: number;
  /** Most batches running at the same time. */
  maxConcurrent: number;
}

export interface Batcher<I, O> {
  /** Adds an item to the next batch; resolves or rejects with that item's own outcome. */
  submit(item: I): Promise<O>;
}

interface Pending<I, O> {
  item: I;
  resolve(value: O): void;
  reject(error: unknown): void;
}

/**
 * Groups work that arrives together into batches without waiting on a timer: items submitted in one
 * event-loop turn, or while every batch slot is busy, go out together as soon as a slot frees. At
 * low load a batch holds one item and costs no extra latency; under load one database round trip
 * and one commit serve many requests.
 *
 * When a batch of several items fails as a whole, each item is run again alone, so one bad item
 * fails only itself.
 */
export function createBatcher<I, O>(opts: BatcherOptions<I, O>): Batcher<I, O> {
  const queue: Pending<I, O>[] = [];
  let running = 0;
  let scheduled = false;

  const settle = (batch: Pending<I, O>[], outcomes: ItemOutcome<O>[]) => {
    batch.forEach((pending, i) => {
      const outcome = outcomes[i];
      if (!outcome) pending.reject(new Error("batch returned no outcome for an item"));
      else if (outcome.ok) pending.resolve(outcome.value);
      else pending.reject(outcome.error);
    });
  };

  const runAlone = async (pending: Pending<I, O>) => {
    try {
      settle([pending], await opts.run([pending.item]));
    } catch (error) {
      pending.reject(error);
    }
  };

  const runBatch = async (batch: Pending<I, O>[]) => {
    try {
      settle(batch, await opts.run(batch.map((p) => p.item)));
    } catch (error) {
      if (batch.length === 1) batch[0]?.reject(error);
      else await Promise.all(batch.map(runAlone));
    }
  };

  const drain = () => {
    scheduled = false;
    while (running < opts.maxConcurrent && queue.length > 0) {
      const batch = queue.splice(0, opts.maxSize);
      running += 1;
      void runBatch(batch).finally(() => {
        running -= 1;
        drain();
      });
    }
  };

  return {
    submit(item) {
      return new Promise<O>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        // Wait for the rest of this turn's items before sending the batch.
        if (!scheduled && running < opts.maxConcurrent) {
          scheduled = true;
          setImmediate(drain);
        }
      });
    },
  };
}
