"""Pydantic models of the data contract: messages, layout specs, options and reports."""

from prefdata.records.manifest import DetectionResult, LayoutScore, Manifest, Reject, SplitReport
from prefdata.records.messages import FunctionCall, Message, ToolCall, strip_absent
from prefdata.records.options import ConvertOptions
from prefdata.records.spec import LayoutSpec

__all__ = [
    "ConvertOptions",
    "DetectionResult",
    "FunctionCall",
    "LayoutScore",
    "LayoutSpec",
    "Manifest",
    "Message",
    "Reject",
    "SplitReport",
    "ToolCall",
    "strip_absent",
]
