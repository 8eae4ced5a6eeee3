import { startWebhookReceiver, type WebhookReceiver } from "@reverse-etl/destination-webhook/emulator";
import { startFaultProxy, type FaultProxy } from "@reverse-etl/testkit";

/** The receiver's records in the same shape as `modelRowsIn`: key -> fields. */
export function receivedRows(receiver: WebhookReceiver): Map<string, Record<string, unknown>> {
  return new Map([...receiver.records].map(([key, record]) => [key, { ...record.fields }]));
}

/**
 * A webhook receiver behind the testkit's fault proxy, which holds every request back `delayMs` so that a
 * run takes a while (and kills land in the middle of sending). Point the sync at `proxy.url`. A request
 * whose sender died meanwhile still reaches the receiver, as on a real network.
 */
export async function startSlowReceiver(delayMs: number): Promise<{ receiver: WebhookReceiver; proxy: FaultProxy }> {
  const receiver = await startWebhookReceiver();
  const proxy = await startFaultProxy({ target: receiver.url, faults: [{ fault: { delayMs } }] });
  return { receiver, proxy };
}
