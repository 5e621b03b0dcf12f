/**
 * What the response parser gives: a parsed response, or one of its two failures (a response that
 * breaks the protocol, a connection closed before the response was complete).
 *
 * @module
 */

/** A parsed response. */
export interface ParsedResponse {
  status: number;
  /** Body bytes received (after de-chunking). */
  bodyBytes: number;
  /** Whether the connection may carry the next request. */
  keepAlive: boolean;
  /** Header and body bytes on the wire. */
  wireBytes: number;
}

/** A response that breaks the protocol. */
export class BadResponse extends Error {
  override name = "BadResponse";
}

/**
 * The server closed the connection before the response was complete: a reset, not a malformed
 * response (an overloaded server closes connections; `--adaptive` reads it as overload).
 */
export class ConnectionClosed extends Error {
  override name = "ConnectionClosed";
  /** Closed before any byte of a response (a kept-alive connection closed while idle). */
  readonly beforeResponse: boolean;
  constructor(beforeResponse: boolean) {
    super(
      beforeResponse ? "connection closed before a response" : "connection closed mid-response",
    );
    this.beforeResponse = beforeResponse;
  }
}
