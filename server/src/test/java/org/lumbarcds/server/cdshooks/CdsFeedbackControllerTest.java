package org.lumbarcds.server.cdshooks;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookException;
import org.lumbarcds.server.web.ApiErrors;
import org.mockito.ArgumentCaptor;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.validation.beanvalidation.LocalValidatorFactoryBean;

/** CDS Hooks feedback over HTTP: what is stored, what is refused, and what is read back. */
class CdsFeedbackControllerTest {

  private static final String SERVICE = "lss-patient-view";

  private final CdsServices services = mock(CdsServices.class);
  private final FeedbackStore store = mock(FeedbackStore.class);
  private MockMvc mvc;

  @BeforeEach
  void setUp() {
    LocalValidatorFactoryBean validator = new LocalValidatorFactoryBean();
    validator.afterPropertiesSet();
    mvc =
        MockMvcBuilders.standaloneSetup(new CdsFeedbackController(services, store, validator))
            .setControllerAdvice(new ApiErrors())
            .build();
    // one service exists
    when(services.service(anyString()))
        .thenAnswer(
            call -> {
              if (call.getArgument(0).equals(SERVICE)) {
                return null;
              }
              throw new HookException(HookException.Kind.NOT_FOUND, "no CDS service");
            });
  }

  @SuppressWarnings("unchecked")
  private List<FeedbackStore.Feedback> saved() {
    ArgumentCaptor<List<FeedbackStore.Feedback>> items = ArgumentCaptor.forClass(List.class);
    verify(store).save(eq(SERVICE), items.capture());
    return items.getValue();
  }

  @Test
  void feedbackIsStoredAsTheEhrSentIt() throws Exception {
    mvc.perform(
            post("/cds-services/" + SERVICE + "/feedback")
                .contentType(MediaType.APPLICATION_JSON)
                .content(
                    "{\"feedback\":[{\"card\":\"c1\",\"outcome\":\"accepted\","
                        + "\"outcomeTimestamp\":\"2026-11-30T10:00:00+01:00\","
                        + "\"acceptedSuggestions\":[{\"id\":\"s1\"}]},"
                        + "{\"card\":\"c2\",\"outcome\":\"overridden\",\"overrideReason\":"
                        + "{\"reason\":{\"system\":\"http://s\",\"code\":\"o1\","
                        + "\"display\":\"Judgement\"},\"userComment\":\"seen\"}}]}"))
        .andExpect(status().isOk());
    List<FeedbackStore.Feedback> items = saved();
    assertThat(items).hasSize(2);
    assertThat(items.get(0).acceptedSuggestions()).containsExactly("s1");
    assertThat(items.get(0).outcomeTimestamp()).isEqualTo(Instant.parse("2026-11-30T09:00:00Z"));
    assertThat(items.get(1).overrideReasonCode()).contains("o1");
    assertThat(items.get(1).overrideReasonDisplay()).contains("Judgement");
    assertThat(items.get(1).userComment()).contains("seen");
  }

  @Test
  void anItemTheStoreCouldNotKeepRefusesTheWholeRequest() throws Exception {
    for (String bad :
        List.of(
            "{\"feedback\":[]}",
            "{\"feedback\":[null]}",
            "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\","
                + "\"acceptedSuggestions\":[null]}]}",
            "{\"feedback\":[{\"outcome\":\"accepted\"}]}",
            "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"maybe\"}]}",
            "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\"},{\"card\":\"d\","
                + "\"outcome\":\"overridden\",\"overrideReason\":{\"userComment\":\""
                + "x".repeat(FeedbackStore.MAX_COMMENT + 1)
                + "\"}}]}",
            "{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\","
                + "\"outcomeTimestamp\":\"yesterday\"}]}")) {
      mvc.perform(
              post("/cds-services/" + SERVICE + "/feedback")
                  .contentType(MediaType.APPLICATION_JSON)
                  .content(bad))
          .andExpect(status().isBadRequest())
          .andExpect(jsonPath("$.message").isNotEmpty());
    }
    mvc.perform(
            post("/cds-services/nothing/feedback")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"feedback\":[{\"card\":\"c\",\"outcome\":\"accepted\"}]}"))
        .andExpect(status().isNotFound());
    verify(store, never()).save(anyString(), any());
  }

  @Test
  void feedbackIsReadBackWithItsCounts() throws Exception {
    when(store.since(SERVICE, Instant.parse("2026-11-01T00:00:00Z")))
        .thenReturn(
            List.of(
                new FeedbackStore.Feedback(
                    "c1",
                    SERVICE,
                    "overridden",
                    List.of(),
                    Optional.empty(),
                    Optional.of("o1"),
                    Optional.empty(),
                    Optional.empty(),
                    Instant.parse("2026-11-30T09:00:00Z"),
                    Optional.of("MRI_RECOMMENDED"),
                    Optional.of("42"))));
    mvc.perform(get("/cds-services/" + SERVICE + "/feedback?since=2026-11-01T00:00:00Z"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.service").value(SERVICE))
        .andExpect(jsonPath("$.summary.total").value(1))
        .andExpect(jsonPath("$.summary.outcomes.overridden").value(1))
        .andExpect(jsonPath("$.summary.overrideReasons.o1").value(1))
        .andExpect(jsonPath("$.feedback[0].outcomeTimestamp").value("2026-11-30T09:00:00Z"))
        .andExpect(jsonPath("$.feedback[0].overrideReason.code").value("o1"))
        .andExpect(jsonPath("$.feedback[0].overrideReason.system").doesNotExist())
        .andExpect(jsonPath("$.feedback[0].acceptedSuggestions").doesNotExist())
        .andExpect(jsonPath("$.feedback[0].observation").value("Observation/42"));
    mvc.perform(get("/cds-services/" + SERVICE + "/feedback?since=last-week"))
        .andExpect(status().isBadRequest());
  }
}
