import { writeSync } from "node:fs";

export type LogLevel = "debug" | "info" | "warn" | "error";
type Fields = Record<string, unknown>;

const rank: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** Structured JSON logger: one line per entry, with the fields of every `child` it came from. */
export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
  child(fields: Fields): Logger;
}

/**
 * A failed statement is logged by its cause (Postgres's error code and message) and never with its
 * parameters: drizzle puts the SQL and every parameter (emails, payloads, hashes) in its message.
 */
function failedStatement(error: Error): unknown {
  if (!("params" in error) || !("query" in error)) return undefined;
  return { name: "FailedStatement", message: "a database statement failed", cause: serialise(error.cause) };
}

function serialise(value: unknown): unknown {
  if (value instanceof Error) {
    const statement = failedStatement(value);
    if (statement) return statement;
    const code = (value as { code?: unknown }).code;
    return {
      name: value.name,
      message: value.message,
      ...(code === undefined ? {} : { code }),
      stack: value.stack,
    };
  }
  return value;
}

// Lines written in one event-loop turn leave in one write: under load a write per access-log line
// cost the gateway a sixth of its CPU. Warnings and errors flush at once, and whatever is pending
// when the process exits is written synchronously, so a crash report is never held back.
const pendingLines: string[] = [];
let flushScheduled = false;

function flushStdout(): void {
  flushScheduled = false;
  if (pendingLines.length === 0) return;
  const chunk = pendingLines.join("");
  pendingLines.length = 0;
  process.stdout.write(chunk);
}

process.on("exit", () => {
  if (pendingLines.length === 0) return;
  writeSync(1, pendingLines.join(""));
  pendingLines.length = 0;
});

function stdoutSink(line: string, level: LogLevel): void {
  pendingLines.push(`${line}\n`);
  if (rank[level] >= rank.warn) flushStdout();
  else if (!flushScheduled) {
    flushScheduled = true;
    setImmediate(flushStdout);
  }
}

/** Creates a logger writing to stdout; `sink` replaces stdout in tests. */
export function createLogger(
  base: Fields,
  level: LogLevel = "info",
  sink: (line: string, level: LogLevel) => void = stdoutSink,
): Logger {
  const min = rank[level];
  const write = (lvl: LogLevel, msg: string, fields?: Fields) => {
    if (rank[lvl] < min) return;
    const entry: Fields = { time: new Date().toISOString(), level: lvl, ...base, msg };
    if (fields) for (const [k, v] of Object.entries(fields)) entry[k] = serialise(v);
    sink(JSON.stringify(entry), lvl);
  };
  return {
    debug: (msg, fields) => write("debug", msg, fields),
    info: (msg, fields) => write("info", msg, fields),
    warn: (msg, fields) => write("warn", msg, fields),
    error: (msg, fields) => write("error", msg, fields),
    child: (fields) => createLogger({ ...base, ...fields }, level, sink),
  };
}
