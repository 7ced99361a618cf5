"""Can the local GGUF model run on this machine? Asked once, in a child process.

A llama-cpp-python build compiled for another CPU (or a corrupt GGUF file) can kill the process
with SIGSEGV or SIGILL on the first real prompt. The side panel and the CLI must never die of
that, so before the `local` backend is used a child process loads the model and writes two
tokens. The verdict is cached per library build, model file and CPU, because the check costs a
few seconds and its answer only changes when one of those does.
"""

from __future__ import annotations

import hashlib
import json
import platform
import signal
import subprocess
import sys
from dataclasses import asdict, dataclass
from importlib.metadata import PackageNotFoundError, version
from importlib.util import find_spec
from pathlib import Path

SMOKE_TIMEOUT_S = 180.0
_PROBE = """
import sys
from llama_cpp import Llama
llm = Llama(model_path=sys.argv[1], n_ctx=256, verbose=False)
messages = [{"role": "user", "content": "Say hello to the customer, politely."}]
llm.create_chat_completion(messages=messages, max_tokens=2)
print("ok")
"""


@dataclass(frozen=True)
class SmokeResult:
    ok: bool
    detail: str


def cpu_identity() -> str:
    """The processor's model name and the instruction-set flags a native build depends on."""
    fields: dict[str, str] = {}
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            fields.setdefault(key.strip(), value.strip())
    model = fields.get("model name") or platform.processor() or platform.machine()
    wanted = {"avx", "avx2", "fma", "f16c", "avx512f", "avx512_vnni", "avx_vnni", "amx_tile",
              "amx_int8", "amx_bf16"}
    present = sorted(set(fields.get("flags", "").split()) & wanted)
    return f"{model} [{' '.join(present)}]"


def library_build() -> str:
    """The installed llama-cpp-python and what its build uses (asked in a child process)."""
    if find_spec("llama_cpp") is None:
        return "not installed"
    code = ("import llama_cpp as m; "
            "print(m.__version__, m.llama_print_system_info().decode())")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              timeout=120)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({type(exc).__name__})"
    if done.returncode != 0:
        return f"cannot be imported: {_describe_exit(done.returncode, done.stderr)}"
    return " ".join(done.stdout.split())


def _library_files() -> list[Path]:
    spec = find_spec("llama_cpp")
    if spec is None or not spec.submodule_search_locations:
        return []
    root = Path(next(iter(spec.submodule_search_locations)))
    return sorted(p for p in root.rglob("*") if p.suffix in {".so", ".dylib", ".dll"})


def _fingerprint(model_path: Path) -> str:
    """Changes whenever the library build, the model file or the CPU changes."""
    try:
        library = version("llama-cpp-python")
    except PackageNotFoundError:
        library = "absent"
    files = [(str(p), p.stat().st_size, p.stat().st_mtime_ns) for p in _library_files()]
    model = model_path.stat()
    parts = [sys.executable, library, files, str(model_path), model.st_size, model.st_mtime_ns,
             cpu_identity()]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


def _describe_exit(code: int, stderr: str) -> str:
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"the model process was killed by {name}"
    last = next((line for line in reversed(stderr.strip().splitlines()) if line.strip()), "")
    return f"the model process failed (exit {code}): {last[:300]}"


def run_smoke(model_path: Path, timeout_s: float = SMOKE_TIMEOUT_S) -> SmokeResult:
    """Load the model and generate two tokens in a child process; never raises."""
    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(model_path)],
                              capture_output=True, text=True, timeout=timeout_s)
    except subprocess.TimeoutExpired:
        return SmokeResult(False, f"the model did not answer a two-token prompt in {timeout_s:g} s")
    except OSError as exc:
        return SmokeResult(False, f"could not start the model process: {exc}")
    if done.returncode == 0 and done.stdout.strip().endswith("ok"):
        return SmokeResult(True, f"runs on {cpu_identity()}")
    return SmokeResult(False, _describe_exit(done.returncode, done.stderr))


def local_model_runs(model_path: Path, cache_dir: Path) -> SmokeResult:
    """The cached verdict for this library build, model and CPU, checking once if needed."""
    cache = cache_dir / "local-smoke.json"
    key = _fingerprint(model_path)
    try:
        known = json.loads(cache.read_text())
    except (OSError, ValueError):
        known = {}
    if isinstance(known, dict) and isinstance(known.get(key), dict):
        return SmokeResult(**known[key])
    result = run_smoke(model_path)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        cache.write_text(json.dumps({key: asdict(result)}))
    except OSError:
        pass  # an unwritable home only costs the check again next time
    return result
