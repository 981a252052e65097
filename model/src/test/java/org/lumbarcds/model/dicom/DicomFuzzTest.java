package org.lumbarcds.model.dicom;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * Coverage-guided fuzzing of everything untrusted bytes reach: Part 10 parsing, DICOM JSON written
 * from the dataset and read back, pixel decoding with every codec, and the greyscale pipeline. The
 * only acceptable way to fail is a {@link DicomException}; any other exception, an OutOfMemoryError
 * or a hang is a finding.
 *
 * <p>Plain {@code mvn test} runs the inputs in {@code DicomFuzzTestInputs/} (seeds and past
 * findings) as regression tests. The {@code fuzz} execution of {@code mvn verify} fuzzes for {@code
 * maxDuration} with {@code JAZZER_FUZZ=1}; a crash it finds is written to that folder, so it
 * becomes a regression input once committed.
 */
class DicomFuzzTest {

  /** Smaller than the defaults so a legitimate but large image does not slow the fuzzer down. */
  private static final DicomLimits LIMITS = new DicomLimits(1 << 20, 4 << 20, 8, 10_000, 1 << 20);

  private final DicomReader reader = new DicomReader(LIMITS);
  private final PixelDecoder decoder = new PixelDecoder(LIMITS);

  @FuzzTest(maxDuration = "60s")
  void parseDecodeRender(byte[] input) {
    try {
      DicomFile file = reader.read(input);
      try {
        DicomJsonReader.read(DicomJsonWriter.write(file.dataset()));
      } catch (DicomException refused) {
        // a dataset DICOM JSON cannot hold (a DS that is not a number ...) may still decode
      }
      DicomImage image = decoder.decode(file);
      if (image.format().isGreyscale()) {
        Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.auto());
      }
    } catch (DicomException expected) {
      // a typed refusal is the correct outcome for malformed input
    }
  }
}
