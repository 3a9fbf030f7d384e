package org.smartbff.smart;

/** Character classes of text that comes from a server. */
final class ServerText {

    private ServerText() {
    }

    /** Printable ASCII without space: what URLs and OAuth tokens are made of. */
    static boolean isVisibleAscii(String value) {
        return allIn(value, 0x21);
    }

    /** Printable ASCII, spaces allowed (RFC 6749's VSCHAR and SP). */
    static boolean isPrintableAscii(String value) {
        return allIn(value, 0x20);
    }

    private static boolean allIn(String value, int lowest) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < lowest || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    /**
     * Any text without control or invisible formatting characters (line and paragraph separators, bidi overrides):
     * names of people are not ASCII, but they must not rearrange or break the line they are shown or logged in.
     */
    static boolean isPlainText(String value) {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            int type = Character.getType(c);
            if (Character.isISOControl(c) || type == Character.FORMAT || type == Character.LINE_SEPARATOR
                    || type == Character.PARAGRAPH_SEPARATOR) {
                return false;
            }
        }
        return true;
    }
}
