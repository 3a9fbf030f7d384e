package org.smartbff.session;

import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * When an online session's idle expiry is pushed forward in Redis: the first time this replica sees the session, then
 * at most once per tenth of the idle timeout, so an active session costs one {@code PEXPIREAT} per tenth instead of one
 * per request. The memory is per replica and only saves Redis commands: forgetting a key (or everything, past
 * {@code maxRemembered} sessions) makes the next use touch again, which is never wrong.
 */
public final class TouchThrottle {

    private final Clock clock;
    private final long intervalMillis;
    private final int maxRemembered;
    /** When each session's TTL was last pushed forward, by key, in epoch milliseconds. */
    private final Map<String, Long> lastTouched = new ConcurrentHashMap<>();

    public TouchThrottle(Clock clock, Duration idleTimeout, int maxRemembered) {
        this.clock = clock;
        this.intervalMillis = idleTimeout.toMillis() / 10;
        this.maxRemembered = maxRemembered;
    }

    /**
     * Whether the session under {@code key} is due for a touch now; when it is, the touch counts as made. Two callers at
     * once get one {@code true}.
     */
    public boolean due(String key) {
        long now = clock.millis();
        if (lastTouched.size() > maxRemembered) {
            lastTouched.clear();
        }
        boolean[] due = { false };
        lastTouched.compute(key, (ignored, last) -> {
            due[0] = last == null || now - last >= intervalMillis;
            return due[0] ? now : last;
        });
        return due[0];
    }

    /** The session ended: nothing to extend, and its key leaves the memory. */
    public void forget(String key) {
        lastTouched.remove(key);
    }
}
