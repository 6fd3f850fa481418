import {
  DiscardPolicy,
  ErrorCode,
  type JetStreamManager,
  NatsError,
  nanos,
  RetentionPolicy,
  StorageType,
  type StreamConfig,
} from "nats";

/** The JetStream stream holding a Portico system's events and dead letters. */
export function eventStreamName(namespace: string): string {
  return `${namespace}_events`;
}

/** The subject an event is published on: `<namespace>.events.<contract subject>`. */
export function eventSubject(namespace: string, subject: string): string {
  return `${namespace}.events.${subject}`;
}

/** Where a consumer parks an event it gave up on: `<namespace>.deadletter.<service>.<contract subject>`. */
export function deadLetterSubject(namespace: string, service: string, subject: string): string {
  return `${namespace}.deadletter.${service}.${subject}`;
}

export interface StreamOptions {
  duplicateWindowMs: number;
  maxAgeMs: number;
  /** Copies kept by a NATS cluster (1 on a single server). */
  replicas?: number;
}

/** The stream's configuration: file storage, a de-duplication window on `Nats-Msg-Id`, bounded age. */
export function eventStreamConfig(namespace: string, opts: StreamOptions): Partial<StreamConfig> {
  return {
    name: eventStreamName(namespace),
    subjects: [`${namespace}.events.>`, `${namespace}.deadletter.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    duplicate_window: nanos(Math.min(opts.duplicateWindowMs, opts.maxAgeMs)),
    max_age: nanos(opts.maxAgeMs),
    num_replicas: opts.replicas ?? 1,
  };
}

/**
 * Creates the namespace's event stream, or brings an existing one to the current configuration.
 * A cluster still electing leaders may time out the request: that is retried a few times.
 */
export async function ensureEventStream(
  jsm: JetStreamManager,
  namespace: string,
  opts: StreamOptions,
): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createOrUpdate(jsm, namespace, opts);
    } catch (error) {
      const timedOut = error instanceof NatsError && error.code === ErrorCode.Timeout;
      if (!timedOut || attempt >= 4) throw error;
    }
  }
}

async function createOrUpdate(jsm: JetStreamManager, namespace: string, opts: StreamOptions): Promise<void> {
  const config = eventStreamConfig(namespace, opts);
  const name = eventStreamName(namespace);
  try {
    await jsm.streams.info(name);
  } catch (error) {
    if (!(error instanceof NatsError) || error.api_error?.err_code !== 10059) throw error;
    try {
      // Identical concurrent adds (several instances starting together) all succeed.
      await jsm.streams.add(config);
      return;
    } catch (addError) {
      if (!(addError instanceof NatsError) || addError.api_error?.err_code !== 10058) throw addError;
    }
  }
  await jsm.streams.update(name, config);
}
