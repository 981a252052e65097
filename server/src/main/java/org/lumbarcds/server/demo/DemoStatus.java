package org.lumbarcds.server.demo;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.server.operations.Summary;

/**
 * The demo load as the landing page reads it ({@code GET /demo/api/status}, and the answer to
 * {@code POST /demo/api/load}). Synthetic patients only; ids are the FHIR store's.
 *
 * @param state {@code idle} (not loaded since the server started), {@code running}, {@code done} or
 *     {@code failed}
 * @param step what is being done (running), or was done last
 * @param done how much of the step is done, when it is counted
 * @param total how much the step has to do, when it is counted
 * @param message why the load failed; left out otherwise
 * @param started when the load began (ISO 8601); left out when idle
 * @param finished when it ended; left out while it runs
 * @param model the model whose results chose the cases (as the operations view names it)
 * @param studies the demo's studies and what the model gave each (once analysed)
 * @param cases the seven cases, each with its patient and the cards an EHR shows (once chosen)
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record DemoStatus(
    String state,
    String step,
    Integer done,
    Integer total,
    String message,
    String started,
    String finished,
    Summary.Model model,
    List<Study> studies,
    List<Case> cases) {

  static final String IDLE = "idle";
  static final String RUNNING = "running";
  static final String DONE = "done";
  static final String FAILED = "failed";

  /** Nothing loaded since the server started. */
  static DemoStatus idle(Summary.Model model) {
    return new DemoStatus(IDLE, null, null, null, null, null, null, model, null, null);
  }

  /** A load begun now. */
  static DemoStatus starting(Summary.Model model, String when) {
    return new DemoStatus(RUNNING, "Starting", null, null, null, when, null, model, null, null);
  }

  /** The same load at another step. */
  DemoStatus at(String newStep, Integer newDone, Integer newTotal) {
    return new DemoStatus(
        RUNNING, newStep, newDone, newTotal, null, started, null, model, studies, cases);
  }

  /** The same load with its studies' results. */
  DemoStatus withStudies(List<Study> analysed) {
    return new DemoStatus(
        state, step, done, total, message, started, finished, model, analysed, cases);
  }

  /** The load, ended with its cases. */
  DemoStatus finished(List<Case> chosen, String when) {
    return new DemoStatus(DONE, step, null, null, null, started, when, model, studies, chosen);
  }

  /** The load, ended in failure. */
  DemoStatus failed(String why, String when) {
    return new DemoStatus(FAILED, step, done, total, why, started, when, model, studies, cases);
  }

  /**
   * A demo study and its analysis.
   *
   * @param study its folder in the bundle (the phantom's id)
   * @param role {@code pool} or {@code missing-view}
   * @param patient its Patient ({@code Patient/<id>})
   * @param probability its AI result's probability; left out for a quality failure
   * @param band {@code likely}, {@code unlikely} or {@code indeterminate}; left out without one
   * @param result its AI result ({@code Observation/<id>}); left out when its analysis failed
   * @param failure why its analysis failed; left out otherwise
   * @param caseId the case it was chosen for; left out when none
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Study(
      String study,
      String role,
      String patient,
      Double probability,
      String band,
      String result,
      String failure,
      String caseId) {}

  /**
   * A case as the EHR showed it.
   *
   * @param id its id
   * @param title its name
   * @param context its clinical context, in words
   * @param need what its AI result had to be: {@code any}, {@code likely}, {@code unlikely}, {@code
   *     indeterminate}, {@code missing-view}
   * @param study the study chosen for it; left out when none could be
   * @param patient its Patient; left out when none
   * @param probability its AI result's probability; left out without one
   * @param band its AI result's band; left out without one
   * @param notShown why no study could be chosen for it; left out when one was
   * @param cards the cards the order-sign call answered (empty: none)
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Case(
      String id,
      String title,
      String context,
      String need,
      String study,
      String patient,
      Double probability,
      String band,
      String notShown,
      List<CdsHooks.Card> cards) {}
}
