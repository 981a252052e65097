"""Synthetic lateral lumbar radiographs (L1-S1) in neutral, flexion and extension, with a latent
stenosis severity that drives both the label and the bony signs radiographs can show.

SYNTHETIC PHANTOMS: nothing here is patient data, and a model trained on them says nothing about
real patients.

Anatomy and motion follow the adult ranges in the project's reference notes (vertebral bodies
25-30 mm high and 30-40 mm deep, discs 8-12 mm, lordosis 40-60 degrees, segmental flexion-
extension 12-17 degrees, translation 2-3 mm normal and >= 4 mm unstable, bony canal >= 13 mm
normal and < 10 mm narrow). The label is severe central stenosis versus none, as in the seed
paper's cohort; the latent severity shows only partly and noisily through canal narrowing, disc
height loss, degenerative listhesis (mostly L4-5), facet hypertrophy and sclerosis, osteophytes,
and a dynamic slip visible only between flexion and extension, so that no single sign or view
decides the label. A patient's own L4-5 alignment (unrelated to stenosis) hides the slip in any one
view, and every view has its own degradations (double contours from patient rotation, the iliac
crest moving with the pelvis, bowel gas), so three views carry more than one.

Run with Debian's /usr/bin/python3 (python3-numpy, python3-scipy, python3-pil, python3-pydicom):

    python3 -m lumbarcds_training.phantom OUT --patients 100 --site internal --seed 1
        [--size film|medium|small|parity]

writes OUT/<patient>/<posture>.dcm and OUT/labels.csv. Deterministic: the same seed, site and
patient index give the same patient and the same pixels.
"""
import argparse
import hashlib
import math
import os
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont
from pydicom.dataset import Dataset
from pydicom.sequence import Sequence
from scipy import ndimage

from . import io
from .io import POSTURES

LEVELS = ("L1", "L2", "L3", "L4", "L5")
# View Code Sequence: DICOM CID 4010 (SNOMED CT lateral); the posture goes in its View Modifier
# Code Sequence with a code of CID 92 "Joint Position During Acquisition" (docs/terminology.md)
VIEW_LATERAL = ("399067008", "SCT", "Lateral")
POSTURE_CODES = {
    "neutral": ("109136", "DCM", "Neutral musculoskeletal position"),
    "flexion": ("9964006", "SCT", "Flexion"),
    "extension": ("24154002", "SCT", "Extension"),
}
DX_SOP_CLASS = "1.2.840.10008.5.1.4.1.1.1.1"  # Digital X-Ray Image Storage - For Presentation
UID_ROOT = "2.25."


@dataclass(frozen=True)
class Site:
    """How a site acquires: the external site differs in every respect on purpose."""

    name: str
    noise: float  # detector noise, as a fraction of the signal range
    gamma: float  # contrast curve of the processing
    blur_mm: float  # unsharpness (focal spot, detector, processing)
    exposure: float  # scales attenuation to signal: under/over exposure
    monochrome1: float  # share of images stored MONOCHROME1
    collimation: float  # mean share of the field cut by collimation on each side
    text: bool  # burned-in annotations
    age_shift: float  # older population
    canal_shift_mm: float  # anatomical difference in canal size
    degeneration: float  # how strongly age alone degenerates the spine (a confounder)
    # mean latent severity by label (+/-): how far apart the classes lie; smaller where the
    # reference standard (MRI reading) is less strict
    spectrum: float
    positioning_mm: float  # SD of the double contours that patient rotation leaves, per view


SITES = {
    "internal": Site(
        "internal",
        noise=0.012,
        gamma=1.0,
        blur_mm=0.35,
        exposure=1.0,
        monochrome1=0.0,
        collimation=0.04,
        text=False,
        age_shift=0.0,
        canal_shift_mm=0.0,
        degeneration=1.0,
        spectrum=1.0,
        positioning_mm=1.5,
    ),
    "external": Site(
        "external",
        noise=0.035,
        gamma=0.75,
        blur_mm=0.9,
        exposure=0.8,
        monochrome1=0.5,
        collimation=0.10,
        text=True,
        age_shift=6.0,
        canal_shift_mm=-1.0,
        degeneration=2.0,
        spectrum=0.85,
        positioning_mm=2.5,
    ),
}

S1_CENTRE = (0.0, 175.0)  # mm: the superior endplate of S1, on which the lumbar spine stands
# rows, columns, mm per pixel; the same 375 x 300 mm field at each size. Noise and texture are
# defined in millimetres, so a film-size image resampled to a model's input matches one rendered
# at "medium" size: the reference model trains on medium to fit a CPU budget.
SIZES = {
    "film": (2500, 2048, 0.15),
    "medium": (640, 512, 0.586),
    "small": (320, 256, 1.17),
    "parity": (416, 336, 0.9),  # an odd size for the Java/Python parity fixtures
}
FILM_SPACING = SIZES["film"][2]


@dataclass(frozen=True)
class Patient:
    """One synthetic patient: the label, the latent severity and every sign it drove."""

    patient_id: str
    site: str
    label: int  # 1 = severe central stenosis, 0 = none
    severity: float  # latent, standard-normal scale
    age: float
    sex: str
    canal_l3_mm: float
    canal_l4_mm: float
    disc_loss_l34: float  # fraction of disc height lost
    disc_loss_l45: float
    slip_l45_mm: float  # static anterior slip of L4 on L5
    # the patient's own L4-5 alignment, unrelated to stenosis (< 0: retrolisthesis): a single
    # view cannot tell it from a slip
    alignment_l45_mm: float
    dynamic_slip_l45_mm: float  # extra slip in flexion, less in extension
    facet_hypertrophy: float  # 0..1
    osteophytes: float  # 0..1
    lordosis_deg: float
    iliac_crest_mm: float  # height of the crest line over the L4-5 disc


def make_patient(rng, index, site):
    s = SITES[site]
    label = int(index % 2)  # balanced, as the seed paper's 2,500 + 2,500 cohort
    severity = rng.normal(s.spectrum if label else -s.spectrum, 1.0)
    age = float(np.clip(rng.normal(62 + 6 * label + s.age_shift, 10), 25, 92))
    ageing = s.degeneration * (age - 60) / 15.0

    def sign(weight, noise, age_weight=0.0):
        return weight * severity + age_weight * ageing + rng.normal(0, noise)

    canal4 = 15.5 + s.canal_shift_mm - 1.0 * severity + rng.normal(0, 3.3)
    canal3 = canal4 + 1.0 + rng.normal(0, 0.8)
    return Patient(
        patient_id=f"{site[:3].upper()}{index:05d}",
        site=site,
        label=label,
        severity=float(severity),
        age=age,
        sex="F" if rng.random() < 0.55 else "M",
        canal_l3_mm=float(np.clip(canal3, 8, 22)),
        canal_l4_mm=float(np.clip(canal4, 7, 21)),
        disc_loss_l34=float(np.clip(0.15 + 0.08 * sign(0.8, 2.7, 0.8), 0, 0.7)),
        disc_loss_l45=float(np.clip(0.2 + 0.1 * sign(0.8, 2.7, 0.8), 0, 0.75)),
        slip_l45_mm=float(np.clip(1.0 * sign(0.8, 3.75, 0.5), 0, 12)),
        alignment_l45_mm=float(rng.normal(0, 2.5)),
        dynamic_slip_l45_mm=float(np.clip(1.5 + 1.5 * sign(1, 0.6), 0, 8)),
        facet_hypertrophy=float(np.clip(0.35 + 0.15 * sign(0.8, 2.7, 0.6), 0, 1)),
        osteophytes=float(np.clip(0.25 + 0.12 * sign(0.6, 1.8, 1.5), 0, 1)),
        lordosis_deg=float(rng.normal(50, 7)),
        iliac_crest_mm=float(rng.normal(0, 12)),
    )


# --- geometry (millimetres; x grows posteriorly, y caudally; the patient faces left) ----------


def _rot(angle):
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


@dataclass
class Vertebra:
    name: str
    origin: np.ndarray  # centre of the inferior endplate
    angle: float  # radians, endplate direction from +x
    height: float
    depth: float

    def to_world(self, local):
        """local (u along the endplate towards posterior, v cranial) to world points."""
        local = np.asarray(local, dtype=float)
        u = np.array([math.cos(self.angle), math.sin(self.angle)])
        v = np.array([math.sin(self.angle), -math.cos(self.angle)])
        return self.origin + local[:, :1] * u + local[:, 1:2] * v


def build_spine(p, posture, rng):
    """Vertebrae L5 up to L1 stacked on the sacrum for one posture."""
    # segmental lordosis L5-S1 .. L1-2 in neutral, scaled to the patient's total
    base = np.array([17, 13, 10, 7, 4], dtype=float)
    base *= p.lordosis_deg / base.sum()
    rom = np.array([16.5, 16.5, 15, 13, 12]) * (
        1 - 0.5 * np.array([0.3 * p.disc_loss_l45, p.disc_loss_l45, p.disc_loss_l34, 0.2, 0.1])
    )
    shift = {"neutral": 0.0, "flexion": -0.65, "extension": 0.45}[posture]
    segmental = np.radians(base + shift * rom + rng.normal(0, 0.8, 5))
    disc_heights = np.array([9.0, 11.0, 10.5, 9.5, 8.5])
    disc_heights[1] *= 1 - p.disc_loss_l45
    disc_heights[2] *= 1 - p.disc_loss_l34
    body_heights = np.array([27.5, 28.5, 28.5, 28.0, 27.0]) * rng.normal(1, 0.03)
    depths = np.array([39.0, 38.0, 36.5, 35.0, 33.5]) * rng.normal(1, 0.04)
    slips = np.zeros(5)
    slips[1] = (
        p.alignment_l45_mm
        + p.slip_l45_mm
        + p.dynamic_slip_l45_mm * {"neutral": 0.0, "flexion": 1.0, "extension": -0.5}[posture]
        + rng.normal(0, 0.4)
    )

    sacral_slope = math.radians(
        38 + 0.35 * (p.lordosis_deg - 50) + {"neutral": 0, "flexion": -6, "extension": 5}[posture]
    )
    # superior endplate of S1: centre and direction (tilted: anterior edge lower)
    centre = np.array(S1_CENTRE)
    angle = -sacral_slope
    vertebrae = []
    for i, name in enumerate(reversed(LEVELS)):
        angle_below = angle
        angle = angle_below + segmental[i]
        u_below = np.array([math.cos(angle_below), math.sin(angle_below)])
        v_below = np.array([math.sin(angle_below), -math.cos(angle_below)])
        # disc: rotate about the disc centre, anterior slip moves the vertebra to -u
        origin = centre + v_below * disc_heights[i] - u_below * slips[i]
        vertebrae.append(Vertebra(name, origin, angle, body_heights[i], depths[i]))
        v = np.array([math.sin(angle), -math.cos(angle)])
        centre = origin + v * body_heights[i]
    return list(reversed(vertebrae)), -sacral_slope


def body_outline(vb, osteophyte):
    d, h = vb.depth, vb.height
    r = 2.5
    pts = [
        (-d / 2 + r, 0),
        (d / 2 - r, 0),
        (d / 2, r),
        (d / 2, h * 0.97 - r),
        (d / 2 - r, h * 0.97),
        (-d / 2 + r, h),
        (-d / 2, h - r),
        (-d / 2, r),
    ]
    if osteophyte > 0.05:
        o = 6 * osteophyte
        pts = (
            [(-d / 2 + r, 0), (-d / 2 - o, -o * 0.3)]
            + pts[1:6]
            + [(-d / 2 - o, h + o * 0.3), (-d / 2, h - r), (-d / 2, r)]
        )
    return vb.to_world(pts)


def posterior_outline(vb, canal_mm, facet):
    """Pedicle, lamina, facets and spinous process behind the canal, as one polygon each."""
    d, h = vb.depth, vb.height
    back = d / 2
    pedicle = vb.to_world(
        [
            (back, h * 0.45),
            (back + canal_mm + 2, h * 0.5),
            (back + canal_mm + 2, h * 0.9),
            (back, h * 0.88),
        ]
    )
    lamina_front = back + canal_mm
    f = 1 + 0.6 * facet
    lamina = vb.to_world(
        [
            (lamina_front, -4 * f),
            (lamina_front + 12 * f, -6 * f),
            (lamina_front + 13 * f, h + 2),
            (lamina_front, h + 1),
        ]
    )
    spinous = vb.to_world(
        [
            (lamina_front + 10, h * 0.25),
            (lamina_front + 38, h * 0.05),
            (lamina_front + 40, h * 0.55),
            (lamina_front + 10, h * 0.85),
        ]
    )
    return pedicle, lamina, spinous


def sacrum_outline(angle):
    s1 = Vertebra("S1", np.array(S1_CENTRE), angle, 0, 34)
    return s1.to_world([(-17, 0), (19, 0), (30, -45), (10, -95), (-5, -60)])


# --- rendering ---------------------------------------------------------------------------------


def render(p, posture, rows, cols, spacing, rng, grain):
    """Projected density in [0, 1]-ish at the detector, before acquisition effects.

    `rng` draws anatomy and placement (the same at every size); `grain` draws pixel-level
    texture, whose amount depends on the size."""
    scale = 1.0 / spacing
    ss = 2 if spacing > 0.5 else 1  # supersample small images for smooth edges
    w, h = cols * ss, rows * ss
    vertebrae, sacral_angle = build_spine(p, posture, rng)
    # place the spine: L1 top to sacrum in the frame, anterior to the left of centre
    offset = np.array([cols * spacing * 0.5 - 5, rows * spacing * 0.5 - 95.0])

    def px(points):
        return [tuple(((pt + offset) * scale * ss).tolist()) for pt in np.asarray(points)]

    def layer():
        return Image.new("F", (w, h), 0.0)

    cortical, trabecular, posterior, soft, pelvis = layer(), layer(), layer(), layer(), layer()
    dc, dt, dp, ds = (ImageDraw.Draw(x) for x in (cortical, trabecular, posterior, soft))
    # soft tissue: the trunk; over the lower levels the pelvis, its crest line at a height that
    # varies between patients and, as the pelvis tilts, between postures: where it overlies L4-5
    # it hides detail (a known source of error on single views)
    ds.ellipse(px([(-160, -230), (140, 360)]), fill=0.25)
    crest_y = (
        vertebrae[3].origin[1]
        + p.iliac_crest_mm
        + rng.normal(0, 5)
        + {"neutral": 0.0, "flexion": -8.0, "extension": 6.0}[posture]
    )
    ilium = ImageDraw.Draw(pelvis)
    ilium.ellipse(px([(-40, crest_y), (140, crest_y + 220)]), fill=0.3)
    ilium.ellipse(px([(-37, crest_y + 3), (137, crest_y + 217)]), fill=0.22)  # denser crest rim
    canal = {"L3": p.canal_l3_mm, "L4": p.canal_l4_mm}
    for vb in vertebrae:
        level_osteophyte = p.osteophytes if vb.name in ("L3", "L4", "L5") else p.osteophytes * 0.4
        outline = px(body_outline(vb, level_osteophyte))
        dc.polygon(outline, fill=1.0)
        inner = Vertebra(
            vb.name,
            vb.origin + np.array([math.sin(vb.angle), -math.cos(vb.angle)]) * 1.6,
            vb.angle,
            vb.height - 3.2,
            vb.depth - 3.2,
        )
        dt.polygon(px(body_outline(inner, 0)), fill=1.0)
        facet = p.facet_hypertrophy if vb.name in ("L3", "L4", "L5") else p.facet_hypertrophy * 0.3
        for i, part in enumerate(
            posterior_outline(vb, canal.get(vb.name, 17.0 + rng.normal(0, 1)), facet)
        ):
            dp.polygon(px(part), fill=0.55 + (0.35 * facet if i == 1 else 0.0))
    sacrum = sacrum_outline(sacral_angle)
    dc.polygon(px(sacrum), fill=0.75)
    dt.polygon(px(sacrum), fill=0.7)  # cancellous, like the bodies

    def arr(image):
        a = np.asarray(image, dtype=np.float32)
        return a.reshape(rows, ss, cols, ss).mean(axis=(1, 3)) if ss > 1 else a

    cortical, trabecular, posterior, soft, pelvis = map(
        arr, (cortical, trabecular, posterior, soft, pelvis)
    )
    soft = soft + pelvis
    # patient rotation: the two sides of each vertebra project apart, doubling the contours of
    # the posterior wall, the canal and the endplates; by a different amount in every view
    separation = abs(rng.normal(0, SITES[p.site].positioning_mm)) / spacing
    tilt = rng.normal(0, 0.35)
    half = 0.5 * separation * np.array([math.sin(tilt), math.cos(tilt)])  # rows, columns
    if separation > 0.05:
        cortical, trabecular, posterior = (
            0.5 * (ndimage.shift(a, half, order=1) + ndimage.shift(a, -half, order=1))
            for a in (cortical, trabecular, posterior)
        )
    # trabecular texture: band-passed noise inside the bodies, its grain 0.6 mm at every size
    cells = (int(rows * spacing / 0.6) + 1, int(cols * spacing / 0.6) + 1)
    texture = grain.normal(0, 1, cells).astype(np.float32)
    texture = ndimage.zoom(texture, (rows / cells[0], cols / cells[1]), order=1)[:rows, :cols]
    texture = ndimage.gaussian_filter(texture, 0.6 / spacing)
    texture /= max(float(texture.std()), 1e-6)
    density = (
        soft * (1 + 0.03 * texture)
        + 0.9 * cortical
        - 0.45 * trabecular
        + 0.07 * trabecular * texture
        + 0.6 * posterior
    )
    # bowel gas lowers density in front of the spine
    for _ in range(rng.integers(2, 6)):
        cy, cx = rng.uniform(0.2, 0.8) * rows, rng.uniform(0.05, 0.4) * cols
        r = rng.uniform(8, 25) / spacing
        yy, xx = np.ogrid[:rows, :cols]
        density -= 0.08 * np.exp(-((yy - cy) ** 2 + (xx - cx) ** 2) / (2 * r * r))
    return np.clip(density, 0, None)


def acquire(density, site, spacing, rng, grain):
    """Detector signal, 12 bits stored, MONOCHROME2 (bone bright), with the site's character.

    Noise is the site's fraction at film pixel size, scaled by pixel area (quantum noise)."""
    s = SITES[site]
    rows, cols = density.shape
    # collimation: dark borders of random width
    c = [int(max(0, rng.normal(s.collimation, 0.02)) * n) for n in (rows, rows, cols, cols)]
    blurred = ndimage.gaussian_filter(density, s.blur_mm / spacing)
    signal = 1 - np.exp(-1.6 * s.exposure * blurred)  # log-processed: brighter = denser
    signal = np.clip(signal / max(signal.max(), 1e-6), 0, 1) ** s.gamma
    signal += grain.normal(0, s.noise * FILM_SPACING / spacing, signal.shape)
    signal = np.clip(signal, 0, 1)
    signal[: c[0]] = 0
    signal[rows - c[1] :] = 0
    signal[:, : c[2]] = 0
    signal[:, cols - c[3] :] = 0
    image = Image.fromarray((signal * 4095).astype(np.float32))  # float32: mode F
    draw = ImageDraw.Draw(image)
    font = ImageFont.load_default()
    marker = max(6, int(rows * 0.03))
    x0, y0 = int(cols * 0.82), int(rows * 0.1)
    draw.rectangle([x0, y0, x0 + marker, y0 + marker], fill=4095)  # side marker block
    draw.rectangle([x0 + 2, y0 + 2, x0 + marker - 2, y0 + marker - 2], fill=0)
    if s.text:
        draw.text((int(cols * 0.05), int(rows * 0.92)), "STANDING LAT", fill=4095, font=font)
    return np.clip(np.asarray(image), 0, 4095).astype(np.uint16)


def uid(*parts):
    """A deterministic UUID-derived UID (PS3.5 B.2) from the names of what it identifies."""
    digest = hashlib.sha256("/".join(map(str, parts)).encode()).hexdigest()[:30]
    return UID_ROOT + str(int(digest, 16))


def to_dicom(p, posture, pixels, spacing, site, seed, monochrome1):
    ds = io.new_dataset(DX_SOP_CLASS, uid(seed, p.patient_id, posture, "sop"))
    ds.SpecificCharacterSet = "ISO_IR 192"
    ds.StudyInstanceUID = uid(seed, p.patient_id, "study")
    ds.SeriesInstanceUID = uid(seed, p.patient_id, posture, "series")
    ds.StudyDate = "20260101"
    ds.AccessionNumber = "A" + p.patient_id
    ds.Modality = "DX"
    ds.Manufacturer = "lumbar-cds phantom"
    ds.InstitutionName = f"Synthetic {site} site"
    ds.PatientName = f"PHANTOM^{p.patient_id}"
    ds.PatientID = p.patient_id
    ds.PatientSex = p.sex
    ds.PatientAge = f"{int(p.age):03d}Y"
    ds.BodyPartExamined = "LSPINE"
    ds.ViewPosition = "LL"
    ds.PatientOrientation = ["P", "F"]  # facing left, head up: rows run posterior
    ds.SeriesDescription = f"L-SPINE LAT {posture.upper()}"
    ds.SeriesNumber = POSTURES.index(posture) + 1
    ds.InstanceNumber = 1
    ds.ImageComments = "SYNTHETIC PHANTOM - not a patient image"
    ds.PresentationIntentType = "FOR PRESENTATION"
    view = Dataset()
    view.CodeValue, view.CodingSchemeDesignator, view.CodeMeaning = VIEW_LATERAL
    modifier = Dataset()
    modifier.CodeValue, modifier.CodingSchemeDesignator, modifier.CodeMeaning = POSTURE_CODES[
        posture
    ]
    view.ViewModifierCodeSequence = Sequence([modifier])
    ds.ViewCodeSequence = Sequence([view])
    ds.PixelSpacing = [f"{spacing:.4f}", f"{spacing:.4f}"]
    ds.ImagerPixelSpacing = ds.PixelSpacing
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = "MONOCHROME1" if monochrome1 else "MONOCHROME2"
    ds.Rows, ds.Columns = pixels.shape
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    ds.WindowCenter, ds.WindowWidth = "2048", "4096"
    ds.PresentationLUTShape = "INVERSE" if monochrome1 else "IDENTITY"
    ds.PixelData = (4095 - pixels if monochrome1 else pixels).astype("<u2").tobytes()
    return ds


def write_patient(out, index, site, seed, size):
    """One patient's three views as DICOM under OUT/<patient id>/; returns its labels row."""
    rows, cols, spacing = SIZES[size]
    rng = np.random.default_rng([seed, index, list(SITES).index(site)])
    grain = np.random.default_rng([seed, index, list(SITES).index(site), rows])
    p = make_patient(rng, index, site)
    monochrome1 = bool(rng.random() < SITES[site].monochrome1)
    folder = os.path.join(out, p.patient_id)
    files = {}
    for posture in POSTURES:
        density = render(p, posture, rows, cols, spacing, rng, grain)
        pixels = acquire(density, site, spacing, rng, grain)
        path = io.view_path(folder, posture)
        io.write_dicom(to_dicom(p, posture, pixels, spacing, site, seed, monochrome1), path)
        files[posture] = os.path.relpath(path, out)
    return {**asdict(p), **files}


def generate(out, patients, site, seed, size="film", start=0, workers=1):
    os.makedirs(out, exist_ok=True)
    indexes = range(start, start + patients)
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            records = list(
                pool.map(
                    write_patient, *zip(*[(out, i, site, seed, size) for i in indexes]), chunksize=4
                )
            )
    else:
        records = [write_patient(out, i, site, seed, size) for i in indexes]
    io.write_labels(out, records)
    return records


def main():
    parser = argparse.ArgumentParser(
        prog="python3 -m " + __spec__.name, description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("out")
    parser.add_argument("--patients", type=int, default=10)
    parser.add_argument("--site", choices=sorted(SITES), default="internal")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--size", choices=sorted(SIZES), default="film")
    parser.add_argument("--start", type=int, default=0, help="first patient index")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    records = generate(
        args.out, args.patients, args.site, args.seed, args.size, args.start, args.workers
    )
    print(f"{len(records)} synthetic patients ({args.site} site) written to {args.out}")


if __name__ == "__main__":
    main()
