#!/usr/bin/python3
"""The whole story on a running server, as an EHR and a PACS would drive it: synthetic patients
for each clinical case, their lumbar X-ray orders and phantom radiographs (DICOM, STOW-RS), the
orders completed, the analyses awaited, then order-sign with a drafted lumbar MRI for each patient;
prints each case's card (summary, indicator) and the link to its viewer page.

    PYTHONPATH=model/training /usr/bin/python3 tests/demo/demo.py [--server http://127.0.0.1:8080]
        [--cache DIR]

The server must accept CDS Hooks calls without a client JWT: start it with
LUMBARCDS_CDS_HOOKS_SECURITY=open (loopback only). Needs Debian's python3-numpy, python3-scipy,
python3-pil and python3-pydicom (the phantom generator, in the lumbarcds_training package of
model/training: hence PYTHONPATH). Re-running is safe: every record is created only if absent (by
identifier), completed orders stay completed, analyses are reused.

SYNTHETIC PHANTOMS AND A REFERENCE MODEL TRAINED ON THEM: the cards show how the server works,
not clinical results.
"""
import argparse
import datetime
import json
import os
import time
import urllib.parse
import uuid

import pydicom

from lumbarcds_training import io, phantom, stow

SEED = 2026
POOL = 10  # phantom patients analysed first; the cases are chosen from their results
MAX_POOL = 40
DEMO_SYSTEM = "http://lumbarcds.org/fhir/NamingSystem/demo"
USER = "Practitioner/demo-physician"

# codes of the terminology module (Codes.java); ICD-10-CM G83.4 is a red-flag category
SNOMED, ICD10, LOINC = ("http://snomed.info/sct", "http://hl7.org/fhir/sid/icd-10-cm",
                        "http://loinc.org")
LOW_BACK_PAIN = (SNOMED, "279039007", "Low back pain (finding)")
NEUROGENIC_CLAUDICATION = (SNOMED, "303081002", "Neurogenic claudication (finding)")
CAUDA_EQUINA = (ICD10, "G83.4", "Cauda equina syndrome")
MRI_LSPINE = (LOINC, "30679-5", "MR Lumbar spine WO contrast")

CASES = [
    # name, what the model's band must be ("likely", "unlikely", "between", None: any), context
    ("red flag", None, "cauda equina syndrome on record"),
    ("prior MRI", None, "lumbar MRI 3 months ago"),
    ("likely LSS, long symptoms", "likely", "low back pain and claudication for 12 weeks"),
    ("likely LSS, short symptoms", "likely", "low back pain for 2 weeks"),
    ("unlikely LSS, MRI being ordered", "unlikely", "low back pain for 10 weeks"),
    ("indeterminate", "between", "low back pain for 10 weeks"),
    ("missing view", "missing", "extension view not taken; low back pain for 10 weeks"),
]


def say(message):
    print(message, flush=True)


def call(server, method, path, body=None, content_type="application/fhir+json", headers=None):
    h = {"Accept": "application/fhir+json" if path.startswith("/fhir") else "application/json"}
    if body is not None:
        h["Content-Type"] = content_type
    h.update(headers or {})
    data = json.dumps(body).encode() if body is not None else None
    status, raw, _ = stow.request(server + path, data, h, method)
    return status, (json.loads(raw) if raw else None)


def ensure(server, resource_type, identifier, resource):
    """Creates the resource unless one with this identifier exists; returns its id."""
    return stow.ensure(server + "/fhir", resource_type, identifier, resource)


def coding(code):
    return {"coding": [{"system": code[0], "code": code[1], "display": code[2]}]}


def search(server, query):
    status, bundle = call(server, "GET", "/fhir/" + query)
    if status != 200:
        raise SystemExit(f"FHIR search {query.split('?')[0]} failed: HTTP {status}")
    return [e["resource"] for e in bundle.get("entry", [])]


def generate(cache, count, site="internal"):
    """The first `count` phantom patients of the demo's seed (medium size), kept in `cache`."""
    os.makedirs(cache, exist_ok=True)
    have = io.study_folders(cache)
    if len(have) < count:
        say(f"  generating {count - len(have)} synthetic patients ...")
        phantom.generate(cache, count - len(have), site, SEED, "medium", start=len(have),
                         workers=os.cpu_count() or 1)
    return io.study_folders(cache)[:count]


def store(server, folder, views=("neutral", "flexion", "extension")):
    """Patient, active order (by identifier) and the study's views (STOW-RS); returns the ids."""
    files = [io.view_path(folder, v) for v in views]
    ds = pydicom.dcmread(files[0], stop_before_pixels=True)
    stow.fhir_records(server + "/fhir", ds)
    status, body, _ = stow.stow(server + "/dicomweb", files, None)
    if status != 200:
        raise SystemExit(f"STOW-RS of {os.path.basename(folder)} failed: HTTP {status}")
    patient = search(server, "Patient?identifier=" + urllib.parse.quote(str(ds.PatientID)))[0]
    order = search(server, "ServiceRequest?identifier="
                   + urllib.parse.quote(str(ds.AccessionNumber)))[0]
    return patient["id"], order


def complete(server, order):
    if order["status"] != "completed":
        order["status"] = "completed"
        status, _ = call(server, "PUT", f"/fhir/ServiceRequest/{order['id']}", order)
        if status not in (200, 201):
            raise SystemExit(f"completing an order failed: HTTP {status}")


def await_results(server, orders, timeout=600):
    """Waits for each order's analysis Task to settle; returns order id -> Observation."""
    deadline = time.time() + timeout
    done = {}
    last = -1
    while len(done) < len(orders):
        for order_id in orders:
            if order_id in done:
                continue
            tasks = search(server, f"Task?focus=ServiceRequest/{order_id}")
            if tasks and tasks[0]["status"] == "failed":
                raise SystemExit(f"the analysis of an order failed: "
                                 f"{tasks[0].get('statusReason', {}).get('text')}")
            if tasks and tasks[0]["status"] == "completed":
                results = search(server, f"Observation?based-on=ServiceRequest/{order_id}")
                if results:
                    done[order_id] = results[0]
        if len(done) != last:
            say(f"  analyses done: {len(done)} of {len(orders)}")
            last = len(done)
        if len(done) < len(orders):
            if time.time() > deadline:
                raise SystemExit("the analyses did not finish in time: see the server's log and"
                                 " /ops")
            time.sleep(1)
    return done


def probability(observation):
    return observation.get("valueQuantity", {}).get("value")


def context(server, patient_id, case):
    """The case's record, each item created once (identifier demo|<patient>|<item>)."""
    today = datetime.date.today()

    def condition(item, code, weeks):
        onset = (today - datetime.timedelta(weeks=weeks)).isoformat()
        ensure(server, "Condition", f"{DEMO_SYSTEM}|{patient_id}-{item}", {
            "resourceType": "Condition",
            "identifier": [{"system": DEMO_SYSTEM, "value": f"{patient_id}-{item}"}],
            "clinicalStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                "code": "active"}]},
            "verificationStatus": {"coding": [{
                "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                "code": "confirmed"}]},
            "code": coding(code), "subject": {"reference": f"Patient/{patient_id}"},
            "onsetDateTime": onset})

    weeks = {"likely LSS, long symptoms": 12, "likely LSS, short symptoms": 2}.get(case, 10)
    condition("low-back-pain", LOW_BACK_PAIN, weeks)
    if case == "likely LSS, long symptoms":
        condition("claudication", NEUROGENIC_CLAUDICATION, weeks)
    if case == "red flag":
        condition("cauda-equina", CAUDA_EQUINA, 1)
    if case == "prior MRI":
        done = (today - datetime.timedelta(days=90)).isoformat()
        ensure(server, "Procedure", f"{DEMO_SYSTEM}|{patient_id}-prior-mri", {
            "resourceType": "Procedure",
            "identifier": [{"system": DEMO_SYSTEM, "value": f"{patient_id}-prior-mri"}],
            "status": "completed", "code": coding(MRI_LSPINE),
            "subject": {"reference": f"Patient/{patient_id}"}, "performedDateTime": done})


def order_sign(server, patient_id):
    """order-sign with a drafted lumbar MRI, as the EHR calls it when the physician signs."""
    draft = {"resourceType": "ServiceRequest", "id": "draft-mri", "status": "draft",
             "intent": "order", "code": coding(MRI_LSPINE),
             "subject": {"reference": f"Patient/{patient_id}"}}
    request = {"hook": "order-sign", "hookInstance": str(uuid.uuid4()),
               "context": {"userId": USER, "patientId": patient_id,
                           "draftOrders": {"resourceType": "Bundle", "type": "collection",
                                           "entry": [{"resource": draft}]}}}
    status, answer = call(server, "POST", "/cds-services/lss-mri-order-sign", request,
                          "application/json")
    if status != 200:
        raise SystemExit(f"order-sign answered HTTP {status}: {answer}")
    return answer["cards"]


def feedback(server, card, outcome, reason=None):
    """What the EHR reports once the physician acted on a card (CDS Hooks feedback)."""
    item = {"card": card["uuid"], "outcome": outcome,
            "outcomeTimestamp": datetime.datetime.now(datetime.timezone.utc).isoformat()}
    if outcome == "accepted":
        item["acceptedSuggestions"] = [{"id": card["suggestions"][0]["uuid"]}]
    else:
        item["overrideReason"] = {"reason": reason, "userComment": "demo"}
    status, answer = call(server, "POST", "/cds-services/lss-mri-order-sign/feedback",
                          {"feedback": [item]}, "application/json")
    if status != 200:
        raise SystemExit(f"feedback answered HTTP {status}: {answer}")
    return "accepted the suggestion" if outcome == "accepted" else \
        f"overridden: {reason['display']}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default="http://127.0.0.1:8080")
    parser.add_argument("--cache", default=os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.expanduser("~/.cache")), "lumbar-cds-demo"))
    args = parser.parse_args()
    server = args.server.rstrip("/")

    say("== 1/5 server")
    status, _ = call(server, "GET", "/actuator/health/readiness")
    if status != 200:
        raise SystemExit(f"the server at {server} is not ready (HTTP {status}): start it first")
    status, discovery = call(server, "GET", "/cds-services")
    if status == 401:
        raise SystemExit("the server wants a client JWT on CDS Hooks calls: start it with "
                         "LUMBARCDS_CDS_HOOKS_SECURITY=open (loopback only) for the demo")
    status, card = call(server, "GET", "/model/card")
    rule_out = card["operating_points"]["rule_out"]["threshold"]
    rule_in = card["operating_points"]["rule_in"]["threshold"]
    say(f"  model {card['id']} {card['version']} (trained on synthetic phantoms); "
        f"rule-out {rule_out:.4f}, rule-in {rule_in:.4f}")

    say("== 2/5 patients, X-ray orders and radiographs (synthetic)")
    # the missing-view case: a patient of another site profile (its own ids), whose extension
    # view is never stored
    missing_cache = os.path.join(args.cache, "missing-view")
    missing_name = generate(missing_cache, 1, "external")[0]
    pool = POOL
    while True:
        names = generate(os.path.join(args.cache, "pool"), pool)
        patients = {}
        for i, name in enumerate(names, 1):
            patients[name] = store(server, os.path.join(args.cache, "pool", name))
            say(f"  [{i}/{pool}] {name}: Patient, order and 3 views stored")
        missing = store(server, os.path.join(missing_cache, missing_name), ("neutral", "flexion"))
        say(f"  [missing view] {missing_name}: Patient, order and 2 of 3 views stored")

        say("== 3/5 orders completed, analyses")
        for _, order in patients.values():
            complete(server, order)
        complete(server, missing[1])
        results = await_results(server, [o["id"] for _, o in patients.values()]
                                + [missing[1]["id"]])
        bands = {"likely": [], "unlikely": [], "between": []}
        for name, (_, order) in patients.items():
            p = probability(results[order["id"]])
            if p is not None:
                # as the server's advice reads a stored probability (MriAdviceRules.unlikely)
                unlikely = p < rule_out - 0.00005
                band = "likely" if p >= rule_in else "unlikely" if unlikely else "between"
                bands[band].append((p, name))
        need = {"likely": 2, "unlikely": 1, "between": 1}
        if all(len(bands[b]) >= n for b, n in need.items()) and len(patients) >= len(CASES) - 1:
            break
        if pool >= MAX_POOL:
            raise SystemExit(f"no phantom in some band after {pool} patients: {bands}")
        pool += 10
        say(f"  not every band among the results yet: {pool} patients")

    say("== 4/5 clinical context per case")
    chosen = {}
    used = set()
    # the cases that need a band first, then the others from what is left
    for case, band, _ in sorted(CASES, key=lambda c: c[1] is None):
        if band == "missing":
            chosen[case] = missing[0]
            continue
        if band is not None:
            ranked = sorted(bands[band], reverse=(band == "likely"))
            name = next(n for _, n in ranked if n not in used)
        else:
            name = next(n for n in patients if n not in used
                        and probability(results[patients[n][1]["id"]]) is not None)
        used.add(name)
        chosen[case] = patients[name][0]
    for case, patient_id in chosen.items():
        context(server, patient_id, case)
    say(f"  {len(chosen)} cases recorded")

    say("== 5/5 the EHR signs a lumbar MRI order for each patient (CDS Hooks order-sign)")
    say("SYNTHETIC PHANTOMS; reference model not clinically validated; not for clinical use.\n")
    for case, _, description in CASES:
        cards = order_sign(server, chosen[case])
        say(f"* {case} ({description})")
        for c in cards:
            say(f"    [{c['indicator']}] {c['summary']}")
            for link in c.get("links", []):
                say(f"    viewer: {link['url']}")
            # the physician acts on two of the cards, and the EHR says what they did
            if case == "prior MRI" and c.get("suggestions"):
                say("    feedback: " + feedback(server, c, "accepted"))
            if case == "unlikely LSS, MRI being ordered" and c.get("overrideReasons"):
                say("    feedback: " + feedback(server, c, "overridden", c["overrideReasons"][0]))
        if not cards:
            say("    (no card)")
    say(f"\noperations view (jobs, drift, feedback): {server}/ops")


if __name__ == "__main__":
    main()
