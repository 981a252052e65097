package org.lumbarcds.cds;

import java.util.Arrays;
import java.util.Objects;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.DomainResource;
import org.hl7.fhir.r4.model.Narrative;

/**
 * The human-readable narrative ({@code text}, FHIR's dom-6 best practice) of the resources the
 * server writes: each given line a paragraph, escaped, status {@code generated} (made from the
 * resource's own data). Never a patient's name or identifier: the narrative says what the resource
 * is.
 */
public final class Narratives {

  private Narratives() {}

  /** Sets the resource's narrative to these lines (blank ones left out) and returns it. */
  public static <T extends DomainResource> T generated(T resource, String... lines) {
    String paragraphs =
        Arrays.stream(lines)
            .filter(Objects::nonNull)
            .map(String::strip)
            .filter(l -> !l.isEmpty())
            .map(l -> "<p>" + escape(l) + "</p>")
            .collect(Collectors.joining());
    Narrative text = new Narrative();
    text.setStatus(Narrative.NarrativeStatus.GENERATED);
    text.setDivAsString("<div xmlns=\"http://www.w3.org/1999/xhtml\">" + paragraphs + "</div>");
    resource.setText(text);
    return resource;
  }

  static String escape(String text) {
    StringBuilder out = new StringBuilder(text.length());
    for (char c : text.toCharArray()) {
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
