package org.lumbarcds.cds.imaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;
import org.lumbarcds.model.dicom.DicomDataset;
import org.lumbarcds.model.dicom.DicomException;
import org.lumbarcds.model.dicom.DicomJsonReader;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A WADO-RS client (PS3.18 10.4) for one PACS: study metadata as DICOM JSON, instances as
 * multipart/related application/dicom in the transfer syntax the PACS holds. Every request has a
 * connect and a response timeout; connection failures, timeouts, 429 and 5xx are retried with
 * exponential backoff; an answer larger than the bound is refused while it is read. Thread-safe.
 */
public final class DicomWebClient implements ImageSource {

  /**
   * How to reach one PACS.
   *
   * @param baseUrl the DICOMweb root (Endpoint.address), e.g. {@code http://pacs:8042/dicom-web}
   * @param connectTimeout limit to open a connection
   * @param requestTimeout limit for a whole answer to arrive
   * @param attempts tries per request (1 = no retry)
   * @param firstBackoff wait before the first retry; doubled before each next one
   * @param maxBytes largest answer accepted
   * @param credentials the Authorization header to send, if the PACS needs one
   */
  public record Settings(
      String baseUrl,
      Duration connectTimeout,
      Duration requestTimeout,
      int attempts,
      Duration firstBackoff,
      long maxBytes,
      Credentials credentials) {
    public Settings {
      baseUrl = baseUrl.replaceAll("/+$", "");
      if (attempts < 1) {
        throw new IllegalArgumentException("attempts must be at least 1");
      }
    }

    /** Settings with a fixed Authorization header, or none. */
    public Settings(
        String baseUrl,
        Duration connectTimeout,
        Duration requestTimeout,
        int attempts,
        Duration firstBackoff,
        long maxBytes,
        Optional<String> authorization) {
      this(
          baseUrl,
          connectTimeout,
          requestTimeout,
          attempts,
          firstBackoff,
          maxBytes,
          authorization.map(Credentials::fixed).orElse(Credentials.NONE));
    }
  }

  private static final Logger log = LoggerFactory.getLogger(DicomWebClient.class);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern UID = Pattern.compile("[0-9]+(\\.[0-9]+)*");

  /** Closes the body of an answer that outlives its request timeout. */
  private static final ScheduledExecutorService WATCHDOG =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "dicomweb-client-watchdog");
            t.setDaemon(true);
            return t;
          });

  private final Settings settings;
  private final HttpClient http;

  public DicomWebClient(Settings settings) {
    this.settings = settings;
    this.http =
        HttpClient.newBuilder()
            .connectTimeout(settings.connectTimeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
  }

  @Override
  public List<DicomDataset> metadata(String studyUid) throws ImageSourceException {
    byte[] body =
        exchange(
            "/studies/" + uid(studyUid) + "/metadata",
            "application/dicom+json",
            (contentType, in) -> {
              byte[] bytes = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, limit() + 1));
              if (bytes.length > limit()) {
                throw new ImageSourceException(
                    ImageSourceException.Reason.TOO_LARGE,
                    "answer larger than " + limit() + " bytes");
              }
              return bytes;
            });
    JsonNode array;
    try {
      array = JSON.readTree(body);
    } catch (IOException e) {
      throw new ImageSourceException(
          ImageSourceException.Reason.BAD_RESPONSE, "study metadata is not JSON", e);
    }
    if (!array.isArray()) {
      throw new ImageSourceException(
          ImageSourceException.Reason.BAD_RESPONSE, "study metadata is not a JSON array");
    }
    List<DicomDataset> headers = new ArrayList<>();
    for (JsonNode instance : array) {
      try {
        headers.add(DicomJsonReader.read(instance));
      } catch (DicomException e) {
        throw new ImageSourceException(
            ImageSourceException.Reason.BAD_RESPONSE,
            "study metadata is not DICOM JSON: " + e.getMessage(),
            e);
      }
    }
    return headers;
  }

  @Override
  public byte[] retrieve(String studyUid, String seriesUid, String sopInstanceUid)
      throws ImageSourceException {
    String path =
        "/studies/"
            + uid(studyUid)
            + "/series/"
            + uid(seriesUid)
            + "/instances/"
            + uid(sopInstanceUid);
    List<byte[]> parts =
        exchange(
            path,
            "multipart/related; type=\"application/dicom\"; transfer-syntax=*",
            (contentType, in) -> {
              List<byte[]> received = new ArrayList<>();
              try {
                Multipart.read(
                    in,
                    contentType,
                    limit(),
                    limit(),
                    part -> {
                      if (!part.mediaType().equals("application/dicom")) {
                        throw new Multipart.MultipartException(
                            "part of type " + part.mediaType() + " is not application/dicom",
                            false);
                      }
                      received.add(part.body());
                    });
              } catch (Multipart.MultipartException e) {
                throw new ImageSourceException(
                    e.tooLarge()
                        ? ImageSourceException.Reason.TOO_LARGE
                        : ImageSourceException.Reason.BAD_RESPONSE,
                    "instance answer: " + e.getMessage(),
                    e);
              }
              return received;
            });
    if (parts.size() != 1) {
      throw new ImageSourceException(
          ImageSourceException.Reason.BAD_RESPONSE,
          "expected one instance, the PACS sent " + parts.size());
    }
    return parts.get(0);
  }

  private long limit() {
    return settings.maxBytes();
  }

  /** Reads a 200 answer's body; an IOException that is not an ImageSourceException is retried. */
  @FunctionalInterface
  private interface BodyReader<T> {
    T read(String contentType, InputStream body) throws IOException;
  }

  /**
   * A GET with retries. The request timeout covers the whole exchange, body included: a watchdog
   * closes the body when it runs out, so a PACS that trickles its answer cannot hold the caller.
   */
  private <T> T exchange(String path, String accept, BodyReader<T> reader)
      throws ImageSourceException {
    HttpRequest.Builder builder =
        HttpRequest.newBuilder(URI.create(settings.baseUrl() + path))
            .timeout(settings.requestTimeout())
            .header("Accept", accept)
            .GET();
    try {
      settings.credentials().authorization().ifPresent(a -> builder.header("Authorization", a));
    } catch (IOException e) {
      // an authorization server that does not answer is a passing fault; a refusal is not
      boolean unreachable = e instanceof ConnectException || e instanceof HttpTimeoutException;
      throw new ImageSourceException(
          unreachable
              ? ImageSourceException.Reason.UNAVAILABLE
              : ImageSourceException.Reason.REFUSED,
          "no access token for the PACS: " + e.getMessage(),
          e);
    }
    HttpRequest request = builder.build();
    Duration backoff = settings.firstBackoff();
    String last = "";
    String noAnswer = "no answer within " + settings.requestTimeout().toMillis() + " ms";
    for (int attempt = 1; attempt <= settings.attempts(); attempt++) {
      AtomicBoolean expired = new AtomicBoolean();
      ScheduledFuture<?> watchdog = null;
      try {
        HttpResponse<InputStream> response =
            http.send(request, HttpResponse.BodyHandlers.ofInputStream());
        try (InputStream body = response.body()) {
          int status = response.statusCode();
          if (status == 200) {
            watchdog =
                WATCHDOG.schedule(
                    () -> {
                      expired.set(true);
                      closeQuietly(body);
                    },
                    settings.requestTimeout().toMillis(),
                    TimeUnit.MILLISECONDS);
            return reader.read(response.headers().firstValue("Content-Type").orElse(""), body);
          }
          body.readNBytes(64 * 1024); // the status says enough
          switch (status) {
            case 404 ->
                throw new ImageSourceException(
                    ImageSourceException.Reason.NOT_FOUND,
                    "the PACS has no such study or instance");
            case 401, 403 -> {
              if (status == 401) {
                settings.credentials().rejected();
              }
              throw new ImageSourceException(
                  ImageSourceException.Reason.REFUSED,
                  "the PACS refused the request (" + status + ")");
            }
            case 429, 500, 502, 503, 504 -> last = "HTTP " + status;
            default ->
                throw new ImageSourceException(
                    ImageSourceException.Reason.BAD_RESPONSE, "the PACS answered HTTP " + status);
          }
        }
      } catch (ImageSourceException e) {
        if (!expired.get()) {
          throw e; // a definite answer: retrying cannot change it
        }
        last = noAnswer;
      } catch (HttpTimeoutException e) {
        last = noAnswer;
      } catch (ConnectException e) {
        last = "connection refused";
      } catch (IOException e) {
        last = expired.get() ? noAnswer : "answer broke off (" + e.getClass().getSimpleName() + ")";
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new ImageSourceException(ImageSourceException.Reason.UNAVAILABLE, "interrupted");
      } finally {
        if (watchdog != null) {
          watchdog.cancel(false);
        }
      }
      if (attempt < settings.attempts()) {
        log.debug("DICOMweb request failed ({}), retrying in {} ms", last, backoff.toMillis());
        sleep(backoff);
        backoff = backoff.multipliedBy(2);
      }
    }
    throw new ImageSourceException(
        ImageSourceException.Reason.UNAVAILABLE,
        "the PACS is unavailable after " + settings.attempts() + " attempts: " + last);
  }

  private static void closeQuietly(InputStream in) {
    try {
      in.close();
    } catch (IOException ignored) {
      // the reader sees the stream closed
    }
  }

  private static void sleep(Duration d) throws ImageSourceException {
    try {
      Thread.sleep(d.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageSourceException(ImageSourceException.Reason.UNAVAILABLE, "interrupted");
    }
  }

  private static String uid(String value) throws ImageSourceException {
    if (value == null || value.length() > 64 || !UID.matcher(value).matches()) {
      throw new ImageSourceException(
          ImageSourceException.Reason.NOT_FOUND, "not a DICOM UID: cannot be asked for");
    }
    return value;
  }
}
