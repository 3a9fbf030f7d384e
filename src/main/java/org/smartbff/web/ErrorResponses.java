package org.smartbff.web;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

/**
 * Error answers of the {@code /auth} endpoints: JSON {@code {"error", "error_description"}} for a script, a small HTML
 * page for a person. Never a stack trace.
 */
public final class ErrorResponses {

    private ErrorResponses() {
    }

    public static Response json(int status, String error, String description) {
        Map<String, String> body = new LinkedHashMap<>();
        body.put("error", error);
        body.put("error_description", description);
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).header("Cache-Control", "no-store")
                .entity(body).build();
    }

    /** A page for a browser navigation, or JSON when the caller asked for JSON only (a {@code fetch}). */
    public static Response forCaller(HttpHeaders headers, int status, String error, String description) {
        if (wantsJson(headers)) {
            return json(status, error, description);
        }
        return Response.status(status).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Cache-Control", "no-store")
                .header("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'")
                .entity(page(status, error, description)).build();
    }

    static boolean wantsJson(HttpHeaders headers) {
        List<MediaType> accepted = headers == null ? List.of() : headers.getAcceptableMediaTypes();
        boolean json = false;
        for (MediaType type : accepted) {
            if (type.isCompatible(MediaType.TEXT_HTML_TYPE) && !type.isWildcardType()) {
                return false;
            }
            if (type.isCompatible(MediaType.APPLICATION_JSON_TYPE) && !type.isWildcardType()) {
                json = true;
            }
        }
        return json;
    }

    static String page(int status, String error, String description) {
        return """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><title>Sign-in problem</title>
                <meta name="viewport" content="width=device-width, initial-scale=1">
                <style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222}
                code{background:#eee;padding:0 .3em}</style></head>
                <body><main><h1>Sign-in problem</h1><p>%s</p><p>Error code: <code>%s</code> (HTTP %d)</p>
                <p><a href="/">Back to the application</a></p></main></body></html>
                """.formatted(escape(description), escape(error), status);
    }

    static String escape(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '&' -> out.append("&amp;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
