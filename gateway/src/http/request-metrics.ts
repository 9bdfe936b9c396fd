/**
 * HTTP requests by method, route pattern and status, with a latency histogram
 * (docs/operator-guide.md "Metrics"). The label is the route as declared (`/api/v1/cards/:number`),
 * never the path a client sent: card numbers in labels would be personal data and unbounded.
 */
import type { MiddlewareHandler } from 'hono';
import { routePath } from 'hono/route';
import type { GatewayMetrics } from '../metrics.js';

export function countRequests(metrics: GatewayMetrics): MiddlewareHandler {
  return async (c, next) => {
    const began = performance.now();
    try {
      await next();
    } finally {
      // The last route matched is the handler for this method and path, also when a middleware
      // answered first (401, 429); only middlewares ('…*') matched means there is no such route.
      const matched = routePath(c, -1);
      const route = matched.endsWith('*') ? 'unmatched' : matched;
      const method = c.req.method;
      metrics.httpRequests.inc({ method, route, status: String(c.res.status) });
      metrics.httpDuration.observe({ method, route }, (performance.now() - began) / 1000);
    }
  };
}
