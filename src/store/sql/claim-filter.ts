import type { ClaimedDelivery } from "../store.js";
import { applicationFromRow, deliveryFromRow, endpointFromRow, messageFromRow } from "./rows.js";
import type { ApplicationRow, DeliveryRow, EndpointRow, MessageRow } from "./schema.js";

export interface ClaimSorting {
  sendable: ClaimedDelivery[];
  /** Deliveries that can never be sent: the claim cancels them (status canceled, no attempt row). */
  cancelIds: string[];
}

/**
 * Decides which claimed deliveries are sent. A delivery is canceled instead when, by the time it comes due, its
 * endpoint was deleted or disabled, its application deleted, or its message's payload expunged or expired: none of
 * those can be undone into a meaningful send (re-enabling an endpoint does not replay what was skipped, as in Svix;
 * "recover" is the way to resend). Deleting an endpoint therefore costs nothing up front; its queue drains here.
 */
export function sortClaimed(
  deliveries: readonly DeliveryRow[],
  messages: ReadonlyMap<string, Omit<MessageRow, "idempotency_key">>,
  endpoints: ReadonlyMap<string, EndpointRow>,
  applications: ReadonlyMap<string, ApplicationRow>,
  now: number,
): ClaimSorting {
  const result: ClaimSorting = { sendable: [], cancelIds: [] };
  // A batch's deliveries share few messages, endpoints and applications: each row is converted once (an
  // endpoint's conversion parses its JSON columns) and the deliveries share the read-only result.
  const toMessage = convertedOnce(messageFromRow);
  const toEndpoint = convertedOnce(endpointFromRow);
  const toApplication = convertedOnce(applicationFromRow);
  for (const delivery of deliveries) {
    const message = messages.get(delivery.message_id);
    const endpoint = endpoints.get(delivery.endpoint_id);
    const application = applications.get(delivery.app_id);
    const sendable =
      message !== undefined &&
      message.payload !== null &&
      message.payload_expires_at > now &&
      endpoint !== undefined &&
      endpoint.deleted_at === null &&
      endpoint.disabled === 0 &&
      application !== undefined &&
      application.deleted_at === null;
    if (!sendable) {
      result.cancelIds.push(delivery.id);
      continue;
    }
    result.sendable.push({
      delivery: deliveryFromRow(delivery),
      message: toMessage(message),
      endpoint: toEndpoint(endpoint),
      application: toApplication(application),
    });
  }
  return result;
}

function convertedOnce<Row extends object, Converted>(
  convert: (row: Row) => Converted,
): (row: Row) => Converted {
  const converted = new Map<Row, Converted>();
  return (row) => {
    let value = converted.get(row);
    if (value === undefined) {
      value = convert(row);
      converted.set(row, value);
    }
    return value;
  };
}
