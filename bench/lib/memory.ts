import { readFileSync } from "node:fs";

/** Resident memory of a process now and at its peak (VmHWM), in MB. */
export function memoryOf(pid: number): { rssMb: number; peakMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? 0);
  return { rssMb: Math.round(kb("VmRSS") / 102.4) / 10, peakMb: Math.round(kb("VmHWM") / 102.4) / 10 };
}
