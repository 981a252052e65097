package org.lumbarcds.server.viewer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import java.util.Map;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.cds.result.StoredHeatmaps;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.lumbarcds.server.web.SliceTests;
import org.mockito.ArgumentCaptor;

/** The viewer is told of written results only when {@code prepare-on-write} is on. */
class ViewerConfigTest {

  private static StudyAnalyzer viewerFor(boolean prepareOnWrite) throws Exception {
    OrderAnalysis analysis = mock(OrderAnalysis.class);
    StudyAnalyzer analyzer = mock(StudyAnalyzer.class);
    when(analysis.analyzer()).thenReturn(analyzer);
    ThreeViewModel model = mock(ThreeViewModel.class);
    when(model.card()).thenReturn(SliceTests.referenceCard());
    new ViewerConfig()
        .viewerService(
            null,
            null,
            analysis,
            model,
            new ViewerProperties(Duration.ofHours(12), 4, prepareOnWrite))
        .close();
    return analyzer;
  }

  @Test
  void onByDefaultTheAnalyzerTellsTheViewerOfEachWrite() throws Exception {
    verify(viewerFor(true)).onWritten(any());
  }

  @Test
  void aResultWrittenWhileOtherAnalysesRunIsNotPrepared() throws Exception {
    OrderAnalysis analysis = mock(OrderAnalysis.class);
    StudyAnalyzer analyzer = mock(StudyAnalyzer.class);
    when(analysis.analyzer()).thenReturn(analyzer);
    ThreeViewModel model = mock(ThreeViewModel.class);
    when(model.card()).thenReturn(SliceTests.referenceCard());
    ViewerService service =
        new ViewerConfig()
            .viewerService(
                null, null, analysis, model, new ViewerProperties(Duration.ofHours(12), 4, true));
    ArgumentCaptor<StudyAnalyzer.WriteListener> listener =
        ArgumentCaptor.forClass(StudyAnalyzer.WriteListener.class);
    verify(analyzer).onWritten(listener.capture());
    Observation busy = SliceTests.aiResult(model.card(), "m", "1", 0.2);
    busy.setId(new IdType("Observation", "busy", "1"));
    Observation alone = SliceTests.aiResult(model.card(), "m", "1", 0.2);
    alone.setId(new IdType("Observation", "alone", "1"));
    StoredHeatmaps none = new StoredHeatmaps("m", "1", 8, 8, Map.of());
    try {
      when(analyzer.analysesInProgress()).thenReturn(2);
      listener.getValue().written(busy, Map.of(), none);
      when(analyzer.analysesInProgress()).thenReturn(1);
      listener.getValue().written(alone, Map.of(), none);
      // the preparing thread renders "alone" (nothing to render: no views, no maps)
      for (int i = 0; i < 200 && !service.kept(alone); i++) {
        Thread.sleep(10);
      }
      assertThat(service.kept(alone)).isTrue();
      assertThat(service.kept(busy)).isFalse();
    } finally {
      service.close();
    }
  }

  @Test
  void offTheAnalyzerIsNotListenedTo() throws Exception {
    verify(viewerFor(false), never()).onWritten(any());
  }
}
