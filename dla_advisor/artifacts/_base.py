"""The two shapes of reader: ``<Target>From<Source>(path)()`` returns a layout or a measurement.

Subclasses set ``kind`` and implement ``observe()``, which streams the file into an Observation;
:func:`~dla_advisor.artifacts.read` merges several files' observations before building. Readers are
registered by kind in :data:`~._registry.READERS`.
"""

from __future__ import annotations


class LayoutReader:
    kind = ""
    label = ""  # how messages name the kind ("a trtexec or TensorRT builder log"); built-in labels are in _model

    def __init__(self, path: str):
        self.path = str(path)

    def __call__(self):
        from ._merge import build_layout  # _merge imports the readers' modules

        return build_layout([self.observe()])

    def observe(self):
        raise NotImplementedError

    @classmethod
    def claims(cls, head: str) -> bool:
        """Whether a text file whose first 64 KiB are ``head`` is this reader's kind.

        The built-in kinds answer no here: their content sniffing lives in one place, ``_sniff.py``,
        because it tells them apart from each other. A reader of a new kind answers for its own files.
        """
        return False


class MeasurementReader(LayoutReader):
    def __call__(self):
        from ._merge import build_measurement

        return build_measurement([self.observe()])

