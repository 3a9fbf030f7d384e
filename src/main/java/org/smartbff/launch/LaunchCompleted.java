package org.smartbff.launch;

import org.smartbff.session.SessionId;
import org.smartbff.session.SessionRecord;

/** A completed login: the new session's id (for the cookie only) and where the browser goes next. */
public record LaunchCompleted(SessionId sessionId, SessionRecord session, String returnTo) {
}
