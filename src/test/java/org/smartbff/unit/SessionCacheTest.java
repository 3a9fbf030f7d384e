package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCache;
import org.smartbff.session.SessionRecord;

/** When a session may be served from memory: only what the change feed vouches for, never after a missed change. */
class SessionCacheTest {

    private static final String KEY = "smart-bff:session:aa";
    private static final Duration TTL = Duration.ofSeconds(5);
    private static final Duration STALE_AFTER = Duration.ofSeconds(3);

    /** The cache's monotonic ticker, moved by the test. */
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final SessionCache cache = new SessionCache(nanos::get, TTL, STALE_AFTER, 3);
    private final SessionRecord record = record("at-1");

    @BeforeEach
    void listening() {
        cache.listening();
    }

    @Test
    void a_read_made_while_listening_is_served_until_the_ttl() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        assertSame(record, cache.trusted(KEY));
        advance(TTL.minusMillis(1));
        cache.heard(cache.now());
        assertSame(record, cache.trusted(KEY));
        advance(Duration.ofMillis(1));
        assertNull(cache.trusted(KEY), "read again once the ttl has passed");
        assertSame(record, cache.opened(KEY, "v1"), "but the same value need not be opened again");
        assertNull(cache.opened(KEY, "v2"));
    }

    @Test
    void a_change_announced_here_or_elsewhere_drops_the_session_at_once() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        cache.changed(KEY);
        assertNull(cache.trusted(KEY));
        assertNull(cache.opened(KEY, "v1"));
    }

    @Test
    void redis_losing_its_data_drops_every_session_and_any_read_in_flight() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        cache.read("smart-bff:session:bb", "v2", record, cache.beforeRead());
        long ticket = cache.beforeRead();
        cache.forgetAll();
        cache.read("smart-bff:session:cc", "v3", record, ticket);
        assertNull(cache.trusted(KEY));
        assertNull(cache.trusted("smart-bff:session:bb"));
        assertNull(cache.trusted("smart-bff:session:cc"), "read before the flush was announced");
        assertEquals(0, cache.size());
    }

    @Test
    void a_read_that_overlapped_any_announcement_is_used_once_but_not_kept() {
        long ticket = cache.beforeRead();
        cache.changed(KEY); // announced while the GET was on its way: its answer may be the old value
        cache.read(KEY, "v1", record, ticket);
        assertNull(cache.trusted(KEY));
    }

    @Test
    void nothing_is_trusted_while_the_feed_does_not_listen_nor_after_it_listens_again() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        cache.notListening();
        assertFalse(cache.isListening());
        assertNull(cache.trusted(KEY));
        // A change may have been announced while nobody listened: what was read before is never trusted again.
        cache.listening();
        assertNull(cache.trusted(KEY));
        cache.read(KEY, "v1", record, cache.beforeRead());
        assertSame(record, cache.trusted(KEY));
    }

    @Test
    void a_read_made_while_not_listening_is_not_trusted_when_the_feed_comes_back() {
        cache.notListening();
        long ticket = cache.beforeRead();
        cache.read(KEY, "v1", record, ticket);
        cache.listening();
        assertNull(cache.trusted(KEY));
        long during = cache.beforeRead();
        cache.notListening();
        cache.listening(); // the feed bounced while this read was out
        cache.read(KEY, "v1", record, during);
        assertNull(cache.trusted(KEY));
    }

    @Test
    void a_feed_silent_for_longer_than_stale_after_is_not_trusted() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        advance(STALE_AFTER);
        assertNull(cache.trusted(KEY), "three heartbeats missed: the connection may be dead without a word");
        assertFalse(cache.trustsMemory());
        cache.heard(cache.now());
        assertTrue(cache.trustsMemory());
        assertSame(record, cache.trusted(KEY), "heard again, and the entry is still young");
    }

    @Test
    void a_heartbeat_counts_from_when_it_was_sent_not_when_it_arrived() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        long sent = cache.now();
        advance(STALE_AFTER.plusSeconds(7)); // the loop holding the subscription was stalled for 10 s
        cache.heard(sent);
        assertNull(cache.trusted(KEY), "what was announced after that heartbeat may still be queued behind it");
        assertTrue(cache.silent());
        cache.heard(cache.now());
        assertFalse(cache.silent());
    }

    @Test
    void entries_older_than_the_ttl_are_swept() {
        cache.read(KEY, "v1", record, cache.beforeRead());
        advance(TTL);
        cache.read(KEY + "b", "v2", record, cache.beforeRead());
        cache.sweep();
        assertEquals(1, cache.size());
        assertNull(cache.opened(KEY, "v1"), "no decrypted tokens kept for a session idle past the ttl");
    }

    @Test
    void the_cache_is_bounded() {
        for (int i = 0; i < 10; i++) {
            cache.read(KEY + i, "v", record, cache.beforeRead());
        }
        assertEquals(3, cache.size());
    }

    @Test
    void a_zero_ttl_turns_it_off() {
        SessionCache off = new SessionCache(nanos::get, Duration.ZERO, STALE_AFTER, 3);
        off.listening();
        off.read(KEY, "v1", record, off.beforeRead());
        assertFalse(off.enabled());
        assertNull(off.trusted(KEY));
        assertTrue(cache.enabled());
    }

    private static SessionRecord record(String accessToken) {
        return new SessionRecord("default", accessToken, 0, null, "patient/*.read", null, null, 0, Long.MAX_VALUE, 0);
    }

    private void advance(Duration duration) {
        nanos.addAndGet(duration.toNanos());
    }
}
