/*
 * Signs CDS Hooks client JWTs the way CDS clients (EHRs, test harnesses) do: ES384, a "kid" in the
 * header, and exactly the claims the CDS Hooks specification requires (iss, aud, exp, iat, jti),
 * "sub" only if asked for. JDK only, no build: run it with the java launcher.
 *
 *   java tests/tools/CdsClientJwt.java keys DIR
 *       a new P-384 key: DIR/client-key.pem (private, keep it) and DIR/jwks.json (public: give it
 *       to the server as the issuer's jwks, or publish it at the issuer's JWKS URL)
 *   java tests/tools/CdsClientJwt.java sign DIR ISSUER AUDIENCE [--sub SUB] [--seconds N]
 *       prints a token for one call; AUDIENCE is the URL called, e.g.
 *       http://127.0.0.1:8080/cds-services/lss-mri-order-sign (the server refuses a token used
 *       twice: sign one per call). --seconds: lifetime, default 60, at most 300.
 *
 * See docs/cds-hooks.md#try-it-with-a-cds-hooks-client.
 */
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.interfaces.ECPublicKey;
import java.security.spec.ECGenParameterSpec;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

public class CdsClientJwt {

  private static final Base64.Encoder URL = Base64.getUrlEncoder().withoutPadding();
  private static final int P384_BYTES = 48;

  public static void main(String[] args) throws Exception {
    if (args.length >= 2 && args[0].equals("keys")) {
      keys(Path.of(args[1]));
    } else if (args.length >= 4 && args[0].equals("sign")) {
      String sub = null;
      long seconds = 60;
      if ((args.length - 4) % 2 != 0) {
        usage();
      }
      for (int i = 4; i + 1 < args.length; i += 2) {
        switch (args[i]) {
          case "--sub" -> sub = args[i + 1];
          case "--seconds" -> seconds = Long.parseLong(args[i + 1]);
          default -> usage();
        }
      }
      if (seconds < 1 || seconds > 300) {
        usage();
      }
      System.out.println(sign(Path.of(args[1]), args[2], args[3], sub, seconds));
    } else {
      usage();
    }
  }

  private static void usage() {
    System.err.println(
        "usage: java CdsClientJwt.java keys DIR\n"
            + "       java CdsClientJwt.java sign DIR ISSUER AUDIENCE [--sub SUB] [--seconds N]");
    System.exit(2);
  }

  static void keys(Path dir) throws Exception {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
    generator.initialize(new ECGenParameterSpec("secp384r1"));
    KeyPair pair = generator.generateKeyPair();
    ECPublicKey pub = (ECPublicKey) pair.getPublic();
    String x = URL.encodeToString(unsigned(pub.getW().getAffineX()));
    String y = URL.encodeToString(unsigned(pub.getW().getAffineY()));
    // the kid: the RFC 7638 thumbprint of the public key
    String canonical = "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"" + x + "\",\"y\":\"" + y + "\"}";
    String kid =
        URL.encodeToString(
            MessageDigest.getInstance("SHA-256")
                .digest(canonical.getBytes(StandardCharsets.UTF_8)));
    Files.createDirectories(dir);
    Path keyFile = dir.resolve("client-key.pem");
    Files.deleteIfExists(keyFile);
    try {
      // readable by its owner only
      Files.createFile(
          keyFile,
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    } catch (UnsupportedOperationException e) {
      Files.createFile(keyFile); // not a POSIX file system
    }
    Files.writeString(
        keyFile,
        "-----BEGIN PRIVATE KEY-----\n"
            + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                .encodeToString(pair.getPrivate().getEncoded())
            + "\n-----END PRIVATE KEY-----\n");
    Files.writeString(
        dir.resolve("jwks.json"),
        "{\"keys\":[{\"kty\":\"EC\",\"crv\":\"P-384\",\"alg\":\"ES384\",\"use\":\"sig\",\"kid\":\""
            + kid
            + "\",\"x\":\""
            + x
            + "\",\"y\":\""
            + y
            + "\"}]}\n");
    System.out.println("wrote " + dir.resolve("client-key.pem") + " and " + dir.resolve("jwks.json"));
  }

  static String sign(Path dir, String issuer, String audience, String sub, long seconds)
      throws Exception {
    String pem = Files.readString(dir.resolve("client-key.pem"));
    byte[] der =
        Base64.getMimeDecoder()
            .decode(pem.replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", ""));
    PrivateKey key = KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(der));
    Matcher kid =
        Pattern.compile("\"kid\"\\s*:\\s*\"([^\"]+)\"")
            .matcher(Files.readString(dir.resolve("jwks.json")));
    if (!kid.find()) {
      throw new IllegalStateException("no kid in " + dir.resolve("jwks.json"));
    }
    long now = Instant.now().getEpochSecond();
    String header = "{\"alg\":\"ES384\",\"typ\":\"JWT\",\"kid\":" + quote(kid.group(1)) + "}";
    String claims =
        "{\"iss\":"
            + quote(issuer)
            + (sub == null ? "" : ",\"sub\":" + quote(sub))
            + ",\"aud\":"
            + quote(audience)
            + ",\"exp\":"
            + (now + seconds)
            + ",\"iat\":"
            + now
            + ",\"jti\":"
            + quote(UUID.randomUUID().toString())
            + "}";
    String input =
        URL.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + URL.encodeToString(claims.getBytes(StandardCharsets.UTF_8));
    Signature signer = Signature.getInstance("SHA384withECDSA");
    signer.initSign(key);
    signer.update(input.getBytes(StandardCharsets.US_ASCII));
    return input + "." + URL.encodeToString(jose(signer.sign()));
  }

  /** A DER ECDSA signature as JWS wants it (RFC 7518 3.4): R and S, 48 bytes each. */
  static byte[] jose(byte[] der) {
    int offset = der[1] == (byte) 0x81 ? 3 : 2; // SEQUENCE, its length (long form above 127)
    int rLength = der[offset + 1];
    BigInteger r = new BigInteger(1, Arrays.copyOfRange(der, offset + 2, offset + 2 + rLength));
    int s0 = offset + 2 + rLength;
    int sLength = der[s0 + 1];
    BigInteger s = new BigInteger(1, Arrays.copyOfRange(der, s0 + 2, s0 + 2 + sLength));
    byte[] out = new byte[2 * P384_BYTES];
    System.arraycopy(unsigned(r), 0, out, 0, P384_BYTES);
    System.arraycopy(unsigned(s), 0, out, P384_BYTES, P384_BYTES);
    return out;
  }

  /** The value as exactly 48 big-endian bytes. */
  static byte[] unsigned(BigInteger value) {
    byte[] bytes = value.toByteArray();
    byte[] out = new byte[P384_BYTES];
    int copy = Math.min(bytes.length, P384_BYTES);
    System.arraycopy(bytes, bytes.length - copy, out, P384_BYTES - copy, copy);
    return out;
  }

  private static String quote(String text) {
    StringBuilder out = new StringBuilder("\"");
    for (char c : text.toCharArray()) {
      if (c == '"' || c == '\\') {
        out.append('\\').append(c);
      } else if (c < 0x20) {
        out.append(String.format("\\u%04x", (int) c));
      } else {
        out.append(c);
      }
    }
    return out.append('"').toString();
  }
}
