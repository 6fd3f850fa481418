import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { connect } from "nats";
import { freePort, listening } from "./ports.ts";

/** One node of a throwaway cluster: client port, route port, its own JetStream store. */
class Node {
  readonly port = freePort();
  readonly routePort = freePort();
  readonly dir = mkdtempSync(join(tmpdir(), "portico-cluster-"));
  proc?: Subprocess;
  constructor(readonly name: string) {}
}

/**
 * A three-node NATS cluster with JetStream on loopback ports, owned by one test, so a node can be
 * stopped under load. Clients connect with `url` (all three servers).
 */
export class ThrowawayCluster implements AsyncDisposable {
  readonly nodes = [new Node("n1"), new Node("n2"), new Node("n3")];
  readonly url = this.nodes.map((n) => `nats://127.0.0.1:${n.port}`).join(",");

  async startNode(node: Node): Promise<void> {
    const routes = this.nodes.filter((n) => n !== node).map((n) => `nats://127.0.0.1:${n.routePort}`);
    node.proc = Bun.spawn(
      [
        "/usr/sbin/nats-server",
        "-a",
        "127.0.0.1",
        "-p",
        String(node.port),
        "-js",
        "-sd",
        node.dir,
        "--server_name",
        node.name,
        "--cluster_name",
        "portico-test",
        "--cluster",
        `nats://127.0.0.1:${node.routePort}`,
        "--routes",
        routes.join(","),
      ],
      { stdout: "ignore", stderr: "ignore" },
    );
    const until = Date.now() + 5000;
    while (Date.now() < until && !(await listening(node.port))) await Bun.sleep(50);
  }

  /** Starts every node and waits until the cluster can hold a stream with three replicas. */
  async start(): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.startNode(n)));
    const nc = await connect({ servers: this.url.split(","), maxReconnectAttempts: -1 });
    try {
      const until = Date.now() + 30_000;
      for (;;) {
        const ok = await nc
          .jetstreamManager({ timeout: 2000 })
          .then(async (jsm) => {
            await jsm.streams.add({ name: "probe", subjects: ["probe.>"], num_replicas: 3 });
            await jsm.streams.delete("probe");
            return true;
          })
          .catch(() => false);
        if (ok) return;
        if (Date.now() > until) throw new Error("the NATS cluster did not become ready");
        await Bun.sleep(500);
      }
    } finally {
      await nc.close();
    }
  }

  async stopNode(node: Node): Promise<void> {
    node.proc?.kill("SIGKILL");
    await node.proc?.exited;
    node.proc = undefined;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await Promise.all(this.nodes.map((n) => this.stopNode(n)));
    for (const n of this.nodes) rmSync(n.dir, { recursive: true, force: true });
  }
}
