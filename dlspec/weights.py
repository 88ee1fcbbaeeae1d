"""Pretrained weight files: where dlspec finds them, and which one it used.

A lab that needs pretrained weights (the alpaca lab's MobileNetV2) asks :func:`resolve_weights`
for a file, in the order of docs/design.md:

1. an explicit path (the ``weights=`` argument);
2. ``$DLSPEC_WEIGHTS_DIR/<file name>``, for each accepted file name in order of preference
   (the exact file Keras would download first, then stand-ins such as the offline
   ``mobilenet_v2_1.00_160_notop_dogs.weights.h5``);
3. Keras' own cache (``$KERAS_HOME/models`` or ``~/.keras/models``, and ``/tmp/.keras/models``
   where Keras falls back when the home folder is read-only);
4. the normal Keras download (online);
5. otherwise :class:`WeightsNotFoundError`, saying which file to put where.

The result, a :class:`ResolvedWeights`, names the file, how it was found and what it holds;
it is logged (logger ``dlspec.weights``) and labs print it. An untrained backbone is allowed
(``weights=None``) but never silent: :func:`warn_untrained` warns with
:class:`UntrainedBackboneWarning`. dlspec never falls back to random weights by itself.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "WEIGHTS_DIR_ENV",
    "ResolvedWeights",
    "UntrainedBackboneWarning",
    "WeightFile",
    "WeightsNotFoundError",
    "keras_cache_dirs",
    "mobilenet_v2_weight_files",
    "resolve_weights",
    "resolve_weights_argument",
    "warn_untrained",
    "weights_dir",
]

WEIGHTS_DIR_ENV = "DLSPEC_WEIGHTS_DIR"
MOBILENET_V2_ORIGIN = "https://storage.googleapis.com/tensorflow/keras-applications/mobilenet_v2/"
DOGS_MOBILENET_V2_160 = "mobilenet_v2_1.00_160_notop_dogs.weights.h5"

logger = logging.getLogger("dlspec.weights")


class WeightsNotFoundError(FileNotFoundError):
    """No pretrained weight file was found by any step of the resolution order."""


class UntrainedBackboneWarning(UserWarning):
    """A backbone runs with random weights (``weights=None``): results are not the course's."""


@dataclass(frozen=True)
class WeightFile:
    """A file name dlspec accepts for some weights, and what that file holds.

    Attributes:
        name: the file name looked up in ``$DLSPEC_WEIGHTS_DIR`` and the Keras cache.
        description: what the weights are, shown to the user (e.g. whether they are the
            course's exact weights).
        origin: URL Keras downloads it from, or ``None`` for a file that must be provided.
        exact: ``True`` for the weights the course uses; ``False`` for a stand-in.
    """

    name: str
    description: str
    origin: str | None = None
    exact: bool = True


@dataclass(frozen=True)
class ResolvedWeights:
    """The weight file found, how it was found, and what it holds.

    Attributes:
        path: the file.
        source: ``"argument"``, ``"DLSPEC_WEIGHTS_DIR"``, ``"Keras cache"`` or ``"download"``.
        description: what the weights are (from :class:`WeightFile`, or "user-provided file").
        exact: whether these are the course's exact weights.
    """

    path: Path
    source: str
    description: str
    exact: bool = True

    def __str__(self) -> str:
        return f"{self.path} (from {self.source}: {self.description})"


def weights_dir() -> Path | None:
    """``$DLSPEC_WEIGHTS_DIR`` as a path, or ``None`` when the variable is unset."""
    value = os.environ.get(WEIGHTS_DIR_ENV, "").strip()
    return Path(value).expanduser() if value else None


def keras_cache_dirs() -> list[Path]:
    """The folders where Keras keeps downloaded weights (``cache_subdir="models"``).

    ``$KERAS_HOME/models`` (default ``~/.keras/models``), then ``/tmp/.keras/models``, where
    Keras caches when the home folder is not writable.
    """
    home = os.environ.get("KERAS_HOME") or os.path.join(os.path.expanduser("~"), ".keras")
    dirs = [Path(home).expanduser() / "models", Path("/tmp/.keras/models")]
    return list(dict.fromkeys(dirs))


def mobilenet_v2_weight_files(
    *, alpha: float = 1.0, rows: int = 160, include_top: bool = False
) -> tuple[WeightFile, ...]:
    """The files accepted for ``keras.applications.MobileNetV2`` ImageNet weights.

    First the file Keras downloads (``mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160
    _no_top.h5`` for the alpaca lab's backbone); for alpha 1.0, 160×160, no top, also the
    offline stand-in ``mobilenet_v2_1.00_160_notop_dogs.weights.h5`` (ImageNet fine-tuned on
    dog breeds).

    Example:
        >>> [f.name for f in mobilenet_v2_weight_files()]
        ['mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5', \
'mobilenet_v2_1.00_160_notop_dogs.weights.h5']
    """
    suffix = "" if include_top else "_no_top"
    name = f"mobilenet_v2_weights_tf_dim_ordering_tf_kernels_{float(alpha)}_{rows}{suffix}.h5"
    files = [
        WeightFile(
            name,
            f"ImageNet MobileNetV2 (alpha {float(alpha)}, {rows}x{rows}"
            f"{', with top' if include_top else ', no top'}): the course's weights",
            MOBILENET_V2_ORIGIN + name,
        )
    ]
    if float(alpha) == 1.0 and rows == 160 and not include_top:
        files.append(
            WeightFile(
                DOGS_MOBILENET_V2_160,
                "ImageNet fine-tuned on dogs: real pretrained features, not the exact course "
                "weights",
                None,
                exact=False,
            )
        )
    return tuple(files)


def _download(file: WeightFile) -> Path:
    """Download ``file`` with Keras (into its cache); raises when offline."""
    import keras

    return Path(keras.utils.get_file(file.name, file.origin, cache_subdir="models"))


def resolve_weights(
    files: Sequence[WeightFile],
    path: str | os.PathLike | None = None,
    *,
    download: bool = True,
    downloader: Callable[[WeightFile], Path] | None = None,
) -> ResolvedWeights:
    """Find a weight file in dlspec's resolution order and log which one it is.

    Args:
        files: accepted files in order of preference (e.g. :func:`mobilenet_v2_weight_files`).
        path: an explicit file; it must exist (no fallback when it does not).
        download: allow step 4 (the Keras download) for files that have an ``origin``.
        downloader: replaces the Keras download (tests use it to act offline).

    Returns:
        The :class:`ResolvedWeights` found.

    Raises:
        WeightsNotFoundError: the explicit ``path`` does not exist, or no step found a file;
            the message lists the places searched and which file to put where.

    Example:
        >>> found = resolve_weights(mobilenet_v2_weight_files())  # doctest: +SKIP
        >>> print(found)  # doctest: +SKIP
        /work/shared/weights/mobilenet_v2_1.00_160_notop_dogs.weights.h5 (from DLSPEC_WEIGHTS_DIR: \
ImageNet fine-tuned on dogs: real pretrained features, not the exact course weights)
    """
    files = tuple(files)
    if not files:
        raise ValueError("resolve_weights needs at least one accepted WeightFile.")
    if path is not None:
        explicit = Path(path).expanduser()
        if not explicit.is_file():
            raise WeightsNotFoundError(
                f"The weights file {explicit} given as argument does not exist. Pass the path "
                f"of an existing file, or weights='imagenet' to look for {files[0].name} in "
                f"${WEIGHTS_DIR_ENV}, the Keras cache, or download it."
            )
        known = {f.name: f for f in files}.get(explicit.name)
        return _found(
            explicit,
            "argument",
            known.description if known else "user-provided file",
            known.exact if known else True,
        )

    searched: list[str] = []
    folder = weights_dir()
    if folder is None:
        searched.append(f"${WEIGHTS_DIR_ENV} (not set)")
    else:
        for file in files:
            candidate = folder / file.name
            searched.append(str(candidate))
            if candidate.is_file():
                return _found(candidate, WEIGHTS_DIR_ENV, file.description, file.exact)
    for cache in keras_cache_dirs():
        for file in files:
            candidate = cache / file.name
            searched.append(str(candidate))
            if candidate.is_file():
                return _found(candidate, "Keras cache", file.description, file.exact)
    failures: list[str] = []
    if download:
        fetch = downloader or _download
        for file in files:
            if file.origin is None:
                continue
            try:
                got = Path(fetch(file))
            except Exception as err:  # Keras raises a bare Exception when offline
                failures.append(f"downloading {file.origin} failed ({type(err).__name__}: {err})")
                continue
            return _found(got, "download", file.description, file.exact)
    else:
        failures.append("download=False: no download tried")
    names = " or ".join(f.name for f in files)
    raise WeightsNotFoundError(
        f"No weights file found for {files[0].description}. Searched: {'; '.join(searched)}. "
        + "".join(f"{failure}. " for failure in failures)
        + f"Put {names} in the folder named by ${WEIGHTS_DIR_ENV} (or pass the file's path), "
        "or go online so that Keras can download it. Only weights=None builds the model "
        "without pretrained weights (untrained backbone: results are not the course's)."
    )


def resolve_weights_argument(
    weights: str | os.PathLike | None,
    files: Sequence[WeightFile],
    *,
    what: str,
    keyword: str = "imagenet",
    download: bool = True,
) -> ResolvedWeights | None:
    """Resolve a builder's ``weights=`` argument: ``None``, the ``keyword``, or a file path.

    ``None`` warns that ``what`` is untrained (:func:`warn_untrained`) and returns ``None``;
    ``keyword`` (``"imagenet"``) searches for ``files`` in the resolution order; anything else
    is an explicit file that must exist.

    Example:
        >>> resolve_weights_argument("nope.h5", mobilenet_v2_weight_files(), what="MobileNetV2")
        Traceback (most recent call last):
        ...
        dlspec.weights.WeightsNotFoundError: The weights file nope.h5 given as argument does not \
exist. Pass the path of an existing file, or weights='imagenet' to look for \
mobilenet_v2_weights_tf_dim_ordering_tf_kernels_1.0_160_no_top.h5 in $DLSPEC_WEIGHTS_DIR, \
the Keras cache, or download it.
    """
    if weights is None:
        warn_untrained(what)
        return None
    if isinstance(weights, str) and weights == keyword:
        return resolve_weights(files, download=download)
    return resolve_weights(files, path=weights)


def _found(path: Path, source: str, description: str, exact: bool) -> ResolvedWeights:
    resolved = ResolvedWeights(path, source, description, exact)
    if exact:
        logger.info("pretrained weights: %s", resolved)
    else:
        logger.warning("pretrained weights (stand-in, not the course's file): %s", resolved)
    return resolved


def warn_untrained(what: str = "backbone") -> None:
    """Say loudly that a model runs without pretrained weights (``weights=None``).

    Example:
        >>> import warnings
        >>> with warnings.catch_warnings(record=True) as caught:
        ...     warnings.simplefilter("always")
        ...     warn_untrained("MobileNetV2")
        >>> print(caught[0].message)
        untrained MobileNetV2 (weights=None): random weights, results are not the course's
    """
    message = f"untrained {what} (weights=None): random weights, results are not the course's"
    logger.warning(message)
    warnings.warn(message, UntrainedBackboneWarning, stacklevel=3)
