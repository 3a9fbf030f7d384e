package org.smartbff.session;

import java.util.Optional;

/**
 * What the session cookie holds: the browser's secret, and the handle of the browser's most recent launch once it has
 * more than one ({@code <secret>} or {@code <secret>.<handle>}). The secret never changes while the browser has a
 * launch, so the handles earlier tabs hold keep opening; it is also the id of the browser's first launch, which is why
 * a browser with one launch has exactly the cookie and Redis layout it always had.
 */
public final class BrowserSession {

    private final SessionId secret;
    private final String recentHandle;

    private BrowserSession(SessionId secret, String recentHandle) {
        this.secret = secret;
        this.recentHandle = recentHandle;
    }

    /** A new browser session whose first launch is {@code launch}: the cookie is that launch's id. */
    public static BrowserSession startedBy(SessionId launch) {
        return new BrowserSession(launch, null);
    }

    /** The browser session a cookie value names; empty for anything this class could not have made. */
    public static Optional<BrowserSession> parse(String cookieValue) {
        if (cookieValue == null) {
            return Optional.empty();
        }
        int dot = cookieValue.indexOf('.');
        if (dot < 0) {
            return SessionId.parse(cookieValue).map(secret -> new BrowserSession(secret, null));
        }
        String handle = cookieValue.substring(dot + 1);
        if (!LaunchHandles.wellFormed(handle)) {
            return Optional.empty();
        }
        return SessionId.parse(cookieValue.substring(0, dot)).map(secret -> new BrowserSession(secret, handle));
    }

    /** Which launch a call is for: the one its handle names, or the browser's most recent one when it names none. */
    public Selection select(String handle) {
        if (handle == null || handle.isEmpty()) {
            return recentHandle == null ? new Selection.Launch(secret)
                    : LaunchHandles.open(secret, recentHandle).<Selection> map(Selection.Launch::new)
                            .orElse(new Selection.UnknownLaunch());
        }
        return LaunchHandles.open(secret, handle).<Selection> map(Selection.Launch::new)
                .orElse(new Selection.UnknownLaunch());
    }

    /** The outcome of {@link #select}. */
    public sealed interface Selection {
        /** The call is for this launch (it may have ended: look it up). */
        record Launch(SessionId id) implements Selection {
        }

        /** The handle is malformed or belongs to another browser session: refused, nothing is looked up. */
        record UnknownLaunch() implements Selection {
        }
    }

    /** The browser's first launch, whose id is the secret itself. */
    public SessionId firstLaunch() {
        return secret;
    }

    /** The handle a tab keeps for {@code launch} of this browser. */
    public String handle(SessionId launch) {
        return LaunchHandles.handle(secret, launch);
    }

    /** The cookie value once {@code launch} is this browser's most recent launch. */
    public String cookieValueWithRecent(SessionId launch, String handle) {
        return launch.equals(secret) ? secret.cookieValue() : secret.cookieValue() + "." + handle;
    }

    /** SHA-256 of the secret: the suffix of the browser's launch index key. */
    public String hash() {
        return secret.hash();
    }

    public String logId() {
        return secret.logId();
    }

    @Override
    public String toString() {
        return "BrowserSession[" + logId() + "]";
    }
}
