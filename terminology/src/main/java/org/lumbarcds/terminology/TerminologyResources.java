package org.lumbarcds.terminology;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.hl7.fhir.r4.model.MetadataResource;

/**
 * The CodeSystem and ValueSet resources the server loads at boot. Each carries a fixed id, a
 * canonical URL and a version, so loading them again updates in place and never duplicates.
 */
public final class TerminologyResources {

  static final String FOLDER = "org/lumbarcds/terminology/fhir/";

  /** File names under {@link #FOLDER}; the CodeSystem comes first so ValueSets can refer to it. */
  static final List<String> FILES =
      List.of(
          "CodeSystem-lumbar-cds.json",
          "ValueSet-lumbar-xr-flexion-extension.json",
          "ValueSet-lumbar-mri.json",
          "ValueSet-lumbar-spinal-stenosis.json",
          "ValueSet-low-back-pain.json",
          "ValueSet-red-flag-cauda-equina.json",
          "ValueSet-red-flag-cancer.json",
          "ValueSet-red-flag-infection.json",
          "ValueSet-red-flag-fracture.json",
          "ValueSet-red-flag-neurological-deficit.json",
          "ValueSet-dx-views.json",
          "ValueSet-lumbar-postures.json",
          "ValueSet-ai-quality-flags.json",
          "ValueSet-radiograph-modalities.json",
          "ValueSet-lumbar-body-site.json");

  private TerminologyResources() {}

  /** Parses every terminology resource; a missing or malformed file is a packaging error. */
  public static List<MetadataResource> load(FhirContext fhirContext) {
    var parser = fhirContext.newJsonParser();
    return FILES.stream()
        .map(
            file -> {
              try (InputStream in = open(file)) {
                return (MetadataResource)
                    parser.parseResource(new String(in.readAllBytes(), StandardCharsets.UTF_8));
              } catch (IOException e) {
                throw new UncheckedIOException("Cannot read terminology resource " + file, e);
              }
            })
        .toList();
  }

  private static InputStream open(String file) throws IOException {
    InputStream in = TerminologyResources.class.getClassLoader().getResourceAsStream(FOLDER + file);
    if (in == null) {
      throw new IOException("not on the classpath: " + FOLDER + file);
    }
    return in;
  }
}
