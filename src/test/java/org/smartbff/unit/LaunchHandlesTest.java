package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.smartbff.session.BrowserSession;
import org.smartbff.session.LaunchHandles;
import org.smartbff.session.SessionId;

class LaunchHandlesTest {

    private final SessionId browser = SessionId.generate();
    private final SessionId launch = SessionId.generate();

    @Test
    void a_handle_opens_to_its_launch_with_the_browser_secret_it_was_made_for() {
        String handle = LaunchHandles.handle(browser, launch);
        assertTrue(handle.matches("[A-Za-z0-9_-]{80}"), handle);
        assertEquals(launch, LaunchHandles.open(browser, handle).orElseThrow());
    }

    @Test
    void a_handle_is_useless_with_another_browser_secret() {
        String handle = LaunchHandles.handle(browser, launch);
        assertTrue(LaunchHandles.open(SessionId.generate(), handle).isEmpty());
    }

    @Test
    void a_handle_holds_neither_secret_and_is_new_each_time() {
        String one = LaunchHandles.handle(browser, launch);
        String two = LaunchHandles.handle(browser, launch);
        assertNotEquals(one, two, "a random nonce: two handles of one launch do not link");
        assertFalse(one.contains(launch.cookieValue()) || one.contains(browser.cookieValue()));
    }

    @Test
    void a_changed_or_malformed_handle_opens_to_nothing() {
        String handle = LaunchHandles.handle(browser, launch);
        char[] chars = handle.toCharArray();
        chars[40] = chars[40] == 'A' ? 'B' : 'A';
        for (String bad : new String[] { new String(chars), handle.substring(1), handle + "A", "", null,
                handle.replace(handle.charAt(5), '.'), "+".repeat(80) }) {
            assertTrue(LaunchHandles.open(browser, bad).isEmpty(), String.valueOf(bad));
        }
    }

    @Test
    void the_cookie_is_the_secret_alone_or_with_the_most_recent_launch_and_nothing_else_parses() {
        BrowserSession fresh = BrowserSession.startedBy(browser);
        assertEquals(browser, fresh.firstLaunch());
        assertEquals(new BrowserSession.Selection.Launch(browser), fresh.select(null));

        String handle = fresh.handle(launch);
        String cookie = fresh.cookieValueWithRecent(launch, handle);
        assertEquals(browser.cookieValue() + "." + handle, cookie);
        BrowserSession parsed = BrowserSession.parse(cookie).orElseThrow();
        assertEquals(new BrowserSession.Selection.Launch(launch), parsed.select(null), "no handle: the most recent");
        assertEquals(new BrowserSession.Selection.Launch(browser), parsed.select(LaunchHandles.handle(browser, browser)));
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class, parsed.select("garbage"));

        for (String bad : new String[] { browser.cookieValue() + ".", browser.cookieValue() + ".x", "." + handle,
                "short." + handle, cookie + "." + handle }) {
            assertTrue(BrowserSession.parse(bad).isEmpty(), bad);
        }
        BrowserSession foreignRecent = BrowserSession.parse(SessionId.generate().cookieValue() + "." + handle).orElseThrow();
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class, foreignRecent.select(null),
                "a recent-launch handle of another secret selects nothing");
    }
}
