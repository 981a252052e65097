package org.lumbarcds.server.cdshooks;

import static org.hamcrest.Matchers.containsString;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.ArgumentMatchers.anyString;
import static org.mockito.ArgumentMatchers.eq;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.hooks.CdsHooks;
import org.lumbarcds.cds.hooks.CdsServices;
import org.lumbarcds.cds.hooks.HookException;
import org.lumbarcds.cds.hooks.HookRequest;
import org.lumbarcds.cds.hooks.MriAdviceHooks;
import org.lumbarcds.server.network.ServerAddress;
import org.lumbarcds.server.viewer.ViewerLinks;
import org.lumbarcds.server.web.ApiErrors;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * The CDS Hooks endpoints over HTTP, without the rest of the server: binding, the CDS Hooks error
 * object, the {@code fhirServer} check before any call, and what is handed on.
 */
class CdsHooksControllerTest {

  private static final String ISSUER = "https://ehr.test";

  private final CdsServices services = mock(CdsServices.class);
  private final FeedbackStore feedback = mock(FeedbackStore.class);
  private final ViewerLinks links = mock(ViewerLinks.class);
  private final ServerAddress address = mock(ServerAddress.class);
  private MockMvc mvc;

  @BeforeEach
  void setUp() {
    CdsHooksProperties properties =
        new CdsHooksProperties(
            "jwt",
            List.of(
                new CdsHooksProperties.Issuer(
                    ISSUER,
                    URI.create(ISSUER + "/jwks"),
                    null,
                    List.of("https://ehr.test/fhir", "https://ehr.test:"),
                    false)),
            List.of(),
            null,
            null,
            null,
            null);
    mvc =
        MockMvcBuilders.standaloneSetup(
                new CdsHooksController(
                    services,
                    new FhirServerPolicy(properties),
                    new HookCalls(services, feedback, links, address)))
            .setControllerAdvice(new ApiErrors())
            .build();
    when(address.root()).thenReturn("http://cds.test");
    // one service exists
    when(services.service(anyString()))
        .thenAnswer(
            call -> {
              if (call.getArgument(0).equals(MriAdviceHooks.ORDER_SIGN)) {
                return null;
              }
              throw new HookException(HookException.Kind.NOT_FOUND, "no CDS service");
            });
  }

  private static String body(String extra) {
    return "{\"hook\":\"order-sign\",\"hookInstance\":\"h1\",\"context\":{\"patientId\":\"p1\","
        + "\"userId\":\"Practitioner/u1\",\"draftOrders\":{\"resourceType\":\"Bundle\"}}"
        + extra
        + "}";
  }

  @Test
  void discoveryListsTheServices() throws Exception {
    when(services.discovery())
        .thenReturn(
            new CdsHooks.Discovery(
                List.of(
                    new CdsHooks.Service(
                        "order-sign", "t", "d", MriAdviceHooks.ORDER_SIGN, Map.of()))));
    mvc.perform(get("/cds-services"))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.services[0].id").value(MriAdviceHooks.ORDER_SIGN))
        .andExpect(jsonPath("$.services[0].prefetch").doesNotExist());
  }

  @Test
  void aCallIsAnsweredWithItsCardsRecordedAndTheirViewerLinksOpenedForTheUser() throws Exception {
    CdsHooks.Response response = CdsHooks.Response.none();
    MriAdviceHooks.Answer answer = new MriAdviceHooks.Answer(response, List.of());
    when(services.call(eq(MriAdviceHooks.ORDER_SIGN), any(HookRequest.class))).thenReturn(answer);
    when(links.withAccess(
            response, "http://cds.test", "p1", Optional.of("Practitioner/u1"), Optional.of(ISSUER)))
        .thenReturn(response);

    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.APPLICATION_JSON)
                .requestAttr(
                    CdsHooksSecurityFilter.CALLER,
                    new ClientJwtVerifier.Caller(ISSUER, Optional.of("client"), Optional.empty()))
                .content(body("")))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.cards").isArray());
    verify(feedback).issued(MriAdviceHooks.ORDER_SIGN, List.of());
    verify(links)
        .withAccess(
            response, "http://cds.test", "p1", Optional.of("Practitioner/u1"), Optional.of(ISSUER));
  }

  @Test
  void refusalsAreTheCdsHooksErrorObject() throws Exception {
    mvc.perform(post("/cds-services/nothing").contentType(MediaType.APPLICATION_JSON).content("{}"))
        .andExpect(status().isNotFound())
        .andExpect(content().contentType(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.error").value("Not Found"))
        .andExpect(jsonPath("$.message").value("no CDS service"));
    when(services.call(eq(MriAdviceHooks.ORDER_SIGN), any()))
        .thenThrow(HookException.preconditionFailed("'conditions' was not given"));
    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.APPLICATION_JSON)
                .content(body("")))
        .andExpect(status().isPreconditionFailed())
        .andExpect(jsonPath("$.message").value("'conditions' was not given"));
  }

  @Test
  void aBodyThatCannotBeBoundIsA400NamingWhere() throws Exception {
    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.APPLICATION_JSON)
                .content("{not json"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.message").value("the body could not be read"));
    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"hook\":\"order-sign\",\"context\":{\"draftOrders\":\"a string\"}}"))
        .andExpect(status().isBadRequest())
        .andExpect(
            jsonPath("$.message").value("the body could not be read at context.draftOrders"));
    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.TEXT_PLAIN)
                .content(body("")))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(jsonPath("$.message", containsString("application/json")));
    verify(services, never()).call(anyString(), any());
  }

  @Test
  void aFhirServerTheClientMayNotNameIsRefusedBeforeTheCall() throws Exception {
    ClientJwtVerifier.Caller caller =
        new ClientJwtVerifier.Caller(ISSUER, Optional.of("c"), Optional.empty());
    for (String elsewhere :
        List.of(
            "http://169.254.169.254/latest",
            "https://ehr.test/fhirx",
            "https://ehr.test:@169.254.169.254/latest",
            "https://ehr.test:443@169.254.169.254/fhir",
            "https://ehr.test.evil.example/fhir",
            "https://elsewhere.example/fhir",
            "ftp://ehr.test/fhir")) {
      mvc.perform(
              post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                  .contentType(MediaType.APPLICATION_JSON)
                  .requestAttr(CdsHooksSecurityFilter.CALLER, caller)
                  .content(body(",\"fhirServer\":\"" + elsewhere + "\"")))
          .andExpect(status().isBadRequest());
    }
    verify(services, never()).call(anyString(), any());
    // the configured bases, and any port of the host named with a trailing ":"
    when(services.call(eq(MriAdviceHooks.ORDER_SIGN), any()))
        .thenReturn(new MriAdviceHooks.Answer(CdsHooks.Response.none(), List.of()));
    for (String allowed : List.of("https://ehr.test/fhir", "https://ehr.test:8443/fhir")) {
      mvc.perform(
              post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                  .contentType(MediaType.APPLICATION_JSON)
                  .requestAttr(CdsHooksSecurityFilter.CALLER, caller)
                  .content(body(",\"fhirServer\":\"" + allowed + "\"")))
          .andExpect(status().isOk());
    }
    // open mode (no caller): loopback only
    mvc.perform(
            post("/cds-services/" + MriAdviceHooks.ORDER_SIGN)
                .contentType(MediaType.APPLICATION_JSON)
                .content(body(",\"fhirServer\":\"https://ehr.test/fhir\"")))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.message").value("fhirServer is not one this client may name"));
  }
}
