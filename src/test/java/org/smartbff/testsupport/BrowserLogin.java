package org.smartbff.testsupport;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;

import io.restassured.response.Response;

/**
 * Plays the browser through a standalone launch: {@code /auth/login} at the BFF, {@code /oauth/authorize} at the fake
 * (which redirects with a code at once, as a server whose user already consented would), and the callback back at the
 * BFF. Every step is real HTTP.
 */
public final class BrowserLogin {

    private static final HttpClient HTTP = HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

    /** What a browser holds after each step. */
    public record Started(String authorizeUrl, String bindingCookie, Response response) {
    }

    public record Authorized(String code, String state, Map<String, String> callbackParams) {
    }

    private BrowserLogin() {
    }

    public static Started start() {
        return start(null);
    }

    /** Starts a standalone launch at the named server (the default one when null). */
    public static Started start(String server) {
        var request = given().redirects().follow(false);
        if (server != null) {
            request.queryParam("server", server);
        }
        Response response = request.when().get("/auth/login");
        assertEquals(302, response.statusCode(), () -> "login answered " + response.asString());
        return new Started(response.header("Location"), response.getCookie(SessionCookies.LAUNCH_BINDING), response);
    }

    /** Sends the browser to the authorization endpoint and returns what it redirects back with. */
    public static Authorized authorize(String authorizeUrl) {
        try {
            HttpResponse<String> response = HTTP.send(HttpRequest.newBuilder(URI.create(authorizeUrl)).GET().build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(302, response.statusCode(), () -> "authorize answered " + response.body());
            String location = response.headers().firstValue("Location").orElseThrow();
            Map<String, String> params = FormEncoding.parseQuery(URI.create(location).getRawQuery());
            return new Authorized(params.get("code"), params.get("state"), params);
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    public static Response callback(Map<String, String> params, String bindingCookie) {
        var request = given().redirects().follow(false);
        if (bindingCookie != null) {
            request.cookie(SessionCookies.LAUNCH_BINDING, bindingCookie);
        }
        return request.when().get("/auth/callback?" + FormEncoding.query(params));
    }

    /** A whole login; returns the session cookie value. */
    public static String login() {
        return login(null);
    }

    /** A whole login at the named server; returns the session cookie value. */
    public static String login(String server) {
        Started started = start(server);
        Authorized authorized = authorize(started.authorizeUrl());
        Response callback = callback(authorized.callbackParams(), started.bindingCookie());
        assertEquals(302, callback.statusCode(), () -> "callback answered " + callback.asString());
        return callback.getCookie(SessionCookies.SESSION);
    }
}
