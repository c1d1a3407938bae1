import type { EndpointId } from "../src/domain/ids.js";
import { api, type BenchHerald } from "./harness.js";

export const BENCH_EVENT_TYPE = "invoice.paid";
export const ENDPOINTS_PER_APP = 3;

/** The `invoice.paid` event type and one application with three endpoints at `<receiverUrl>/hook/1..3`. */
export async function createBenchApplication(
  bench: BenchHerald,
  receiverUrl: string,
): Promise<{ appId: string; endpointIds: EndpointId[] }> {
  await api(bench, "POST", "/api/v1/event-type", {
    name: BENCH_EVENT_TYPE,
    description: "An invoice was paid",
  });
  const app = await api(bench, "POST", "/api/v1/app", { name: "Bench app" });
  const appId = String(app["id"]);
  const endpointIds: EndpointId[] = [];
  for (let index = 1; index <= ENDPOINTS_PER_APP; index++) {
    const endpoint = await api(bench, "POST", `/api/v1/app/${appId}/endpoint`, {
      url: `${receiverUrl}/hook/${index}`,
      description: `endpoint ${index}`,
    });
    endpointIds.push(String(endpoint["id"]) as EndpointId);
  }
  return { appId, endpointIds };
}
