package org.smartbff.proxy.rewrite;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link StreamingUrlRewriter#rewriteUrl} for Location headers, {@link StreamingUrlRewriter#isRewritable}. */
class HeaderAndContentTypeTest {

    static final String UP = "https://ehr.example/fhir";
    static final String PUB = "https://bff.example/fhir";

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', value = {
            "https://ehr.example/fhir                        | https://bff.example/fhir",
            "https://ehr.example/fhir/                       | https://bff.example/fhir/",
            "https://ehr.example/fhir/Patient/1/_history/2   | https://bff.example/fhir/Patient/1/_history/2",
            "https://ehr.example/fhir?_getpages=abc          | https://bff.example/fhir?_getpages=abc",
            "https://ehr.example/fhir#x                      | https://bff.example/fhir#x",
            "https://ehr.example/fhir/a?u=https://ehr.example/fhir/b | https://bff.example/fhir/a?u=https://ehr.example/fhir/b",
            // not below the base
            "https://ehr.example/fhir2/Patient/1             | https://ehr.example/fhir2/Patient/1",
            "https://ehr.example/fhirx                       | https://ehr.example/fhirx",
            "https://ehr.example/fhir\\/Patient              | https://ehr.example/fhir\\/Patient",
            "https://ehr.example/fhi                         | https://ehr.example/fhi",
            "https://ehr.example                             | https://ehr.example",
            // literal: scheme and case as configured
            "http://ehr.example/fhir/Patient/1               | http://ehr.example/fhir/Patient/1",
            "HTTPS://EHR.EXAMPLE/fhir/Patient/1              | HTTPS://EHR.EXAMPLE/fhir/Patient/1",
            // elsewhere or relative
            "https://other.example/fhir/Patient/1            | https://other.example/fhir/Patient/1",
            "x https://ehr.example/fhir/Patient/1            | x https://ehr.example/fhir/Patient/1",
            "Patient/1/_history/2                            | Patient/1/_history/2",
            "''                                              | ''",
    })
    void rewriteUrl(String url, String expected) {
        assertEquals(expected, StreamingUrlRewriter.rewriteUrl(url, UP, PUB));
    }

    @Test
    void rewriteUrlOfNoHeader() {
        assertNull(StreamingUrlRewriter.rewriteUrl(null, UP, PUB));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '\'', nullValues = "NULL", value = {
            "application/fhir+json                      | true",
            "application/fhir+json; charset=UTF-8       | true",
            "application/fhir+json;fhirVersion=4.0      | true",
            "APPLICATION/FHIR+JSON;CHARSET=utf-8        | true",
            "' application/fhir+json ; charset=utf-8'   | true",
            "application/json                           | true",
            "application/json; charset=utf-8            | true",
            "Application/Json                           | true",
            "application/json+fhir                      | true",
            "application/json+fhir;charset=UTF-8        | true",
            // XML is out of scope
            "application/fhir+xml                       | false",
            "application/xml+fhir                       | false",
            "application/xml                            | false",
            "text/xml                                   | false",
            // not JSON
            "application/fhir+ndjson                    | false",
            "application/json-patch+json                | false",
            "application/jsonx                          | false",
            "text/json                                  | false",
            "text/html; charset=utf-8                   | false",
            "text/plain                                 | false",
            "image/png                                  | false",
            "application/pdf                            | false",
            "application/octet-stream                   | false",
            "multipart/form-data; boundary=json         | false",
            "''                                         | false",
            "NULL                                       | false",
    })
    void isRewritable(String contentType, boolean expected) {
        assertEquals(expected, StreamingUrlRewriter.isRewritable(contentType), String.valueOf(contentType));
    }
}
