package org.smartbff.proxy;

import java.util.concurrent.atomic.AtomicLong;

/**
 * A budget for the request bodies the proxy holds whole at once (for the scope guard, or to replay after a 401), shared
 * by every call of the service. Each body may be as large as {@code max-request-body}; without a bound on all of them
 * together, a few browsers posting large batches at the same moment could fill the heap (sized small in the image:
 * README.md, "JVM settings") and take the service down for everyone. A call that would pass the budget gets a 503
 * with Retry-After instead; its body is never read further. A body's share is the memory it occupies ({@link HeldBody}),
 * taken as its bytes come, before it is allocated, and given back when the call ends, however it ends.
 */
final class HeldBodies {

    private final long budget;
    private final AtomicLong held = new AtomicLong();

    HeldBodies(long budget) {
        this.budget = budget;
    }

    /** One call's share of the budget; {@link #release()} gives all of it back, once. */
    Share share() {
        return new Share();
    }

    /** Bytes held now; for tests and metrics. */
    long held() {
        return held.get();
    }

    final class Share {
        private long taken;
        private boolean released;

        /**
         * Takes {@code bytes} more for this call. When the budget cannot hold them, takes nothing and gives back all
         * this call held, in the same atomic step, and answers false: the call is refused and its body dropped. Doing
         * both at once means two calls racing for the last room never both lose, and a call that looks at the budget
         * never sees bytes only tried for.
         */
        boolean take(long bytes) {
            if (released) {
                return false;
            }
            while (true) {
                long now = held.get();
                if (now + bytes <= budget) {
                    if (held.compareAndSet(now, now + bytes)) {
                        taken += bytes;
                        return true;
                    }
                } else if (held.compareAndSet(now, now - taken)) {
                    released = true;
                    taken = 0;
                    return false;
                }
            }
        }

        /** Bytes the budget could still give, now (others may take them first). */
        long room() {
            return released ? 0 : budget - held.get();
        }

        /** Gives back what this call took. Event-loop confined, like the call. */
        void release() {
            if (!released) {
                released = true;
                held.addAndGet(-taken);
                taken = 0;
            }
        }
    }
}
