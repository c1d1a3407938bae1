/** The bench's side of the open-loop load generator child process (open-loop-process.ts). */
import { BenchChild } from "./child.js";
import type { OpenLoopResult, OpenLoopSpec } from "./open-loop-process.js";

export type { OpenLoopResult, OpenLoopSpec };

export interface OpenLoopGenerator {
  clock(): Promise<number>;
  run(spec: OpenLoopSpec): Promise<OpenLoopResult>;
  close(): Promise<void>;
}

export async function startOpenLoopGenerator(): Promise<OpenLoopGenerator> {
  const { child } = await BenchChild.start(new URL("./open-loop-process.js", import.meta.url));
  return {
    async clock() {
      return (await child.ask({ type: "clock" }))["at"] as number;
    },
    async run(spec) {
      return (await child.ask({ type: "run", spec }))["result"] as OpenLoopResult;
    },
    close: () => child.close(),
  };
}
