"""Preprocessing on tensors, as a weight card prescribes: resize, center crop, channel order, normalisation.

No torchvision needed: the resize is `torch.nn.functional.interpolate` with
antialiasing, the crop is slicing.

>>> import torch
>>> t = ImageTransform(resize_size=8, crop_size=6, mean=(0.5, 0.5, 0.5), std=(0.25, 0.25, 0.25))
>>> image = torch.full((3, 10, 16), 128, dtype=torch.uint8)   # RGB, uint8, (C, H, W)
>>> t(image).shape
torch.Size([3, 6, 6])
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch.nn import functional as F

CHANNEL_ORDERS = ("RGB", "BGR")
INTERPOLATIONS = ("bilinear", "bicubic", "nearest")


def resize_shorter_side(images: torch.Tensor, size: int, interpolation: str = "bilinear") -> torch.Tensor:
    """Scale float ``images`` (N, C, H, W) so the shorter side is ``size``; the longer keeps the aspect ratio.

    The longer side is ``int(size * long / short)``, as torchvision computes it.

    >>> resize_shorter_side(torch.zeros(1, 3, 10, 20), 5).shape
    torch.Size([1, 3, 5, 10])
    """
    height, width = images.shape[-2:]
    short, long = (height, width) if height <= width else (width, height)
    new_long = int(size * long / short)
    new_h, new_w = (size, new_long) if height <= width else (new_long, size)
    if (new_h, new_w) == (height, width):
        return images
    if interpolation == "nearest":
        return F.interpolate(images, size=(new_h, new_w), mode="nearest")
    return F.interpolate(images, size=(new_h, new_w), mode=interpolation, align_corners=False, antialias=True)


def center_crop(images: torch.Tensor, size: int) -> torch.Tensor:
    """The central ``size`` x ``size`` window of ``images`` (..., H, W).

    >>> center_crop(torch.arange(25.0).reshape(5, 5), 3)[0].tolist()
    [6.0, 7.0, 8.0]
    """
    height, width = images.shape[-2:]
    if size > height or size > width:
        raise ValueError(f"crop size {size} is larger than the image ({height}x{width}); resize it first")
    top = round((height - size) / 2.0)
    left = round((width - size) / 2.0)
    return images[..., top : top + size, left : left + size]


@dataclass(frozen=True)
class ImageTransform:
    """Turn RGB images into a model's input: resize, crop, reorder channels, normalise.

    Input: a ``uint8`` tensor (values 0-255) or a float tensor with values in [0, 1],
    shaped (C, H, W) or (N, C, H, W), channels in RGB order.

    Args:
        resize_size: The shorter side is resized to this; None keeps the size.
        crop_size: The central square of this side is kept; None keeps everything.
        mean: Per-channel mean, in the model's channel order and on the ``pixel_range`` scale.
        std: Per-channel standard deviation, like ``mean``.
        pixel_range: 1.0 when ``mean``/``std`` apply to values in [0, 1] (torchvision),
            255.0 when they apply to values in [0, 255] (OpenMMLab, Caffe).
        channel_order: ``'RGB'``, or ``'BGR'`` for Caffe-trained weights.
        interpolation: ``'bilinear'``, ``'bicubic'`` or ``'nearest'``.
    """

    resize_size: int | None
    crop_size: int | None
    mean: tuple[float, ...]
    std: tuple[float, ...]
    pixel_range: float = 1.0
    channel_order: str = "RGB"
    interpolation: str = "bilinear"

    def __post_init__(self) -> None:
        for name in ("resize_size", "crop_size"):
            value = getattr(self, name)
            if value is not None and (not isinstance(value, int) or isinstance(value, bool) or value <= 0):
                raise ValueError(f"{name} must be a positive int or None, got {value!r}")
        if self.channel_order not in CHANNEL_ORDERS:
            raise ValueError(f"channel_order must be one of {CHANNEL_ORDERS}, got {self.channel_order!r}")
        if self.interpolation not in INTERPOLATIONS:
            raise ValueError(f"interpolation must be one of {INTERPOLATIONS}, got {self.interpolation!r}")
        if self.pixel_range not in (1.0, 255.0):
            raise ValueError(f"pixel_range must be 1.0 or 255.0, got {self.pixel_range!r}")
        if len(self.mean) != len(self.std) or any(s <= 0 for s in self.std):
            raise ValueError(f"mean {self.mean!r} and std {self.std!r} must have one entry per channel, std > 0")

    def __call__(self, images: torch.Tensor) -> torch.Tensor:
        """The preprocessed float tensor, with the batch dimension only if ``images`` had one."""
        if not isinstance(images, torch.Tensor) or images.dim() not in (3, 4):
            shape = tuple(images.shape) if isinstance(images, torch.Tensor) else type(images).__name__
            raise TypeError(f"images must be a tensor shaped (C, H, W) or (N, C, H, W), got {shape}")
        channels = images.shape[-3]
        if channels != len(self.mean):
            raise ValueError(f"images have {channels} channels, but mean/std have {len(self.mean)}")
        batched = images if images.dim() == 4 else images.unsqueeze(0)
        is_uint8 = batched.dtype == torch.uint8
        if not is_uint8 and not batched.is_floating_point():
            raise TypeError(f"images must be uint8 (0-255) or float (0-1), got {batched.dtype}")
        x = batched.float()
        if self.resize_size is not None:
            x = resize_shorter_side(x, self.resize_size, self.interpolation)
            if is_uint8:  # as torchvision does: a resized uint8 image stays uint8
                x = x.round().clamp(0, 255)
        if self.crop_size is not None:
            x = center_crop(x, self.crop_size)
        x = x / 255.0 if is_uint8 else x
        if self.pixel_range == 255.0:
            x = x * 255.0
        if self.channel_order == "BGR":
            x = x.flip(-3)
        mean = torch.tensor(self.mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        std = torch.tensor(self.std, dtype=x.dtype, device=x.device).view(-1, 1, 1)
        x = (x - mean) / std
        return x if images.dim() == 4 else x.squeeze(0)
