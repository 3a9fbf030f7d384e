package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsInAnyOrder;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.everyItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;

import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.SmartTestResource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** {@code /.well-known/jwks.json}: what an EHR registers to verify the BFF's client assertions. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class ClientKeysTest {

    @Test
    void the_jwks_publishes_every_configured_key_for_signing() {
        given().when().get("/.well-known/jwks.json").then().statusCode(200)
                .body("keys", hasSize(3))
                .body("keys.kid", containsInAnyOrder("rsa-old", "rsa-new", "ec-1"))
                .body("keys.alg", containsInAnyOrder("RS384", "RS384", "ES384"))
                .body("keys.use", everyItem(equalTo("sig")));
    }

    @Test
    void the_jwks_holds_no_private_key_material() {
        given().when().get("/.well-known/jwks.json").then().statusCode(200)
                .body("keys.d", everyItem(nullValue()))
                .body("keys.p", everyItem(nullValue()))
                .body("keys.q", everyItem(nullValue()))
                .body("keys.dp", everyItem(nullValue()))
                .body("keys.dq", everyItem(nullValue()))
                .body("keys.qi", everyItem(nullValue()));
    }
}
