package org.smartbff.proxy;

/** The bodies held whole by all calls together would pass their budget: this one is refused for now (503). */
final class HeldBodiesFullException extends RuntimeException {

    HeldBodiesFullException() {
        super("request bodies held at once are at their limit", null, false, false);
    }
}
