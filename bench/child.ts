/**
 * Bench helpers that run in child processes (the receiver, the open-loop load generator), so that their CPU is
 * theirs and not Herald's, and so that each can be measured on its own. They talk to the bench over Node's IPC
 * channel with the structured-clone ("advanced") serialization, which carries typed arrays as they are.
 *
 * Protocol: the child sends `{ type: "ready", ... }` once listening; each request from the bench carries an
 * `id`, and the child answers with a message carrying the same `id`. `{ type: "exit" }` ends the child.
 */
import { fork, type ChildProcess } from "node:child_process";

export interface ChildMessage {
  type: string;
  id?: number;
  [field: string]: unknown;
}

export class BenchChild {
  private nextId = 1;
  private readonly pending = new Map<
    number,
    { resolve: (reply: ChildMessage) => void; reject: (error: Error) => void }
  >();
  private exited: Promise<void>;

  private constructor(private readonly child: ChildProcess) {
    this.exited = new Promise((resolve) => child.once("exit", () => resolve()));
    child.on("message", (message: ChildMessage) => {
      if (message.id === undefined) return;
      const waiter = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiter?.resolve(message);
    });
    child.once("exit", (code, signal) => {
      const error = new Error(`bench child exited (${signal ?? code})`);
      for (const waiter of this.pending.values()) waiter.reject(error);
      this.pending.clear();
    });
  }

  /** Forks `script` (a compiled bench module) and resolves with its `ready` message. */
  static async start(
    script: URL,
    args: readonly string[] = [],
  ): Promise<{ child: BenchChild; ready: ChildMessage }> {
    // No execArgv: a `--cpu-prof` given to the bench profiles Herald, not its helpers.
    const forked = fork(script, [...args], { serialization: "advanced", execArgv: [], stdio: "inherit" });
    const child = new BenchChild(forked);
    const ready = await new Promise<ChildMessage>((resolve, reject) => {
      forked.once("error", reject);
      forked.once("exit", (code) => reject(new Error(`bench child exited with ${code} before it was ready`)));
      forked.on("message", function onReady(message: ChildMessage) {
        if (message.type !== "ready") return;
        forked.off("message", onReady);
        resolve(message);
      });
    });
    return { child, ready };
  }

  /** Sends a request and resolves with the child's answer to it. */
  ask(message: ChildMessage): Promise<ChildMessage> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ ...message, id });
    });
  }

  /** Asks the child to exit; kills it if it has not within two seconds. */
  async close(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    if (this.child.connected) this.child.send({ type: "exit" });
    const timer = setTimeout(() => this.child.kill("SIGKILL"), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

/** The child's side: answers each request with `handle`'s result and exits on `{ type: "exit" }`. */
export function serveParent(
  handle: (message: ChildMessage) => Promise<Record<string, unknown>> | Record<string, unknown>,
  onExit: () => Promise<void> | void,
): void {
  process.on("message", (message: ChildMessage) => {
    if (message.type === "exit") {
      void Promise.resolve(onExit()).finally(() => process.exit(0));
      return;
    }
    Promise.resolve(handle(message)).then(
      (reply) => process.send?.({ type: `${message.type}:reply`, ...reply, id: message.id }),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  });
  // The bench went away without saying so: do not outlive it.
  process.on("disconnect", () => process.exit(0));
}
