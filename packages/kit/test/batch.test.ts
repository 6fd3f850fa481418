import { describe, expect, test } from "bun:test";
import { createBatcher, type ItemOutcome } from "../src/batch.ts";

const ok = <T>(value: T): ItemOutcome<T> => ({ ok: true, value });

describe("createBatcher", () => {
  test("items submitted in one turn go out as one batch; a lone item goes out alone", async () => {
    const batches: number[][] = [];
    const b = createBatcher<number, number>({
      maxSize: 100,
      maxConcurrent: 1,
      run: async (items) => {
        batches.push(items);
        return items.map((n) => ok(n * 2));
      },
    });
    expect(await Promise.all([1, 2, 3].map((n) => b.submit(n)))).toEqual([2, 4, 6]);
    expect(await b.submit(7)).toBe(14);
    expect(batches).toEqual([[1, 2, 3], [7]]);
  });

  test("items arriving while every slot is busy wait and leave together, never above maxSize or maxConcurrent", async () => {
    let running = 0;
    let mostRunning = 0;
    const sizes: number[] = [];
    const b = createBatcher<number, number>({
      maxSize: 4,
      maxConcurrent: 2,
      run: async (items) => {
        running += 1;
        mostRunning = Math.max(mostRunning, running);
        sizes.push(items.length);
        await Bun.sleep(5);
        running -= 1;
        return items.map(ok);
      },
    });
    const results: Promise<number>[] = [];
    for (let i = 0; i < 30; i += 1) {
      results.push(b.submit(i));
      if (i % 3 === 0) await Bun.sleep(1);
    }
    expect(await Promise.all(results)).toEqual(Array.from({ length: 30 }, (_, i) => i));
    expect(mostRunning).toBe(2);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4);
    expect(sizes.length).toBeLessThan(30);
  });

  test("an item's own failure reaches only its caller", async () => {
    const b = createBatcher<number, number>({
      maxSize: 10,
      maxConcurrent: 1,
      run: async (items) => items.map((n) => (n === 2 ? { ok: false, error: new Error("two") } : ok(n))),
    });
    const [one, two, three] = await Promise.allSettled([1, 2, 3].map((n) => b.submit(n)));
    expect(one).toEqual({ status: "fulfilled", value: 1 });
    expect(two?.status === "rejected" && (two.reason as Error).message).toBe("two");
    expect(three).toEqual({ status: "fulfilled", value: 3 });
  });

  test("a batch that fails as a whole is run again item by item, so only the bad item fails", async () => {
    const runs: number[][] = [];
    const b = createBatcher<number, number>({
      maxSize: 10,
      maxConcurrent: 1,
      run: async (items) => {
        runs.push(items);
        if (items.includes(13)) throw new Error("unlucky");
        return items.map(ok);
      },
    });
    const settled = await Promise.allSettled([11, 12, 13, 14].map((n) => b.submit(n)));
    expect(settled.map((s) => s.status)).toEqual(["fulfilled", "fulfilled", "rejected", "fulfilled"]);
    expect(runs).toEqual([[11, 12, 13, 14], [11], [12], [13], [14]]);
  });
});
