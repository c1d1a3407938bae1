import type { ServiceContext } from "./context.js";

export interface HealthService {
  /** "ok" when the store answers a round trip, else "error" (logged). */
  database(): Promise<"ok" | "error">;
}

export function createHealthService(ctx: ServiceContext): HealthService {
  return {
    async database() {
      try {
        await ctx.store.ping();
        return "ok";
      } catch (error) {
        ctx.log.error({ err: error }, "health check: store ping failed");
        return "error";
      }
    },
  };
}
