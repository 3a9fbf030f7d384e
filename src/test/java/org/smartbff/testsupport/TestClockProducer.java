package org.smartbff.testsupport;

import java.time.Clock;

import jakarta.annotation.Priority;
import jakarta.enterprise.inject.Alternative;
import jakarta.enterprise.inject.Produces;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Singleton;

/** Replaces the system clock in tests by one {@link MutableClock}, which tests inject to move time. */
public class TestClockProducer {

    private static final MutableClock CLOCK = new MutableClock();

    @Produces
    @Singleton
    @Typed(MutableClock.class)
    MutableClock mutableClock() {
        return CLOCK;
    }

    @Produces
    @Singleton
    @Alternative
    @Priority(1)
    Clock clock() {
        return CLOCK;
    }
}
