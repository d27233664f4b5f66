/**
 * Joins the wire to the log: what the HTTP layer reports about an answered request, as the
 * record the access-log formats expect, and a writer of those records to a sink.
 */
import type { CompletedExchange } from '../http/handler.js';
import type { AccessRecord, LogFormat } from './access-record.js';
import { formatAccessLine } from './format.js';
import type { AccessLogSink } from './sink.js';

export function toAccessRecord(exchange: CompletedExchange): AccessRecord {
  return {
    remoteAddress: exchange.peer.remoteAddress,
    user: exchange.user,
    time: new Date(exchange.receivedAt),
    requestLine: exchange.requestLine,
    status: exchange.status,
    bytes: exchange.bodyBytes,
    durationUs: exchange.durationUs,
    referer: exchange.referer,
    userAgent: exchange.userAgent,
  };
}

/** One log line per answered exchange, in `format`, to `sink`. */
export function logExchangesTo(sink: AccessLogSink, format: LogFormat): (exchange: CompletedExchange) => void {
  return (exchange) => sink.write(formatAccessLine(toAccessRecord(exchange), format));
}
