#!/usr/bin/env bash
# DICOM decode benchmark: a 2500 × 2048, 16-bit (12 stored) DX image, native and JPEG lossless
# (SV1), decoded by the project's reader and by pydicom on the same files, in one run.
#
#   tests/bench/dicom-decode.sh [WARMUP] [RUNS]
#
# Needs Debian's python3-pydicom, python3-numpy and python3-gdcm (pydicom's JPEG lossless
# decoder here) and dcmtk (dcmcjpeg, to encode the JPEG file):
#   apt-get install python3-pydicom python3-numpy python3-gdcm dcmtk
# Builds the model module's test classes (mvn -q -pl model -am test-compile).
set -euo pipefail
warmup=${1:-5}
runs=${2:-15}
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

/usr/bin/python3 - "$work" <<'PY'
import sys
import numpy as np
from pydicom.dataset import FileDataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

rows, cols = 2500, 2048
rng = np.random.default_rng(7)
y, x = np.mgrid[0:rows, 0:cols]
# a smooth radiograph-like field plus detector noise, 12 bits stored
image = 600 + 2400 * np.exp(-((x - cols / 2) ** 2) / (2 * 500.0 ** 2)) * (0.6 + 0.4 * y / rows)
image = np.clip(image + rng.normal(0, 25, image.shape), 0, 4095).astype("<u2")
meta = FileMetaDataset()
meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
meta.MediaStorageSOPInstanceUID = generate_uid()
meta.TransferSyntaxUID = ExplicitVRLittleEndian
ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
ds.is_little_endian, ds.is_implicit_VR = True, False
ds.SOPClassUID, ds.SOPInstanceUID = meta.MediaStorageSOPClassUID, meta.MediaStorageSOPInstanceUID
ds.Modality = "DX"
ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
ds.Rows, ds.Columns = rows, cols
ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
ds.WindowCenter, ds.WindowWidth = "2048", "4096"
ds.PixelData = image.tobytes()
ds.save_as(sys.argv[1] + "/dx-native.dcm", write_like_original=False)
PY
dcmcjpeg +e1 "$work/dx-native.dcm" "$work/dx-jpeg-lossless.dcm"
ls -l "$work"/*.dcm | awk '{print "# " $9 ": " $5 " bytes"}' | sed "s|$work/||"

cd "$root"
mvn -q -pl model -am test-compile
mvn -q -pl model dependency:build-classpath -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="model/target/test-classes:model/target/classes:$(cat "$work/cp.txt")"
echo "## lumbar-cds ($(java -version 2>&1 | head -n 1))"
java -cp "$cp" org.lumbarcds.model.dicom.DecodeBenchmark "$warmup" "$runs" \
  "$work/dx-native.dcm" "$work/dx-jpeg-lossless.dcm"

echo "## pydicom $(/usr/bin/python3 -c 'import pydicom; print(pydicom.__version__)')"
/usr/bin/python3 - "$warmup" "$runs" "$work/dx-native.dcm" "$work/dx-jpeg-lossless.dcm" <<'PY'
import io, sys, time, tracemalloc
import numpy as np
import pydicom
warmup, runs = int(sys.argv[1]), int(sys.argv[2])
print("file\tstep\tmedian_ms\tmin_ms\tpeak_traced_MB")
for path in sys.argv[3:]:
    data = open(path, "rb").read()
    for _ in range(warmup):
        pydicom.dcmread(io.BytesIO(data)).pixel_array
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pydicom.dcmread(io.BytesIO(data)).pixel_array
        times.append(time.perf_counter() - t0)
    times.sort()
    # allocation: one more run under tracemalloc (numpy reports its buffers to it)
    tracemalloc.start()
    pydicom.dcmread(io.BytesIO(data)).pixel_array
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print("%s\tread+decode\t%.1f\t%.1f\t%.1f" % (path.rsplit("/", 1)[1], times[len(times) // 2] * 1e3,
                                                 times[0] * 1e3, peak / 1048576))
PY
