package org.lumbarcds.server.analysis;

import static org.lumbarcds.server.web.SliceTests.problem;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.lumbarcds.model.inference.ModelCard;
import org.lumbarcds.server.web.SliceTests;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;

/** The model card as {@link ModelCardController} serves it, in MockMvc without the model loaded. */
class ModelCardControllerTest {

  private ModelCard card;
  private MockMvc mvc;

  @BeforeEach
  void setUp() throws Exception {
    card = SliceTests.referenceCard();
    mvc = SliceTests.mvc(new ModelCardController(card));
  }

  @Test
  void theCardIsServedAsWrittenByTheEvaluation() throws Exception {
    mvc.perform(get(ModelCardController.PATH))
        .andExpect(status().isOk())
        .andExpect(content().contentType(MediaType.APPLICATION_JSON))
        .andExpect(content().json(card.document().toString(), true))
        .andExpect(jsonPath("$.file.sha256").value(card.sha256()));
  }

  @Test
  void itIsReadOnly() throws Exception {
    mvc.perform(
            post(ModelCardController.PATH).contentType(MediaType.APPLICATION_JSON).content("{}"))
        .andExpect(problem(405, "Method 'POST' is not supported."))
        .andExpect(header().string("Allow", "GET"));
  }
}
