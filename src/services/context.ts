import type { Logger } from "pino";
import type { EpochMs } from "../domain/types.js";
import type { Store } from "../store/store.js";

/** What every use case needs: explicit resources from the composition root, no module-level clients. */
export interface ServiceContext {
  store: Store;
  /** The clock, injectable for tests. */
  now: () => EpochMs;
  log: Logger;
}
