package io.deltasnap.layering;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The layers of docs/architecture.md, held against the compiled classes of every module (the cli
 * module sees them all): nothing reaches down more than one layer. Each rule fails on a reach
 * that exists today, were it put back.
 */
class LayeringTest {
  static JavaClasses all;

  @BeforeAll
  static void importClasses() {
    all = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
        .importPackages("io.deltasnap");
    for (String module : new String[] {"engine.pdata", "engine.io", "engine", "delta", "wire", "sender", "receiver", "nbd", "objectstore", "cli"}) {
      org.junit.jupiter.api.Assertions.assertTrue(all.stream().anyMatch(c -> c.getPackageName().equals("io.deltasnap." + module)),
          "no classes of io.deltasnap." + module + " on the class path: the rules would hold vacuously");
    }
  }

  /** The storage SPI: what a caller implements to put a volume somewhere other than a directory. */
  static final DescribedPredicate<JavaClass> STORAGE_SPI = DescribedPredicate.describe("the storage SPI",
      c -> c.getName().equals("io.deltasnap.engine.io.VolumeStorage")
          || c.getName().equals("io.deltasnap.engine.io.BlockFile"));

  @Test
  void onlyTheEngineUsesItsPersistentDataLayer() {
    noClasses().that().resideOutsideOfPackage("io.deltasnap.engine..")
        .should().dependOnClassesThat().resideInAPackage("io.deltasnap.engine.pdata..")
        .because("pages, trees and superblocks are the engine's own; callers use Volume")
        .check(all);
  }

  @Test
  void aboveTheEngineOnlyTheStorageSpiOfItsIoLayerIsUsed() {
    noClasses().that().resideOutsideOfPackage("io.deltasnap.engine..")
        .should().dependOnClassesThat(DescribedPredicate.and(
            com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage("io.deltasnap.engine.io.."),
            DescribedPredicate.not(STORAGE_SPI)))
        .because("block files are the engine's; aligned buffers come from engine.DirectBuffers")
        .check(all);
  }

  @Test
  void theEngineKnowsNothingAboveIt() {
    noClasses().that().resideInAPackage("io.deltasnap.engine..")
        .should().dependOnClassesThat().resideInAnyPackage("io.deltasnap.delta..", "io.deltasnap.wire..",
            "io.deltasnap.sender..", "io.deltasnap.receiver..", "io.deltasnap.nbd..", "io.deltasnap.cli..")
        .check(all);
  }

  @Test
  void theIoLayerKnowsNeitherPagesNorSnapshots() {
    noClasses().that().resideInAPackage("io.deltasnap.engine.io..")
        .should().dependOnClassesThat().resideInAPackage("io.deltasnap.engine.pdata..")
        .check(all);
  }

  @Test
  void theDeltaFormatStandsBesideTheEngineNotOnIt() {
    noClasses().that().resideInAPackage("io.deltasnap.delta..")
        .should().dependOnClassesThat().resideInAnyPackage("io.deltasnap.engine..", "io.deltasnap.wire..",
            "io.deltasnap.sender..", "io.deltasnap.receiver..", "io.deltasnap.nbd..", "io.deltasnap.cli..")
        .check(all);
  }

  @Test
  void theWireProtocolKnowsOnlyTheDeltaFormatBelowIt() {
    noClasses().that().resideInAPackage("io.deltasnap.wire..")
        .should().dependOnClassesThat().resideInAnyPackage("io.deltasnap.engine..", "io.deltasnap.sender..",
            "io.deltasnap.receiver..", "io.deltasnap.nbd..", "io.deltasnap.cli..")
        .because("both ends speak the protocol; it takes no side")
        .check(all);
  }

  @Test
  void senderAndReceiverStandSideBySide() {
    noClasses().that().resideInAPackage("io.deltasnap.receiver..")
        .should().dependOnClassesThat().resideInAPackage("io.deltasnap.sender..")
        .because("what both ends share is the wire protocol (io.deltasnap.wire)")
        .check(all);
    noClasses().that().resideInAPackage("io.deltasnap.sender..")
        .should().dependOnClassesThat().resideInAPackage("io.deltasnap.receiver..")
        .because("what both ends share is the wire protocol (io.deltasnap.wire)")
        .check(all);
  }

  @Test
  void theObjectStoreStandsOnTheDeltaFormatAlone() {
    noClasses().that().resideInAPackage("io.deltasnap.objectstore..")
        .should().dependOnClassesThat().resideInAnyPackage("io.deltasnap.engine..", "io.deltasnap.wire..", "io.deltasnap.sender..",
            "io.deltasnap.receiver..", "io.deltasnap.nbd..", "io.deltasnap.cli..")
        .because("a bucket holds delta objects and a manifest; the cli joins it to volumes")
        .check(all);
  }

  @Test
  void onlyTheCommandLineUsesTheObjectStore() {
    noClasses().that().resideOutsideOfPackages("io.deltasnap.objectstore..", "io.deltasnap.cli..")
        .should().dependOnClassesThat().resideInAPackage("io.deltasnap.objectstore..")
        .check(all);
  }

  @Test
  void onlyS3ObjectStoreTouchesTheAwsSdk() {
    noClasses().that().doNotHaveFullyQualifiedName("io.deltasnap.objectstore.S3ObjectStore")
        .should().dependOnClassesThat().resideInAPackage("software.amazon..")
        .because("the SDK loads only for an s3:// URL: other commands start as fast as before")
        .check(all);
  }

  @Test
  void onlyTheCommandLineKnowsTheCommandLine() {
    noClasses().that().resideOutsideOfPackage("io.deltasnap.cli..")
        .should().dependOnClassesThat().resideInAnyPackage("io.deltasnap.cli..", "picocli..")
        .check(all);
  }
}
