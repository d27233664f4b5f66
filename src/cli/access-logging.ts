/**
 * Joins the wire to the log: what the HTTP layer reports about an answered request,
 * as the record the access-log formats expect.
 */
import type { CompletedExchange } from '../http/handler.js';
import type { AccessRecord } from '../log/access-record.js';

export function toAccessRecord(exchange: CompletedExchange): AccessRecord {
  return {
    remoteAddress: exchange.peer.remoteAddress,
    user: exchange.user,
    time: new Date(exchange.receivedAt),
    requestLine: exchange.requestLine,
    status: exchange.status,
    bytes: exchange.bodyBytes,
    referer: exchange.referer,
    userAgent: exchange.userAgent,
  };
}
