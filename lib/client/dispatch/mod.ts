/**
 * Dispatch: the bounded queue between the pacer and the consumers (its credits are the
 * backpressure), the consumers that take a tick, wait for its slot and send it, and Little's law
 * for how many consumers a rate needs, and the virtual users of the closed model.
 *
 * @module
 */

export * from "./queue.ts";
export * from "./consumer.ts";
export * from "./sizing.ts";
export * from "./consumer_set.ts";
export * from "./virtual_users.ts";
