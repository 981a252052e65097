package org.lumbarcds.server.viewer;

import static org.mockito.ArgumentMatchers.any;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.never;
import static org.mockito.Mockito.verify;
import static org.mockito.Mockito.when;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.lumbarcds.cds.analysis.StudyAnalyzer;
import org.lumbarcds.model.inference.ThreeViewModel;
import org.lumbarcds.server.analysis.OrderAnalysis;
import org.lumbarcds.server.web.SliceTests;

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
  void offTheAnalyzerIsNotListenedTo() throws Exception {
    verify(viewerFor(false), never()).onWritten(any());
  }
}
