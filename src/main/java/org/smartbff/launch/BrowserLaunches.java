package org.smartbff.launch;

import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;
import org.smartbff.session.BrowserSession;
import org.smartbff.session.LaunchIndex;
import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;
import org.smartbff.session.SessionStore;

import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;

/**
 * Several launches in one browser: a completed launch joins the browser session the request's cookie names (so the
 * cookie's secret, and with it every handle earlier tabs hold, stays valid), the oldest launch past the bound ends, and
 * logout ends one launch or all of them.
 *
 * <p>
 * A handle is only ever handed out in the callback's redirect, for the launch that callback just completed: nothing
 * answers a request holding only the cookie with another launch's handle, so a cookie planted in a victim's browser
 * before a launch reaches none of the victim's launches.
 */
@ApplicationScoped
public class BrowserLaunches {

    private static final Logger LOG = Logger.getLogger(BrowserLaunches.class);
    /** The fragment parameter that carries the launch handle to the page (fragments never reach a server). */
    public static final String FRAGMENT_PARAMETER = "smart-bff-launch";

    private final LaunchIndex index;
    private final SessionStore sessions;
    private final LogoutService logouts;
    private final Clock clock;

    public BrowserLaunches(LaunchIndex index, SessionStore sessions, LogoutService logouts, Clock clock) {
        this.index = index;
        this.sessions = sessions;
        this.logouts = logouts;
        this.clock = clock;
    }

    /** The session cookie to set after a launch, and the handle its tab keeps. */
    public record Attached(String cookieValue, Duration cookieMaxAge, String handle) {
        @Override
        public String toString() {
            return "Attached[cookie=present, handle=present, maxAge=" + cookieMaxAge + "]";
        }
    }

    /**
     * Makes a completed launch part of the browser session that {@code cookie} names, or the first launch of a new one
     * when the request has no usable cookie.
     */
    public Uni<Attached> attach(String cookie, SessionId launch, SessionRecord record) {
        BrowserSession existing = BrowserSession.parse(cookie).orElse(null);
        if (existing == null) {
            BrowserSession browser = BrowserSession.startedBy(launch);
            Duration maxAge = record.offline() ? Duration.ofSeconds(record.endsAt() - record.createdAt()) : null;
            return Uni.createFrom().item(new Attached(launch.cookieValue(), maxAge, browser.handle(launch)));
        }
        String handle = existing.handle(launch);
        return sessions.findInStore(existing.firstLaunch())
                .flatMap(first -> index.add(existing, launch, persistUntil(record), first != null ? persistUntil(first) : 0))
                .call(added -> endAll(added.evicted(), "evicted from browser session " + existing.logId()))
                .map(added -> {
                    long now = clock.instant().getEpochSecond();
                    Duration maxAge = added.persistUntil() > now ? Duration.ofSeconds(added.persistUntil() - now) : null;
                    return new Attached(existing.cookieValueWithRecent(launch, handle), maxAge, handle);
                });
    }

    /** Where the browser goes after the callback: the local return path, with the handle in its fragment. */
    public static String location(String returnTo, String handle) {
        return returnTo + (returnTo.indexOf('#') < 0 ? "#" : "&") + FRAGMENT_PARAMETER + "=" + handle;
    }

    /** Ends one launch; true when the browser has no launch left, so its cookie can go. */
    public Uni<Boolean> logout(BrowserSession browser, SessionId launch) {
        return logouts.logout(launch).flatMap(ignored -> index.remove(browser, launch)).map(left -> left <= 0);
    }

    /** Ends every launch of the browser session. */
    public Uni<Void> logoutAll(BrowserSession browser) {
        return index.take(browser).flatMap(listed -> {
            Set<SessionId> all = new LinkedHashSet<>(listed);
            all.add(browser.firstLaunch());
            if (browser.select(null) instanceof BrowserSession.Selection.Launch recent) {
                all.add(recent.id());
            }
            return endAll(List.copyOf(all), "logout of all launches of browser session " + browser.logId());
        });
    }

    private Uni<Void> endAll(List<SessionId> launches, String why) {
        if (launches.isEmpty()) {
            return Uni.createFrom().voidItem();
        }
        LOG.debugf("Ending %d launch(es): %s", launches.size(), why);
        return Multi.createFrom().iterable(launches).onItem().transformToUniAndConcatenate(logouts::logout)
                .collect().last().replaceWithVoid();
    }

    private static long persistUntil(SessionRecord record) {
        return record.offline() ? record.endsAt() : 0;
    }
}
