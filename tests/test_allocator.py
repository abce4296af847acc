"""Tests for dedup.allocator: the glibc settings each kind of process asks for, and other C libraries left alone."""

from __future__ import annotations

import pytest

from dedup import allocator


class FakeLibc:
    def __init__(self) -> None:
        self.calls: list[tuple[int, int]] = []

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return 1


def test_the_main_process_maps_arrays_over_128_kib(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda name: libc)
    allocator.release_freed_arrays()
    assert libc.calls == [(-3, 128 << 10)]


def test_workers_keep_arrays_up_to_32_mib_and_64_mib_of_free_heap(monkeypatch: pytest.MonkeyPatch) -> None:
    libc = FakeLibc()
    monkeypatch.setattr(allocator.ctypes, "CDLL", lambda name: libc)
    allocator.keep_freed_arrays()
    assert libc.calls == [(-3, 32 << 20), (-1, 64 << 20)]


@pytest.mark.parametrize("missing", [OSError("no libc"), AttributeError("no mallopt")])
def test_a_c_library_without_mallopt_is_left_alone(monkeypatch: pytest.MonkeyPatch, missing: Exception) -> None:
    def unavailable(name: str) -> None:
        raise missing

    monkeypatch.setattr(allocator.ctypes, "CDLL", unavailable)
    allocator.release_freed_arrays()
    allocator.keep_freed_arrays()
