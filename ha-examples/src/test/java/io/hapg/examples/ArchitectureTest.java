package io.hapg.examples;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static org.assertj.core.api.Assertions.assertThat;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The module boundaries, checked on the compiled main code of every module (this module depends
 * on all of them). A rule that fails names the offending class and dependency.
 */
class ArchitectureTest {
    private static JavaClasses hapg;

    @BeforeAll
    static void importMainCode() {
        hapg = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("io.hapg");
    }

    @Test
    void theImportSeesEveryModule() {
        // Rules over an empty import pass vacuously: make sure every module's main code is here.
        for (String type : new String[] {"io.hapg.process.OsUser", "io.hapg.core.HaAgent",
                "io.hapg.core.decision.Decider", "io.hapg.etcd.EtcdConsensus", "io.hapg.postgres.PostgresNode",
                "io.hapg.hikari.PrimaryDataSource", "io.hapg.agent.Main", "io.hapg.testkit.LocalEtcd",
                "io.hapg.testkit.cluster.LocalCluster", "io.hapg.examples.Main"}) {
            assertThat(hapg.contain(type)).as(type).isTrue();
        }
        assertThat(hapg.contain("io.hapg.examples.ArchitectureTest")).as("tests are not imported").isFalse();
    }

    @Test
    void theModulesDependOnEachOtherOnlyAsTheBuildSays() {
        // ha-process is the JDK only; ha-core knows no backend, no YAML, no OS process helper.
        check(noClasses().that().resideInAPackage("io.hapg.process..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.core..", "io.hapg.etcd..", "io.hapg.postgres..", "io.hapg.hikari..",
                        "io.hapg.agent..", "io.hapg.testkit..", "io.hapg.examples.."));
        check(noClasses().that().resideInAPackage("io.hapg.core..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.etcd..", "io.hapg.postgres..", "io.hapg.hikari..", "io.hapg.agent..",
                        "io.hapg.testkit..", "io.hapg.examples..", "io.hapg.process..", "org.yaml..",
                        "com.fasterxml.jackson.dataformat.yaml.."));
        check(noClasses().that().resideInAnyPackage("io.hapg.etcd..", "io.hapg.postgres..", "io.hapg.hikari..")
                .should().dependOnClassesThat().resideInAnyPackage("io.hapg.agent..", "io.hapg.testkit..",
                        "io.hapg.examples.."));
        check(noClasses().that().resideInAPackage("io.hapg.etcd..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.postgres..", "io.hapg.hikari.."));
        check(noClasses().that().resideInAPackage("io.hapg.postgres..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.etcd..", "io.hapg.hikari.."));
        // An application that wants only the pool gets ha-core, not etcd's or PostgreSQL's adapters.
        check(noClasses().that().resideInAPackage("io.hapg.hikari..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.etcd..", "io.hapg.postgres.."));
        // The test kit is for any application's tests: it starts agents by class name, never links them.
        check(noClasses().that().resideInAPackage("io.hapg.testkit..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.core..", "io.hapg.etcd..", "io.hapg.postgres..", "io.hapg.hikari..",
                        "io.hapg.agent..", "io.hapg.examples.."));
        check(noClasses().that().resideInAPackage("io.hapg.agent..").should().dependOnClassesThat()
                .resideInAnyPackage("io.hapg.hikari..", "io.hapg.testkit..", "io.hapg.examples.."));
    }

    @Test
    void nothingOutsideAModuleReachesIntoItsInternalPackage() {
        for (String module : new String[] {"core", "etcd", "postgres", "hikari", "agent", "testkit"}) {
            check(noClasses().that().resideOutsideOfPackage("io.hapg." + module + "..").should()
                    .dependOnClassesThat().resideInAPackage("io.hapg." + module + ".internal.."));
        }
    }

    @Test
    void theModulesFormNoCycle() {
        check(slices().matching("io.hapg.(*)..").should().beFreeOfCycles());
    }

    @Test
    void haCoresFacadeSitsOnTop() {
        // HaAgent (the root package) wires the SPIs, the loop and the REST API; none of them
        // depends back on it, so its package takes part in no cycle.
        check(noClasses().that().resideInAPackage("io.hapg.core..").and().resideOutsideOfPackage("io.hapg.core")
                .should().dependOnClassesThat().resideInAPackage("io.hapg.core"));
    }

    @Test
    void packagesFormNoCycle() {
        for (String module : new String[] {"core", "etcd", "postgres", "hikari", "agent", "testkit", "process",
                "examples"}) {
            check(slices().matching("io.hapg." + module + ".(**)").should().beFreeOfCycles()
                    .allowEmptyShould(true));
        }
    }

    @Test
    void theDecisionEngineIsAPureFunction() {
        ArchRule rule = noClasses().that().resideInAPackage("io.hapg.core.decision..").should()
                .dependOnClassesThat().resideInAnyPackage("java.io..", "java.nio..", "java.net..",
                        "java.util.concurrent..", "java.sql..", "io.hapg.core.spi..", "io.hapg.core.internal..",
                        "io.hapg.core.http..", "io.hapg.core.callbacks..", "io.hapg.core.config..",
                        "com.fasterxml.jackson..")
                .orShould().callMethod(System.class, "currentTimeMillis")
                .orShould().callMethod(System.class, "nanoTime")
                .orShould().callMethod(java.time.Instant.class, "now")
                .orShould().dependOnClassesThat().areAssignableTo(Thread.class)
                .orShould().dependOnClassesThat().areAssignableTo(java.time.Clock.class)
                .because("decide(view, local, self, now) is a pure function: every rule is a unit test");
        check(rule);
    }

    private static void check(ArchRule rule) {
        rule.check(hapg);
    }
}
