/**
 * HTTP: the connection contract and the built-in HTTP/1.1 keep-alive client, its incremental
 * response parser, the fetch engine, and the one timer that enforces every connection's timeout.
 *
 * @module
 */

export * from "./connection.ts";
export * from "./parser.ts";
export * from "./fetch.ts";
export * from "./watchdog.ts";
export * from "./dial.ts";
export * from "./io.ts";
