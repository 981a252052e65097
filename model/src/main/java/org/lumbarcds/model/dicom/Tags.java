package org.lumbarcds.model.dicom;

import java.util.Map;

/**
 * Tags the project reads and writes, and the VR of each the project reads in implicit VR datasets
 * (PS3.6).
 */
public final class Tags {

  public static final int FILE_META_GROUP_LENGTH = 0x00020000;
  public static final int MEDIA_STORAGE_SOP_CLASS_UID = 0x00020002;
  public static final int MEDIA_STORAGE_SOP_INSTANCE_UID = 0x00020003;
  public static final int TRANSFER_SYNTAX_UID = 0x00020010;
  public static final int SPECIFIC_CHARACTER_SET = 0x00080005;
  public static final int SOP_CLASS_UID = 0x00080016;
  public static final int SOP_INSTANCE_UID = 0x00080018;
  public static final int STUDY_DATE = 0x00080020;
  public static final int STUDY_TIME = 0x00080030;
  public static final int TIMEZONE_OFFSET_FROM_UTC = 0x00080201;
  public static final int ACCESSION_NUMBER = 0x00080050;
  public static final int MODALITIES_IN_STUDY = 0x00080061;
  public static final int MODALITY = 0x00080060;
  public static final int CODE_VALUE = 0x00080100;
  public static final int CODING_SCHEME_DESIGNATOR = 0x00080102;
  public static final int CODE_MEANING = 0x00080104;
  public static final int STUDY_DESCRIPTION = 0x00081030;
  public static final int SERIES_DESCRIPTION = 0x0008103E;
  public static final int REFERENCED_SOP_CLASS_UID = 0x00081150;
  public static final int REFERENCED_SOP_INSTANCE_UID = 0x00081155;
  public static final int RETRIEVE_URL = 0x00081190;
  public static final int FAILURE_REASON = 0x00081197;
  public static final int FAILED_SOP_SEQUENCE = 0x00081198;
  public static final int REFERENCED_SOP_SEQUENCE = 0x00081199;
  public static final int PATIENT_NAME = 0x00100010;
  public static final int PATIENT_ID = 0x00100020;
  public static final int PATIENT_SEX = 0x00100040;
  public static final int BODY_PART_EXAMINED = 0x00180015;
  public static final int PROTOCOL_NAME = 0x00181030;
  public static final int ACQUISITION_DEVICE_PROCESSING_DESCRIPTION = 0x00181400;
  public static final int VIEW_POSITION = 0x00185101;
  public static final int STUDY_INSTANCE_UID = 0x0020000D;
  public static final int SERIES_INSTANCE_UID = 0x0020000E;
  public static final int SERIES_NUMBER = 0x00200011;
  public static final int INSTANCE_NUMBER = 0x00200013;
  public static final int NUMBER_OF_STUDY_RELATED_SERIES = 0x00201206;
  public static final int NUMBER_OF_STUDY_RELATED_INSTANCES = 0x00201208;
  public static final int NUMBER_OF_SERIES_RELATED_INSTANCES = 0x00201209;
  public static final int PATIENT_ORIENTATION = 0x00200020;
  public static final int IMAGE_COMMENTS = 0x00204000;
  public static final int SAMPLES_PER_PIXEL = 0x00280002;
  public static final int PHOTOMETRIC_INTERPRETATION = 0x00280004;
  public static final int NUMBER_OF_FRAMES = 0x00280008;
  public static final int ROWS = 0x00280010;
  public static final int COLUMNS = 0x00280011;
  public static final int PIXEL_SPACING = 0x00280030;
  public static final int BITS_ALLOCATED = 0x00280100;
  public static final int BITS_STORED = 0x00280101;
  public static final int HIGH_BIT = 0x00280102;
  public static final int PIXEL_REPRESENTATION = 0x00280103;
  public static final int WINDOW_CENTER = 0x00281050;
  public static final int WINDOW_WIDTH = 0x00281051;
  public static final int RESCALE_INTERCEPT = 0x00281052;
  public static final int RESCALE_SLOPE = 0x00281053;
  public static final int VIEW_CODE_SEQUENCE = 0x00540220;
  public static final int VIEW_MODIFIER_CODE_SEQUENCE = 0x00540222;
  public static final int PRESENTATION_INTENT_TYPE = 0x00080068;
  public static final int PLANAR_CONFIGURATION = 0x00280006;
  public static final int PIXEL_PADDING_VALUE = 0x00280120;
  public static final int WINDOW_CENTER_WIDTH_EXPLANATION = 0x00281055;
  public static final int RESCALE_TYPE = 0x00281054;
  public static final int VOI_LUT_FUNCTION = 0x00281056;
  public static final int LOSSY_IMAGE_COMPRESSION = 0x00282110;
  public static final int MODALITY_LUT_SEQUENCE = 0x00283000;
  public static final int LUT_DESCRIPTOR = 0x00283002;
  public static final int LUT_EXPLANATION = 0x00283003;
  public static final int MODALITY_LUT_TYPE = 0x00283004;
  public static final int LUT_DATA = 0x00283006;
  public static final int VOI_LUT_SEQUENCE = 0x00283010;
  public static final int PRESENTATION_LUT_SHAPE = 0x20500020;
  public static final int EXTENDED_OFFSET_TABLE = 0x7FE00001;
  public static final int EXTENDED_OFFSET_TABLE_LENGTHS = 0x7FE00002;
  public static final int FLOAT_PIXEL_DATA = 0x7FE00008;
  public static final int DOUBLE_FLOAT_PIXEL_DATA = 0x7FE00009;
  public static final int PIXEL_DATA = 0x7FE00010;

  static final int ITEM = 0xFFFEE000;
  static final int ITEM_DELIMITATION = 0xFFFEE00D;
  static final int SEQUENCE_DELIMITATION = 0xFFFEE0DD;

  private static final Map<Integer, Vr> DICTIONARY =
      Map.ofEntries(
          Map.entry(SPECIFIC_CHARACTER_SET, Vr.CS),
          Map.entry(SOP_CLASS_UID, Vr.UI),
          Map.entry(SOP_INSTANCE_UID, Vr.UI),
          Map.entry(STUDY_DATE, Vr.DA),
          Map.entry(ACCESSION_NUMBER, Vr.SH),
          Map.entry(MODALITY, Vr.CS),
          Map.entry(CODE_VALUE, Vr.SH),
          Map.entry(CODING_SCHEME_DESIGNATOR, Vr.SH),
          Map.entry(CODE_MEANING, Vr.LO),
          Map.entry(SERIES_DESCRIPTION, Vr.LO),
          Map.entry(PATIENT_NAME, Vr.PN),
          Map.entry(PATIENT_ID, Vr.LO),
          Map.entry(PATIENT_SEX, Vr.CS),
          Map.entry(BODY_PART_EXAMINED, Vr.CS),
          Map.entry(PROTOCOL_NAME, Vr.LO),
          Map.entry(VIEW_POSITION, Vr.CS),
          Map.entry(PATIENT_ORIENTATION, Vr.CS),
          Map.entry(STUDY_INSTANCE_UID, Vr.UI),
          Map.entry(SERIES_INSTANCE_UID, Vr.UI),
          Map.entry(SERIES_NUMBER, Vr.IS),
          Map.entry(INSTANCE_NUMBER, Vr.IS),
          Map.entry(IMAGE_COMMENTS, Vr.LT),
          Map.entry(SAMPLES_PER_PIXEL, Vr.US),
          Map.entry(PHOTOMETRIC_INTERPRETATION, Vr.CS),
          Map.entry(NUMBER_OF_FRAMES, Vr.IS),
          Map.entry(ROWS, Vr.US),
          Map.entry(COLUMNS, Vr.US),
          Map.entry(PIXEL_SPACING, Vr.DS),
          Map.entry(BITS_ALLOCATED, Vr.US),
          Map.entry(BITS_STORED, Vr.US),
          Map.entry(HIGH_BIT, Vr.US),
          Map.entry(PIXEL_REPRESENTATION, Vr.US),
          Map.entry(WINDOW_CENTER, Vr.DS),
          Map.entry(WINDOW_WIDTH, Vr.DS),
          Map.entry(RESCALE_INTERCEPT, Vr.DS),
          Map.entry(RESCALE_SLOPE, Vr.DS),
          Map.entry(VIEW_CODE_SEQUENCE, Vr.SQ),
          Map.entry(VIEW_MODIFIER_CODE_SEQUENCE, Vr.SQ),
          Map.entry(PRESENTATION_INTENT_TYPE, Vr.CS),
          Map.entry(PLANAR_CONFIGURATION, Vr.US),
          Map.entry(PIXEL_PADDING_VALUE, Vr.US),
          Map.entry(WINDOW_CENTER_WIDTH_EXPLANATION, Vr.LO),
          Map.entry(RESCALE_TYPE, Vr.LO),
          Map.entry(VOI_LUT_FUNCTION, Vr.CS),
          Map.entry(LOSSY_IMAGE_COMPRESSION, Vr.CS),
          Map.entry(MODALITY_LUT_SEQUENCE, Vr.SQ),
          Map.entry(LUT_DESCRIPTOR, Vr.US),
          Map.entry(LUT_EXPLANATION, Vr.LO),
          Map.entry(MODALITY_LUT_TYPE, Vr.LO),
          Map.entry(LUT_DATA, Vr.OW),
          Map.entry(VOI_LUT_SEQUENCE, Vr.SQ),
          Map.entry(PRESENTATION_LUT_SHAPE, Vr.CS),
          Map.entry(EXTENDED_OFFSET_TABLE, Vr.OV),
          Map.entry(EXTENDED_OFFSET_TABLE_LENGTHS, Vr.OV),
          Map.entry(FLOAT_PIXEL_DATA, Vr.OF),
          Map.entry(DOUBLE_FLOAT_PIXEL_DATA, Vr.OD),
          Map.entry(PIXEL_DATA, Vr.OW));

  private Tags() {}

  /** The VR an implicit VR dataset implies for a tag; UN when the project does not know it. */
  static Vr implicitVr(int tag) {
    if ((tag & 0x0000FFFF) == 0) {
      return Vr.UL; // group length
    }
    return DICTIONARY.getOrDefault(tag, Vr.UN);
  }

  /** (gggg,eeee) notation, as in error messages. */
  public static String format(int tag) {
    return String.format("(%04X,%04X)", tag >>> 16, tag & 0xffff);
  }
}
