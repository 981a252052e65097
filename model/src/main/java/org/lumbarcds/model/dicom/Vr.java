package org.lumbarcds.model.dicom;

/** DICOM value representations (PS3.5 6.2). */
public enum Vr {
  AE,
  AS,
  AT,
  CS,
  DA,
  DS,
  DT,
  FL,
  FD,
  IS,
  LO,
  LT,
  OB,
  OD,
  OF,
  OL,
  OV,
  OW,
  PN,
  SH,
  SL,
  SQ,
  SS,
  ST,
  SV,
  TM,
  UC,
  UI,
  UL,
  UN,
  UR,
  US,
  UT,
  UV;

  /** Explicit VR encodings of these use two reserved bytes and a 32-bit length (PS3.5 7.1.2). */
  boolean hasLongLength() {
    return switch (this) {
      case OB, OD, OF, OL, OV, OW, SQ, SV, UC, UN, UR, UT, UV -> true;
      default -> false;
    };
  }

  /** Values are character strings, decoded with the dataset's character set where it applies. */
  public boolean isText() {
    return switch (this) {
      case AE, AS, CS, DA, DS, DT, IS, LO, LT, PN, SH, ST, TM, UC, UI, UR, UT -> true;
      default -> false;
    };
  }

  /** Byte and word VRs, whose values are opaque bytes (DICOM JSON's InlineBinary / BulkData). */
  boolean isBinary() {
    return switch (this) {
      case OB, OD, OF, OL, OV, OW, UN -> true;
      default -> false;
    };
  }

  /** Text VRs whose values use the Specific Character Set; the others are always ASCII. */
  boolean usesSpecificCharacterSet() {
    return switch (this) {
      case LO, LT, PN, SH, ST, UC, UT -> true;
      default -> false;
    };
  }

  static Vr parse(byte first, byte second) {
    char a = (char) (first & 0xff);
    char b = (char) (second & 0xff);
    if (a < 'A' || a > 'Z' || b < 'A' || b > 'Z') {
      return null;
    }
    try {
      return valueOf(new String(new char[] {a, b}));
    } catch (IllegalArgumentException e) {
      return null;
    }
  }
}
