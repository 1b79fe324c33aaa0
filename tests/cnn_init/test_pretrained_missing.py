"""Without cnn-zoo, a Pretrained cfg fails with an error that says how to install it.

cnn-zoo registers ``Pretrained`` into ``INITIALIZERS`` through an entry point. A
registry with a scope no distribution declares entry points for stands for an
environment without cnn-zoo, so the test holds whether or not cnn-zoo is installed.
"""

import importlib.metadata

import pytest
from torch import nn

from cnn_init import INITIALIZERS, BaseModule, ConstantInit, build_initializer, initialize, is_pretrained_cfg
from cnn_registry import Registry, UnknownTypeError


@pytest.fixture
def registry_without_zoo():
    registry = Registry("initializers", scope="cnn_init_tests_without_zoo")
    registry.register_module(name="Constant", module=ConstantInit)
    return registry


@pytest.mark.parametrize("name", ["Pretrained", "PretrainedInit", "cnn_zoo.Pretrained"])
def test_missing_pretrained_names_the_install_line(registry_without_zoo, name):
    cfg = dict(type=name, checkpoint="resnet50.pth")
    with pytest.raises(UnknownTypeError, match=r"provides and which is not installed: pip install cnn-zoo") as info:
        build_initializer(cfg, registry=registry_without_zoo)
    message = str(info.value)
    assert "'checkpoint': 'resnet50.pth'" in message
    assert "is not in the 'initializers' registry" in message  # the registry's own explanation follows
    assert isinstance(info.value.__cause__, UnknownTypeError)
    assert isinstance(info.value, KeyError)


def test_other_unknown_names_keep_the_registry_error(registry_without_zoo):
    with pytest.raises(UnknownTypeError) as info:
        build_initializer(dict(type="Pretrain"), registry=registry_without_zoo)
    assert "pip install cnn-zoo" not in str(info.value)


def test_pretrained_recognised_by_name_or_class():
    class Pretrained:
        pass

    assert is_pretrained_cfg(dict(type="Pretrained"))
    assert is_pretrained_cfg(dict(type="cnn_zoo.PretrainedInit"))
    assert is_pretrained_cfg(dict(type=Pretrained))
    assert not is_pretrained_cfg(dict(type="Normal"))
    assert not is_pretrained_cfg(dict(type=nn.Linear))


def _zoo_installed():
    try:
        importlib.metadata.distribution("cnn-zoo")
    except importlib.metadata.PackageNotFoundError:
        return False
    return "Pretrained" in INITIALIZERS


@pytest.mark.skipif(_zoo_installed(), reason="cnn-zoo provides Pretrained here; the isolated session checks this")
def test_base_module_with_pretrained_and_no_zoo():
    module = BaseModule(dict(type="Pretrained", checkpoint="missing.pth"))
    with pytest.raises(KeyError, match="pip install cnn-zoo"):
        initialize(module, module.init_cfg)
    with pytest.raises(KeyError, match="pip install cnn-zoo"):
        module.init_weights()
