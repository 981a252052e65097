#!/usr/bin/python3
"""Writes the inference test fixtures (run from anywhere with Debian's /usr/bin/python3, with
model/training on PYTHONPATH for the lumbarcds_training package):

- views/*.dcm: small lateral-or-not images whose headers name a posture by code, by words, by
  both, ambiguously, or not at all; an AP view; a chest; a two-frame image;
- onnx/*.onnx: tiny graphs that break the model contract in one way each;
- parity/<study>/: phantom studies at an odd size (416 x 336) for the Java/Python parity test;
  the reference model's expected outputs for them are written by lumbarcds_training.export --parity.

Needs python3-pydicom, python3-onnx, python3-numpy (and the phantom's packages for parity/).
"""
import os

import numpy as np
import onnx
from onnx import TensorProto, helper
from pydicom.dataset import Dataset, FileDataset, FileMetaDataset
from pydicom.sequence import Sequence
from pydicom.uid import ExplicitVRLittleEndian, generate_uid

from lumbarcds_training import phantom

HERE = os.path.dirname(os.path.abspath(__file__))

CODES = {"neutral": ("109136", "DCM", "Neutral musculoskeletal position"),
         "flexion": ("9964006", "SCT", "Flexion"), "extension": ("24154002", "SCT", "Extension")}


def view(name, description="", code=None, view_code="399067008", view_position="LL",
         body_part="LSPINE", frames=1):
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = "1.2.840.10008.5.1.4.1.1.1.1"
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=[name])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = FileDataset(None, {}, file_meta=meta, preamble=b"\0" * 128)
    ds.is_little_endian, ds.is_implicit_VR = True, False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = "DX"
    if body_part:
        ds.BodyPartExamined = body_part
    if view_position:
        ds.ViewPosition = view_position
    if description:
        ds.SeriesDescription = description
    if view_code:
        item = Dataset()
        item.CodeValue, item.CodingSchemeDesignator, item.CodeMeaning = view_code, "SCT", "view"
        if code:
            modifier = Dataset()
            modifier.CodeValue, modifier.CodingSchemeDesignator, modifier.CodeMeaning = CODES[code]
            item.ViewModifierCodeSequence = Sequence([modifier])
        ds.ViewCodeSequence = Sequence([item])
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, "MONOCHROME2"
    ds.Rows, ds.Columns = 48, 40
    ds.BitsAllocated, ds.BitsStored, ds.HighBit, ds.PixelRepresentation = 16, 12, 11, 0
    if frames > 1:
        ds.NumberOfFrames = frames
    pixels = (np.arange(48 * 40 * frames) % 4096).astype("<u2")
    ds.PixelData = pixels.tobytes()
    ds.save_as(os.path.join(HERE, "views", name + ".dcm"), write_like_original=False)


def views():
    os.makedirs(os.path.join(HERE, "views"), exist_ok=True)
    view("coded-flexion", code="flexion")
    view("coded-neutral", code="neutral")
    view("coded-extension", code="extension", description="L-SPINE LAT EXTENSION")
    view("words-extension", description="LUMBAR LAT EXT", view_code=None)
    view("words-neutral", description="L SPINE NEUTRAL STANDING", view_code=None)
    view("ambiguous-words", description="LAT FLEX/EXT", view_code=None)
    view("code-and-words-disagree", code="flexion", description="LAT EXTENSION")
    view("no-posture", description="L-SPINE LAT")
    view("external-not-a-posture", description="EXTERNAL FILM LATERAL")
    view("ap-view", code="neutral", view_code="399348003", view_position="AP")
    view("chest", code="neutral", body_part="CHEST")
    view("two-frames", code="neutral", frames=2)


def graph_file(name, inputs, outputs, nodes):
    g = helper.make_graph(nodes, name, inputs, outputs)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, os.path.join(HERE, "onnx", name + ".onnx"))


def contract_breakers():
    os.makedirs(os.path.join(HERE, "onnx"), exist_ok=True)
    f = TensorProto.FLOAT

    def tensor(name, *dims):
        return helper.make_tensor_value_info(name, f, list(dims))

    views_in = [tensor(p, "N", 1, 320, 256) for p in ("neutral", "flexion", "extension")]
    mask = tensor("view_mask", "N", 3)
    # the right names and shapes, but one input renamed
    graph_file("renamed-input",
               [tensor("image", "N", 1, 320, 256)] + views_in[1:] + [mask],
               [tensor("probability", "N"), tensor("view_logits", "N", 3),
                tensor("cam", "N", 3, 10, 8)],
               [helper.make_node("ReduceMean", ["image"], ["probability"], axes=[1, 2, 3],
                                 keepdims=0),
                helper.make_node("Identity", ["view_mask"], ["view_logits"]),
                helper.make_node("Identity", ["flexion"], ["cam_in"]),
                helper.make_node("Concat", ["extension", "cam_in", "cam_in"], ["cam_full"],
                                 axis=1),
                helper.make_node("MaxPool", ["cam_full"], ["cam"], kernel_shape=[32, 32],
                                 strides=[32, 32])])
    # inputs of another size than the card's 320 x 256
    small = [tensor(p, "N", 1, 64, 64) for p in ("neutral", "flexion", "extension")]
    graph_file("wrong-input-size", small + [mask],
               [tensor("probability", "N"), tensor("view_logits", "N", 3),
                tensor("cam", "N", 3, 2, 2)],
               [helper.make_node("ReduceMean", ["neutral"], ["probability"], axes=[1, 2, 3],
                                 keepdims=0),
                helper.make_node("Identity", ["view_mask"], ["view_logits"]),
                helper.make_node("Concat", ["neutral", "flexion", "extension"], ["stack"],
                                 axis=1),
                helper.make_node("MaxPool", ["stack"], ["cam"], kernel_shape=[32, 32],
                                 strides=[32, 32])])
    # no cam output
    graph_file("missing-output", views_in + [mask],
               [tensor("probability", "N"), tensor("view_logits", "N", 3)],
               [helper.make_node("ReduceMean", ["neutral"], ["probability"], axes=[1, 2, 3],
                                 keepdims=0),
                helper.make_node("Identity", ["view_mask"], ["view_logits"])])


def parity():
    out = os.path.join(HERE, "parity")
    phantom.generate(out, 1, "internal", 11, "parity")
    phantom.generate(out, 1, "external", 14, "parity", start=1)  # MONOCHROME1
    os.remove(os.path.join(out, "labels.csv"))


if __name__ == "__main__":
    views()
    contract_breakers()
    parity()
