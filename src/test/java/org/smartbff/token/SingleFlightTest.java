package org.smartbff.token;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.StoreUnavailableException;
import org.smartbff.testsupport.MutableClock;

import io.smallrye.mutiny.Uni;

/**
 * One refresh per session in a process, and the pause after one that failed. The refresh behind it is a hand-written
 * fake whose answer the test gives when it chooses: no timing, no server.
 */
class SingleFlightTest {

    private final MutableClock clock = new MutableClock();
    private final RefreshPolicy policy = new RefreshPolicy(Duration.ofSeconds(60));
    private final RefreshPauses pauses = new RefreshPauses(policy, clock);
    /** The answers of the refreshes started so far, in order; each completes when the test says. */
    private final List<CompletableFuture<TokenOutcome>> started = new ArrayList<>();
    private final SingleFlight flights = new SingleFlight((id, due, reason) -> {
        CompletableFuture<TokenOutcome> answer = new CompletableFuture<>();
        started.add(answer);
        return Uni.createFrom().completionStage(answer);
    }, pauses, policy, clock);
    private final SessionId id = SessionId.generate();
    private final SessionRecord seen = new SessionRecord("default", "at-1", clock.instant().getEpochSecond() + 30,
            "rt-1", "patient/*.read", null, null, 0, Long.MAX_VALUE, 0);
    private final TokenOutcome.Ready refreshed = new TokenOutcome.Ready(new SessionRecord("default", "at-2",
            clock.instant().getEpochSecond() + 3600, "rt-2", "patient/*.read", null, null, 0, Long.MAX_VALUE, 0));

    private CompletableFuture<TokenOutcome> ask() {
        return flights.refresh(id, seen, RefreshReason.EXPIRED, current -> true).subscribeAsCompletionStage()
                .toCompletableFuture();
    }

    private static TokenOutcome outcome(CompletableFuture<TokenOutcome> call) throws Exception {
        return call.get(10, TimeUnit.SECONDS);
    }

    @Test
    void callers_meanwhile_share_the_one_refresh_in_flight() throws Exception {
        List<CompletableFuture<TokenOutcome>> callers = List.of(ask(), ask(), ask());
        assertEquals(1, started.size(), "one refresh for three callers");
        assertFalse(callers.get(0).isDone());

        started.get(0).complete(refreshed);
        for (CompletableFuture<TokenOutcome> caller : callers) {
            assertSame(refreshed, outcome(caller));
        }
    }

    @Test
    void a_caller_after_the_refresh_ended_starts_from_the_saved_session() throws Exception {
        CompletableFuture<TokenOutcome> first = ask();
        started.get(0).complete(refreshed);
        outcome(first);

        ask();
        assertEquals(2, started.size());
    }

    @Test
    void an_unavailable_server_pauses_the_next_attempt_for_that_token() throws Exception {
        CompletableFuture<TokenOutcome> first = ask();
        TokenOutcome.Unavailable down = new TokenOutcome.Unavailable("the authorization server is not available");
        started.get(0).complete(down);
        assertSame(down, outcome(first));
        assertNotNull(pauses.of(id));

        assertSame(SingleFlight.PAUSED, outcome(ask()), "refused at once during the pause");
        assertEquals(1, started.size(), "no attempt during the pause");

        clock.advance(RefreshPolicy.LONGEST_PAUSE);
        CompletableFuture<TokenOutcome> after = ask();
        assertEquals(2, started.size(), "the first caller after the pause tries again");
        started.get(1).complete(refreshed);
        assertSame(refreshed, outcome(after));
        assertNull(pauses.of(id), "success ends the pause");
    }

    @Test
    void an_ended_session_leaves_no_pause_behind() throws Exception {
        pauses.failed(id, RefreshPolicy.TokenLife.of(seen));
        clock.advance(RefreshPolicy.LONGEST_PAUSE);
        CompletableFuture<TokenOutcome> call = ask();
        TokenOutcome.SessionEnded ended = new TokenOutcome.SessionEnded("the authorization server ended the grant");
        started.get(0).complete(ended);

        assertSame(ended, outcome(call));
        assertNull(pauses.of(id));
    }

    @Test
    void an_unexpected_failure_reaches_every_caller_and_pauses_nothing() throws Exception {
        CompletableFuture<TokenOutcome> first = ask();
        CompletableFuture<TokenOutcome> second = ask();
        started.get(0).completeExceptionally(new StoreUnavailableException(new IOException("Redis is away")));

        for (CompletableFuture<TokenOutcome> caller : List.of(first, second)) {
            ExecutionException failure = assertThrows(ExecutionException.class,
                    () -> outcome(caller));
            assertTrue(failure.getCause() instanceof StoreUnavailableException, failure.toString());
        }
        assertNull(pauses.of(id), "Redis is not the token endpoint's load");
        ask();
        assertEquals(2, started.size(), "the next caller tries again at once");
    }
}
