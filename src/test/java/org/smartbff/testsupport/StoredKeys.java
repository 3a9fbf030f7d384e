package org.smartbff.testsupport;

import java.util.List;

import org.smartbff.session.SessionChanges;

import io.quarkus.redis.datasource.RedisDataSource;

/** What smart-bff keeps in Redis for its users, as tests look at it. */
public final class StoredKeys {

    private StoredKeys() {
    }

    /**
     * smart-bff's keys, sorted, but for the heartbeat's marker ({@link SessionChanges#MARKER}): it holds no user's data
     * and is re-created every beat, so whether a test sees it depends only on when it looks.
     */
    public static List<String> of(RedisDataSource redis) {
        return redis.key().keys("smart-bff:*").stream().filter(key -> !SessionChanges.MARKER.equals(key)).sorted()
                .toList();
    }
}
