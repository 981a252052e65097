package org.lumbarcds.model.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomJsonReader;

/**
 * DICOM headers for tests, written the way a PACS's WADO-RS metadata gives them (DICOM JSON).
 * Shared with other modules through the model's test jar.
 */
public final class Headers {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Keyword to tag and VR, for the attributes tests set. */
  private static final Map<String, String[]> TAGS =
      Map.ofEntries(
          Map.entry("SOPClassUID", new String[] {"00080016", "UI"}),
          Map.entry("SOPInstanceUID", new String[] {"00080018", "UI"}),
          Map.entry("StudyDate", new String[] {"00080020", "DA"}),
          Map.entry("StudyTime", new String[] {"00080030", "TM"}),
          Map.entry("AccessionNumber", new String[] {"00080050", "SH"}),
          Map.entry("Modality", new String[] {"00080060", "CS"}),
          Map.entry("TimezoneOffsetFromUTC", new String[] {"00080201", "SH"}),
          Map.entry("StudyDescription", new String[] {"00081030", "LO"}),
          Map.entry("SeriesDescription", new String[] {"0008103E", "LO"}),
          Map.entry("PatientID", new String[] {"00100020", "LO"}),
          Map.entry("BodyPartExamined", new String[] {"00180015", "CS"}),
          Map.entry("ProtocolName", new String[] {"00181030", "LO"}),
          Map.entry("ViewPosition", new String[] {"00185101", "CS"}),
          Map.entry("StudyInstanceUID", new String[] {"0020000D", "UI"}),
          Map.entry("SeriesInstanceUID", new String[] {"0020000E", "UI"}),
          Map.entry("SeriesNumber", new String[] {"00200011", "IS"}),
          Map.entry("InstanceNumber", new String[] {"00200013", "IS"}),
          Map.entry("ImageComments", new String[] {"00204000", "LT"}),
          Map.entry("NumberOfFrames", new String[] {"00280008", "IS"}),
          Map.entry("Rows", new String[] {"00280010", "US"}));

  private Headers() {}

  /**
   * A lateral lumbar DX header from "Keyword=value" pairs joined by '|'. Modality DX, Body Part
   * LSPINE, View Position LL, lateral View Code and Rows 2500 unless given; "code" puts SCHEME|CODE
   * (comma-separated for several) in the View Modifier Code Sequence, "viewCode" replaces the
   * lateral view code. An empty value leaves the attribute empty.
   */
  public static DicomDataset header(String pairs) throws DicomException {
    Map<String, String> keywords = new LinkedHashMap<>();
    keywords.put("Modality", "DX");
    keywords.put("BodyPartExamined", "LSPINE");
    keywords.put("ViewPosition", "LL");
    keywords.put("Rows", "2500");
    for (String pair : pairs.strip().split("\\|(?=[A-Za-z]+=)")) {
      if (!pair.isEmpty()) {
        String[] kv = pair.split("=", 2);
        keywords.put(kv[0], kv[1]);
      }
    }
    ObjectNode json = MAPPER.createObjectNode();
    keywords.forEach(
        (k, v) -> {
          if (k.equals("code") || k.equals("viewCode")) {
            return;
          }
          String[] tag = TAGS.get(k);
          if (tag == null) {
            throw new IllegalArgumentException("no tag for keyword " + k);
          }
          ObjectNode element = json.putObject(tag[0]).put("vr", tag[1]);
          if (v.isEmpty()) {
            return;
          }
          ArrayNode value = element.putArray("Value");
          if (tag[1].equals("IS") || tag[1].equals("US")) {
            value.add(Integer.parseInt(v));
          } else {
            value.add(v);
          }
        });
    ObjectNode view = MAPPER.createObjectNode();
    view.putObject("00080100")
        .put("vr", "SH")
        .putArray("Value")
        .add(keywords.getOrDefault("viewCode", "399067008"));
    view.putObject("00080102").put("vr", "SH").putArray("Value").add("SCT");
    if (keywords.containsKey("code")) {
      ArrayNode modifiers = view.putObject("00540222").put("vr", "SQ").putArray("Value");
      for (String code : keywords.get("code").split(",")) {
        String[] sc = code.split("\\|");
        ObjectNode modifier = modifiers.addObject();
        modifier.putObject("00080100").put("vr", "SH").putArray("Value").add(sc[1]);
        modifier.putObject("00080102").put("vr", "SH").putArray("Value").add(sc[0]);
      }
    }
    json.putObject("00540220").put("vr", "SQ").putArray("Value").add(view);
    return DicomJsonReader.read(json);
  }
}
