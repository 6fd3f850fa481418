import { readdirSync, readFileSync } from "node:fs";

// Linux reports process CPU time in clock ticks of 1/100 s (USER_HZ).
const MS_PER_TICK = 10;

/** CPU time (user + system) a process has used so far, in ms; 0 once it is gone. */
export function cpuMsOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) * MS_PER_TICK;
  } catch {
    return 0;
  }
}

/** Processes whose command name is `comm` (e.g. every Postgres backend), now. */
export function pidsNamed(comm: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, "utf8").trim() === comm) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

/**
 * CPU used by groups of processes between `start` and `stop`. Groups are re-listed at both ends
 * (Postgres starts backends on demand); a process that ends in between is not counted.
 */
export function meterCpu(groups: Record<string, () => number[]>) {
  const read = () => {
    const out = new Map<string, Map<number, number>>();
    for (const [name, pids] of Object.entries(groups)) {
      out.set(name, new Map(pids().map((pid) => [pid, cpuMsOf(pid)])));
    }
    return out;
  };
  const before = read();
  return {
    /** ms of CPU per group since the meter started. */
    stop(): Record<string, number> {
      const after = read();
      const used: Record<string, number> = {};
      for (const [name, pids] of after) {
        let ms = 0;
        for (const [pid, now] of pids) ms += now - (before.get(name)?.get(pid) ?? 0);
        used[name] = ms;
      }
      return used;
    },
  };
}
