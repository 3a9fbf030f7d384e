package org.smartbff.session;

import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

import jakarta.inject.Inject;
import jakarta.inject.Singleton;

import org.smartbff.config.SmartBffConfig;

/**
 * Sessions this replica has opened, so a session in steady use costs no Redis read. Pure bookkeeping, no I/O: the
 * change feed ({@link SessionChanges}) tells it what changed elsewhere, the store tells it what it read and wrote.
 *
 * <p>
 * An entry is served without asking Redis (it is <em>trusted</em>) only while all of these hold:
 * <ul>
 * <li>the change feed is listening, and has been since the entry was read (every change of the feed's state starts a
 * new epoch, and an entry of an older epoch is not trusted): a change announced while nobody listened is never
 * missed;</li>
 * <li>the feed was heard from recently (its own heartbeat comes back through Redis): a connection that died silently
 * stops the trust within {@code staleAfter};</li>
 * <li>the entry is younger than {@code ttl}, which bounds what no announcement covers (a key edited or evicted in Redis
 * by hand);</li>
 * <li>no change was announced for any session while the read was in flight (a read that overtook an announcement of
 * its own key could otherwise be kept after it).</li>
 * </ul>
 * An untrusted entry still saves work: when Redis returns the very value it came from, that value is not decrypted and
 * parsed again.
 */
@Singleton
public class SessionCache {

    /** Monotonic nanoseconds: trust windows must not move with the wall clock (which may step back, or forward). */
    private final LongSupplier ticker;
    private final long ttlNanos;
    private final long staleAfterNanos;
    private final int maxEntries;
    private final Map<String, Entry> entries = new ConcurrentHashMap<>();
    /** Moves on every announced change and every change of the feed's state; reads compare it before and after. */
    private final AtomicLong changes = new AtomicLong();
    /** The feed's state: an epoch number while listening, {@link #NOT_LISTENING} otherwise. */
    private volatile long epoch = NOT_LISTENING;
    private final AtomicLong epochs = new AtomicLong();
    /**
     * When the latest heartbeat that came back was sent (ticker time): not when it arrived, which a stalled loop
     * could make recent long after it was sent.
     */
    private volatile long lastHeardNanos;
    private static final long NOT_LISTENING = -1;

    private record Entry(String value, SessionRecord record, long readAtNanos, long epoch) {
    }

    @Inject
    public SessionCache(SmartBffConfig config) {
        this(System::nanoTime, config.session().cacheTtl(), config.session().cacheHeartbeat().multipliedBy(3),
                config.session().cacheSize());
    }

    /**
     * @param ttl how long an entry is trusted at most; zero turns the cache off (every read goes to Redis)
     * @param staleAfter how long the feed may stay silent before nothing is trusted
     * @param maxEntries the most sessions remembered; past it an arbitrary one is forgotten
     */
    public SessionCache(LongSupplier ticker, Duration ttl, Duration staleAfter, int maxEntries) {
        this.ticker = ticker;
        this.ttlNanos = ttl.toNanos();
        this.staleAfterNanos = staleAfter.toNanos();
        this.maxEntries = maxEntries;
    }

    public boolean enabled() {
        return ttlNanos > 0;
    }

    /** Now, on the ticker: what heartbeats carry as their send time. */
    public long now() {
        return ticker.getAsLong();
    }

    /** The record to serve without reading Redis, or null when Redis must be asked. */
    public SessionRecord trusted(String key) {
        Entry entry = entries.get(key);
        if (entry == null) {
            return null;
        }
        long current = epoch;
        if (current == NOT_LISTENING || entry.epoch() != current) {
            return null;
        }
        long now = ticker.getAsLong();
        return within(now, entry.readAtNanos(), ttlNanos) && within(now, lastHeardNanos, staleAfterNanos)
                ? entry.record()
                : null;
    }

    /** Taken before a read of Redis; handed back to {@link #read}. */
    public long beforeRead() {
        return changes.get();
    }

    /** The record already opened from exactly this value under this key, or null. */
    public SessionRecord opened(String key, String value) {
        Entry entry = entries.get(key);
        return entry != null && entry.value().equals(value) ? entry.record() : null;
    }

    /** What a read of Redis found under the key, opened; {@code ticket} is what {@link #beforeRead} gave. */
    public void read(String key, String value, SessionRecord record, long ticket) {
        if (entries.size() >= maxEntries && !entries.containsKey(key)) {
            forgetOne();
        }
        Entry entry = new Entry(value, record, ticker.getAsLong(), ticket == changes.get() ? epoch : NOT_LISTENING);
        entries.put(key, entry);
        // A change announced between the check above and the put has already removed what it could: remove this
        // entry too, or a read that overtook the announcement would be kept after it.
        if (changes.get() != ticket) {
            entries.remove(key, entry);
        }
    }

    /** The session under this key changed or ended: here (before and after the write) or on any replica. */
    public void changed(String key) {
        changes.incrementAndGet();
        entries.remove(key);
    }

    /** Every session may have changed or ended at once (Redis lost its data): nothing held is kept. */
    public void forgetAll() {
        changes.incrementAndGet();
        entries.clear();
    }

    /** The feed now listens: what was read before cannot be trusted, as changes may have gone unheard. */
    public void listening() {
        changes.incrementAndGet();
        lastHeardNanos = ticker.getAsLong();
        epoch = epochs.incrementAndGet();
    }

    /** The feed stopped listening: nothing is trusted until it listens again. */
    public void notListening() {
        changes.incrementAndGet();
        epoch = NOT_LISTENING;
    }

    /**
     * This replica's own heartbeat, sent at {@code sentNanos} (ticker time), came back through the feed: everything
     * announced before it was sent has been heard.
     */
    public void heard(long sentNanos) {
        if (sentNanos - lastHeardNanos > 0) {
            lastHeardNanos = sentNanos;
        }
    }

    public boolean isListening() {
        return epoch != NOT_LISTENING;
    }

    /** Whether anything may be served from memory now: the feed listens and was heard from lately. */
    public boolean trustsMemory() {
        return epoch != NOT_LISTENING && within(ticker.getAsLong(), lastHeardNanos, staleAfterNanos);
    }

    /** Whether the feed listens but has not been heard from for longer than it may: it may be dead without a word. */
    public boolean silent() {
        return epoch != NOT_LISTENING && !within(ticker.getAsLong(), lastHeardNanos, staleAfterNanos);
    }

    /** Forgets entries read longer ago than the ttl: they are no longer trusted, and hold tokens of idle sessions. */
    public void sweep() {
        long now = ticker.getAsLong();
        entries.values().removeIf(entry -> !within(now, entry.readAtNanos(), ttlNanos));
    }

    public int size() {
        return entries.size();
    }

    /** {@code 0 <= now - since < limit}, on the monotonic ticker. */
    private static boolean within(long now, long since, long limit) {
        long age = now - since;
        return age >= 0 && age < limit;
    }

    private void forgetOne() {
        Iterator<String> keys = entries.keySet().iterator();
        if (keys.hasNext()) {
            keys.next();
            keys.remove();
        }
    }
}
