package org.lumbarcds.cds.imaging;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.james.mime4j.MimeException;
import org.apache.james.mime4j.MimeIOException;
import org.apache.james.mime4j.stream.EntityState;
import org.apache.james.mime4j.stream.MimeConfig;
import org.apache.james.mime4j.stream.MimeTokenStream;
import org.apache.james.mime4j.stream.RecursionMode;

/**
 * DICOMweb's multipart/related bodies (PS3.18 8.7.1): read part by part with Apache James mime4j,
 * each part bounded in size before it is held in memory; written with a random boundary.
 */
public final class Multipart {

  /** One part: its media type (lower case, parameters dropped) and its bytes. */
  public record Part(String mediaType, byte[] body) {}

  /** Receives the parts one at a time. */
  @FunctionalInterface
  public interface PartHandler {
    void accept(Part part) throws IOException;
  }

  /** A body that is not the multipart/related it claims to be, or is larger than allowed. */
  public static final class MultipartException extends IOException {
    private final boolean tooLarge;

    MultipartException(String message, boolean tooLarge) {
      super(message);
      this.tooLarge = tooLarge;
    }

    /** True when the body broke a size bound rather than the MIME syntax. */
    public boolean tooLarge() {
      return tooLarge;
    }
  }

  private static final Pattern TYPE_PARAMETER =
      Pattern.compile("(?i);\\s*type\\s*=\\s*\"?([^\";]+)\"?");
  private static final Pattern BOUNDARY =
      Pattern.compile("(?i);\\s*boundary\\s*=\\s*\"?([^\";]+)\"?");

  private Multipart() {}

  /** The media type before any parameter, lower case: {@code multipart/related}. */
  public static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .strip()
        .toLowerCase(Locale.ROOT);
  }

  /** The {@code type} parameter of a multipart/related content type, lower case. */
  public static Optional<String> typeParameter(String contentType) {
    Matcher m = TYPE_PARAMETER.matcher(contentType);
    return m.find() ? Optional.of(m.group(1).strip().toLowerCase(Locale.ROOT)) : Optional.empty();
  }

  /**
   * Reads a multipart body.
   *
   * @param contentType the body's Content-Type, with its boundary
   * @param maxPartBytes largest part accepted
   * @param maxTotalBytes largest body accepted, all parts together
   * @throws MultipartException when the body is not multipart, has no boundary, is malformed or too
   *     large
   */
  public static void read(
      InputStream body,
      String contentType,
      long maxPartBytes,
      long maxTotalBytes,
      PartHandler handler)
      throws IOException {
    if (!mediaType(contentType).startsWith("multipart/")) {
      throw new MultipartException(
          "Content-Type " + mediaType(contentType) + " is not multipart", false);
    }
    if (!BOUNDARY.matcher(contentType).find()) {
      throw new MultipartException("Content-Type has no boundary parameter", false);
    }
    MimeConfig config =
        MimeConfig.custom()
            .setMaxLineLen(-1) // parts are binary: "lines" of any length
            .setMaxHeaderCount(64)
            .setMaxHeaderLen(8192)
            .setMaxContentLen(-1)
            .setStrictParsing(true)
            .build();
    MimeTokenStream stream = new MimeTokenStream(config);
    stream.setRecursionMode(RecursionMode.M_NO_RECURSE);
    long total = 0;
    int parts = 0;
    boolean closed = false;
    try {
      stream.parseHeadless(body, contentType);
      for (EntityState state = stream.getState();
          state != EntityState.T_END_OF_STREAM;
          state = stream.next()) {
        if (state == EntityState.T_END_MULTIPART) {
          closed = true;
        }
        if (state != EntityState.T_BODY) {
          continue;
        }
        String type = stream.getBodyDescriptor().getMimeType().toLowerCase(Locale.ROOT);
        byte[] bytes = readBounded(stream.getDecodedInputStream(), maxPartBytes);
        total += bytes.length;
        if (total > maxTotalBytes) {
          throw new MultipartException("Body larger than " + maxTotalBytes + " bytes", true);
        }
        parts++;
        handler.accept(new Part(type, bytes));
      }
    } catch (MimeException | MimeIOException e) {
      throw new MultipartException("Malformed multipart body: " + e.getMessage(), false);
    }
    if (parts == 0 || !closed) {
      throw new MultipartException(
          parts == 0
              ? "Multipart body has no parts"
              : "Multipart body ends without its closing boundary",
          false);
    }
  }

  private static byte[] readBounded(InputStream in, long max) throws IOException {
    byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, max + 1));
    if (bytes.length > max) {
      throw new MultipartException("A part is larger than " + max + " bytes", true);
    }
    return bytes;
  }

  /** A fresh boundary: random, so it cannot occur in the parts by accident. */
  public static String newBoundary() {
    return "lumbarcds-" + UUID.randomUUID();
  }

  /** The Content-Type of a multipart/related body of parts of one type. */
  public static String contentType(String boundary, String partType) {
    return "multipart/related; type=\"" + partType + "\"; boundary=" + boundary;
  }

  /** Writes one part. */
  public static void writePart(OutputStream out, String boundary, String partType, byte[] body)
      throws IOException {
    out.write(
        ("--"
                + boundary
                + "\r\nContent-Type: "
                + partType
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
  }

  /** Writes the closing boundary. */
  public static void writeEnd(OutputStream out, String boundary) throws IOException {
    out.write(("--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII));
  }
}
