package org.smartbff.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.StoreUnavailableException;

import io.smallrye.mutiny.Uni;

/** The refreshed session held between the server's rotation and the Redis write. */
class UnsavedRefreshesTest {

    private static final Duration PATIENCE = Duration.ofSeconds(10);
    private final SessionId id = SessionId.generate();
    private final List<SessionRecord> written = new ArrayList<>();
    private final AtomicInteger refusals = new AtomicInteger();

    /** Redis that refuses the first {@code refusals} writes, then takes them. */
    private final UnsavedRefreshes unsaved = new UnsavedRefreshes((sessionId, record) -> {
        if (refusals.getAndDecrement() > 0) {
            return Uni.createFrom().failure(new StoreUnavailableException(new IOException("Redis is away")));
        }
        written.add(record);
        return Uni.createFrom().voidItem();
    });

    private static SessionRecord record(String accessToken) {
        return new SessionRecord("default", accessToken, 1_000, "rt-" + accessToken, "patient/*.read", null, null, 0,
                Long.MAX_VALUE, 0);
    }

    @Test
    void a_write_that_fails_briefly_is_tried_again_and_nothing_is_kept() {
        refusals.set(UnsavedRefreshes.SAVE_ATTEMPTS - 1);
        unsaved.save(id, record("at-1")).await().atMost(PATIENCE);

        assertEquals(List.of(record("at-1")), written);
        assertFalse(unsaved.holds(id));
    }

    @Test
    void a_write_redis_keeps_refusing_is_kept_and_the_save_still_succeeds() {
        refusals.set(UnsavedRefreshes.SAVE_ATTEMPTS);
        SessionRecord refreshed = record("at-1");
        unsaved.save(id, refreshed).await().atMost(PATIENCE);

        assertTrue(written.isEmpty());
        assertTrue(unsaved.holds(id));
        assertSame(refreshed, unsaved.newer(id));
    }

    @Test
    void a_later_successful_write_forgets_the_older_kept_record() {
        refusals.set(UnsavedRefreshes.SAVE_ATTEMPTS);
        unsaved.save(id, record("at-1")).await().atMost(PATIENCE);
        unsaved.save(id, record("at-2")).await().atMost(PATIENCE);

        assertEquals(List.of(record("at-2")), written);
        assertNull(unsaved.newer(id));
    }

    @Test
    void a_logout_takes_the_kept_record_once() {
        refusals.set(UnsavedRefreshes.SAVE_ATTEMPTS);
        unsaved.save(id, record("at-1")).await().atMost(PATIENCE);

        assertEquals(record("at-1"), unsaved.take(id));
        assertNull(unsaved.take(id));
        assertFalse(unsaved.holds(id));
    }

    @Test
    void an_ended_session_is_forgotten_and_other_sessions_are_not() {
        SessionId other = SessionId.generate();
        refusals.set(2 * UnsavedRefreshes.SAVE_ATTEMPTS);
        unsaved.save(id, record("at-1")).await().atMost(PATIENCE);
        unsaved.save(other, record("at-9")).await().atMost(PATIENCE);

        unsaved.forget(id);
        assertFalse(unsaved.holds(id));
        assertEquals(record("at-9"), unsaved.newer(other));
    }
}
