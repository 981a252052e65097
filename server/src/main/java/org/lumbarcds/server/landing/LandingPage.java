package org.lumbarcds.server.landing;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.network.PageAssets;
import org.lumbarcds.server.operations.Summary;
import org.springframework.web.util.HtmlUtils;

/**
 * The landing page's HTML: {@code landing/landing.html} with its {@code {{name}}} fields filled
 * (every value HTML-escaped) and, of its two demo sections ({@code <!--demo-open-->} and {@code
 * <!--demo-closed-->}), the one that applies.
 */
final class LandingPage {

  /** The period of the figures shown, as the operations view's default. */
  static final int DAYS = 30;

  private static final Pattern FIELD = Pattern.compile("\\{\\{([a-zA-Z]+)}}");

  private LandingPage() {}

  /**
   * @param demoRefused why the demo may not be loaded here; empty: it may
   */
  static String render(ModelCard card, Summary summary, Optional<String> demoRefused) {
    Map<String, String> fields = new LinkedHashMap<>();
    fields.put(
        "model",
        (card.name().isBlank() ? card.id() : card.name())
            + "; id "
            + card.id()
            + ", version "
            + card.version());
    fields.put(
        "synthetic",
        card.synthetic()
            ? "The model in use is the reference model, trained on synthetic phantom radiographs"
                + " only: its results say nothing about real patients."
            : "");
    Summary.Results r = summary.results();
    fields.put(
        "results",
        r.read()
            + " in the last "
            + DAYS
            + " days: "
            + r.withProbability()
            + " with a probability, "
            + r.qualityFailures()
            + " quality failures"
            + (r.truncated() ? " (only the latest were read)" : ""));
    Summary.Queue now = summary.jobs().now();
    fields.put(
        "jobsNow",
        now.queued()
            + " queued, "
            + now.running()
            + " running, "
            + now.waitingToRetry()
            + " waiting to retry");
    Summary.TaskCounts tasks = summary.jobs().tasks();
    fields.put(
        "tasks",
        tasks.completed()
            + " completed, "
            + tasks.failed()
            + " failed, "
            + (tasks.requested() + tasks.inProgress())
            + " not ended (last "
            + DAYS
            + " days)");
    fields.put("demoRefused", demoRefused.orElse(""));
    String page = PageAssets.text("landing", "landing.html");
    page = keep(page, demoRefused.isEmpty() ? "demo-open" : "demo-closed");
    page = drop(page, demoRefused.isEmpty() ? "demo-closed" : "demo-open");
    Matcher m = FIELD.matcher(page);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = fields.get(m.group(1));
      if (value == null) {
        throw new IllegalStateException("landing.html names an unknown field " + m.group(1));
      }
      m.appendReplacement(out, Matcher.quoteReplacement(HtmlUtils.htmlEscape(value)));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String keep(String page, String section) {
    return page.replace("<!--" + section + "-->", "").replace("<!--/" + section + "-->", "");
  }

  private static String drop(String page, String section) {
    return page.replaceAll("(?s)<!--" + section + "-->.*?<!--/" + section + "-->", "");
  }
}
