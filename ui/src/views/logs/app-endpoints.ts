/**
 * The application's endpoints, for naming them in the delivery log and the health view and for their filter
 * pickers. One small list per application (endpoints are few), loaded once per view.
 */
import { seg } from "../../api/client";
import type { EndpointOut } from "../../api/types";
import { useResource, type Resource } from "../../lib/use-resource";
import { useAppScope } from "../../scope";

export interface AppEndpoints {
  list: EndpointOut[];
  byId: ReadonlyMap<string, EndpointOut>;
}

export function useAppEndpoints(): Resource<AppEndpoints> {
  const { api, app } = useAppScope();
  return useResource(`endpoints:${app.id}`, async () => {
    const list = await api.listAll<EndpointOut>(`/app/${seg(app.id)}/endpoint`);
    return { list, byId: new Map(list.map((endpoint) => [endpoint.id, endpoint])) };
  });
}

/** What people call an endpoint: its name, else its uid, else its URL's host. */
export function endpointLabel(endpoint: EndpointOut): string {
  if (endpoint.name.trim() !== "") return endpoint.name;
  if (endpoint.uid) return endpoint.uid;
  try {
    const url = new URL(endpoint.url);
    return url.host + (url.pathname === "/" ? "" : url.pathname);
  } catch {
    return endpoint.url;
  }
}

/** The label of an endpoint id, or the bare id when the endpoint is unknown (deleted since). */
export function labelOf(endpoints: AppEndpoints | undefined, endpointId: string): string {
  const endpoint = endpoints?.byId.get(endpointId);
  return endpoint ? endpointLabel(endpoint) : endpointId;
}
