"""Weight resolution (dlspec.weights): the order of docs/design.md, offline behaviour, messages."""

from __future__ import annotations

import logging
import warnings

import pytest

from dlspec import weights as w
from dlspec.weights import (
    UntrainedBackboneWarning,
    WeightsNotFoundError,
    mobilenet_v2_weight_files,
    resolve_weights,
    warn_untrained,
)

FILES = mobilenet_v2_weight_files()
IMAGENET, DOGS = FILES[0].name, FILES[1].name


def _offline(file):
    raise Exception(f"URL fetch failure on {file.origin}: None -- [Errno -3] name resolution")


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """No DLSPEC_WEIGHTS_DIR, an empty Keras home, and a download that fails as offline."""
    monkeypatch.delenv(w.WEIGHTS_DIR_ENV, raising=False)
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras_home"))
    monkeypatch.setattr(w, "keras_cache_dirs", lambda: [tmp_path / "keras_home" / "models"])
    monkeypatch.setattr(w, "_download", _offline)
    return tmp_path


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"weights")
    return path


def test_file_names_are_keras_and_offline_names():
    assert IMAGENET == "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5"
    assert FILES[0].origin.endswith("/mobilenet_v2/" + IMAGENET) and FILES[0].exact
    assert DOGS == "mobilenet_v2_1.00_160_notop_dogs.weights.h5" and not FILES[1].exact
    assert [f.name for f in mobilenet_v2_weight_files(rows=224)] == [
        "mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_224_no_top.h5"
    ]


def test_explicit_path_comes_first(isolated, monkeypatch):
    _touch(isolated / "dir" / IMAGENET)
    monkeypatch.setenv(w.WEIGHTS_DIR_ENV, str(isolated / "dir"))
    mine = _touch(isolated / "mine.h5")
    found = resolve_weights(FILES, path=mine)
    assert (found.path, found.source, found.description) == (mine, "argument", "user-provided file")


def test_missing_explicit_path_is_an_error_not_a_fallback(isolated, monkeypatch):
    _touch(isolated / "dir" / IMAGENET)
    monkeypatch.setenv(w.WEIGHTS_DIR_ENV, str(isolated / "dir"))
    with pytest.raises(WeightsNotFoundError, match=r"nope\.h5 given as argument does not exist"):
        resolve_weights(FILES, path=isolated / "nope.h5")


def test_weights_dir_accepts_the_offline_file_and_prefers_imagenet(isolated, monkeypatch, caplog):
    folder = isolated / "dir"
    monkeypatch.setenv(w.WEIGHTS_DIR_ENV, str(folder))
    _touch(folder / DOGS)
    with caplog.at_level(logging.INFO, logger="dlspec.weights"):
        found = resolve_weights(FILES)
    assert (found.path, found.source, found.exact) == (folder / DOGS, "DLSPEC_WEIGHTS_DIR", False)
    assert "not the exact course weights" in str(found)
    assert str(folder / DOGS) in caplog.text  # always says which file
    _touch(folder / IMAGENET)
    found = resolve_weights(FILES)
    assert (found.path, found.exact) == (folder / IMAGENET, True)


def test_keras_cache_then_download(isolated):
    cache = isolated / "keras_home" / "models"
    calls = []

    def fake_download(file):
        calls.append(file.name)
        return _touch(cache / file.name)

    found = resolve_weights(FILES, downloader=fake_download)
    assert (found.source, calls) == ("download", [IMAGENET])  # only files with an origin
    found = resolve_weights(FILES, downloader=fake_download)
    assert (found.source, found.path, calls) == ("Keras cache", cache / IMAGENET, [IMAGENET])


def test_offline_with_nothing_found_says_which_file_to_put_where(isolated):
    with pytest.raises(WeightsNotFoundError) as err:
        resolve_weights(FILES)  # the module's download is patched to fail as offline
    message = str(err.value)
    for part in (IMAGENET, DOGS, "DLSPEC_WEIGHTS_DIR", "URL fetch failure", "weights=None"):
        assert part in message
    with pytest.raises(WeightsNotFoundError, match="download=False"):
        resolve_weights(FILES, download=False)
    with pytest.raises(ValueError, match="at least one"):
        resolve_weights([])


def test_untrained_is_loud(caplog):
    with caplog.at_level(logging.WARNING, logger="dlspec.weights"):
        with pytest.warns(UntrainedBackboneWarning, match="results are not the course's"):
            warn_untrained("MobileNetV2")
    assert "untrained MobileNetV2" in caplog.text
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(UntrainedBackboneWarning):
            warn_untrained()


def test_keras_cache_dirs_follow_keras_home(tmp_path, monkeypatch):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path))
    assert w.keras_cache_dirs()[0] == tmp_path / "models"
    assert w.keras_cache_dirs()[-1].as_posix() == "/tmp/.keras/models"  # Keras' fallback
