package org.lumbarcds.model.dicom;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Decode time and allocation per file: read the Part 10 bytes (already in memory), decode every
 * frame, and render frame 0 to grey levels. Run by tests/bench/dicom-decode.sh, which also times
 * pydicom on the same files; not a test.
 *
 * <p>Arguments: warm-up iterations, measured iterations, files.
 */
public final class DecodeBenchmark {

  private DecodeBenchmark() {}

  public static void main(String[] args) throws Exception {
    int warmup = Integer.parseInt(args[0]);
    int runs = Integer.parseInt(args[1]);
    ThreadMXBean threads = (ThreadMXBean) ManagementFactory.getThreadMXBean();
    DicomReader reader = new DicomReader();
    PixelDecoder decoder = new PixelDecoder();
    System.out.println("file\tstep\tmedian_ms\tmin_ms\tallocated_MB");
    for (int f = 2; f < args.length; f++) {
      byte[] bytes = Files.readAllBytes(Path.of(args[f]));
      String name = Path.of(args[f]).getFileName().toString();
      for (int i = 0; i < warmup; i++) {
        DicomFile file = reader.read(bytes);
        Greyscale.render(decoder.decode(file), file.dataset(), 0, Greyscale.Voi.auto());
      }
      long[] decodeNanos = new long[runs];
      long[] renderNanos = new long[runs];
      long decodeBytes = 0;
      long renderBytes = 0;
      long checksum = 0;
      for (int i = 0; i < runs; i++) {
        long a0 = threads.getCurrentThreadAllocatedBytes();
        long t0 = System.nanoTime();
        DicomFile file = reader.read(bytes);
        DicomImage image = decoder.decode(file);
        long t1 = System.nanoTime();
        long a1 = threads.getCurrentThreadAllocatedBytes();
        GreyImage grey = Greyscale.render(image, file.dataset(), 0, Greyscale.Voi.auto());
        long t2 = System.nanoTime();
        long a2 = threads.getCurrentThreadAllocatedBytes();
        decodeNanos[i] = t1 - t0;
        renderNanos[i] = t2 - t1;
        decodeBytes += a1 - a0;
        renderBytes += a2 - a1;
        checksum += image.frames().get(0)[image.frames().get(0).length / 2] + grey.pixels().length;
      }
      print(name, "read+decode", decodeNanos, decodeBytes / runs);
      print(name, "render", renderNanos, renderBytes / runs);
      if (checksum == 42) {
        System.out.println(); // keeps the work observable
      }
    }
  }

  private static void print(String name, String step, long[] nanos, long bytes) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.printf(
        "%s\t%s\t%.1f\t%.1f\t%.1f%n",
        name, step, sorted[sorted.length / 2] / 1e6, sorted[0] / 1e6, bytes / 1048576.0);
  }
}
