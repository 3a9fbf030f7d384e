package org.smartbff.hostile;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.lang.reflect.Parameter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.session.SessionCookies;
import org.smartbff.smart.FormEncoding;
import org.smartbff.testsupport.BrowserLogin;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;
import org.smartbff.web.AuthResource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;

/**
 * RFC 6749 section 3.1: no parameter may appear twice. Every {@code /auth} endpoint refuses a repeated parameter with
 * 400 before it acts, for every parameter it reads (found from {@link AuthResource}'s own annotations, so a parameter
 * added later is covered too) and for any other.
 */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class RepeatedParametersTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @BeforeEach
    void reset() {
        fake.reset();
    }

    /** An endpoint of AuthResource: its HTTP method, path, the query parameters it reads, and whether a fetch calls it. */
    private record Endpoint(String method, String path, List<String> parameters, boolean json) {
    }

    private static List<Endpoint> endpoints() {
        String base = AuthResource.class.getAnnotation(Path.class).value();
        List<Endpoint> endpoints = new ArrayList<>();
        for (Method method : AuthResource.class.getDeclaredMethods()) {
            String verb = method.isAnnotationPresent(GET.class) ? "GET"
                    : method.isAnnotationPresent(POST.class) ? "POST" : null;
            if (verb == null) {
                continue;
            }
            List<String> parameters = new ArrayList<>();
            for (Parameter parameter : method.getParameters()) {
                QueryParam query = parameter.getAnnotation(QueryParam.class);
                if (query != null) {
                    parameters.add(query.value());
                }
            }
            Produces produces = method.getAnnotation(Produces.class);
            endpoints.add(new Endpoint(verb, base + method.getAnnotation(Path.class).value(), parameters,
                    produces != null && List.of(produces.value()).contains("application/json")));
        }
        return endpoints;
    }

    private static Response send(Endpoint endpoint, String query) {
        return given().urlEncodingEnabled(false).redirects().follow(false).header("X-CSRF", "1")
                .header("Accept", "text/html,*/*;q=0.8")
                .when().request(endpoint.method(), endpoint.path() + "?" + query);
    }

    @Test
    void every_parameter_of_every_auth_endpoint_given_twice_is_400() {
        List<Endpoint> endpoints = endpoints();
        assertTrue(endpoints.size() >= 5, "login, launch, callback, session, logout: " + endpoints);
        int cases = 0;
        for (Endpoint endpoint : endpoints) {
            List<String> names = new ArrayList<>(endpoint.parameters());
            names.add("unread_extra");
            for (String repeated : names) {
                // Every parameter the endpoint reads gets a plausible value once; the repeated one a second, other one.
                Map<String, String> once = new LinkedHashMap<>();
                endpoint.parameters().forEach(name -> once.put(name, valueFor(name)));
                if (!once.containsKey(repeated)) {
                    once.put(repeated, "again");
                }
                String query = FormEncoding.query(once) + "&" + FormEncoding.encode(repeated) + "=other";
                Response response = send(endpoint, query);
                String what = endpoint.method() + " " + endpoint.path() + " with " + repeated + " twice";
                assertEquals(400, response.statusCode(), what + ": " + response.asString());
                assertTrue(response.asString().contains("invalid_request"), what + ": " + response.asString());
                assertTrue(response.asString().contains(repeated), what + " names the parameter: " + response.asString());
                assertTrue(response.contentType().startsWith(endpoint.json() ? "application/json" : "text/html"),
                        what + " answers " + response.contentType());
                assertFalse(String.valueOf(response.headers().getValues("Set-Cookie")).contains(SessionCookies.SESSION + "=")
                        && !endpoint.path().endsWith("/logout"), what + " sets no session");
                cases++;
            }
        }
        assertTrue(cases >= 12, "cases: " + cases);
        assertEquals(0, fake.requests().size(), "nothing left the BFF: " + fake.requests());
    }

    private String valueFor(String name) {
        return switch (name) {
            case "iss" -> fake.fhirBase();
            case "server" -> "fake";
            case "return_to" -> "/app";
            default -> "v-" + name;
        };
    }

    @Test
    void an_ehr_launch_with_a_second_iss_is_refused_before_discovery() {
        given().urlEncodingEnabled(false).redirects().follow(false)
                .when().get("/auth/launch?iss=" + FormEncoding.encode(fake.fhirBase()) + "&iss="
                        + FormEncoding.encode("https://evil.example/fhir") + "&launch=L")
                .then().statusCode(400).body(containsString("iss"));
        assertEquals(0, fake.requests().size(), "nothing was fetched: " + fake.requests());
    }

    @Test
    void a_parameter_repeated_under_a_percent_encoded_name_is_still_repeated() {
        given().urlEncodingEnabled(false).redirects().follow(false).accept("application/json")
                .when().get("/auth/launch?iss=" + FormEncoding.encode(fake.fhirBase()) + "&%69ss=x&launch=L")
                .then().statusCode(400).body("error", equalTo("invalid_request"));
    }

    @Test
    void a_callback_with_its_state_given_twice_makes_no_session_and_burns_nothing() {
        BrowserLogin.Started started = BrowserLogin.start();
        BrowserLogin.Authorized authorized = BrowserLogin.authorize(started.authorizeUrl());
        String good = "code=" + FormEncoding.encode(authorized.code()) + "&state=" + FormEncoding.encode(authorized.state());

        Response twice = given().urlEncodingEnabled(false).redirects().follow(false)
                .cookie(SessionCookies.LAUNCH_BINDING, started.bindingCookie())
                .when().get("/auth/callback?" + good + "&state=unknown-state");
        assertEquals(400, twice.statusCode(), twice.asString());
        assertTrue(twice.headers().getValues("Set-Cookie").stream().noneMatch(c -> c.startsWith(SessionCookies.SESSION)),
                "no session cookie: " + twice.headers());

        Response codeTwice = given().urlEncodingEnabled(false).redirects().follow(false)
                .cookie(SessionCookies.LAUNCH_BINDING, started.bindingCookie())
                .when().get("/auth/callback?" + good + "&code=second-code");
        assertEquals(400, codeTwice.statusCode(), codeTwice.asString());
        assertEquals(0, fake.tokenRequests(), "no code was exchanged");

        // The refusals acted on nothing: the genuine callback, once, still completes the launch.
        Response once = given().urlEncodingEnabled(false).redirects().follow(false)
                .cookie(SessionCookies.LAUNCH_BINDING, started.bindingCookie())
                .when().get("/auth/callback?" + good);
        assertEquals(302, once.statusCode(), once.asString());
    }
}
