package org.smartbff;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.Architectures.layeredArchitecture;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The package structure the README draws, kept from drifting: no package cycles, each layer used only from above, and
 * the protocol code free of the runtime, so it can be read and tested without a server.
 */
@AnalyzeClasses(packages = "org.smartbff", importOptions = ImportOption.DoNotIncludeTests.class)
class ArchitectureTest {

    /** Top-level packages, each with its sub-packages (smart.scope is part of smart, proxy.rewrite of proxy). */
    @ArchTest
    static final ArchRule no_cycles_between_packages = slices().matching("org.smartbff.(*)..")
            .should().beFreeOfCycles();

    /** Nor between sub-packages: web.browser may use web, so web must not use web.browser. */
    @ArchTest
    static final ArchRule no_cycles_between_sub_packages = slices().matching("org.smartbff.(**)")
            .should().beFreeOfCycles();

    /**
     * web and startup on top; launch and proxy (the two things a browser asks for); token (refresh); session (stores);
     * smart (the SMART protocol and its clients, the server registry); config and observe below them; common, the
     * leaf, at the bottom.
     */
    @ArchTest
    static final ArchRule layers = layeredArchitecture().consideringOnlyDependenciesInLayers()
            .layer("web").definedBy("org.smartbff.web..")
            .layer("startup").definedBy("org.smartbff.startup..")
            .layer("launch").definedBy("org.smartbff.launch..")
            .layer("proxy").definedBy("org.smartbff.proxy..")
            .layer("token").definedBy("org.smartbff.token..")
            .layer("session").definedBy("org.smartbff.session..")
            .layer("smart").definedBy("org.smartbff.smart..")
            .layer("config").definedBy("org.smartbff.config..")
            .layer("observe").definedBy("org.smartbff.observe..")
            .layer("common").definedBy("org.smartbff.common..")
            .whereLayer("web").mayNotBeAccessedByAnyLayer()
            .whereLayer("startup").mayNotBeAccessedByAnyLayer()
            .whereLayer("launch").mayOnlyBeAccessedByLayers("web")
            .whereLayer("proxy").mayOnlyBeAccessedByLayers("web")
            .whereLayer("token").mayOnlyBeAccessedByLayers("web", "launch", "proxy")
            .whereLayer("session").mayOnlyBeAccessedByLayers("web", "launch", "proxy", "token")
            .whereLayer("smart").mayOnlyBeAccessedByLayers("web", "startup", "launch", "proxy", "token", "session")
            .whereLayer("config").mayOnlyBeAccessedByLayers("web", "startup", "launch", "proxy", "token", "session",
                    "smart")
            .whereLayer("observe").mayOnlyBeAccessedByLayers("web", "startup", "launch", "proxy", "token", "session",
                    "smart")
            .whereLayer("common").mayNotAccessAnyLayer();

    /** The leaf: hashing, random tokens, key decoding, the CSRF header. The JDK only, so anything may use it. */
    @ArchTest
    static final ArchRule common_is_a_leaf = classes().that().resideInAPackage("org.smartbff.common..")
            .should().onlyDependOnClassesThat().resideInAnyPackage("java..", "org.smartbff.common..");

    /**
     * Pure protocol code: rules over strings, JSON and bytes, with no runtime under them. Whole packages where a
     * package is pure, named classes where a pure class lives beside the I/O that uses it.
     */
    static final List<String> PURE_CLASSES = List.of(
            "org.smartbff.config.ConfigProblems",
            "org.smartbff.launch.LaunchError",
            "org.smartbff.launch.LaunchErrors",
            "org.smartbff.launch.LaunchFailure",
            "org.smartbff.launch.LaunchOutcome",
            "org.smartbff.launch.ReturnTo",
            "org.smartbff.observe.FhirResourceTypes",
            "org.smartbff.proxy.UpstreamPath",
            "org.smartbff.session.RecordCipher",
            "org.smartbff.session.SessionCookies",
            "org.smartbff.session.SessionId",
            "org.smartbff.session.TouchThrottle",
            "org.smartbff.smart.AuthorizeRequest",
            "org.smartbff.smart.FhirReferences",
            "org.smartbff.smart.FormEncoding",
            "org.smartbff.smart.Pkce",
            "org.smartbff.smart.Scopes",
            "org.smartbff.smart.ServerDataRules",
            "org.smartbff.smart.ServerText",
            "org.smartbff.token.RefreshFailure",
            "org.smartbff.token.RefreshPolicy",
            "org.smartbff.token.TokenOutcome",
            "org.smartbff.web.Origins",
            "org.smartbff.web.RequestFraming",
            "org.smartbff.web.browser.BrowserHeaders");

    static final DescribedPredicate<JavaClass> PURE = JavaClass.Predicates.resideInAnyPackage(
            "org.smartbff.smart.scope..", "org.smartbff.proxy.rewrite..", "org.smartbff.common..")
            .or(DescribedPredicate.describe("one of the pure classes",
                    (JavaClass type) -> PURE_CLASSES.contains(type.getName().split("\\$")[0])))
            .as("pure protocol code");

    /** A renamed or moved pure class must be renamed here too, not silently leave the rule. */
    @ArchTest
    static void the_pure_classes_exist(JavaClasses imported) {
        for (String name : PURE_CLASSES) {
            assertTrue(imported.contain(name), name + " is listed as pure but is not in the code");
        }
    }

    @ArchTest
    static final ArchRule pure_code_knows_no_runtime = noClasses().that(PURE).should().dependOnClassesThat()
            .resideInAnyPackage("io.vertx..", "io.netty..", "io.quarkus..", "io.smallrye..", "jakarta..",
                    "org.jboss..", "org.eclipse.microprofile..", "io.lettuce..", "redis..")
            .because("protocol rules are read and tested without a server: Vert.x, Netty, Quarkus, Mutiny, Redis and "
                    + "Jakarta stay in the classes that do the I/O");
}
