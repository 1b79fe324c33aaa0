"""ImageTransform: resize of the shorter side, center crop, channel order and normalisation, on tensors."""

from __future__ import annotations

import pytest
import torch

from cnn_models.transforms import ImageTransform, center_crop, resize_shorter_side


@pytest.mark.parametrize(
    ("shape", "size", "expected"),
    [((20, 30), 10, (10, 15)), ((30, 20), 10, (15, 10)), ((7, 10), 5, (5, 7)), ((10, 10), 10, (10, 10))],
)
def test_resize_matches_the_shorter_side_and_keeps_the_aspect_ratio(shape, size, expected):
    out = resize_shorter_side(torch.rand(1, 3, *shape), size)
    assert tuple(out.shape[-2:]) == expected


def test_resize_of_a_constant_image_keeps_the_value():
    out = resize_shorter_side(torch.full((1, 3, 40, 60), 0.25), 13)
    assert torch.allclose(out, torch.full_like(out, 0.25))


def test_center_crop_takes_the_middle():
    image = torch.arange(7 * 9).reshape(1, 7, 9)
    crop = center_crop(image, 3)
    assert crop[0, 0].tolist() == [2 * 9 + 3, 2 * 9 + 4, 2 * 9 + 5]


def test_center_crop_larger_than_the_image_is_refused():
    with pytest.raises(ValueError, match="crop size 8 is larger than the image"):
        center_crop(torch.zeros(3, 5, 5), 8)


def test_normalisation_on_the_unit_scale():
    t = ImageTransform(None, None, mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 1.0))
    image = torch.tensor([0.5, 0.5, 0.5]).view(3, 1, 1).expand(3, 2, 2)
    assert t(image)[:, 0, 0].tolist() == [0.0, 1.0, 0.5]


def test_uint8_and_float_inputs_give_the_same_result():
    t = ImageTransform(None, 4, mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    image = torch.randint(0, 256, (2, 3, 6, 6), dtype=torch.uint8)
    assert torch.allclose(t(image), t(image.float() / 255))


def test_bgr_on_the_pixel_scale_as_caffe_weights_expect():
    t = ImageTransform(
        None, None, mean=(103.53, 116.28, 123.675), std=(1.0, 1.0, 1.0), pixel_range=255.0, channel_order="BGR"
    )
    rgb = torch.tensor([200, 100, 50], dtype=torch.uint8).view(3, 1, 1)
    out = t(rgb)[:, 0, 0]
    assert torch.allclose(out, torch.tensor([50 - 103.53, 100 - 116.28, 200 - 123.675]))


def test_batch_and_single_image_shapes():
    t = ImageTransform(8, 6, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    assert t(torch.rand(3, 9, 12)).shape == (3, 6, 6)
    assert t(torch.rand(2, 3, 9, 12)).shape == (2, 3, 6, 6)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(resize_size=0), "resize_size must be a positive int or None, got 0"),
        (dict(channel_order="RBG"), "channel_order must be one of"),
        (dict(pixel_range=100.0), "pixel_range must be 1.0 or 255.0"),
        (dict(std=(1.0, 0.0, 1.0)), "std > 0"),
    ],
)
def test_bad_settings_are_named(kwargs, message):
    settings = dict(resize_size=None, crop_size=None, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0)) | kwargs
    with pytest.raises(ValueError, match=message):
        ImageTransform(**settings)


def test_bad_images_are_named():
    t = ImageTransform(None, None, mean=(0.0, 0.0, 0.0), std=(1.0, 1.0, 1.0))
    with pytest.raises(TypeError, match=r"images must be a tensor shaped \(C, H, W\)"):
        t(torch.zeros(4, 4))
    with pytest.raises(ValueError, match="images have 1 channels, but mean/std have 3"):
        t(torch.zeros(1, 4, 4))
    with pytest.raises(TypeError, match="uint8"):
        t(torch.zeros(3, 4, 4, dtype=torch.int64))
