package org.lumbarcds.model.dicom;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Map;

/** Specific Character Set defined terms (PS3.3 C.12.1.1.2) to the JDK's charsets. */
final class CharacterSets {

  private static final Map<String, String> TERMS =
      Map.ofEntries(
          Map.entry("ISO_IR 100", "ISO-8859-1"),
          Map.entry("ISO_IR 101", "ISO-8859-2"),
          Map.entry("ISO_IR 109", "ISO-8859-3"),
          Map.entry("ISO_IR 110", "ISO-8859-4"),
          Map.entry("ISO_IR 144", "ISO-8859-5"),
          Map.entry("ISO_IR 127", "ISO-8859-6"),
          Map.entry("ISO_IR 126", "ISO-8859-7"),
          Map.entry("ISO_IR 138", "ISO-8859-8"),
          Map.entry("ISO_IR 148", "ISO-8859-9"),
          Map.entry("ISO_IR 203", "ISO-8859-15"),
          Map.entry("ISO_IR 166", "TIS-620"),
          Map.entry("ISO_IR 13", "Shift_JIS"),
          Map.entry("ISO_IR 192", "UTF-8"),
          Map.entry("GB18030", "GB18030"),
          Map.entry("GBK", "GBK"),
          Map.entry("ISO 2022 IR 6", "US-ASCII"),
          Map.entry("ISO 2022 IR 100", "ISO-8859-1"),
          Map.entry("ISO 2022 IR 87", "ISO-2022-JP"),
          Map.entry("ISO 2022 IR 13", "ISO-2022-JP"),
          Map.entry("ISO 2022 IR 149", "EUC-KR"),
          Map.entry("ISO 2022 IR 58", "GB2312"));

  private CharacterSets() {}

  /**
   * The charset for a (0008,0005) value. With code extensions (several terms) the last non-default
   * term decides; an unknown term falls back to ISO-8859-1 so text stays readable.
   */
  static Charset forTerms(String value) {
    String chosen = null;
    for (String term : value.split("\\\\")) {
      String trimmed = term.strip();
      if (!trimmed.isEmpty() && !trimmed.equals("ISO 2022 IR 6")) {
        chosen = trimmed;
      }
    }
    if (chosen == null) {
      return StandardCharsets.ISO_8859_1;
    }
    String name = TERMS.get(chosen);
    if (name == null || !Charset.isSupported(name)) {
      return StandardCharsets.ISO_8859_1;
    }
    return Charset.forName(name);
  }
}
