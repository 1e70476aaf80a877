"""The two shapes of reader: ``<Target>From<Source>(path)()`` returns a layout or a measurement.

Subclasses set ``kind`` and implement ``observe()``, which streams the file into an Observation;
:func:`~dla_advisor.artifacts.read` merges several files' observations before building.
"""

from __future__ import annotations


class LayoutReader:
    kind = ""

    def __init__(self, path: str):
        self.path = str(path)

    def __call__(self):
        from ._build import build_layout  # _build imports the readers' modules

        return build_layout([self.observe()])

    def observe(self):
        raise NotImplementedError


class MeasurementReader(LayoutReader):
    def __call__(self):
        from ._build import build_measurement

        return build_measurement([self.observe()])
