"""Store phantom studies in a DICOMweb store with STOW-RS: the server's embedded store
(http://127.0.0.1:8080/dicomweb) or a PACS such as Orthanc (http://127.0.0.1:8042/dicom-web).

    python3 -m lumbarcds_training.stow DICOMWEB_ROOT [FOLDER] [--patients 3 --size small --seed 7]
        [--user U --password P] [--fhir http://127.0.0.1:8080/fhir]

FOLDER holds one sub-folder per patient with neutral.dcm, flexion.dcm and extension.dcm (what
the phantom writes); without it, --patients phantom patients are generated first. With --fhir each
patient gets a Patient (identifier = DICOM Patient ID) and a lumbar X-ray ServiceRequest
(identifier = Accession Number) first, created only if absent, so that the store links its
ImagingStudy to them. One STOW-RS request per study; re-running is safe (identical instances are
accepted again and change nothing). SYNTHETIC PHANTOMS: no patient data.
"""
import argparse
import base64
import json
import os
import sys
import tempfile
import urllib.error
import urllib.parse
import urllib.request
import uuid

import pydicom

from . import io, phantom

# terminology Codes.XR_LSPINE_FLEXION_EXTENSION (ValueSet lumbar-xr-flexion-extension)
LOINC_XR_FLEX_EXT = (
    "http://loinc.org",
    "24971-4",
    "XR Lumbar spine Views W flexion and W extension",
)


def request(url, data=None, headers=None, method=None):
    req = urllib.request.Request(url, data=data, headers=headers or {}, method=method)
    try:
        with urllib.request.urlopen(req, timeout=300) as response:
            return response.status, response.read(), dict(response.headers)
    except urllib.error.HTTPError as e:
        return e.code, e.read(), dict(e.headers)


def stow(root, files, auth):
    boundary = "lumbarcds-" + uuid.uuid4().hex
    body = b""
    for path in files:
        with open(path, "rb") as f:
            body += (
                (f"--{boundary}\r\nContent-Type: application/dicom\r\n\r\n").encode()
                + f.read()
                + b"\r\n"
            )
    body += f"--{boundary}--\r\n".encode()
    headers = {
        "Content-Type": f'multipart/related; type="application/dicom"; boundary={boundary}',
        "Accept": "application/dicom+json",
    }
    if auth:
        headers["Authorization"] = auth
    return request(root.rstrip("/") + "/studies", body, headers, "POST")


def ensure(fhir, resource_type, identifier, resource):
    """Creates the resource unless one with this identifier exists; returns its id."""
    headers = {
        "Content-Type": "application/fhir+json",
        "Accept": "application/fhir+json",
        "If-None-Exist": "identifier=" + urllib.parse.quote(identifier, safe="|"),
    }
    status, body, _ = request(
        f"{fhir.rstrip('/')}/{resource_type}", json.dumps(resource).encode(), headers, "POST"
    )
    if status not in (200, 201):
        raise SystemExit(f"{resource_type}: HTTP {status}: {body[:300]!r}")
    if body:
        return json.loads(body)["id"]
    found = json.loads(
        request(
            f"{fhir.rstrip('/')}/{resource_type}?identifier="
            + urllib.parse.quote(identifier, safe="|")
        )[1]
    )
    return found["entry"][0]["resource"]["id"]


def fhir_records(fhir, ds):
    patient_id = str(ds.PatientID)
    pid = ensure(
        fhir,
        "Patient",
        patient_id,
        {
            "resourceType": "Patient",
            "identifier": [{"value": patient_id}],
            "name": [{"family": "Phantom", "given": [patient_id]}],
            "gender": {"F": "female", "M": "male"}.get(str(ds.get("PatientSex", "")), "unknown"),
        },
    )
    accession = str(ds.AccessionNumber)
    system, code, display = LOINC_XR_FLEX_EXT
    ensure(
        fhir,
        "ServiceRequest",
        accession,
        {
            "resourceType": "ServiceRequest",
            "status": "active",
            "intent": "order",
            "identifier": [
                {
                    "type": {
                        "coding": [
                            {
                                "system": "http://terminology.hl7.org/CodeSystem/v2-0203",
                                "code": "ACSN",
                            }
                        ]
                    },
                    "value": accession,
                }
            ],
            "code": {"coding": [{"system": system, "code": code, "display": display}]},
            "subject": {"reference": f"Patient/{pid}"},
        },
    )


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("root", help="DICOMweb root, e.g. http://127.0.0.1:8080/dicomweb")
    parser.add_argument("folder", nargs="?")
    parser.add_argument("--patients", type=int, default=3)
    parser.add_argument("--size", choices=sorted(phantom.SIZES), default="small")
    parser.add_argument("--site", choices=sorted(phantom.SITES), default="internal")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--user")
    parser.add_argument("--password")
    parser.add_argument("--fhir", help="FHIR base for the Patient and ServiceRequest records")
    args = parser.parse_args()
    auth = None
    if args.user:
        auth = "Basic " + base64.b64encode(f"{args.user}:{args.password or ''}".encode()).decode()
    folder = args.folder
    if folder is None:
        folder = tempfile.mkdtemp(prefix="lumbarcds-phantoms-")
        print(
            f"generating {args.patients} synthetic {args.site}-site patients ({args.size}) "
            f"in {folder}"
        )
        phantom.generate(
            folder, args.patients, args.site, args.seed, args.size, workers=os.cpu_count() or 1
        )
    studies = io.study_folders(folder)
    failed = 0
    for i, name in enumerate(studies, 1):
        files = io.study_files(os.path.join(folder, name))
        if args.fhir:
            fhir_records(args.fhir, pydicom.dcmread(files[0], stop_before_pixels=True))
        status, body, headers = stow(args.root, files, auth)
        ok = status == 200
        failed += not ok
        warning = headers.get("Warning", "")
        print(
            f"[{i}/{len(studies)}] {name}: {len(files)} instances, HTTP {status}"
            + (f" ({warning})" if warning and not ok else "")
        )
    print(f"{len(studies) - failed} of {len(studies)} studies stored")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
