import type { KV, NatsConnection } from "nats";
import type { Rate } from "../env.ts";
import { type BucketState, take } from "./bucket.ts";
import type { BucketStore } from "./localStore.ts";

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const MAX_CAS_ATTEMPTS = 8;

/** Marks a store failure (unreachable, timed out, too contended), as opposed to a decision. */
export class StoreUnavailable extends Error {
  override readonly name = "StoreUnavailable";
}

/** A KV key from any client id: characters KV does not allow become `_` (IPs and uuids stay unique). */
export function kvKey(group: string, id: string): string {
  return `${group}.${id.replace(/[^A-Za-z0-9_=-]/g, "_")}`;
}

function parse(value: Uint8Array): BucketState | null {
  try {
    const state = JSON.parse(decoder.decode(value)) as Partial<BucketState>;
    return typeof state.tokens === "number" && typeof state.at === "number"
      ? { tokens: state.tokens, at: state.at }
      : null;
  } catch {
    return null;
  }
}

function isCasConflict(error: unknown): boolean {
  const apiError = (error as { api_error?: { err_code?: number } } | null)?.api_error;
  return (
    apiError?.err_code === 10071 || (error instanceof Error && /wrong last sequence/i.test(error.message))
  );
}

/**
 * Token buckets in a NATS JetStream key-value bucket shared by every gateway instance of a
 * namespace. Each take is read → compute → compare-and-swap on the entry's revision, retried on
 * conflict, so concurrent instances never hand out the same token twice. Entries expire after
 * `ttlMs` without use (an idle bucket is full anyway).
 */
export function createKvStore(nc: NatsConnection, bucket: string, ttlMs: number): BucketStore {
  let kv: Promise<KV> | undefined;
  const open = () => {
    kv ??= nc
      .jetstream()
      .views.kv(bucket, { ttl: ttlMs, history: 1 })
      .catch((error: unknown) => {
        kv = undefined;
        throw error;
      });
    return kv;
  };
  return {
    async take(key: string, rate: Rate, now: number, want = 1) {
      const store = await open();
      for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt += 1) {
        const entry = await store.get(key);
        const live = entry && entry.operation === "PUT" ? entry : null;
        const at = attempt === 0 ? now : Date.now();
        const { decision, next } = take(rate, live ? parse(live.value) : null, at, want);
        if (!next) return decision;
        try {
          const data = encoder.encode(JSON.stringify(next));
          if (live) await store.update(key, data, live.revision);
          else await store.create(key, data);
          return decision;
        } catch (error) {
          if (!isCasConflict(error)) throw error;
        }
      }
      throw new StoreUnavailable(`rate-limit bucket ${key} too contended`);
    },
  };
}
