import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

/** An alert that reached the collector. */
export interface CollectedAlert {
  path: string;
  body: any;
}

/** An HTTP endpoint that records the alerts POSTed to it, and can answer the first N with 503. */
export interface AlertCollector {
  url: string;
  /** Alerts answered 2xx, in arrival order. */
  alerts: CollectedAlert[];
  /** Every request, failed ones too. */
  requests: number;
  /** Answer the next `n` requests with 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

/** Start an alert collector on a free loopback port. */
export async function startAlertCollector(): Promise<AlertCollector> {
  let failing = 0;
  const collector: Omit<AlertCollector, "url" | "close"> = { alerts: [], requests: 0, failNext: (n) => (failing = n) };
  const server = createServer((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      collector.requests++;
      if (failing > 0) {
        failing--;
        res.writeHead(503).end("try later");
        return;
      }
      collector.alerts.push({ path: req.url ?? "/", body: JSON.parse(text) });
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(collector as AlertCollector, {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
