// `bun run events:status`: the event stream of PORTICO_NAMESPACE and every durable consumer on it.
import { commonEnv, connectNats, createLogger, eventStreamName, loadEnv, runMain } from "@portico/kit";
import { NatsError } from "nats";

const pad = (value: string | number, width: number) => String(value).padEnd(width);

runMain(async () => {
  const env = loadEnv(
    commonEnv.pick({
      NATS_URL: true,
      NATS_USER: true,
      NATS_PASSWORD: true,
      PORTICO_INSECURE_NATS: true,
      PORTICO_NAMESPACE: true,
    }),
  );
  const log = createLogger({ service: "events-status" }, "warn");
  const nc = await connectNats({
    url: env.NATS_URL,
    name: "events-status",
    log,
    user: env.NATS_USER,
    password: env.NATS_PASSWORD,
    insecure: env.PORTICO_INSECURE_NATS,
  });
  try {
    const jsm = await nc.jetstreamManager();
    const name = eventStreamName(env.PORTICO_NAMESPACE);
    const info = await jsm.streams
      .info(name, { subjects_filter: `${env.PORTICO_NAMESPACE}.>` })
      .catch((error: unknown) => {
        if (error instanceof NatsError && error.api_error?.err_code === 10059) return undefined;
        throw error;
      });
    if (!info) {
      console.log(`stream ${name}: not created yet (no service with events has started)`);
      return;
    }
    const { state, config } = info;
    console.log(`stream ${name}  (${config.storage} storage, subjects ${config.subjects.join(", ")})`);
    console.log(
      `  messages ${state.messages}  bytes ${state.bytes}  sequences ${state.first_seq}..${state.last_seq}  consumers ${state.consumer_count}`,
    );
    const subjects = Object.entries(state.subjects ?? {}).sort(([a], [b]) => a.localeCompare(b));
    for (const [subject, count] of subjects) {
      const dead = subject.includes(".deadletter.");
      console.log(`  ${dead ? "DEAD " : "     "}${pad(subject, 60)} ${count}`);
    }
    console.log("");
    console.log(
      `${pad("consumer", 48)} ${pad("lag", 8)} ${pad("ack pending", 12)} ${pad("redelivered", 12)} ${pad("waiting", 8)} delivered/ack floor`,
    );
    for await (const c of jsm.consumers.list(name)) {
      console.log(
        `${pad(c.name, 48)} ${pad(c.num_pending, 8)} ${pad(c.num_ack_pending, 12)} ${pad(c.num_redelivered, 12)} ${pad(c.num_waiting, 8)} ${c.delivered.stream_seq}/${c.ack_floor.stream_seq}`,
      );
    }
  } finally {
    await nc.close();
  }
});
