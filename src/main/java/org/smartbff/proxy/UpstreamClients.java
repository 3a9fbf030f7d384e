package org.smartbff.proxy;

import io.vertx.core.http.HttpClient;

/**
 * The HTTP clients towards FHIR servers: the pooled keep-alive one every call uses, and one that opens a new
 * connection for each request, for the single resend of a call whose pooled connection closed under it. A resend
 * through the pool could pick another connection closing at the same moment (connections opened together in a burst
 * reach their keep-alive end together), and fail the same way.
 */
record UpstreamClients(HttpClient pooled, HttpClient fresh) {
}
