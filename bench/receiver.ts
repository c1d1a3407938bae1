/** The bench's side of the receiver child process (receiver-process.ts). */
import { BenchChild } from "./child.js";
import type { ReceiverLedger } from "./receiver-process.js";

export type { ReceiverLedger };

export interface ReceiverProcess {
  url: string;
  ledger(): Promise<ReceiverLedger>;
  /** For each payload that carried a scheduled time: when it was scheduled and when it arrived (epoch ms). */
  samples(): Promise<{ scheduledAt: Float64Array; receivedAt: Float64Array }>;
  /** The receiver's clock reading, for checking it against ours. */
  clock(): Promise<number>;
  close(): Promise<void>;
}

export async function startReceiverProcess(): Promise<ReceiverProcess> {
  const { child, ready } = await BenchChild.start(new URL("./receiver-process.js", import.meta.url));
  return {
    url: String(ready["url"]),
    async ledger() {
      return (await child.ask({ type: "ledger" }))["ledger"] as ReceiverLedger;
    },
    async samples() {
      const reply = await child.ask({ type: "samples" });
      return {
        scheduledAt: reply["scheduledAt"] as Float64Array,
        receivedAt: reply["receivedAt"] as Float64Array,
      };
    },
    async clock() {
      return (await child.ask({ type: "clock" }))["at"] as number;
    },
    close: () => child.close(),
  };
}
