"""Which compute devices exist here, and which one `auto` means."""

from __future__ import annotations

import torch

DEVICE_CHOICES = ("auto", "cpu", "cuda", "mps")


def available_devices() -> list[str]:
    """The devices present on this machine, best first; the CPU is always last."""
    found = []
    if torch.cuda.is_available():
        found.append("cuda")
    if torch.backends.mps.is_available():
        found.append("mps")
    return [*found, "cpu"]


def resolve_device(choice: str) -> str:
    """Turn a device setting into a concrete device: auto picks CUDA, then MPS, then the CPU."""
    if choice not in DEVICE_CHOICES:
        raise ValueError(f"Unknown device {choice!r}; choose one of {', '.join(DEVICE_CHOICES)}")
    present = available_devices()
    if choice == "auto":
        return present[0]
    if choice not in present:
        raise ValueError(f"The device {choice!r} is not available on this machine")
    return choice


def default_dtype(device: str) -> torch.dtype:
    """Full precision on the CPU (bf16 is slow without hardware support); half on GPUs."""
    if device == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if device == "mps":
        return torch.float16
    return torch.float32
