"""Strip what loggers put in front of a TensorRT message.

Seen in the corpus: trtexec ``[07/06/2023-17:19:08] [I] [TRT] msg``, the Python logger
``[12/04/2024-11:57:45] [TRT] [W] msg``, the sample logger `` [W] [TRT] msg``, DeepStream's nvinfer
``WARNING: [TRT]: msg``, old applications ``WARNING: msg``, the TensorRT 5-7 Python logger
``[TensorRT] INFO: msg``, and bare messages (multi-line messages such as "Engine Layer Information"
continue without any prefix). Pastes add their own: a markdown quote ``> ``, a tab, or the same
timestamp two or three times over (several log streams interleaved on one line), or a ``#`` where a
log was pasted into a shell script as comments. Triton (and other glog users) put
``I0528 18:03:34.171215 1 logging.cc:49] `` in front (level letter, date, time, thread, source line);
ONNX Runtime's TensorRT provider ``2024-03-28 13:07:04.72 [W:onnxruntime:Default, tensorrt_execution_provider.h:83 log]
[2024-03-28 20:07:04 WARNING] ``, often wrapped in terminal colour codes; Torch-TensorRT
``WARNING: [Torch-TensorRT TorchScript Conversion Context] - ``.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_PREFIX = re.compile(
    r"^\s*(?:>\s?|#\s?)?\s*"
    r"(?:(?:\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d+\s+)?\[(?P<o>[VIWEF]):onnxruntime:[^\]]*\]\s*"
    r"(?:\[\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\s+(?P<oword>[A-Z]+)\]\s*)?)?"
    r"(?:(?P<g>[IWEF])\d{4} \d{2}:\d{2}:\d{2}\.\d+\s+\d+\s+[\w.\-]+:\d+\]\s*)?(?:\[\d{1,2}/\d{1,2}/\d{4}-\d{1,2}:\d{2}:\d{2}\]\s*)*"
    r"(?:\[(?P<l1>[VIWEF])\]\s*)?(?:\[TRT\]\s*)?(?:\[(?P<l2>[VIWEF])\]\s*)?"
    r"(?:\[TensorRT\]\s*)?"
    r"(?:(?P<word>VERBOSE|INFO|WARNING|ERROR|INTERNAL_ERROR|WARN)\s*:\s*(?:\[TRT\]\s*:?\s*)?"
    r"(?:\[Torch-TensorRT[^\]]*\]\s*-\s*)?)?"
    r"(?:\[TRT\]\s*(?:\[(?P<l3>[VIWEF])\]\s*)?)?"
)

_WORD_LEVEL = {"VERBOSE": "V", "INFO": "I", "WARNING": "W", "WARN": "W", "ERROR": "E", "INTERNAL_ERROR": "F"}


def split_prefix(line: str) -> tuple[str, str]:
    """Return (level letter or '', message) for one log line without its line break."""
    if "\x1b" in line:
        line = _ANSI.sub("", line)
    m = _PREFIX.match(line)
    level = (m["l1"] or m["l2"] or m["l3"] or _WORD_LEVEL.get(m["word"] or "", "")
             or _WORD_LEVEL.get(m["oword"] or "", "") or m["g"] or m["o"] or "")
    return level, line[m.end():].rstrip()
