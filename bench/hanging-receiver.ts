/** The bench's side of the hanging receiver child process (hanging-receiver-process.ts). */
import { BenchChild } from "./child.js";
import type { HangingReceiverStats } from "./hanging-receiver-process.js";

export type { HangingReceiverStats };

export interface HangingReceiver {
  url: string;
  stats(): Promise<HangingReceiverStats>;
  close(): Promise<void>;
}

export async function startHangingReceiver(): Promise<HangingReceiver> {
  const { child, ready } = await BenchChild.start(new URL("./hanging-receiver-process.js", import.meta.url));
  return {
    url: String(ready["url"]),
    async stats() {
      return (await child.ask({ type: "stats" }))["stats"] as HangingReceiverStats;
    },
    close: () => child.close(),
  };
}
