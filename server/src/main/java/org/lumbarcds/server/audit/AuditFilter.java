package org.lumbarcds.server.audit;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventOutcome;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Records the accesses to patient data outside the FHIR API once they are answered (DICOMweb,
 * {@code /imaging/index}, the viewer's opening and review, CDS Hooks calls), and every call refused
 * for its token or scopes (401, 403) on any of these paths, the FHIR API, the operations API and
 * the model card. The FHIR API's reads, searches and writes are HAPI's BALP interceptor's. What a
 * call touched is what its endpoint left on the request ({@link AuditTrail#PATIENTS}, {@link
 * AuditTrail#ENTITIES}), else the study named in the path.
 */
public class AuditFilter extends OncePerRequestFilter {

  private static final Pattern STUDY = Pattern.compile("/dicomweb/studies/([0-9.]{1,64})(/.*)?");
  private static final Pattern VIEWER_OPEN = Pattern.compile("/viewer/api/[^/]+");
  private static final Pattern VIEWER_REVIEW = Pattern.compile("/viewer/api/[^/]+/review");
  private static final Pattern HOOK = Pattern.compile("/cds-services/[^/]+");

  private final AuditTrail trail;

  public AuditFilter(AuditTrail trail) {
    this.trail = trail;
  }

  /** The URL patterns it is registered on. */
  public static String[] urlPatterns() {
    return new String[] {
      "/fhir/*",
      "/dicomweb/*",
      "/imaging/*",
      "/viewer/api/*",
      "/cds-services/*",
      "/ops/api/*",
      "/model/card"
    };
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    try {
      chain.doFilter(request, response);
    } finally {
      if (!"OPTIONS".equals(request.getMethod())) {
        record(request, response.getStatus());
      }
    }
  }

  private void record(HttpServletRequest request, int status) {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (status == 401 || status == 403) {
      trail.record(Activity.REFUSED, request, AuditEventOutcome._4);
      return;
    }
    activity(request.getMethod(), path)
        .ifPresent(
            activity -> {
              studyOf(request, path);
              trail.record(activity, request, outcome(status));
            });
  }

  static Optional<Activity> activity(String method, String path) {
    boolean read = method.equals("GET") || method.equals("HEAD");
    if (path.startsWith("/dicomweb/")) {
      if (method.equals("POST")) {
        return Optional.of(Activity.DICOM_STORE);
      }
      if (!read) {
        return Optional.empty();
      }
      boolean query =
          path.endsWith("/studies") || path.endsWith("/series") || path.endsWith("/instances");
      return Optional.of(query ? Activity.DICOM_QUERY : Activity.DICOM_RETRIEVE);
    }
    if (path.startsWith("/imaging/") && method.equals("POST")) {
      return Optional.of(Activity.IMAGING_INDEX);
    }
    if (read && VIEWER_OPEN.matcher(path).matches()) {
      return Optional.of(Activity.VIEWER_OPEN);
    }
    if (method.equals("POST") && VIEWER_REVIEW.matcher(path).matches()) {
      return Optional.of(Activity.VIEWER_REVIEW);
    }
    if (method.equals("POST") && HOOK.matcher(path).matches()) {
      return Optional.of(Activity.HOOK_CALL);
    }
    return Optional.empty();
  }

  /** The study a DICOMweb path names, when its endpoint named nothing. */
  private static void studyOf(HttpServletRequest request, String path) {
    Matcher m = STUDY.matcher(path);
    if (request.getAttribute(AuditTrail.ENTITIES) == null && m.matches()) {
      List<String> entities = new ArrayList<>();
      entities.add("urn:oid:" + m.group(1));
      request.setAttribute(AuditTrail.ENTITIES, entities);
    }
  }

  static AuditEventOutcome outcome(int status) {
    if (status < 400) {
      return AuditEventOutcome._0;
    }
    return status < 500 ? AuditEventOutcome._4 : AuditEventOutcome._8;
  }
}
