"""The public API is what `__all__` says, and everything in it exists."""

import prefdata
import prefdata.records


def test_prefdata_exports():
    assert set(prefdata.__all__) == {
        "AmbiguousLayoutError",
        "ConvertOptions",
        "ConvertResult",
        "DetectionError",
        "DetectionResult",
        "LayoutSpec",
        "Manifest",
        "OutputError",
        "PrefdataError",
        "Recipe",
        "Reject",
        "RowError",
        "SourceError",
        "SpecError",
        "__version__",
        "builtin_specs",
        "convert",
        "detect",
        "load_spec",
        "mix",
    }
    for name in prefdata.__all__:
        assert hasattr(prefdata, name), name


def test_records_exports():
    for name in prefdata.records.__all__:
        assert hasattr(prefdata.records, name), name


def test_prefdata_import_is_light():
    import subprocess
    import sys

    code = "import prefdata, sys; print('torch' in sys.modules, 'transformers' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.split() == ["False", "False"]
