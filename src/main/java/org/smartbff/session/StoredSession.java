package org.smartbff.session;

import org.smartbff.smart.IdTokenClaims;

import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A session as it is written to Redis (JSON, then sealed), apart from the domain {@link SessionRecord}, so that the
 * domain type can change without breaking the sessions already stored: during a rolling upgrade, replicas of two
 * versions read each other's records.
 *
 * <p>
 * Versions ({@code v}):
 * <ul>
 * <li>absent (read as 0): written before the stored form had a version. The same members as 1, and
 * {@code accessTokenIssuedAt} is absent (0) in records older still.</li>
 * <li>1: these members.</li>
 * </ul>
 * A change that only adds a member keeps the version: a reader ignores members it does not know (see
 * {@link SealedJson}) and reads a missing one as 0 or null. A change that removes, renames or gives a member another
 * meaning makes a new version, which this class maps from for as long as such records can be in Redis. A record of a
 * version newer than this replica knows does not open: it is treated as no session, rather than read wrongly.
 *
 * <p>
 * Members are named as they were in Redis before the version existed; they are the format, not the domain's names.
 */
public record StoredSession(int v, String server, String accessToken, long accessTokenExpiresAt, String refreshToken,
        String scope, Identity identity, ObjectNode context, long createdAt, long expiresAt, long grantExpiresAt,
        long accessTokenIssuedAt) {

    /** The version this replica writes. */
    public static final int VERSION = 1;

    /** The stored form of {@link IdTokenClaims}. */
    public record Identity(String issuer, String subject, String fhirUser, String name) {
    }

    public static StoredSession of(SessionRecord record) {
        IdTokenClaims claims = record.identity();
        Identity identity = claims == null ? null
                : new Identity(claims.issuer(), claims.subject(), claims.fhirUser(), claims.name());
        return new StoredSession(VERSION, record.server(), record.accessToken(), record.accessTokenExpiresAt(),
                record.refreshToken(), record.scope(), identity, record.context(), record.createdAt(),
                record.expiresAt(), record.grantExpiresAt(), record.accessTokenIssuedAt());
    }

    /** @throws UnreadableRecordException when the record was written in a version newer than this one */
    public SessionRecord toRecord() {
        if (v > VERSION) {
            throw new UnreadableRecordException("session record of format v" + v + ", newer than v" + VERSION);
        }
        // Versions 0 and 1 have the same members; 0 may lack accessTokenIssuedAt, which SessionRecord reads as unknown.
        IdTokenClaims claims = identity == null ? null
                : new IdTokenClaims(identity.issuer(), identity.subject(), identity.fhirUser(), identity.name());
        return new SessionRecord(server, accessToken, accessTokenExpiresAt, refreshToken, scope, claims, context,
                createdAt, expiresAt, grantExpiresAt, accessTokenIssuedAt);
    }

    /** The tokens stay out of logs. */
    @Override
    public String toString() {
        return "StoredSession[v=" + v + ", server=" + server + ", accessToken="
                + (accessToken != null ? "present" : "absent") + ", refreshToken="
                + (refreshToken != null ? "present" : "absent") + ", expiresAt=" + expiresAt + "]";
    }
}
