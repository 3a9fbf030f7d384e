package org.smartbff.flow;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.notNullValue;

import org.junit.jupiter.api.Test;
import org.smartbff.testsupport.SmartTestResource;

import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;

/** The SPA-facing contract is published at /q/openapi, error shapes included. */
@QuarkusTest
@QuarkusTestResource(value = SmartTestResource.class, restrictToAnnotatedClass = false)
class OpenApiTest {

    @Test
    void every_auth_endpoint_is_documented_with_its_error_shape() {
        given().queryParam("format", "json").when().get("/q/openapi").then().statusCode(200)
                .body("paths", hasKey("/auth/login"))
                .body("paths", hasKey("/auth/launch"))
                .body("paths", hasKey("/auth/callback"))
                .body("paths", hasKey("/auth/session"))
                .body("paths", hasKey("/auth/logout"))
                .body("paths.'/auth/session'.get.responses.'401'.content.'application/json'.schema.'$ref'",
                        equalTo("#/components/schemas/Error"))
                .body("paths.'/auth/session'.get.responses.'200'.content.'application/json'.schema.'$ref'",
                        equalTo("#/components/schemas/Session"))
                .body("components.schemas.Error.properties.error_description", notNullValue())
                .body("components.schemas.Session.properties", hasKey("need_patient_banner"));
    }
}
