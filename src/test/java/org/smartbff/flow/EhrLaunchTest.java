package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.SmartTestResource;
import org.smartbff.testsupport.fake.FakeSmartServer;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code /auth/launch}: the launch URL an EHR opens with {@code iss} and {@code launch}. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class EhrLaunchTest {

    @SmartTestResource.Fake
    FakeSmartServer fake;

    @BeforeEach
    void reset() {
        fake.reset();
    }

    @Test
    void an_unknown_iss_is_refused_without_any_outbound_request() {
        for (String iss : new String[] { "https://evil.example/fhir", fake.fhirBase() + "/../other", fake.baseUrl(),
                fake.fhirBase() + "x" }) {
            given().redirects().follow(false).queryParam("iss", iss).queryParam("launch", "abc")
                    .when().get("/auth/launch")
                    .then().statusCode(400).body(containsString("unknown_iss"));
        }
        assertEquals(0, fake.requests().size(), "nothing was fetched: " + fake.requests());
    }

    @Test
    void a_launch_without_iss_or_launch_is_400() {
        given().redirects().follow(false).queryParam("launch", "abc").when().get("/auth/launch").then().statusCode(400);
        given().redirects().follow(false).queryParam("iss", fake.fhirBase()).when().get("/auth/launch").then().statusCode(400);
        assertEquals(0, fake.requests().size());
    }
}
