"""strategy_from_name: the strategies a --strategy / --devices pair names, and its errors.

``cpu:N`` (which must split the CPU before TensorFlow starts) and ``multiworker`` run in fresh
processes in test_distributed.py; this process has long started TensorFlow.
"""

from __future__ import annotations

import pytest
import tensorflow as tf

from dlspec.training import strategy_from_name
from dlspec.training.distribute import is_chief, is_multi_worker, worker_name


def test_default_and_one_device():
    default = strategy_from_name("default")
    assert default is tf.distribute.get_strategy() and strategy_from_name(None) is default
    one = strategy_from_name("one-device", devices="/cpu:0")
    assert isinstance(one, tf.distribute.OneDeviceStrategy)
    assert isinstance(strategy_from_name("one_device"), tf.distribute.OneDeviceStrategy)
    assert isinstance(strategy_from_name("CPU:1"), tf.distribute.OneDeviceStrategy)
    assert strategy_from_name(one) is one  # an instance passes through


def test_mirrored_on_named_devices():
    strategy = strategy_from_name("mirrored", devices=["/cpu:0"])
    assert isinstance(strategy, tf.distribute.MirroredStrategy)
    assert strategy.num_replicas_in_sync == 1
    assert is_chief(strategy) and not is_multi_worker(strategy)
    assert worker_name(strategy) == "chief"


def test_multiworker_without_tf_config_is_one_worker(monkeypatch):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    strategy = strategy_from_name("multiworker")
    assert isinstance(strategy, tf.distribute.MultiWorkerMirroredStrategy)
    assert is_chief(strategy) and not is_multi_worker(strategy)


@pytest.mark.parametrize(
    "name, devices, error, match",
    [
        ("mirorred", None, ValueError, "Unknown strategy 'mirorred'.*cpu:N"),
        (3, None, TypeError, "strategy name"),
        ("default", 2, ValueError, "one device"),
        ("one_device", "/cpu:0,/cpu:1", ValueError, "takes one device"),
        ("multiworker", 2, ValueError, "TF_CONFIG"),
        ("cpu:2", 2, ValueError, "already says which devices"),
        ("cpu:0", None, ValueError, "no devices"),
        ("gpu:64", None, ValueError, "64 GPUs were asked for"),
        ("mirrored", 0, ValueError, "at least 1"),
        ("mirrored", [""], TypeError, "name like '/gpu:0'"),
        ("mirrored", True, TypeError, "devices must be"),
        ("cpu:64", None, RuntimeError, "very start of the script"),
    ],
)
def test_bad_names_and_devices(name, devices, error, match):
    tf.constant(0)  # TensorFlow has started: cpu:64 cannot split the CPU any more
    with pytest.raises(error, match=match):
        strategy_from_name(name, devices=devices)
