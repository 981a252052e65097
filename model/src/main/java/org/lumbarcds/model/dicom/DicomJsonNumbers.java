package org.lumbarcds.model.dicom;

import static org.lumbarcds.model.dicom.DicomJsonModel.isTagHex;
import static org.lumbarcds.model.dicom.DicomJsonModel.malformed;
import static org.lumbarcds.model.dicom.DicomJsonModel.size;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BigIntegerNode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.math.MathContext;
import java.math.RoundingMode;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * How {@link DicomJsonReader} turns JSON numbers into DICOM values: IS and DS text, and the binary
 * numbers (AT, US, SS, UL, SL, FL, FD, SV, UV) as little endian bytes. Out of range, fractional or
 * oversized numbers are {@link DicomException.Reason#MALFORMED}.
 */
final class DicomJsonNumbers {

  /** Longest DS text written when reading; longer JSON numbers are shortened to round-trip. */
  private static final int DS_LENGTH = 16;

  private DicomJsonNumbers() {}

  /** A DS value: a DecimalNode's own digits where they fit, else the shortest round-trip text. */
  static String decimalText(int tag, JsonNode value) throws DicomException {
    if (!value.isNumber()) {
      throw malformed(tag, "has a DS value that is not a number");
    }
    double approximate = value.doubleValue();
    if (!Double.isFinite(approximate)) {
      throw malformed(tag, "has a DS value that is not a finite number");
    }
    String text;
    if (value.isFloat() || value.isDouble()) {
      text = shortest(approximate);
    } else if (value.isBigDecimal()) {
      text = value.decimalValue().toString();
    } else {
      text = value.bigIntegerValue().toString();
    }
    return text.length() <= DS_LENGTH ? text : shortest(approximate);
  }

  /** The shortest decimal text that parses back to {@code value}. */
  private static String shortest(double value) {
    if (value == 0) {
      return "0";
    }
    BigDecimal exact = new BigDecimal(value);
    BigDecimal rounded = exact;
    for (int digits = 1; digits <= 17; digits++) {
      BigDecimal candidate = exact.round(new MathContext(digits, RoundingMode.HALF_EVEN));
      if (candidate.doubleValue() == value) {
        rounded = candidate;
        break;
      }
    }
    BigDecimal stripped = rounded.stripTrailingZeros();
    String plain = stripped.toPlainString();
    String scientific = stripped.toString();
    return plain.length() <= scientific.length() ? plain : scientific;
  }

  /** An integer JSON number (or integral decimal) of at most {@code maxDigits} digits. */
  static BigInteger integral(int tag, JsonNode value, int maxDigits) throws DicomException {
    if (!value.isNumber()) {
      throw malformed(tag, "has a value that is not a number");
    }
    if (value.isFloat() || value.isDouble()) {
      double d = value.doubleValue();
      if (!Double.isFinite(d) || d != Math.rint(d)) {
        throw malformed(tag, "has a value that is not an integer");
      }
    }
    BigDecimal decimal = value.isIntegralNumber() ? null : value.decimalValue();
    BigInteger integer;
    if (decimal == null) {
      integer = value.bigIntegerValue();
    } else if (decimal.signum() == 0) {
      integer = BigInteger.ZERO;
    } else {
      long digits = (long) decimal.precision() - decimal.scale();
      if (digits <= 0) {
        throw malformed(tag, "has a value that is not an integer");
      }
      if (digits > maxDigits) {
        throw malformed(tag, "has an integer of more than " + maxDigits + " digits");
      }
      try {
        integer = decimal.toBigIntegerExact();
      } catch (ArithmeticException e) {
        throw malformed(tag, "has a value that is not an integer");
      }
    }
    if (integer.abs().toString().length() > maxDigits) {
      throw malformed(tag, "has an integer of more than " + maxDigits + " digits");
    }
    return integer;
  }

  static byte[] binaryNumbers(int tag, Vr vr, JsonNode values) throws DicomException {
    int size = size(vr);
    ByteBuffer out = ByteBuffer.allocate(values.size() * size).order(ByteOrder.LITTLE_ENDIAN);
    for (JsonNode value : values) {
      switch (vr) {
        case AT -> {
          if (!value.isTextual() || !isTagHex(value.textValue())) {
            throw malformed(tag, "has an AT value that is not 8 hex digits");
          }
          int at = Integer.parseUnsignedInt(value.textValue(), 16);
          out.putShort((short) (at >>> 16)).putShort((short) at);
        }
        case FL, FD -> {
          double d = floatingValue(tag, value);
          if (vr == Vr.FL) {
            if (Double.isFinite(d) && Float.isInfinite((float) d)) {
              throw malformed(tag, "has an FL value beyond the float range");
            }
            out.putFloat((float) d);
          } else {
            out.putDouble(d);
          }
        }
        default -> {
          JsonNode number = value;
          if ((vr == Vr.SV || vr == Vr.UV) && value.isTextual()) {
            number = integerText(tag, value.textValue()); // 64-bit values as strings
          }
          BigInteger integer = integral(tag, number, 20);
          long v = inRange(tag, vr, integer);
          switch (size) {
            case 2 -> out.putShort((short) v);
            case 4 -> out.putInt((int) v);
            default -> out.putLong(v);
          }
        }
      }
    }
    return out.array();
  }

  private static JsonNode integerText(int tag, String text) throws DicomException {
    if (text.isEmpty() || text.length() > 21) {
      throw malformed(tag, "has a value that is not an integer");
    }
    try {
      return BigIntegerNode.valueOf(new BigInteger(text));
    } catch (NumberFormatException e) {
      throw malformed(tag, "has a value that is not an integer");
    }
  }

  private static long inRange(int tag, Vr vr, BigInteger value) throws DicomException {
    int bits = size(vr) * 8;
    boolean unsigned = vr == Vr.US || vr == Vr.UL || vr == Vr.UV;
    if (unsigned ? value.signum() < 0 || value.bitLength() > bits : value.bitLength() >= bits) {
      throw malformed(tag, "has " + value + ", out of range for " + vr);
    }
    return value.longValue(); // two's complement: the low 64 bits, as UV's unsigned value
  }

  private static double floatingValue(int tag, JsonNode value) throws DicomException {
    if (value.isNumber()) {
      double d = value.doubleValue();
      if (!Double.isFinite(d)) {
        throw malformed(tag, "has a number beyond the double range");
      }
      return d;
    }
    if (value.isTextual()) {
      switch (value.textValue()) {
        case "NaN" -> {
          return Double.NaN;
        }
        case "Infinity" -> {
          return Double.POSITIVE_INFINITY;
        }
        case "-Infinity" -> {
          return Double.NEGATIVE_INFINITY;
        }
        default -> {}
      }
    }
    throw malformed(tag, "has a floating point value that is not a number");
  }
}
