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


PUBLIC_MODULES = {"__init__.py", "__main__.py", "py.typed", "records", "__pycache__"}


def test_implementation_modules_are_private():
    """Beside `__init__` (whose `__all__` is the API) and `prefdata.records`, every module is `_`-named."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    public = {
        f"{package}/{entry.name}"
        for package in ("prefdata", "prefdata_train")
        for entry in (root / package).iterdir()
        if entry.name not in PUBLIC_MODULES and not entry.name.startswith("_")
    }
    assert public == set()


def test_records_is_the_only_public_subpackage():
    import pkgutil

    names = {m.name for m in pkgutil.iter_modules(prefdata.__path__) if not m.name.startswith("_")}
    assert names == {"records"}
