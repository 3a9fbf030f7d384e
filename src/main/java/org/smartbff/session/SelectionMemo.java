package org.smartbff.session;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link BrowserSession#select} for a stream of calls: the launches that (cookie value, handle) pairs were found to
 * name, remembered, so a browser's calls pay the cookie's SHA-256 and the handle's AES-GCM once rather than each time.
 *
 * <p>
 * Only an opened pair is remembered, and only the exact pair answers again (both compared in constant time): a handle
 * with another browser's cookie, a changed handle or a cookie alone still go the whole way and are refused as before,
 * and a handle without its cookie names nothing. What a pair names never changes (the handle is the launch id sealed
 * under the cookie's secret), so nothing here goes stale: whether the launch still has a session is looked up after.
 * Bounded: when full it starts over, so a flood of pairs costs what no memo would.
 */
public final class SelectionMemo {

    private final int capacity;
    private final ConcurrentHashMap<Pair, SessionId> opened = new ConcurrentHashMap<>();

    public SelectionMemo(int capacity) {
        this.capacity = capacity;
    }

    /**
     * The launch a call with this session cookie value and {@code X-SMART-Launch} header is for; empty when the cookie
     * names no browser session.
     */
    public Optional<BrowserSession.Selection> select(String cookieValue, String handle) {
        if (cookieValue == null) {
            return Optional.empty();
        }
        Pair pair = new Pair(cookieValue, handle == null ? "" : handle);
        SessionId known = opened.get(pair);
        if (known != null) {
            return Optional.of(new BrowserSession.Selection.Launch(known));
        }
        Optional<BrowserSession> browser = BrowserSession.parse(cookieValue);
        if (browser.isEmpty()) {
            return Optional.empty();
        }
        BrowserSession.Selection selection = browser.get().select(handle);
        if (selection instanceof BrowserSession.Selection.Launch launch) {
            if (opened.size() >= capacity) {
                opened.clear();
            }
            opened.put(pair, launch.id());
        }
        return Optional.of(selection);
    }

    /** Pairs remembered now. */
    public int size() {
        return opened.size();
    }

    /** A cookie value and a handle ("" for none); equal only to the same two strings, compared in constant time. */
    private static final class Pair {
        private final String cookie;
        private final String handle;
        private final int hash;

        Pair(String cookie, String handle) {
            this.cookie = cookie;
            this.handle = handle;
            this.hash = 31 * cookie.hashCode() + handle.hashCode();
        }

        @Override
        public boolean equals(Object other) {
            return other instanceof Pair pair && sameText(cookie, pair.cookie) & sameText(handle, pair.handle);
        }

        @Override
        public int hashCode() {
            return hash;
        }

        /** Secrets: no early exit at the first difference (the lengths are those of fixed formats, not secret). */
        private static boolean sameText(String a, String b) {
            if (a.length() != b.length()) {
                return false;
            }
            int difference = 0;
            for (int i = 0; i < a.length(); i++) {
                difference |= a.charAt(i) ^ b.charAt(i);
            }
            return difference == 0;
        }

        @Override
        public String toString() {
            return "Pair[cookie=present, handle=" + (handle.isEmpty() ? "none" : "present") + "]";
        }
    }
}
