package org.smartbff.unit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.smartbff.session.BrowserSession;
import org.smartbff.session.LaunchHandles;
import org.smartbff.session.SelectionMemo;
import org.smartbff.session.SessionId;

/** Remembering opened handles saves the crypto of each call and gives nothing to a caller without the cookie. */
class SelectionMemoTest {

    private final SessionId browser = SessionId.generate();
    private final SessionId launch = SessionId.generate();
    private final String handle = LaunchHandles.handle(browser, launch);
    private final SelectionMemo memo = new SelectionMemo(100);

    private static BrowserSession.Selection launch(SessionId id) {
        return new BrowserSession.Selection.Launch(id);
    }

    @Test
    void an_opened_pair_is_remembered_and_answers_the_same_launch_again() {
        assertEquals(Optional.of(launch(launch)), memo.select(browser.cookieValue(), handle));
        assertEquals(1, memo.size());
        assertEquals(Optional.of(launch(launch)), memo.select(browser.cookieValue(), handle));
        assertEquals(Optional.of(launch(browser)), memo.select(browser.cookieValue(), null), "no handle: the first launch");
        assertEquals(2, memo.size());
    }

    @Test
    void a_remembered_handle_still_fails_with_another_browser_cookie() {
        memo.select(browser.cookieValue(), handle);
        SessionId other = SessionId.generate();
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class, memo.select(other.cookieValue(), handle).orElseThrow());
        assertEquals(1, memo.size(), "a refused pair is not remembered");
    }

    @Test
    void a_remembered_handle_is_useless_without_its_cookie() {
        memo.select(browser.cookieValue(), handle);
        assertTrue(memo.select(null, handle).isEmpty());
        assertTrue(memo.select("", handle).isEmpty());
        assertTrue(memo.select(handle, handle).isEmpty(), "the handle as cookie names no browser");
    }

    @Test
    void another_browsers_handle_fails_with_this_cookie_even_once_its_own_pair_is_remembered() {
        SessionId otherBrowser = SessionId.generate();
        String otherHandle = LaunchHandles.handle(otherBrowser, SessionId.generate());
        memo.select(otherBrowser.cookieValue(), otherHandle);
        memo.select(browser.cookieValue(), handle);
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class,
                memo.select(browser.cookieValue(), otherHandle).orElseThrow());
    }

    @Test
    void a_changed_handle_or_cookie_is_not_taken_for_a_remembered_one() {
        memo.select(browser.cookieValue(), handle);
        char[] chars = handle.toCharArray();
        chars[79] = chars[79] == 'A' ? 'B' : 'A';
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class,
                memo.select(browser.cookieValue(), new String(chars)).orElseThrow());
        String cookie = browser.cookieValue();
        String changedCookie = (cookie.charAt(0) == 'A' ? "B" : "A") + cookie.substring(1);
        assertInstanceOf(BrowserSession.Selection.UnknownLaunch.class, memo.select(changedCookie, handle).orElseThrow());
    }

    @Test
    void the_cookie_with_the_most_recent_launch_is_remembered_as_a_pair_of_its_own() {
        String cookie = BrowserSession.startedBy(browser).cookieValueWithRecent(launch, handle);
        assertEquals(Optional.of(launch(launch)), memo.select(cookie, null));
        assertEquals(Optional.of(launch(launch)), memo.select(cookie, null));
        assertEquals(Optional.of(launch(browser)), memo.select(cookie, LaunchHandles.handle(browser, browser)));
    }

    @Test
    void the_memo_stays_within_its_bound() {
        SelectionMemo small = new SelectionMemo(3);
        for (int i = 0; i < 10; i++) {
            SessionId b = SessionId.generate();
            assertEquals(Optional.of(launch(b)), small.select(b.cookieValue(), null));
            assertTrue(small.size() <= 3, "size " + small.size());
        }
    }

    @Test
    void it_names_no_secret() {
        memo.select(browser.cookieValue(), handle);
        assertTrue(!memo.toString().contains(browser.cookieValue()) && !memo.toString().contains(handle));
    }
}
