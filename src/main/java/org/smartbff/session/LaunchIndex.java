package org.smartbff.session;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import jakarta.enterprise.context.ApplicationScoped;

import org.smartbff.config.SmartBffConfig;
import org.smartbff.observe.BffMetrics;

import io.quarkus.redis.datasource.ReactiveRedisDataSource;
import io.smallrye.mutiny.Uni;
import io.vertx.mutiny.redis.client.Response;

/**
 * The launches of one browser session, under {@code smart-bff:browser:{sha256(secret)}}: a Redis list, oldest first,
 * of entries {@code <sha256(launch id)> <persist-until> <handle>}. The hash lets a script see whether the launch's
 * record still exists; persist-until (epoch seconds, 0 for a launch that ends with the browser) sizes the cookie; the
 * handle, useless without the cookie, lets a request that holds the cookie name the launch again (logout all,
 * eviction). Created at a browser's second launch only: a browser with one launch has no index.
 *
 * <p>
 * Every change is one Lua call, so two launches completing at once in one browser both land. Each script touches only
 * the index key (Redis Cluster runs a script on one slot): which launches have ended is asked first, one
 * {@code EXISTS} per launch record, and handed to the script; a launch that ended stays ended, so nothing races.
 */
@ApplicationScoped
public class LaunchIndex {

    static final String PREFIX = "smart-bff:browser:";

    /** Drops the entries whose launch hash is among ARGV[from..]. */
    private static final String DROP_ENDED = """
            local function drop_ended(idx, from)
              local ended = {}
              for i = from, #ARGV do ended[ARGV[i]] = true end
              for _, e in ipairs(redis.call('lrange', idx, 0, -1)) do
                if ended[string.sub(e, 1, 64)] then redis.call('lrem', idx, 0, e) end
              end
            end
            """;

    /**
     * Seeds the browser's first launch when there is no index yet, drops the ended launches (ARGV[5..]), appends the
     * new launch, pops the oldest past the bound. Returns the largest persist-until left, then the popped entries.
     */
    private static final String ADD = DROP_ENDED + """
            local idx = KEYS[1]
            if redis.call('exists', idx) == 0 then redis.call('rpush', idx, ARGV[1]) end
            drop_ended(idx, 5)
            redis.call('rpush', idx, ARGV[2])
            local evicted = {}
            while redis.call('llen', idx) > tonumber(ARGV[3]) do table.insert(evicted, redis.call('lpop', idx)) end
            redis.call('pexpire', idx, ARGV[4])
            local persist = 0
            for _, e in ipairs(redis.call('lrange', idx, 0, -1)) do
              local p = tonumber(string.match(e, '^%x+ (%d+) '))
              if p > persist then persist = p end
            end
            local out = {tostring(persist)}
            for _, e in ipairs(evicted) do table.insert(out, e) end
            return out""";

    /** Removes the launches ARGV[1..] (the one logged out and the ended ones); how many are left, -1 without an index. */
    private static final String REMOVE = DROP_ENDED + """
            local idx = KEYS[1]
            if redis.call('exists', idx) == 0 then return -1 end
            drop_ended(idx, 1)
            local left = redis.call('llen', idx)
            if left == 0 then redis.call('del', idx) end
            return left""";

    /** Takes the whole index (logout all). */
    private static final String TAKE = """
            local entries = redis.call('lrange', KEYS[1], 0, -1)
            redis.call('del', KEYS[1])
            return entries""";

    private final ReactiveRedisDataSource redis;
    private final BffMetrics metrics;
    private final int maxLaunches;
    private final Duration absoluteTimeout;

    public LaunchIndex(ReactiveRedisDataSource redis, BffMetrics metrics, SmartBffConfig config) {
        this.redis = redis;
        this.metrics = metrics;
        this.maxLaunches = config.session().maxLaunches();
        this.absoluteTimeout = config.session().absoluteTimeout();
    }

    /** What {@link #add} left: the latest persist-until of the browser's launches, and the launches it evicted. */
    public record Added(long persistUntil, List<SessionId> evicted) {
    }

    /**
     * Adds {@code launch} as the browser's most recent launch. {@code firstPersistUntil} describes the browser's first
     * launch, seeded when the index does not exist yet.
     */
    public Uni<Added> add(BrowserSession browser, SessionId launch, long persistUntil, long firstPersistUntil) {
        SessionId first = browser.firstLaunch();
        return ended(browser).flatMap(ended -> {
            List<String> args = new ArrayList<>(List.of(ADD, "1", key(browser), entry(browser, first, firstPersistUntil),
                    entry(browser, launch, persistUntil), Integer.toString(maxLaunches),
                    // The index outlives every launch in it: none lives past the absolute timeout from its creation.
                    Long.toString(absoluteTimeout.toMillis())));
            args.addAll(ended);
            return redis.execute("EVAL", args.toArray(String[]::new));
        })
                .onFailure().transform(this::storeFailure)
                .map(response -> {
                    List<SessionId> evicted = new ArrayList<>();
                    for (int i = 1; i < response.size(); i++) {
                        launchOf(browser, response.get(i).toString()).ifPresent(evicted::add);
                    }
                    return new Added(Long.parseLong(response.get(0).toString()), evicted);
                });
    }

    /** Removes one launch; the number of launches the browser still has, or -1 when it never had an index. */
    public Uni<Integer> remove(BrowserSession browser, SessionId launch) {
        return ended(browser).flatMap(ended -> {
            List<String> args = new ArrayList<>(List.of(REMOVE, "1", key(browser), launch.hash()));
            args.addAll(ended);
            return redis.execute("EVAL", args.toArray(String[]::new));
        })
                .onFailure().transform(this::storeFailure)
                .map(Response::toInteger);
    }

    /** Deletes the index and returns every launch it listed. */
    public Uni<List<SessionId>> take(BrowserSession browser) {
        return redis.execute("EVAL", TAKE, "1", key(browser))
                .onFailure().transform(this::storeFailure)
                .map(response -> {
                    List<SessionId> launches = new ArrayList<>();
                    for (Response entry : response) {
                        launchOf(browser, entry.toString()).ifPresent(launches::add);
                    }
                    return launches;
                });
    }

    /** The hashes of the listed launches whose record is gone (ended, logged out, expired or idle). */
    private Uni<List<String>> ended(BrowserSession browser) {
        return redis.execute("LRANGE", key(browser), "0", "-1").flatMap(entries -> {
            List<String> hashes = new ArrayList<>();
            entries.forEach(entry -> hashes.add(entry.toString().substring(0, 64)));
            if (hashes.isEmpty()) {
                return Uni.createFrom().item(List.<String> of());
            }
            List<Uni<Response>> exists = hashes.stream()
                    .map(hash -> redis.execute("EXISTS", SessionStore.PREFIX + hash)).toList();
            return Uni.join().all(exists).andFailFast().map(answers -> {
                List<String> ended = new ArrayList<>();
                for (int i = 0; i < hashes.size(); i++) {
                    if (answers.get(i).toInteger() == 0) {
                        ended.add(hashes.get(i));
                    }
                }
                return ended;
            });
        });
    }

    private static String key(BrowserSession browser) {
        return PREFIX + browser.hash();
    }

    private static String entry(BrowserSession browser, SessionId launch, long persistUntil) {
        return launch.hash() + " " + persistUntil + " " + browser.handle(launch);
    }

    private static Optional<SessionId> launchOf(BrowserSession browser, String entry) {
        int lastSpace = entry.lastIndexOf(' ');
        return LaunchHandles.open(browser.firstLaunch(), entry.substring(lastSpace + 1));
    }

    private Throwable storeFailure(Throwable failure) {
        metrics.redisError();
        return StoreUnavailableException.wrap(failure);
    }
}
