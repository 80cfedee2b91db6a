"""audiodl.device and audiodl.seed, and the package's names that load them on first use."""

import subprocess
import sys
import warnings

import torch

from audiodl import describe_device, pick_device, seed_everything
from audiodl import device as device_module


def test_forced_cpu_is_recorded(monkeypatch):
    monkeypatch.setenv("AUDIODL_DEVICE", "cpu")
    assert pick_device() == torch.device("cpu")
    choice = device_module.last_choice()
    assert choice["device"] == "cpu" and choice["name"].startswith("CPU (") and not choice["note"]


def test_unusable_cuda_falls_back_to_cpu_and_says_why(monkeypatch):
    monkeypatch.delenv("AUDIODL_DEVICE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    real_zeros = torch.zeros

    def broken_zeros(*args, device=None, **kwargs):
        if device == "cuda":
            raise RuntimeError("CUDA driver version is insufficient")
        return real_zeros(*args, device=device, **kwargs)

    monkeypatch.setattr(torch, "zeros", broken_zeros)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert pick_device() == torch.device("cpu")
    note = device_module.last_choice()["note"]
    assert "CUDA present but unusable" in note and "driver version" in note
    assert any("fell back to CPU" in str(w.message) for w in caught)


def test_describe_cpu():
    assert describe_device("cpu").startswith("CPU (")


def test_seed_everything_repeats_torch_and_numpy_draws():
    import numpy as np

    g = seed_everything()
    a = (torch.rand(3), np.random.rand(3), torch.rand(3, generator=g))
    g = seed_everything()
    b = (torch.rand(3), np.random.rand(3), torch.rand(3, generator=g))
    for x, y in zip(a, b, strict=True):
        assert torch.equal(torch.as_tensor(x), torch.as_tensor(y))


def test_seed_everything_computes_on_one_thread_unless_told_not_to():
    """One thread: sums in one order, so trained weights do not depend on the core count."""
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        seed_everything()
        assert torch.get_num_threads() == 1
        torch.set_num_threads(2)
        seed_everything(threads=None)
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_output_dir_follows_the_environment(tmp_path, monkeypatch):
    from audiodl import output_dir

    monkeypatch.setenv("AUDIODL_OUTPUT_DIR", str(tmp_path / "run1"))
    assert output_dir("x") == tmp_path / "run1" and (tmp_path / "run1").is_dir()
    monkeypatch.delenv("AUDIODL_OUTPUT_DIR")
    monkeypatch.chdir(tmp_path)
    assert output_dir("ch2/demo").resolve() == (tmp_path / "outputs" / "ch2" / "demo").resolve()


def test_importing_the_package_imports_no_torch_and_its_names_still_work():
    # A fresh interpreter: this one imported torch long ago.
    code = (
        "import sys, audiodl\n"
        "print('torch' in sys.modules)\n"
        "from audiodl import *\n"
        "assert sorted(audiodl.__all__) == sorted(audiodl._LAZY), 'a name with no module'\n"
        "import audiodl.device, audiodl.seed\n"
        "print(audiodl.pick_device is audiodl.device.pick_device,\n"
        "      audiodl.seed_everything is audiodl.seed.seed_everything,\n"
        "      audiodl.train.fit.__module__, 'torch' in sys.modules)\n"
        "try:\n"
        "    audiodl.pick_devices\n"
        "except AttributeError as exc:\n"
        "    print(exc)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert run.stdout.splitlines() == [
        "False",
        "True True audiodl.train True",
        "module 'audiodl' has no attribute 'pick_devices'",
    ]
