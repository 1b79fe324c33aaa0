"""ResNet, ResNeXt, Res2Net, RegNet, HRNet, VGG and GhostNet backbones that load OpenMMLab and torchvision checkpoints."""

__version__ = "0.1.0"

__all__ = ["__version__"]
